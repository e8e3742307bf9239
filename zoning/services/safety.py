"""Safety-operations services: staff, schedules, submissions, to-do, completion report.

The ledger and complaint services are in :mod:`zoning.services.ledger`.

Each function takes an engine, composes the pure modules (:mod:`zoning.safety.inspections`,
:mod:`zoning.safety.ledger.workflow`, :mod:`zoning.safety.complaints`) with the repositories of
:mod:`zoning.store.safety`, and writes what belongs together in one transaction.

Who answers for a zone (:func:`zone_staff`): cells carry an integer ``zone``, people a
``quarter`` (片区) name. A zone's leader is the ``zone_leader`` whose quarter is the zone's
name (the campus's zone names, :func:`zoning.store.zones.names_of`), else the one of the
quarter whose owners own most of the zone's cells (ties: quarter name); zones left without
a leader take the leaders in turn, by zone number. A zone's fallback owner (属地兜底) is
the owner holding most of its cells, else the first owner of its leader's quarter, else its
leader. The safety office and leadership are the first person (by id) with that role.

Schedules are materialised lazily: every call that needs due inspections first makes sure
they exist up to ``SCHEDULE_AHEAD_DAYS`` after the day asked about, from where the last
schedule of the current plan stopped (its ``schedule_mark``, not an audit row: reading the
to-do list writes nothing to the audit trail).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission, Scope
from zoning.clock import as_utc, local_day, local_noon, local_text, utcnow
from zoning.errors import AlreadySubmitted, InvalidInput, NotFound
from zoning.geo.crs import WGS84
from zoning.safety import inspections as insp
from zoning.safety.access import Access
from zoning.safety.bounds import check_ahead, check_day, check_lonlat, check_text, check_time
from zoning.safety.checklists import (
    ENV_VAR,
    ChecklistTemplate,
    default_checklist_dir,
    load_templates,
)
from zoning.safety.exports import csv_bytes, workbook_bytes, write_table
from zoning.safety.ledger.rates import counts_moved, rate_counts, rates_of_counts
from zoning.safety.ledger.workflow import ResponsibilityChain
from zoning.services.on_paper import person_on_paper
from zoning.services.photos import discard_photos, store_photo
from zoning.store import safety as repo
from zoning.store.audit import on_behalf_detail, record
from zoning.store.campus import campus_id
from zoning.store.engine import writing
from zoning.store.frames import read_frame
from zoning.store.models.campus import Building, Campus, Person, table_of
from zoning.store.plans import PlanSummary, current_plan, load_cell_owners, load_cells
from zoning.store.zones import names_of, zone_names
from zoning.sums import sums_moved

write_schedule_mark = repo.write_schedule_mark  # the demo seeds its schedule with it

SCHEDULE_AHEAD_DAYS = 92
REPORT_KEYS: dict[str, str] = {
    "cell": "cell_code",
    "zone": "zone",
    "owner": "owner",
    "domain": "domain",
    "week": "week",
}
OUTCOME_ALIASES = {"pass": "pass", "fail": "fail", "na": "not_applicable"}
OUTCOME_ALIASES["not_applicable"] = "not_applicable"
NOBODY = "未指定"
#: How far (m) outside the current plan's cells a located report may lie (GPS error).
GPS_TOLERANCE_M = 50.0


# --------------------------------------------------------------------------- who answers


@dataclass(frozen=True)
class Staff:
    """Who answers for each zone (keys are zone labels, "3") and campus-wide."""

    zone_leaders: dict[str, str]
    fallback_owners: dict[str, str]
    safety_office: str
    leadership: str
    cell_owners: dict[str, str | None] = field(default_factory=dict)

    def chain(self) -> ResponsibilityChain:
        """Return the ledger's chain of responsibility."""
        return ResponsibilityChain(
            safety_office=self.safety_office,
            leadership=self.leadership,
            zone_leaders=self.zone_leaders,
            zone_fallback_owners=self.fallback_owners,
            cell_owners=self.cell_owners,
        )


