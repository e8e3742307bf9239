"""Re-homing of open located items when a plan is activated: a small registry of tables.

Every table whose rows keep their own location (a POINT in EPSG:4326) plus the cell code,
plan, zone and owner *at the time* is described by a :class:`LocatedTable`; activation calls
:func:`rehome` for each entry of :data:`LOCATED_TABLES` inside its transaction. An open row
is moved to the cell of the new plan that contains its point (``zoning.grid.locate`` rules: a
point on a shared edge goes to exactly one cell), and takes that cell's zone and owner.
A point outside every new cell keeps its old cell and owner and is counted as
``unlocated``.

A due inspection is an obligation of a cell, and its point is only the cell's
representative point: with ``keep_code`` a row whose cell code survives in the new plan
stays with that cell (its point moves to the reshaped cell's representative point when it
fell outside); only rows whose code was retired are re-homed by their point.

Tables with a uniqueness rule over the cell (``unique_with``: due inspections are unique per
cell × template × period) can meet a collision when two old cells become one: the open
duplicates are then *collapsed* into the one that stays (a submitted row of the same key, else
the open row with the lowest id) and their ids reported, because the obligation is the
same one. Counts satisfy ``open_after + collapsed == open_before`` for every table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
import sqlalchemy as sa

from zoning.geo.crs import WGS84
from zoning.grid.locate import CellIndex
from zoning.safety.ledger.workflow import FINAL_STATES

_FINAL = ", ".join(f"'{s}'" for s in sorted(FINAL_STATES))


@dataclass(frozen=True)
class LocatedTable:
    """How to find and re-home the open rows of one located table."""

    label: str  # what the user calls them: hazards, complaints, due inspections
    table: str
    open_sql: str  # SQL condition over the table's columns: the row is open
    id_column: str = "id"
    location_column: str = "geometry"
    campus_column: str = "campus_id"
    cell_column: str = "cell_code"
    plan_column: str | None = "plan_id"
    zone_column: str | None = "zone"
    owner_column: str | None = "owner"
    unique_with: tuple[str, ...] = ()  # columns unique together with campus and cell
    keep_code: bool = False  # a row whose cell code survives stays with that cell


#: The located tables of ``zoning.store.models.safety`` (migration 0002).
LOCATED_TABLES: tuple[LocatedTable, ...] = (
    LocatedTable("hazards", "hazard", f"state NOT IN ({_FINAL})"),
    LocatedTable(
        "complaints",
        "complaint",
        f"hazard_id IN (SELECT h.id FROM hazard h WHERE h.state NOT IN ({_FINAL}))",
    ),
    LocatedTable(
        "due inspections",
        "inspection_due",
        "submitted_at IS NULL",
        unique_with=("template_code", "period"),
        keep_code=True,
    ),
)


@dataclass(frozen=True)
class RehomeResult:
    """What re-homing did to one table: counts, moves and who held what."""

    label: str
    open_before: int
    open_after: int
    moved: int  # rows whose cell or owner changed
    unlocated: int  # rows whose point lies in no new cell (kept as they were)
    collapsed: tuple[int, ...] = ()
    owners_before: dict[str, frozenset[int]] = field(default_factory=dict)
    owners_after: dict[str, frozenset[int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the counts as JSON-ready data."""
        return {
            "label": self.label,
            "open_before": self.open_before,
            "open_after": self.open_after,
            "moved": self.moved,
            "unlocated": self.unlocated,
            "collapsed": list(self.collapsed),
        }


def _table(spec: LocatedTable) -> sa.TableClause:
    names = {spec.id_column, spec.location_column, spec.campus_column, spec.cell_column}
    names |= {c for c in (spec.plan_column, spec.zone_column, spec.owner_column) if c}
    names |= set(spec.unique_with)
    return sa.table(spec.table, *[sa.column(n) for n in sorted(names)])


