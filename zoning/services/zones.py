"""Zone services: named zones (片区) imported, listed, renamed, exported; the zones a split
uses; the owners' zones; the chain warnings of ``campusgrid validate``.

Where a campus's zones come from (:func:`split_zones`, used by ``grid split``):

1. ``--zones N``: N zones balanced by area, named 片区1…片区N until renamed (refused when
   the campus has an imported zone layer: that layer decides).
2. A zone layer (imported, or drawn by an earlier split): each cell takes the zone holding
   most of it.
3. No layer, and the people have quarters: as many zones as quarters, each named after its
   quarter (:mod:`zoning.grid.named_zones`); the zones are stored (source ``quarters``) and
   redrawn when the set of quarters changes.
4. None of these: the zones between major roads, numbered, as before.

An owner whose quarter is a zone's name is given cells of that zone only; the zone leader
of that quarter heads the zone's chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission
from zoning.errors import InvalidInput, NotFound
from zoning.geo.crs import WGS84
from zoning.safety.bounds import check_text
from zoning.store import zones as repo
from zoning.store.audit import record
from zoning.store.campus import campus_id, campus_summary, load_layers, load_people
from zoning.store.engine import writing
from zoning.store.plans import current_plan, load_cells

__all__ = [
    "SplitZones",
    "ZoneRow",
    "chain_warnings",
    "export_zones",
    "import_zone_layer",
    "import_zones",
    "list_zones",
    "owners_with_zones",
    "rename_zone",
    "split_zones",
]

#: Name of generated zone N until it is renamed.
GENERATED_NAME = "片区{n}"
#: A zone name has at most this many characters.
MAX_NAME_CHARS = 64
#: Roles whose quarters make zones (the owners and their zone leaders).
QUARTER_ROLES = ("owner", "zone_leader")


@dataclass(frozen=True)
class ZoneRow:
    """One zone of a campus: number, name, source, area (m²) and its zone leader, if any."""

    number: int
    name: str
    source: str
    area_m2: float
    leader: str | None

    def to_json(self) -> dict[str, Any]:
        """Return the row as `campusgrid zones list --json` prints it."""
        return {
            "number": self.number,
            "name": self.name,
            "source": self.source,
            "area_m2": round(self.area_m2, 1),
            "leader": self.leader,
        }


def _rows(zones: gpd.GeoDataFrame, people: pd.DataFrame, metric_crs: str) -> list[ZoneRow]:
    leaders = _leaders(people)
    area = zones.to_crs(metric_crs).geometry.area.to_numpy() if len(zones) else np.zeros(0)
    return [
        ZoneRow(int(n), str(name), str(src), float(a), leaders.get(str(name)))
        for n, name, src, a in zip(
            zones["number"], zones["name"], zones["source"], area, strict=True
        )
    ]


def _leaders(people: pd.DataFrame) -> dict[str, str]:
    """Return {quarter: the first zone leader of that quarter}."""
    out: dict[str, str] = {}
    if not len(people):
        return out
    for r in people.itertuples():
        if r.role == "zone_leader" and isinstance(r.quarter, str) and r.quarter:
            out.setdefault(r.quarter, str(r.name))
    return out


def list_zones(engine: Engine, campus: str, *, actor: Actor) -> list[ZoneRow]:
    """Return the zones of ``campus`` by number. Raises PermissionDenied (view_map), NotFound."""
    actor.require(Permission.VIEW_MAP, "list the zones of a campus")
    summary = campus_summary(engine, campus)
    return _rows(repo.load_zones(engine, campus), load_people(engine, campus), summary.metric_crs)


def zone_names(engine: Engine, campus: str, *, actor: Actor) -> dict[int, str]:
    """Return {zone number: name} of ``campus`` (empty: its zones are bare numbers)."""
    actor.require(Permission.VIEW_MAP, "read the zone names of a campus")
    return repo.zone_names(engine, campus)


def import_zones(
    engine: Engine,
    campus: str,
    path: str | Path,
    *,
    actor: Actor,
    name_field: str | None = None,
    crs: str | None = None,
) -> tuple[list[ZoneRow], list[str]]:
    """Replace the zones of ``campus`` with the named polygons of the file at ``path``.

    Any format ``campusgrid import`` reads. Zones are clipped to the campus; a name the
    campus already had keeps its number, new names are numbered north→south, west→east
    after them. The next ``grid split`` takes each cell's zone from these polygons. Returns
    the zones and the warnings. Raises PermissionDenied (edit_plans), NotFound, ImportFailed,
    InvalidInput (a zone wholly outside the campus).
    """
    from zoning.campus.zones import read_zones

    actor.require(Permission.EDIT_PLANS, "import the zones of a campus")
    campus_summary(engine, campus)  # NotFound before reading the file
    zones, warnings = read_zones(Path(path), name_field=name_field, crs=crs)
    return import_zone_layer(engine, campus, zones, actor=actor, origin=Path(path).name), warnings


def import_zone_layer(
    engine: Engine, campus: str, zones: gpd.GeoDataFrame, *, actor: Actor, origin: str
) -> list[ZoneRow]:
    """Replace the zones of ``campus`` with ``zones`` (one row per zone: ``name`` and a
    polygon, any CRS), as :func:`import_zones` does for a file; ``origin`` (a file name,
    "demo quarters") names where they came from in messages and the audit row. Stored as
    source ``imported``. Raises PermissionDenied (edit_plans), NotFound, InvalidInput (a zone
    wholly outside the campus, a repeated name)."""
    from zoning.grid.named_zones import reading_rank

    actor.require(Permission.EDIT_PLANS, "import the zones of a campus")
    summary = campus_summary(engine, campus)
    metric = CRS.from_user_input(summary.metric_crs)
    boundary = load_layers(engine, campus).boundary.to_crs(metric)
    outline = shapely.union_all(np.asarray(boundary.geometry.values, dtype=object))
    local = zones.to_crs(metric)
    clipped = shapely.intersection(np.asarray(local.geometry.values, dtype=object), outline)
    empty = shapely.area(clipped) <= 0
    if empty.any():
        names = ", ".join(str(n) for n in local.loc[empty, "name"])
        raise InvalidInput(
            f"Zone(s) {names} of {origin} lie outside campus {campus!r}: is it the "
            "right file, in the right coordinates (--crs)?",
            zh=f"{origin} 中的片区 {names} 位于校区 {campus!r} 之外：文件是否正确、坐标系（--crs）"
            "是否正确？",
        )
    local = gpd.GeoDataFrame({"name": local["name"].tolist()}, geometry=list(clipped), crs=metric)
    local = local.iloc[reading_rank(local)].reset_index(drop=True)
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        local["number"] = repo.numbered(local, repo.names_of(conn, cid))
        repo.replace_zones(conn, cid, local.to_crs(WGS84), source="imported")
        record(
            conn,
            campus_id=cid,
            actor=actor.name,
            action="zones.import",
            detail={"file": origin, "zones": len(local)},
        )
    return list_zones(engine, campus, actor=actor)


def rename_zone(engine: Engine, campus: str, number: int, name: str, *, actor: Actor) -> str:
    """Rename zone ``number`` of ``campus`` to ``name``; return the old name.

    Raises PermissionDenied (edit_plans), NotFound (no such campus or zone), InvalidInput
    (an empty or too long name, one another zone has).
    """
    actor.require(Permission.EDIT_PLANS, "rename a zone")
    new = " ".join(check_text(name, what="The zone name", limit=MAX_NAME_CHARS).split())
    if not new:
        raise InvalidInput(
            "The zone name is empty: give the new name, e.g. 北区.",
            zh="片区名称为空：请填写新名称，例如 北区。",
        )
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        old = repo.rename(conn, cid, int(number), new)
        record(
            conn,
            campus_id=cid,
            actor=actor.name,
            action="zones.rename",
            detail={"number": int(number), "from": old, "to": new},
        )
    return old


def export_zones(engine: Engine, campus: str, out: str | Path, *, actor: Actor) -> int:
    """Write the zones of ``campus`` to ``out`` as GeoJSON (number, name, source; EPSG:4326)
    and return how many; one ``zones.export`` audit row. Edit them in QGIS and ``zones
    import`` the file back to redraw.

    Raises PermissionDenied (export), NotFound (no campus, or no zones yet), InvalidInput
    (a missing folder).
    """
    actor.require(Permission.EXPORT, "export the zones of a campus")
    zones = repo.load_zones(engine, campus)
    if not len(zones):
        raise NotFound(
            f"Campus {campus!r} has no named zones yet: `campusgrid zones import` a zone layer, "
            "or split with --zones N (or with people who have quarters).",
            zh=f"校区 {campus!r} 还没有命名片区：请用 `campusgrid zones import` 导入片区图层，"
            "或用 --zones N 划分网格（或在人员有所属片区时划分）。",
        )
    target = Path(out)
    if not target.parent.is_dir():
        raise InvalidInput(
            f"The folder {target.parent} does not exist: create it first.",
            zh=f"文件夹 {target.parent} 不存在：请先创建它。",
        )
    target.unlink(missing_ok=True)
    zones.to_file(target, driver="GeoJSON")
    with writing(engine) as conn:
        record(
            conn,
            campus_id=campus_id(conn, campus),
            actor=actor.name,
            action="zones.export",
            detail={"file": target.name, "zones": len(zones)},
        )
    return len(zones)


# --------------------------------------------------------------------------- split


@dataclass(frozen=True)
class SplitZones:
    """What a split does about zones: ``areas`` (polygons with ``number``, metric CRS) decide
    the cells' zones, or ``count`` zones are drawn and then named ``names_by_label`` /
    ``quarters``. ``source`` is what to store the drawn zones as (None: nothing stored)."""

    areas: gpd.GeoDataFrame | None = None
    count: int | None = None
    source: str | None = None
    quarters: tuple[str, ...] = ()
    held: dict[str, Any] = field(default_factory=dict)


def _quarters(people: pd.DataFrame) -> tuple[str, ...]:
    if not len(people):
        return ()
    mine = people[people["role"].isin(QUARTER_ROLES)]
    return tuple(sorted({str(q) for q in mine["quarter"] if isinstance(q, str) and q.strip()}))


def split_zones(engine: Engine, campus: str, *, zones: int | None, crs: CRS) -> SplitZones:
    """Return how a split of ``campus`` gets its zones (see the module). Raises InvalidInput
    for ``--zones`` on a campus with an imported zone layer."""
    layer = repo.load_zones(engine, campus)
    source = str(layer["source"].iloc[0]) if len(layer) else None
    if zones is not None:
        if source == "imported":
            raise InvalidInput(
                f"Campus {campus!r} has an imported zone layer ({len(layer)} zones): it decides "
                "the zones. Drop --zones, or `campusgrid zones import` another layer.",
                zh=f"校区 {campus!r} 已导入片区图层（{len(layer)} 个片区），片区由它决定："
                "请去掉 --zones，或用 `campusgrid zones import` 导入另一图层。",
            )
        return SplitZones(count=zones, source="generated")
    quarters = _quarters(load_people(engine, campus))
    stale = source == "quarters" and quarters and set(quarters) != set(layer["name"])
    if len(layer) and not stale:
        return SplitZones(areas=layer[["number", "geometry"]].to_crs(crs))
    if quarters:
        return SplitZones(
            count=len(quarters),
            source="quarters",
            quarters=quarters,
            held=_held(engine, campus, crs),
        )
    return SplitZones()


def _held(engine: Engine, campus: str, crs: CRS) -> dict[str, Any]:
    """Return {quarter: the union of the current plan's cells its owners hold} (metric)."""
    plan = current_plan(engine, campus)
    if plan is None:
        return {}
    cells = load_cells(engine, campus, plan.id)
    people = load_people(engine, campus)
    quarter_of = {
        str(n): q
        for n, q in zip(people["name"], people["quarter"], strict=True)
        if isinstance(q, str)
    }
    cells = cells[cells["owner"].map(lambda o: isinstance(o, str) and o in quarter_of)]
    if not len(cells):
        return {}
    local = cells.to_crs(crs)
    groups = local.groupby(local["owner"].map(quarter_of))
    return {
        str(q): shapely.union_all(np.asarray(g.geometry.values, dtype=object)) for q, g in groups
    }


def named_outlines(cells: gpd.GeoDataFrame, plan: SplitZones) -> gpd.GeoDataFrame | None:
    """Return the zones a split drew (number, name, geometry in the cells' CRS), or None
    when it drew none to store."""
    from zoning.grid.named_zones import match_quarters, quarter_targets, zone_outlines

    if plan.source is None or not len(cells):
        return None
    outlines = zone_outlines(cells)
    names = {int(n): GENERATED_NAME.format(n=int(n)) for n in outlines["number"]}
    if plan.quarters:
        campus = shapely.union_all(np.asarray(outlines.geometry.values, dtype=object))
        targets = quarter_targets(plan.quarters, campus=campus, held=plan.held)
        geoms = np.asarray(cells.geometry.values, dtype=object)
        names.update(match_quarters(geoms, cells["zone"], plan.quarters, targets=targets))
    outlines["name"] = [names[int(n)] for n in outlines["number"]]
    return outlines


def owners_with_zones(owners: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """Return ``owners`` (name, quarter) as assign_owners reads them: ``name`` and ``zone``,
    the number of the zone named like the owner's quarter (None: any zone)."""
    number_of = {name: number for number, name in names.items()}
    zone = [
        number_of.get(q) if isinstance(q, str) else None
        for q in (owners["quarter"] if "quarter" in owners.columns else [None] * len(owners))
    ]
    return pd.DataFrame({"name": owners["name"].tolist(), "zone": pd.Series(zone, dtype=object)})


# --------------------------------------------------------------------------- validate


def chain_warnings(engine: Engine, campus: str, zones_in_plan: list[int]) -> list[dict[str, Any]]:
    """Return the warnings of a plan's chain of responsibility when the campus has named
    zones: a zone of the plan without a zone leader (kind ``zone_without_leader``), a zone
    leader whose quarter is no zone (kind ``leader_without_zone``)."""
    try:
        names = repo.zone_names(engine, campus)
    except NotFound:
        return []
    if not names:
        return []
    people = load_people(engine, campus)
    leaders = _leaders(people)
    warnings: list[dict[str, Any]] = []
    listed = ", ".join(f"{n} {names[n]}" for n in sorted(names))
    for number in sorted(set(zones_in_plan)):
        name = names.get(number, str(number))
        if name not in leaders:
            warnings.append(
                {
                    "kind": "zone_without_leader",
                    "zone": number,
                    "name": name,
                    "message": f"Zone {number} {name} has no zone leader: give a zone_leader "
                    f"the quarter {name!r} in the people list (`campusgrid people import`).",
                }
            )
    all_leaders = people[people["role"] == "zone_leader"] if len(people) else people
    for r in all_leaders.itertuples():
        quarter = r.quarter if isinstance(r.quarter, str) and r.quarter else None
        if quarter is not None and quarter in names.values():
            continue
        said = f"quarter {quarter!r}" if quarter else "no quarter"
        warnings.append(
            {
                "kind": "leader_without_zone",
                "person": str(r.name),
                "quarter": quarter,
                "message": f"Zone leader {r.name} ({said}) leads no zone; the zones are "
                f"{listed}. Set the quarter to a zone's name, or rename the zone "
                "(`campusgrid zones rename`).",
            }
        )
    return warnings