def zone_staff(
    cells: pd.DataFrame, people: pd.DataFrame, names: Mapping[int, str] | None = None
) -> Staff:
    """Return the zone leaders, fallback owners, safety office and leadership (see module).

    ``names`` is the campus's {zone number: name}: a zone leader whose quarter is a zone's
    name heads that zone, whoever owns its cells."""
    roles = people.sort_values("id") if "id" in people.columns else people
    by_role = {
        role: [str(n) for n in roles.loc[roles["role"] == role, "name"]]
        for role in ("leadership", "safety_office", "zone_leader", "owner")
    }
    quarter_of = {str(r.name): r.quarter for r in roles.itertuples() if isinstance(r.quarter, str)}
    leader_of_quarter: dict[str, str] = {}
    for name in by_role["zone_leader"]:
        leader_of_quarter.setdefault(str(quarter_of.get(name)), name)
    codes, distinct = pd.factorize(cells["zone"])  # a handful of zones over many cells
    numbers = np.array([*(repo.zone_number(v) for v in distinct), None], dtype=object)[codes]
    zones = sorted({z for z in numbers if z is not None})
    leaders: dict[str, str] = {}
    fallback: dict[str, str] = {}
    spare = sorted(leader_of_quarter.items())
    for index, zone in enumerate(zones):
        mine = cells[numbers == zone]
        owners = [str(o) for o in mine["owner"] if isinstance(o, str) and o]
        quarters = Counter(q for q in (quarter_of.get(o) for o in owners) if q in leader_of_quarter)
        named = (names or {}).get(zone)
        if named is not None and named in leader_of_quarter:
            leader: str | None = leader_of_quarter[named]
        elif quarters:
            best = sorted(quarters.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            leader = leader_of_quarter[best]
        else:
            leader = spare[index % len(spare)][1] if spare else None
        if leader:
            leaders[str(zone)] = leader
        if owners:
            fallback[str(zone)] = sorted(Counter(owners).items(), key=lambda kv: (-kv[1], kv[0]))[
                0
            ][0]
        else:
            quarter = quarter_of.get(leader or "")
            same = [o for o in by_role["owner"] if quarter and quarter_of.get(o) == quarter]
            chosen = same[0] if same else leader
            if chosen:
                fallback[str(zone)] = chosen
    cell_owners = {
        str(c): (o if isinstance(o, str) and o else None)
        for c, o in zip(cells["code"], cells["owner"], strict=True)
    }
    return Staff(
        zone_leaders=leaders,
        fallback_owners=fallback,
        safety_office=(by_role["safety_office"] or [NOBODY])[0],
        leadership=(by_role["leadership"] or [NOBODY])[0],
        cell_owners=cell_owners,
    )


@dataclass(frozen=True)
class CampusOps:
    """What the services need about a campus: ids, current cells (EPSG:4326), people."""

    campus: str
    cid: int
    plan_id: int
    plan_created: datetime
    metric_crs: str
    cells: gpd.GeoDataFrame
    people: pd.DataFrame
    staff: Staff
    #: The campus's {zone number: name} (empty: its zones are bare numbers).
    zone_names: dict[int, str] = field(default_factory=dict)


_Frame = TypeVar("_Frame", bound=pd.DataFrame)


def _plan_of(engine: Engine, campus: str) -> PlanSummary:
    """Return the campus's current plan; NotFound when it has none (or no such campus)."""
    check_text(campus, what="The campus name", limit=200, empty=False)
    plan = current_plan(engine, campus)
    if plan is None:
        raise NotFound(
            f"Campus {campus!r} has no grid plan yet: run `campusgrid split` first.",
            zh=f"校区 {campus!r} 还没有网格方案：请先运行 `campusgrid split` 划分网格。",
        )
    return plan


def _people(conn: sa.Connection, cid: int) -> pd.DataFrame:
    """Return the campus's people (id, name, role, quarter) as object columns."""
    rows = conn.execute(
        sa.select(Person.id, Person.name, Person.role, Person.quarter).where(
            Person.campus_id == cid
        )
    ).fetchall()
    return pd.DataFrame(
        [tuple(r) for r in rows], columns=["id", "name", "role", "quarter"], dtype=object
    )


def _zone_labelled(cells: _Frame) -> _Frame:
    """Return a copy of ``cells`` with ``zone`` as labels ("3"), as the people's quarters."""
    out = cells.copy()
    out["zone"] = pd.Series(repo.zone_labels(cells["zone"]), index=cells.index, dtype=object)
    return out


#: :func:`campus_ops` results kept (per database, campus, plan, data version, zone names).
OPS_KEPT = 8
_OPS: dict[tuple[object, ...], CampusOps] = {}
#: :func:`campus_staff` results kept the same way (when :func:`campus_ops` is not).
_STAFF: dict[tuple[object, ...], Staff] = {}
_Kept = TypeVar("_Kept", CampusOps, Staff)
_OPS_LOCK = threading.Lock()


def campus_version(
    engine: Engine, campus: str
) -> tuple[tuple[object, ...], PlanSummary, int, dict[int, str]]:
    """Return the key :func:`campus_ops` and :func:`campus_staff` are kept by (what moves
    when the cells, owners, people or zone names change: database, campus, plan and its
    creation time, data version, zone names), with the plan, campus id and zone names read for
    it (two small reads). Raises NotFound as ``campus_ops`` does."""
    plan = _plan_of(engine, campus)
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        version = conn.execute(sa.select(Campus.data_version).where(Campus.id == cid)).scalar()
        names = names_of(conn, cid)
    key = (  # the plan's creation time too: ids restart in a restored or emptied database
        str(engine.url), campus, cid, plan.id, plan.created_at, version,
        tuple(sorted(names.items())),
    )  # fmt: skip
    return key, plan, cid, names


def _kept(kept: dict[tuple[object, ...], _Kept], key: tuple[object, ...], value: _Kept) -> None:
    """Keep ``value`` under ``key`` in ``kept``, the oldest dropped past :data:`OPS_KEPT`."""
    with _OPS_LOCK:
        kept[key] = value
        while len(kept) > OPS_KEPT:
            del kept[next(iter(kept))]


def campus_ops(engine: Engine, campus: str) -> CampusOps:
    """Load the current plan's cells (with ``use`` and zone labels) and the people.

    Kept in memory per version of the campus: the cells' uses (a spatial join of cells and
    buildings, ~0.4 s on a large campus) and the staff were computed again by every ledger
    step, hazard shown and submission. An import, a people import, a plan activated or
    edited bump the campus's data version, and the zone names are part of the key, so a
    change is never missed; two small reads tell. Callers treat the frames as read-only.
    Raises NotFound for an unknown campus or a campus without a plan.
    """
    key, plan, cid, names = campus_version(engine, campus)
    with _OPS_LOCK:
        kept = _OPS.get(key)
    if kept is not None:
        return kept
    ops = _read_campus_ops(engine, campus, plan, cid, names)
    _kept(_OPS, key, ops)
    return ops


def _read_campus_ops(
    engine: Engine, campus: str, plan: PlanSummary, cid: int, names: dict[int, str]
) -> CampusOps:
    """Read :func:`campus_ops` of campus ``cid`` (its zone ``names`` already read for the
    key) from the database."""
    cells = _zone_labelled(load_cells(engine, campus, plan.id))
    with engine.connect() as conn:
        metric = conn.execute(sa.select(Campus.metric_crs).where(Campus.id == cid)).scalar_one()
        people = _people(conn, cid)
        buildings = read_frame(
            conn, table_of(Building), ["id", "name", "use"], Building.campus_id == cid
        )
    cells["use"], cells["buildings"] = cell_contents(cells.to_crs(metric), buildings.to_crs(metric))
    return CampusOps(
        campus=campus,
        cid=cid,
        plan_id=plan.id,
        plan_created=as_utc(plan.created_at),
        metric_crs=str(metric),
        cells=cells,
        people=people,
        staff=zone_staff(cells, people, names),
        zone_names=names,
    )


def campus_staff(engine: Engine, campus: str) -> tuple[int, Staff]:
    """Return the campus id and :attr:`CampusOps.staff` without reading geometry.

    :func:`campus_ops` also reads every cell polygon and building to give cells their use,
    which who answers for a hazard does not need. Kept like it (the same key: every
    hazards table read needs it, ~0.3 s on a large campus). Raises NotFound as
    ``campus_ops`` does.
    """
    return staff_at(engine, campus, campus_version(engine, campus))


def staff_at(
    engine: Engine,
    campus: str,
    version: tuple[tuple[object, ...], PlanSummary, int, dict[int, str]],
) -> tuple[int, Staff]:
    """Return :func:`campus_staff` for ``version`` (what :func:`campus_version` returned:
    a caller that read it already does not read it again)."""
    key, plan, cid, names = version
    with _OPS_LOCK:
        ops, staff = _OPS.get(key), _STAFF.get(key)
    if ops is not None:
        return cid, ops.staff
    if staff is None:
        cells = _zone_labelled(load_cell_owners(engine, campus, plan.id))
        with engine.connect() as conn:
            people = _people(conn, cid)
        staff = zone_staff(cells, people, names)
        _kept(_STAFF, key, staff)
    return cid, staff


def access_in(cells: pd.DataFrame, campus: str, actor: Actor) -> Access:
    """Return the scope of ``actor`` on ``campus`` given the current plan's ``cells`` (code,
    zone labels, owner). A zone leader or inspector of another campus sees nothing here."""
    if actor.scope is Scope.CAMPUS:
        return Access(actor)
    if actor.campus is not None and actor.campus != campus:
        return Access(replace(actor, person=None, zone=None))
    if actor.scope is Scope.ZONE:
        mine = [str(z) == str(actor.zone) for z in cells["zone"]] if actor.zone is not None else []
    else:
        mine = [o == actor.person for o in cells["owner"]] if actor.person else []
    codes = cells["code"][mine] if len(mine) else cells["code"].iloc[:0]
    return Access(actor, frozenset(str(c) for c in codes))


def campus_access(engine: Engine, campus: str, actor: Actor) -> Access:
    """Return :func:`access_in` for ``campus``'s current plan (reads no geometry; nothing to
    read for a campus-wide account)."""
    if actor.scope is Scope.CAMPUS:
        return Access(actor)
    plan = _plan_of(engine, campus)
    return access_in(_zone_labelled(load_cell_owners(engine, campus, plan.id)), campus, actor)


def acting_as(actor: Actor, by: str | None, people: pd.DataFrame, campus: str) -> str:
    """Return the name an event records: ``by`` (work done on paper by another person, who
    must be a person of the campus: :func:`zoning.services.on_paper.person_on_paper`), else the
    account's person, else the account's name. Raises NotFound, InvalidInput."""
    return person_on_paper(by, people["name"], campus) or actor.person or actor.name


def on_behalf(actor: Actor, by: str | None) -> dict[str, str]:
    """Return the audit detail of who entered a record for whom (empty when acting as oneself):
    :func:`zoning.store.audit.on_behalf_detail`."""
    return on_behalf_detail(actor.name, by)


def export(
    engine: Engine,
    campus: str,
    sheets: Mapping[str, pd.DataFrame],
    *,
    actor: Actor,
    what: str,
    fmt: str,
    title: str | None = None,
    path: Path | None = None,
    detail: Mapping[str, Any] | None = None,
) -> bytes:
    """Return (and write to ``path`` when given) ``sheets`` as ``fmt`` (xlsx or csv: the first
    sheet), formula-safe (:mod:`zoning.safety.exports`), and audit it as ``<what>.export``.

    Needs the ``export`` permission. Raises InvalidInput for another format, or a ``path``
    whose folder does not exist; nothing is audited then.
    """
    actor.require(Permission.EXPORT, f"export the {what}")
    if path is not None:
        fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        raise InvalidInput(
            f"Cannot export as {fmt!r}: use a .xlsx or .csv file.",
            zh=f"不能导出为 {fmt!r}：请用 .xlsx 或 .csv 文件。",
        )
    if not sheets:
        raise InvalidInput("Nothing to export: no sheet was given.", zh="没有可导出的内容。")
    first = next(iter(sheets))
    if path is not None:
        write_table(sheets[first], path, sheet=first, title=title)
        data = path.read_bytes()
    elif fmt == "csv":
        data = csv_bytes(sheets[first])
    else:
        data = workbook_bytes(sheets, title=title)
    rows = {name: len(frame) for name, frame in sheets.items()}
    with writing(engine) as conn:
        record(
            conn,
            campus_id=campus_id(conn, campus),
            actor=actor.name,
            action=f"{what}.export",
            detail={"format": fmt, "rows": rows, "path": str(path) if path else None,
                    **(detail or {})},
        )  # fmt: skip
    return data


def cell_uses(
    cells: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, *, min_share: float = 0.2
) -> pd.Series:
    """Return each cell's building use: the use with the largest footprint area inside it.

    Only when buildings of that use cover at least ``min_share`` of the cell (metric CRS);
    else None. Building cells get their building's use this way too.
    """
    return cell_contents(cells, buildings, min_share=min_share)[0]


def cell_contents(
    cells: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, *, min_share: float = 0.2
) -> tuple[pd.Series, pd.Series]:
    """Return each cell's building use (:func:`cell_uses`) and the buildings it holds.

    A building is held by the one cell with the largest share of its footprint (ties: the
    first cell), whatever the split method; held is a tuple of (name, use) pairs per cell,
    by name. ``buildings`` needs ``use`` and may have ``name`` and ``id`` (an unnamed
    building is "#<id>", else "#<row>"). Metric CRS; one intersection per building × cell
    pair, shared by both answers.
    """
    out: list[str | None] = [None] * len(cells)
    held: list[tuple[tuple[str, str | None], ...]] = [()] * len(cells)
    if len(cells) and len(buildings):
        geoms = np.asarray(cells.geometry.values, dtype=object)
        feet = np.asarray(buildings.geometry.values, dtype=object)
        uses = buildings["use"].to_numpy(dtype=object)
        bi, ci = shapely.STRtree(feet).query(geoms, predicate="intersects")[::-1]
        shared = shapely.area(shapely.intersection(feet[bi], geoms[ci]))
        totals: dict[int, dict[str, float]] = {}
        for b, c, a in zip(bi, ci, shared, strict=True):
            if isinstance(uses[b], str) and uses[b]:
                per_use = totals.setdefault(int(c), {})
                per_use[uses[b]] = per_use.get(uses[b], 0.0) + float(a)
        areas = shapely.area(geoms)
        for c, per_use in totals.items():
            use, area = max(per_use.items(), key=lambda kv: (kv[1], kv[0]))
            if area >= min_share * float(areas[c]):
                out[c] = use
        held = _held_buildings(buildings, bi, ci, shared, len(cells))
    return pd.Series(out, index=cells.index, dtype=object), pd.Series(
        held, index=cells.index, dtype=object
    )


def _held_buildings(
    buildings: pd.DataFrame,
    bi: np.ndarray[Any, np.dtype[Any]],
    ci: np.ndarray[Any, np.dtype[Any]],
    shared: np.ndarray[Any, np.dtype[Any]],
    n_cells: int,
) -> list[tuple[tuple[str, str | None], ...]]:
    """Return per cell the (name, use) of the buildings whose largest share lies in it."""
    held: list[list[tuple[str, str | None]]] = [[] for _ in range(n_cells)]
    if not len(bi):
        return [()] * n_cells
    order = np.lexsort((ci, -shared, bi))  # per building: largest share first, then cell
    first = order[np.r_[True, bi[order][1:] != bi[order][:-1]]]
    names = buildings["name"].to_numpy(dtype=object) if "name" in buildings else None
    ids = buildings["id"].to_numpy(dtype=object) if "id" in buildings else None
    uses = buildings["use"].to_numpy(dtype=object)
    for pick in first:
        b, c = int(bi[pick]), int(ci[pick])
        if float(shared[pick]) <= 0.0:
            continue  # touches the cell only
        name = names[b] if names is not None else None
        if not isinstance(name, str) or not name.strip():
            name = f"#{ids[b] if ids is not None else b}"
        use = uses[b] if isinstance(uses[b], str) and uses[b] else None
        held[c].append((str(name).strip(), use))
    return [tuple(sorted(h, key=lambda nu: (nu[0], nu[1] or ""))) for h in held]


def on_campus(ops: CampusOps, lon: float, lat: float, *, what: str) -> tuple[float, float]:
    """Return (lon, lat) when the point lies in a cell of the current plan or within
    GPS_TOLERANCE_M (50 m) of one; else InvalidInput (a location off the campus, at (0, 0),
    or in GCJ-02 instead of WGS-84)."""
    x, y = check_lonlat(lon, lat, what=what)
    pad = 0.02  # degrees (≥ 500 m at any campus latitude): candidates before measuring
    near = ops.cells.sindex.query(shapely.box(x - pad, y - pad, x + pad, y + pad))
    if len(near):
        cells = ops.cells.geometry.iloc[near].to_crs(ops.metric_crs)
        point = gpd.GeoSeries([shapely.Point(x, y)], crs=WGS84).to_crs(ops.metric_crs).iloc[0]
        if bool(shapely.dwithin(np.asarray(cells.values), point, GPS_TOLERANCE_M).any()):
            return x, y
    raise InvalidInput(
        f"{what} ({x:.6f}, {y:.6f}) lies outside campus {ops.campus!r}: no cell of its current "
        f"plan is within {GPS_TOLERANCE_M:g} m. Check the location (WGS-84 lon/lat, not GCJ-02).",
        zh=f"位置 ({x:.6f}, {y:.6f}) 在校区 {ops.campus!r} 之外：当前方案没有网格在 "
        f"{GPS_TOLERANCE_M:g} 米以内。请核对位置（WGS-84 经纬度，而非 GCJ-02）。",
    )


def py_time(value: object) -> datetime | None:
    """Return a pandas/NumPy/Python time value as a Python datetime (None for NA)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, datetime):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).tz_localize(UTC).to_pydatetime()
    return None


# --------------------------------------------------------------------------- schedules

_TEMPLATE_CACHE: dict[tuple[Any, ...], dict[str, ChecklistTemplate]] = {}


def checklist_templates() -> dict[str, ChecklistTemplate]:
    """Return :func:`load_templates`, re-read only when a checklist file or the folder changes."""
    folders = [default_checklist_dir()]
    user = os.environ.get(ENV_VAR)
    if user:
        folders.append(Path(user))
    files = [p for folder in folders if folder.is_dir() for p in sorted(folder.iterdir())]
    key = (user, *((str(p), p.stat().st_mtime_ns) for p in files))
    if key not in _TEMPLATE_CACHE:
        _TEMPLATE_CACHE.clear()
        _TEMPLATE_CACHE[key] = load_templates()
    return dict(_TEMPLATE_CACHE[key])


def due_rows(
    due: pd.DataFrame, cells: gpd.GeoDataFrame, *, campus: int, plan_id: int
) -> list[tuple[Any, ...]]:
    """Return insert tuples for due rows (repo.DUE_INSERT_COLUMNS + lon, lat of the cell)."""
    points = shapely.point_on_surface(np.asarray(cells.geometry.values, dtype=object))
    where = {
        str(code): (round(float(p.x), 7), round(float(p.y), 7))
        for code, p in zip(cells["code"], points, strict=True)
    }
    iso = pd.to_datetime(due["due_date"]).dt.isocalendar()
    weeks = [f"{y}-W{w:02d}" for y, w in zip(iso["year"], iso["week"], strict=True)]
    submitted = due["submitted_at"] if "submitted_at" in due.columns else [None] * len(due)
    named = due["buildings"] if "buildings" in due.columns else [None] * len(due)
    rows = []
    for row, week, sub, names in zip(
        due.itertuples(index=False), weeks, submitted, named, strict=True
    ):
        lon, lat = where[str(row.cell_code)]
        rows.append(
            (
                campus, plan_id, row.cell_code, repo.zone_number(row.zone),
                row.owner if isinstance(row.owner, str) else None, row.kind,
                row.use if isinstance(row.use, str) else None, row.template_code,
                int(str(row.template_version)), row.domain, row.frequency, row.period,
                row.period_start, row.due_date, py_time(row.due_at), week,
                py_time(sub), names if isinstance(names, str) and names else None,
                lon, lat,
            )
        )  # fmt: skip
    return rows


def schedule(
    engine: Engine,
    campus: str,
    *,
    through: date,
    start: date | None = None,
    templates: Mapping[str, ChecklistTemplate] | None = None,
    ops: CampusOps | None = None,
) -> int:
    """Store the due inspections of the current plan up to ``through``; return how many.

    Starts at ``start``, else after the last schedule of this plan, else at the plan's
    creation day; due rows that already exist for a cell × template × period are kept.
    """
    ops = ops or campus_ops(engine, campus)
    with writing(engine) as conn:
        if start is None:
            done = repo.scheduled_through(conn, ops.cid, ops.plan_id)
            start = done + timedelta(days=1) if done else local_day(ops.plan_created)
        if start > through:
            return 0
        templates = templates if templates is not None else checklist_templates()
        due = insp.due_inspections(
            ops.cells,
            templates,
            start=start,
            end=through,
            fallback_owners=ops.staff.fallback_owners,
        )
        known = repo.due_keys(conn, ops.cid, start, through)
        if known:
            keys = zip(due["cell_code"], due["template_code"], due["period"], strict=True)
            due = due[[k not in known for k in keys]]
        repo.record_template_versions(conn, templates.values())
        n = repo.insert_due(conn, due_rows(due, ops.cells, campus=ops.cid, plan_id=ops.plan_id))
        repo.write_schedule_mark(conn, ops.cid, ops.plan_id, start=start, through=through, rows=n)
    return n


def ensure_schedule(engine: Engine, ops: CampusOps, day: date) -> None:
    """Make sure due inspections exist up to ``SCHEDULE_AHEAD_DAYS`` after ``day``."""
    schedule(engine, ops.campus, through=day + timedelta(days=SCHEDULE_AHEAD_DAYS), ops=ops)


def ensure_campus_schedule(engine: Engine, campus: str, day: date) -> None:
    """:func:`ensure_schedule` for ``campus``, loading it (:func:`campus_ops`) only when needed.

    When the current plan is already scheduled far enough, the usual case, this reads two
    small tables instead of every cell polygon and building (about 1 s on the large demo).
    Raises NotFound as :func:`campus_ops` does.
    """
    plan = current_plan(engine, campus)
    if plan is not None:
        with engine.connect() as conn:
            done = repo.scheduled_through(conn, campus_id(conn, campus), plan.id)
        if done is not None and done >= day + timedelta(days=SCHEDULE_AHEAD_DAYS):
            return  # schedule() would start after ``through`` and store nothing
    ensure_schedule(engine, campus_ops(engine, campus), day)


# --------------------------------------------------------------------------- inspections

TODO_COLUMNS = (
    "todo", "owner", "due_date", "cell_code", "zone", "template_code", "domain", "frequency",
    "period", "buildings",
)  # fmt: skip


def todo(
    engine: Engine, campus: str, *, actor: Actor, owner: str | None = None, day: date | None = None
) -> pd.DataFrame:
    """Return the open inspections at ``day`` (default today): overdue, due today, open.

    Without ``owner`` every owner's list, grouped by owner. Needs ``submit_inspections``
    (the to-do list is the work list of those who inspect): an inspector sees only their own
    cells' list (``owner`` is their person), a zone leader their zone's. A read: it may
    store due rows (the lazy schedule) but writes no audit row. Raises NotFound for an owner
    who holds nothing on this campus, PermissionDenied for another role or scope.
    """
    actor.require(Permission.SUBMIT_INSPECTIONS, "see the inspections due")
    if actor.scope is Scope.CELLS:
        if actor.person is None:
            raise actor.refuse(
                "see the inspections due",
                "the account is linked to no person (campusgrid users add … --person)",
                Permission.SUBMIT_INSPECTIONS,
            )
        if owner is not None and owner != actor.person:
            raise actor.refuse(
                f"see the inspections due of {owner}",
                f"an inspector sees only their own cells ({actor.person})",
                Permission.SUBMIT_INSPECTIONS,
            )
        owner = actor.person
    if day is not None:
        check_ahead(day, what="The day", today=local_day(utcnow()))
    ops = campus_ops(engine, campus)
    if owner is not None and owner not in set(ops.people["name"]):
        raise NotFound(
            f"{owner!r} is not a person of campus {campus!r}.",
            zh=f"{owner!r} 不是校区 {campus!r} 的人员。",
        )
    now = local_noon(day) if day else utcnow()
    today = day or local_day(now)
    ensure_schedule(engine, ops, today)
    with engine.connect() as conn:
        # Now: a submitted row is done (its claim is in the past), so only the open ones are
        # read; a past ``day`` needs them all (a later submission was open that day).
        due = repo.load_due(conn, ops.cid, owner=owner, started_by=today, open_only=day is None)
    if actor.scope is not Scope.CAMPUS:
        scope = access_in(ops.cells, campus, actor)
        # load_due gives zone labels already
        due = due[scope.sees_rows(due["cell_code"].astype(object), due["zone"], due["owner"])]
    subs = due.loc[due["submitted_at"].notna(), ["cell_code", "template_code", "period"]].copy()
    subs["submitted_at"] = due.loc[due["submitted_at"].notna(), "submitted_at"]
    plain = due.drop(columns=["submitted_at"])
    if owner is not None:
        plain = plain[plain["owner"] == owner]
    found = insp.open_todo(plain, subs, now=now)
    if not len(found):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TODO_COLUMNS})
    return found[list(TODO_COLUMNS)].reset_index(drop=True)


@dataclass(frozen=True)
class SubmitReport:
    """A stored submission: its id, period, whether it was late, the hazards it opened."""

    inspection_id: int
    cell_code: str
    template_code: str
    template_version: int
    period: str
    submitted_at: datetime
    due_at: datetime
    late: bool
    hazard_ids: tuple[int, ...]
    amends: int | None = None  # the first submission an amendment corrects

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "inspection_id": self.inspection_id,
            "cell": self.cell_code,
            "template": self.template_code,
            "template_version": self.template_version,
            "period": self.period,
            "submitted_at": self.submitted_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "late": self.late,
            "hazards": list(self.hazard_ids),
            "amends": self.amends,
        }


def parse_results(
    template: ChecklistTemplate,
    results: Mapping[str, str],
    *,
    notes: Mapping[str, str] | None = None,
    photos: Mapping[str, str] | None = None,
) -> list[insp.ItemResult]:
    """Return item results from ITEM → pass|fail|na; ``*`` sets every item not named.

    ``photos`` maps items to photo paths as given (:func:`submit_inspection` stores them).
    Raises InvalidInput for an unknown outcome or item, or a note that is not plain text.
    """
    outcome: dict[str, str] = {}
    default = results.get("*")
    for code, value in results.items():
        if value not in OUTCOME_ALIASES:
            raise InvalidInput(
                f"Result {code}={value!r}: use pass, fail or na.",
                zh=f"检查项 {code} 的结果 {value!r} 无效：请选合格、不合格或不适用。",
            )
    for item in template.items:
        given = results.get(item.code, default)
        if given is not None:
            outcome[item.code] = OUTCOME_ALIASES[given]
    for code in results:
        if code != "*" and code not in outcome:
            template.item(code)  # raises, naming the items there are
    out = []
    for code in set(notes or {}) | set(photos or {}):
        template.item(code)
    for code, note in (notes or {}).items():
        check_text(note, what=f"The note of item {code!r}")
    for code, value in outcome.items():
        photo = (photos or {}).get(code)
        out.append(insp.ItemResult(code, value, (notes or {}).get(code, ""), photo or None))
    return out


def submit_inspection(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    cell: str,
    template: str,
    by: str | None = None,
    results: Mapping[str, str],
    notes: Mapping[str, str] | None = None,
    photos: Mapping[str, str] | None = None,
    at: datetime | None = None,
    lon: float | None = None,
    lat: float | None = None,
    period: str | None = None,
    amend: bool = False,
    reason: str | None = None,
) -> SubmitReport:
    """Store a checklist for ``cell`` × ``template`` (the period containing ``at``, or
    ``period``); every failed item opens a hazard. Nothing is stored on any error.

    A due item (cell × template × period) is submitted once: a second submission raises
    InvalidInput naming the first (who, when), also when two arrive at the same moment
    (:func:`zoning.store.safety.claim_due`). A correction is ``amend=True`` with a
    ``reason``: a new inspection linked to the first (both stay in the history), audited as
    ``inspection.amend``; it opens hazards only for items no earlier submission of the item
    failed, and the item's submission time (on time or late) stays the first one's.

    ``at`` (default now) may not be in the future; ``lon``/``lat`` (default: a point of the
    cell) must lie on the campus (:func:`on_campus`); photos are copied into the photo store
    (:mod:`zoning.services.photos`). Needs ``submit_inspections`` and the cell within the
    actor's scope. The inspector recorded is the actor's person (else its account name);
    ``by`` records paper work done by another person of the campus (audited as entered by
    the account on behalf of ``by``). One ``inspection.submit`` audit row on success, none
    otherwise. Raises PermissionDenied, NotFound (cell, template, person, period) or
    InvalidInput (results, time, location, photo).
    """
    actor.require(Permission.SUBMIT_INSPECTIONS, "submit an inspection")
    reason = _amend_reason(amend, reason)
    now = utcnow()
    at = check_time(at, what="The inspection time", now=now) if at else now
    if period is not None:
        check_text(period, what="The period", limit=40)
    ops = campus_ops(engine, campus)
    templates = checklist_templates()
    if template not in templates:
        raise NotFound(
            f"No checklist {template!r}; known: {', '.join(sorted(templates))}.",
            zh=f"没有检查表 {template!r}；已有：{', '.join(sorted(templates))}。",
        )
    here = ops.cells[ops.cells["code"] == cell]
    if not len(here):
        raise NotFound(
            f"Cell {cell!r} is not in the current plan of {campus!r}.",
            zh=f"网格 {cell!r} 不在校区 {campus!r} 的当前方案中。",
        )
    cell_owner = here["owner"].iloc[0]
    if not access_in(ops.cells, campus, actor).sees(
        cell=cell,
        zone=here["zone"].iloc[0],
        owner=cell_owner if isinstance(cell_owner, str) else None,
    ):
        raise actor.refuse(
            f"submit an inspection of cell {cell}",
            "the cell lies outside the cells you answer for",
            Permission.SUBMIT_INSPECTIONS,
        )
    inspector = acting_as(actor, by, ops.people, campus)
    item_results = parse_results(templates[template], results, notes=notes, photos=photos)
    if (lon is None) != (lat is None):
        raise InvalidInput(
            "Give both the longitude and the latitude, or neither (the cell).",
            zh="请同时填写经度和纬度，或都不填（按网格定位）。",
        )
    where = None
    if lon is not None and lat is not None:
        where = on_campus(ops, lon, lat, what="The inspection location")
    ensure_schedule(engine, ops, local_day(at))
    with engine.connect() as conn:
        due = repo.load_due(conn, ops.cid, cell_code=cell, template_code=template)
    day = local_day(at)
    if period is not None:
        chosen = due[due["period"] == period]
    else:
        starts = pd.to_datetime(due["period_start"]).dt.date
        ends = pd.to_datetime(due["due_date"]).dt.date
        chosen = due[(starts <= day) & (ends >= day)]
    if not len(chosen):
        listed = ", ".join(due["period"].astype(str).tolist()[-5:]) or "none"
        asked = period or day.isoformat()
        asked = asked if asked.isprintable() else repr(asked)  # one line, whatever was typed
        raise NotFound(
            f"Cell {cell} has no due {template!r} inspection for "
            f"{asked}; recent periods: {listed}.",
            zh=f"网格 {cell} 在 {asked} 没有待做的 {template!r} 巡查；最近的周期：{listed}。",
        )
    row = chosen.iloc[0]
    where_lon, where_lat = where or (float(row["lon"]), float(row["lat"]))
    outcome = insp.submit(
        insp.DueInspection.from_row({str(k): v for k, v in row.items()}),
        templates[template],
        submission_id="new",
        inspector=inspector,
        submitted_at=at,
        lon=where_lon,
        lat=where_lat,
        results=item_results,
    )
    due_id, due_period = int(row["id"]), str(row["period"])
    item = f"Cell {cell}'s {template!r} inspection for {due_period}"
    item_zh = f"网格 {cell} 的{templates[template].name_zh}（{due_period}）"
    new_photos: list[str] = []
    try:
        submission = _with_stored_photos(engine, outcome.submission, new_photos)
        with writing(engine) as conn:
            hazards = outcome.hazards
            first: repo.FirstSubmission | None = None
            if amend:
                first = repo.first_submission(conn, due_id)
                if first is None:
                    raise InvalidInput(
                        f"{item} has not been submitted yet: there is nothing to amend; "
                        "submit it without --amend.",
                        zh=f"{item_zh} 还没有提交，无可更正：请直接提交（不加 --amend）。",
                    )
                failed = repo.failed_items(conn, due_id)
                hazards = tuple(h for h in hazards if h.item_code not in failed)
            elif not repo.claim_due(conn, due_id, at):
                raise _already_submitted((item, item_zh), repo.first_submission(conn, due_id))
            repo.record_template_versions(conn, [templates[template]])
            (new_id,) = repo.save_submissions(
                conn,
                ops.cid,
                [repo.SubmissionRecord(
                    submission, due_id, ops.plan_id, row["zone"], row["owner"],
                    amends=first.inspection_id if first else None, amend_reason=reason,
                )],
            )  # fmt: skip
            hazard_ids = repo.save_hazards(
                conn, ops.cid, [repo.HazardRecord(h, ops.plan_id, new_id) for h in hazards]
            )
            amended = {"amends": first.inspection_id, "reason": reason} if first else {}
            record(
                conn,
                campus_id=ops.cid,
                actor=actor.name,
                action="inspection.amend" if amend else "inspection.submit",
                detail={
                    "inspection_id": new_id, "cell": cell, "template": template,
                    "period": due_period, "inspector": inspector, **amended,
                    "hazards": list(hazard_ids), **on_behalf(actor, by),
                },
            )  # fmt: skip
    except BaseException:
        discard_photos(new_photos)  # nothing half-written: no photo without its submission
        raise
    s = submission
    return SubmitReport(
        inspection_id=new_id,
        cell_code=s.cell_code,
        template_code=s.template_code,
        template_version=s.template_version,
        period=s.period,
        submitted_at=s.submitted_at,
        due_at=py_time(row["due_at"]) or at,
        late=s.late,
        hazard_ids=tuple(hazard_ids),
        amends=first.inspection_id if first else None,
    )


def _amend_reason(amend: bool, reason: str | None) -> str | None:
    """Return the amendment's reason, stripped; raise InvalidInput when it is missing (an
    amendment) or given without ``amend``."""
    text = (reason or "").strip()
    if not amend:
        if text:
            raise InvalidInput(
                "A reason goes with an amendment only: add --amend, or drop it.",
                zh="只有更正才需要填写理由：请加上 --amend，或去掉理由。",
            )
        return None
    if not text:
        raise InvalidInput(
            "An amendment needs a reason (--reason TEXT): say what it corrects.",
            zh="更正需要填写理由（--reason TEXT）：说明更正了什么。",
        )
    check_text(text, what="The reason of the amendment", limit=500)
    return text


def _already_submitted(
    items: tuple[str, str], first: repo.FirstSubmission | None
) -> AlreadySubmitted:
    """Return the refusal of a second submission of ``items`` (the item in English, in
    Chinese), naming the first (who, when)."""
    item, item_zh = items
    if first is None:  # submitted, but that inspection was since deleted
        return AlreadySubmitted(
            f"{item} was already submitted: to correct it, amend it with a reason.",
            zh=f"{item_zh} 已经提交过：如需更正，请填写理由后更正。",
        )
    when = local_text(first.submitted_at)
    return AlreadySubmitted(
        f"{item} was already submitted by {first.inspector} at {when} (inspection "
        f"{first.inspection_id}): a due item is submitted once; to correct it, amend it with "
        "a reason (--amend --reason TEXT, or 更正/Amend on the page).",
        zh=f"{item_zh} 已由 {first.inspector} 于 {when} 提交（检查记录 {first.inspection_id}）："
        "每项待检只提交一次；如需更正，请填写理由后更正（页面上的“更正”，或 --amend --reason "
        "TEXT）。",
    )


def _with_stored_photos(
    engine: Engine, submission: insp.Submission, new_photos: list[str]
) -> insp.Submission:
    """Return ``submission`` with each photo copied into the photo store and its result
    pointing at the copy; appends the files this call created to ``new_photos``."""
    results = []
    for result in submission.results:
        if result.photo_path is None:
            results.append(result)
            continue
        stored, created = store_photo(
            engine, result.photo_path, what=f"The photo of item {result.item_code!r}"
        )
        if created:
            new_photos.append(stored)
        results.append(replace(result, photo_path=stored))
    return replace(submission, results=tuple(results))


def completion_report(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    by: str = "cell",
    start: date | None = None,
    end: date | None = None,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Return completion (due, on_time, late, missed, pending, rates) and the ledger rates
    (closure, on-time closure, rework, extension, mean hours to close) per ``by``.

    ``by`` is cell, zone, owner, domain or week; the range defaults to the last 90 days.
    """
    return completion_reports(engine, campus, by=(by,), start=start, end=end, now=now, actor=actor)[
        by
    ]