def count_open(conn: sa.Connection, spec: LocatedTable, cid: int) -> int:
    """Return how many rows of ``spec``'s table are open on campus ``cid``."""
    t = _table(spec)
    stmt = (
        sa.select(sa.func.count())
        .select_from(t)
        .where(t.c[spec.campus_column] == cid, sa.text(f"({spec.open_sql})"))
    )
    return int(conn.execute(stmt).scalar_one())


def open_points(conn: sa.Connection, spec: LocatedTable, cid: int) -> gpd.GeoDataFrame:
    """Return the open rows (id, cell, owner, unique columns, POINT in EPSG:4326)."""
    t = _table(spec)
    owner = t.c[spec.owner_column] if spec.owner_column else sa.null()
    cols = [t.c[spec.id_column], t.c[spec.cell_column], owner, *[t.c[c] for c in spec.unique_with]]
    loc = t.c[spec.location_column]
    stmt = (
        sa.select(*cols, sa.func.ST_X(loc), sa.func.ST_Y(loc))
        .where(t.c[spec.campus_column] == cid, sa.text(f"({spec.open_sql})"))
        .order_by(t.c[spec.id_column])
    )
    rows = conn.execute(stmt).fetchall()
    names = ["id", "cell", "owner", *spec.unique_with]
    data = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    points = shapely.points([float(r[-2]) for r in rows], [float(r[-1]) for r in rows])
    return gpd.GeoDataFrame(
        {k: np.asarray(v, dtype=object) for k, v in data.items()},
        geometry=list(points) if len(rows) else [],
        crs=WGS84,
    )


def locate_in(points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, *, metric_crs: str) -> list[int]:
    """Return the row of ``cells`` (EPSG:4326) holding each point, -1 outside."""
    if not len(points) or not len(cells):
        return [-1] * len(points)
    index = CellIndex(cells.to_crs(metric_crs))
    return [int(i) for i in index.locate(points.to_crs(metric_crs))]


def _owners(ids: list[int], owners: list[Any]) -> dict[str, frozenset[int]]:
    out: dict[str, set[int]] = {}
    for i, owner in zip(ids, owners, strict=True):
        if isinstance(owner, str) and owner:
            out.setdefault(owner, set()).add(i)
    return {k: frozenset(v) for k, v in out.items()}


def rehome(
    conn: sa.Connection,
    spec: LocatedTable,
    *,
    cid: int,
    plan_id: int,
    cells: gpd.GeoDataFrame,
    metric_crs: str,
    fallback_owners: Mapping[int, str] | None = None,
) -> RehomeResult:
    """Move the open rows of ``spec`` on campus ``cid`` to the cells of plan ``plan_id``.

    ``cells`` (EPSG:4326; code, zone, owner) are the new plan's; a vacant cell's rows go to
    ``fallback_owners[zone]``. Runs in the caller's transaction.
    """
    before = count_open(conn, spec, cid)
    found = open_points(conn, spec, cid)
    where = locate_in(found, cells, metric_crs=metric_crs)
    codes = cells["code"].tolist()
    zones = cells["zone"].tolist()
    cell_owners = cells["owner"].tolist()
    ids = [int(i) for i in found["id"]]
    old_cells = found["cell"].tolist()
    old_owners = found["owner"].tolist()
    new_cells, new_owners = list(old_cells), list(old_owners)
    new_zones: list[Any] = [None] * len(ids)
    moved_points: dict[int, str] = {}
    if spec.keep_code:
        row_of = {str(c): k for k, c in enumerate(codes)}
        for n, old in enumerate(old_cells):
            k = row_of.get(str(old), -1)
            if k >= 0 and where[n] != k:
                where[n] = k
                spot = shapely.point_on_surface(cells.geometry.iloc[k])
                moved_points[ids[n]] = f"POINT({spot.x!r} {spot.y!r})"
    located = [k >= 0 for k in where]
    for n, k in enumerate(where):
        if k < 0:
            continue
        zone = zones[k]
        owner = cell_owners[k]
        if not (isinstance(owner, str) and owner):
            owner = (fallback_owners or {}).get(int(zone)) if zone is not None else None
        new_cells[n], new_zones[n], new_owners[n] = codes[k], zone, owner
    collapsed = _collisions(conn, spec, cid, found, new_cells, located)
    t = _table(spec)
    keep = [n for n in range(len(ids)) if located[n] and ids[n] not in collapsed]
    if collapsed:
        conn.execute(sa.delete(t).where(t.c[spec.id_column].in_(sorted(collapsed))))
    if spec.unique_with and keep:
        # Park the rows on unique temporary codes first: swaps never collide mid-update.
        conn.execute(
            sa.update(t)
            .where(t.c[spec.id_column] == sa.bindparam("_id"))
            .values({spec.cell_column: sa.bindparam("_tmp")}),
            [{"_id": ids[n], "_tmp": f"~{ids[n]}"} for n in keep],
        )
    if keep:
        values: dict[str, Any] = {spec.cell_column: sa.bindparam("_cell")}
        if spec.plan_column:
            values[spec.plan_column] = sa.bindparam("_plan")
        if spec.zone_column:
            values[spec.zone_column] = sa.bindparam("_zone")
        if spec.owner_column:
            values[spec.owner_column] = sa.bindparam("_owner")
        conn.execute(
            sa.update(t).where(t.c[spec.id_column] == sa.bindparam("_id")).values(values),
            [
                {
                    "_id": ids[n],
                    "_cell": new_cells[n],
                    "_plan": plan_id,
                    "_zone": None if new_zones[n] is None else int(new_zones[n]),
                    "_owner": new_owners[n],
                }
                for n in keep
            ],
        )
    if moved_points:
        conn.execute(
            sa.update(t)
            .where(t.c[spec.id_column] == sa.bindparam("_id"))
            .values({spec.location_column: sa.func.ST_GeomFromText(sa.bindparam("_wkt"), 4326)}),
            [{"_id": i, "_wkt": wkt} for i, wkt in moved_points.items()],
        )
    moved = sum(1 for n in keep if new_cells[n] != old_cells[n] or new_owners[n] != old_owners[n])
    after = count_open(conn, spec, cid)
    survivors = [n for n in range(len(ids)) if ids[n] not in collapsed]
    return RehomeResult(
        label=spec.label,
        open_before=before,
        open_after=after,
        moved=moved,
        unlocated=sum(1 for x in located if not x),
        collapsed=tuple(sorted(collapsed)),
        owners_before=_owners(ids, old_owners),
        owners_after=_owners([ids[n] for n in survivors], [new_owners[n] for n in survivors]),
    )


def _collisions(
    conn: sa.Connection,
    spec: LocatedTable,
    cid: int,
    found: gpd.GeoDataFrame,
    new_cells: list[Any],
    located: list[bool],
) -> set[int]:
    """Return the ids of open rows that would duplicate a unique key (to collapse)."""
    if not spec.unique_with or not len(found):
        return set()
    t = _table(spec)
    closed_keys = {
        tuple(r)
        for r in conn.execute(
            sa.select(t.c[spec.cell_column], *[t.c[c] for c in spec.unique_with]).where(
                t.c[spec.campus_column] == cid, sa.text(f"NOT ({spec.open_sql})")
            )
        )
    }
    ids = [int(i) for i in found["id"]]
    extra = [found[c].tolist() for c in spec.unique_with]
    seen: set[tuple[Any, ...]] = set()
    out: set[int] = set()
    order = sorted(range(len(ids)), key=lambda n: (located[n], ids[n]))
    for n in order:  # unlocated rows keep their (already unique) key and claim it first
        key = (new_cells[n], *[col[n] for col in extra])
        if located[n] and (key in closed_keys or key in seen):
            out.add(ids[n])
        else:
            seen.add(key)
    return out