def completion_reports(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    by: Sequence[str],
    start: date | None = None,
    end: date | None = None,
    now: datetime | None = None,
) -> dict[str, pd.DataFrame]:
    """Return :func:`completion_report` for each of ``by``, reading the hazards once (the
    leadership page shows three: by zone, owner and week)."""
    actor.require(Permission.VIEW_REPORTS, "see the completion report")
    now, start, end = report_window(by, start=start, end=end, now=now)
    tables = completion_tables(engine, campus, by=by, start=start, end=end, now=now, actor=actor)
    rates_ = ledger_tables(engine, campus, by=by, start=start, end=end, actor=actor)
    joined = {b: join_report(tables[b], rates_[b], b) for b in tables}
    return with_zone_names(engine, campus, joined)


def with_zone_names(
    engine: Engine,
    campus: str,
    reports: dict[str, pd.DataFrame],
    names: Mapping[int, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Return ``reports`` with the report by zone (if any) showing the zones' names (片区)
    instead of their numbers (``names``, read from the campus when None); keys stay numbers
    everywhere else."""
    if "zone" not in reports:
        return reports
    table = reports["zone"]
    known = zone_names(engine, campus) if names is None else names
    labels = repo.zone_labels(table["zone"], known)
    named = table.assign(zone=pd.Series(labels, index=table.index, dtype=object))
    return {**reports, "zone": named}


def report_window(
    by: Sequence[str], *, start: date | None, end: date | None, now: datetime | None
) -> tuple[datetime, date, date]:
    """Return (now, start, end) of a report: now defaults to the clock, end to today
    (local), start to 89 days before end. Raises InvalidInput for an unknown ``by`` or a
    range that ends before it starts."""
    unknown = [b for b in by if b not in REPORT_KEYS]
    if unknown:
        raise InvalidInput(
            f"Cannot report by {unknown[0]!r}; use one of: {', '.join(REPORT_KEYS)}.",
            zh=f"不能按 {unknown[0]!r} 统计：请用 {', '.join(REPORT_KEYS)} 之一。",
        )
    now = now or utcnow()
    if end is not None:
        check_ahead(end, what="The report's last day", today=local_day(now))
    if start is not None:
        check_day(start, what="The report's first day")
    end = end or local_day(now)
    start = start or end - timedelta(days=89)
    if end < start:
        raise InvalidInput(
            f"The report range ends ({end}) before it starts ({start}).",
            zh=f"报表的结束日（{end}）早于开始日（{start}）。",
        )
    return now, start, end


def completion_tables(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    by: Sequence[str],
    start: date,
    end: date,
    now: datetime,
) -> dict[str, pd.DataFrame]:
    """Return the completion half of each report of ``by`` (due, on_time, late, missed,
    pending and the two rates per key; zones as labels), due rows [start, end] at ``now``."""
    actor.require(Permission.VIEW_REPORTS, "see the completion report")
    ensure_campus_schedule(engine, campus, max(end, local_day(now)))  # loads only if behind
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        tables = {
            b: repo.completion_query(conn, cid, by=REPORT_KEYS[b], start=start, end=end, now=now)
            for b in dict.fromkeys(by)
        }
    if "zone" in tables:
        zones = tables["zone"]
        tables["zone"] = zones.assign(
            zone=pd.Series(repo.zone_labels(zones["zone"]), index=zones.index)
        )
    return tables


def completion_from_grid(grid: pd.DataFrame, by: str) -> pd.DataFrame:
    """Return the completion half of the report by ``by`` from a grid of counts (on_time,
    late, missed, pending) per cell and ``by``'s column (``ui_queries.completion_grid`` for
    cell, zone, domain and week, ``ui_queries.owner_grid`` for owner), as
    :func:`completion_tables` gives it for the same rows."""
    return completion_of_sums(completion_sums(grid, by), by)


#: The counts a completion grid's rows carry (due is on_time + late + missed).
GRID_COUNTS = ["on_time", "late", "missed", "pending"]


def completion_sums(grid: pd.DataFrame, by: str, *, sign: int = 1) -> pd.DataFrame:
    """Return the grid's counts summed per value of ``by``'s column (sorted, a missing value
    last), times ``sign``: additive (see :func:`completion_sums_moved`)."""
    key = REPORT_KEYS[by]
    if key not in grid.columns:
        raise InvalidInput(
            f"This grid has no {key!r} column to report by {by!r}.",
            zh=f"该表没有 {key!r} 列，不能按 {by!r} 统计。",
        )
    summed = grid.groupby(key, dropna=False, sort=True)[GRID_COUNTS].sum()
    return summed if sign == 1 else summed * sign


def completion_sums_moved(
    sums: pd.DataFrame, before: pd.DataFrame, after: pd.DataFrame, by: str
) -> pd.DataFrame:
    """Return ``sums`` (:func:`completion_sums`) with some cells' grid rows as they were
    (``before``) replaced by their rows now (``after``): equal to summing the whole grid
    again; a value left with no row dropped. A new frame."""
    # each grid row counts ≥ 1 somewhere: a value left at zero has no row
    return sums_moved(sums, completion_sums(before, by, sign=-1), completion_sums(after, by))


def completion_of_sums(sums: pd.DataFrame, by: str) -> pd.DataFrame:
    """Return the completion half of the report by ``by`` from :func:`completion_sums`."""
    key = REPORT_KEYS[by]
    keys = sums.index.to_numpy(dtype=object).reshape(-1, 1)
    return repo.completion_frame(keys, sums[GRID_COUNTS].to_numpy(), [key])


def ledger_tables(
    engine: Engine, campus: str, *, actor: Actor, by: Sequence[str], start: date, end: date
) -> dict[str, pd.DataFrame]:
    """Return the ledger half of each report of ``by``: the closure rates of the hazards
    whose deadline falls in [start, end] (``hazards_due``, ``closed``, ``closure_rate``,
    ``closed_on_time_rate``, rework, extension, hours to close, ``hazards_reported``)."""
    return ledger_tables_of(rate_rows(engine, campus, actor=actor), by=by, start=start, end=end)


def rate_rows(
    engine: Engine, campus: str, *, actor: Actor, ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """Return the hazards' rows the closure rates are counted from (id, source, domain,
    severity, state, cell_code, zone, owner, times, reworks, extensions), of ``actor``'s
    scope (with ``ids``, of those hazards only). Counts, nothing personal: VIEW_REPORTS."""
    actor.require(Permission.VIEW_REPORTS, "see the completion report")
    with engine.connect() as conn:
        frame = repo.hazards_rate_frame(conn, campus_id(conn, campus), ids=ids)
    return scoped_rows(frame, actor, campus_access(engine, campus, actor).cells)


def scoped_rows(frame: pd.DataFrame, actor: Actor, cells: frozenset[str] | None) -> pd.DataFrame:
    """Return the rows of ``frame`` (cell_code, zone labels, owner) within ``actor``'s scope,
    ``cells`` being the current cells of it (None or anything for a campus-wide account)."""
    if actor.scope is Scope.CAMPUS:
        return frame
    scope = Access(actor, cells or frozenset())
    keep = scope.sees_rows(frame["cell_code"].astype(object), frame["zone"], frame["owner"])
    return frame[keep].reset_index(drop=True)


def ledger_tables_of(
    hazards: pd.DataFrame, *, by: Sequence[str], start: date, end: date
) -> dict[str, pd.DataFrame]:
    """Return :func:`ledger_tables` counted from ``hazards`` (:func:`rate_rows`)."""
    return ledger_tables_of_counts(ledger_counts_of(hazards, by=by, start=start, end=end))


def ledger_counts_of(
    hazards: pd.DataFrame,
    *,
    by: Sequence[str],
    start: date,
    end: date,
    signs: Sequence[int] | None = None,
) -> dict[str, pd.DataFrame]:
    """Return the counts behind each of :func:`ledger_tables_of`'s tables (see
    ``rates.rate_counts``: additive, so :func:`ledger_counts_moved` keeps them current;
    ``signs`` as there)."""
    out = {}
    for b in dict.fromkeys(by):
        if b == "week":
            out[b] = rate_counts(hazards, start=start, end=end, period="weekly", signs=signs)
        else:
            key = [REPORT_KEYS[b]]
            out[b] = rate_counts(hazards, start=start, end=end, by=key, signs=signs)
    return out


def ledger_counts_moved(
    counts: Mapping[str, pd.DataFrame],
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    start: date,
    end: date,
) -> dict[str, pd.DataFrame]:
    """Return ``counts`` (:func:`ledger_counts_of` over [start, end]) with some hazards' rows
    as they were (``before``: none for new ones) replaced by their rows now (``after``):
    equal to counting every hazard again, at the cost of those rows."""
    if not len(before) and not len(after):  # none of them in these rows (another scope)
        return dict(counts)
    rows = pd.concat([before, after], ignore_index=True)
    signs = [-1] * len(before) + [1] * len(after)
    change = ledger_counts_of(rows, by=list(counts), start=start, end=end, signs=signs)
    return {b: counts_moved(counts[b], change[b]) for b in counts}


def ledger_tables_of_counts(counts: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Return the tables of :func:`ledger_tables_of` from their counts (new frames)."""
    out = {}
    for b, counted in counts.items():
        rate = rates_of_counts(counted)
        if b == "week":
            rate = rate.rename(columns={"period": "week"})
        else:
            rate = rate.drop(columns=["period"])
        rate = rate.rename(columns={"due": "hazards_due", "reported": "hazards_reported"})
        out[b] = rate.rename(columns={"on_time_rate": "closed_on_time_rate"})
    return out


def join_report(table: pd.DataFrame, rate: pd.DataFrame, by: str) -> pd.DataFrame:
    """Return the report by ``by``: the completion ``table`` joined with the ledger
    ``rate`` (both halves per key), in key order (numbers first), counts as integers."""
    key = REPORT_KEYS[by]
    merged = table.merge(rate, on=key, how="outer")
    order = merged[key].map(lambda v: (0, int(v), "") if str(v).isdigit() else (1, 0, str(v)))
    merged = merged.iloc[order.argsort(kind="stable").to_numpy()]
    for col in ("due", "on_time", "late", "missed", "pending", "hazards_reported", "hazards_due"):
        if col in merged.columns:
            merged[col] = merged[col].fillna(0).astype("int64")
    return merged.reset_index(drop=True)


__all__ = [
    "CampusOps",
    "Staff",
    "SubmitReport",
    "access_in",
    "acting_as",
    "campus_access",
    "campus_ops",
    "campus_staff",
    "campus_version",
    "checklist_templates",
    "completion_from_grid",
    "completion_of_sums",
    "completion_report",
    "completion_reports",
    "completion_sums",
    "completion_sums_moved",
    "completion_tables",
    "export",
    "join_report",
    "ledger_counts_moved",
    "ledger_counts_of",
    "ledger_tables",
    "ledger_tables_of",
    "ledger_tables_of_counts",
    "rate_rows",
    "report_window",
    "schedule",
    "scoped_rows",
    "staff_at",
    "submit_inspection",
    "todo",
    "with_zone_names",
    "write_schedule_mark",
    "zone_staff",
]
