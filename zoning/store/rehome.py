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

How it scales: the open rows are read once, located with numpy (:class:`CellIndex`), and
their new values written to a temporary table (COPY on PostgreSQL, INSERT batches on
SQLite); the moves themselves are a few set-based ``UPDATE … FROM`` and
``DELETE … IN (SELECT …)`` statements, one per kind of change (cell; zone or owner; plan
only), so an index is rewritten only where its columns change, and each kept row is written
once (a new point with its other changes). No statement binds more than one row's values,
so any number of rows works on SQLite (32,766 variables) and PostgreSQL (65,535
parameters). Only rows whose key another row takes are parked on a temporary code.

A table with a :class:`Summary` (due inspections: ``completion_week``, migration 0004) is
kept in step by triggers that fire row by row on SQLite; during a re-homing those triggers
are off (dropped and re-created on SQLite, disabled on PostgreSQL, both inside the
activation's transaction, so a rollback restores them) and the summary rows of every cell
that lost or gained a row are recounted once, set-based.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from numpy.typing import NDArray
from pyproj import Transformer

from zoning.geo.crs import WGS84
from zoning.grid.locate import CellIndex
from zoning.safety.ledger.workflow import FINAL_STATES

_FINAL = ", ".join(f"'{s}'" for s in sorted(FINAL_STATES))


@dataclass(frozen=True)
class Summary:
    """A table of counts per cell that triggers on a located table keep in step."""

    table: str
    triggers: tuple[str, ...]  # the located table's triggers that maintain it
    key: tuple[str, ...]  # columns of both tables, the first two: campus_id, cell_code
    counts: tuple[str, ...]
    aggregate: str  # SQL select list of the counts over the located table's rows


#: ``completion_week`` (migration 0004): due rows per cell × ISO week × due date.
COMPLETION_WEEK = Summary(
    table="completion_week",
    triggers=("completion_week_ins", "completion_week_del", "completion_week_upd"),
    key=("campus_id", "cell_code", "week", "due_date", "due_at"),
    counts=("due", "submitted", "on_time", "last_submitted_at"),
    aggregate="count(*), count(submitted_at), "
    "sum(CASE WHEN submitted_at < due_at THEN 1 ELSE 0 END), max(submitted_at)",
)


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
    summary: Summary | None = None  # counts per cell kept in step by triggers


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
        summary=COMPLETION_WEEK,
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


def _open_rows(conn: sa.Connection, spec: LocatedTable, cid: int) -> pd.DataFrame:
    """Return the open rows by id: id, cell, owner, zone, the unique columns, x and y
    (EPSG:4326)."""
    t = _table(spec)
    owner = t.c[spec.owner_column] if spec.owner_column else sa.null()
    zone = t.c[spec.zone_column] if spec.zone_column else sa.null()
    cols = [t.c[spec.id_column], t.c[spec.cell_column], owner, zone]
    cols += [t.c[c] for c in spec.unique_with]
    loc = t.c[spec.location_column]
    stmt = (
        sa.select(*cols, sa.func.ST_X(loc), sa.func.ST_Y(loc))
        .where(t.c[spec.campus_column] == cid, sa.text(f"({spec.open_sql})"))
        .order_by(t.c[spec.id_column])
    )
    names = ["id", "cell", "owner", "zone", *spec.unique_with, "x", "y"]
    # The driver's own tuples: SQLAlchemy's Row objects cost ~2 s for 670,000 rows (and
    # pandas probing them attribute by attribute ~10 s); these columns need no conversion.
    result = conn.execute(stmt)
    try:
        frame = pd.DataFrame.from_records(result.cursor.fetchall(), columns=names)
    finally:
        result.close()
    frame["id"] = frame["id"].astype(np.int64)
    frame["x"] = frame["x"].astype(np.float64)
    frame["y"] = frame["y"].astype(np.float64)
    return frame


def open_points(conn: sa.Connection, spec: LocatedTable, cid: int) -> gpd.GeoDataFrame:
    """Return the open rows (id, cell, owner, unique columns, POINT in EPSG:4326)."""
    rows = _open_rows(conn, spec, cid)
    data = {c: rows[c].to_numpy(dtype=object) for c in rows.columns if c not in ("x", "y", "zone")}
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(rows["x"], rows["y"]), crs=WGS84)


def locate_in(points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, *, metric_crs: str) -> list[int]:
    """Return the row of ``cells`` (EPSG:4326) holding each point, -1 outside."""
    if not len(points) or not len(cells):
        return [-1] * len(points)
    index = CellIndex(cells.to_crs(metric_crs))
    return [int(i) for i in index.locate(points.to_crs(metric_crs))]


def _locate_xy(
    x: NDArray[np.float64], y: NDArray[np.float64], cells: gpd.GeoDataFrame, metric_crs: str
) -> NDArray[np.int64]:
    """Return the row of ``cells`` (EPSG:4326) holding each lon/lat point, -1 outside."""
    if not len(x) or not len(cells):
        return np.full(len(x), -1, dtype=np.int64)
    mx, my = Transformer.from_crs(WGS84, metric_crs, always_xy=True).transform(x, y)
    index = CellIndex(cells.to_crs(metric_crs))
    return np.asarray(index.locate(np.column_stack([mx, my])), dtype=np.int64)


def _owners(ids: Any, owners: Any) -> dict[str, frozenset[int]]:
    out: dict[str, set[int]] = {}
    for i, owner in zip(ids, owners, strict=True):
        if isinstance(owner, str) and owner:
            out.setdefault(owner, set()).add(int(i))
    return {k: frozenset(v) for k, v in out.items()}


def _new_owners(
    cells: gpd.GeoDataFrame, fallback_owners: Mapping[int, str] | None
) -> NDArray[np.object_]:
    """Return each cell's owner, a vacant cell's being ``fallback_owners[zone]``."""
    out = []
    for zone, owner in zip(cells["zone"].tolist(), cells["owner"].tolist(), strict=True):
        if not (isinstance(owner, str) and owner):
            owner = (fallback_owners or {}).get(int(zone)) if zone is not None else None
        out.append(owner)
    return np.asarray(out, dtype=object)


#: The temporary tables re-homing writes through (dropped before the transaction ends):
#: the moves (what each open row becomes), ids (to delete or to park), cell codes (where a
#: closed row may hold a key, then the cells whose summary rows are recounted).
_MOVES = "cg_rehome_moves"
_IDS = "cg_rehome_ids"
_CELLS = "cg_rehome_cells"
_TEMP_COLUMNS = {
    _MOVES: "id BIGINT PRIMARY KEY, cell VARCHAR(64), zone INTEGER, owner VARCHAR(200), "
    "x DOUBLE PRECISION, y DOUBLE PRECISION, kind INTEGER",
    _IDS: "id BIGINT PRIMARY KEY",
    _CELLS: "code VARCHAR(64) PRIMARY KEY",
}
#: What a move changes (``kind``): the plan only; the zone or owner too; the cell as well.
PLAN_ONLY, HOLDER, CELL = 0, 1, 2
#: Rows per INSERT batch into the temporary tables on SQLite (PostgreSQL uses COPY).
BATCH_ROWS = 5_000


def _create_temp_tables(conn: sa.Connection) -> None:
    for name, columns in _TEMP_COLUMNS.items():
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({columns})")


def _drop_temp_tables(conn: sa.Connection) -> None:
    for name in _TEMP_COLUMNS:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def _fill(
    conn: sa.Connection, name: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Replace the rows of temporary table ``name``: COPY on PostgreSQL, else INSERT batches
    of :data:`BATCH_ROWS` rows (no statement binds more than one row's values)."""
    conn.exec_driver_sql(f"DELETE FROM {name}")
    cols = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY {name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {name} ({cols}) VALUES ({', '.join('?' * len(columns))})"
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            conn.exec_driver_sql(sql, batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch)


#: SpatiaLite's per-row triggers stamping ``geometry_columns_time`` (on UPDATE, on DELETE).
_STAMPS = {"tmu": "last_update", "tmd": "last_delete"}


def _suspend_triggers(
    conn: sa.Connection, spec: LocatedTable, *, updates: bool, deletes: bool
) -> list[str] | None:
    """Turn off, for this transaction only, the per-row triggers a bulk re-homing would fire
    (those that keep ``spec.summary`` in step; on SpatiaLite also its time stamps of the
    geometry column); return the statements that turn them back on and do their work once,
    None when they could not be turned off (they then stay on). A rollback restores them."""
    summary = spec.summary
    names = list(summary.triggers) if summary else []
    if conn.dialect.name == "postgresql":
        try:
            with conn.begin_nested():
                for name in names:
                    conn.exec_driver_sql(f"ALTER TABLE {spec.table} DISABLE TRIGGER {name}")
        except sa.exc.DBAPIError:
            # Not the table's owner: the triggers stay on. They are statement triggers over
            # transition tables, set-based already, and keep the summary exact by themselves.
            return None
        return [f"ALTER TABLE {spec.table} ENABLE TRIGGER {n}" for n in names]
    # SQLite cannot disable a trigger: drop it and create it again from its own text.
    stamps = {
        f"{p}_{spec.table}_{spec.location_column}": column
        for p, column in _STAMPS.items()
        if (updates, deletes)[p == "tmd"]
    }
    if not names and not stamps:
        return []
    found = conn.execute(
        sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t "
            "AND name IN :names"
        ).bindparams(sa.bindparam("names", expanding=True)),
        {"t": spec.table, "names": [*names, *stamps]},
    ).fetchall()
    restore = []
    for name, sql in found:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
        restore.append(str(sql))
        if name in stamps:
            restore.append(
                f"UPDATE geometry_columns_time SET {stamps[name]} = "
                "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                f"WHERE Lower(f_table_name) = Lower('{spec.table}') "
                f"AND Lower(f_geometry_column) = Lower('{spec.location_column}')"
            )
    return restore


def _recount(conn: sa.Connection, spec: LocatedTable, cid: int, cells: Iterable[str]) -> None:
    """Recount ``spec.summary``'s rows of ``cells`` on campus ``cid`` from ``spec``'s table,
    set-based (what its triggers would have done row by row)."""
    summary = spec.summary
    if summary is None:
        return
    _fill(conn, _CELLS, ("code",), ((c,) for c in sorted(set(cells))))
    key = ", ".join(summary.key)
    in_cells = f"cell_code IN (SELECT code FROM {_CELLS})"
    conn.execute(
        sa.text(f"DELETE FROM {summary.table} WHERE campus_id = :cid AND {in_cells}"),
        {"cid": cid},
    )
    conn.execute(
        sa.text(
            f"INSERT INTO {summary.table} ({key}, {', '.join(summary.counts)}) "
            f"SELECT {key}, {summary.aggregate} FROM {spec.table} "
            f"WHERE campus_id = :cid AND {in_cells} GROUP BY {key}"
        ),
        {"cid": cid},
    )


@dataclass(frozen=True)
class _Moves:
    """The writes of one re-homing: rows to delete, to park, and what each kept row gets."""

    gone: list[int]
    park: list[int]
    rows: list[tuple[Any, ...]]  # id, cell, zone, owner, x, y, kind
    kinds: frozenset[int]
    relocated: bool  # some rows get a new point (x, y)
    rewrites: int  # rows whose indexed columns (cell, zone, owner) change
    cells: set[str]  # cells whose summary rows change


#: On SQLite a re-homing that deletes or rewrites at least this share of a table's rows
#: drops the table's plain (non-unique) indexes first and builds them again at the end: each
#: row kept in step costs ~10 µs per index, a rebuild ~2 µs per row of the table.
BULK_SHARE = 0.25
BULK_MIN_ROWS = 20_000


def _drop_indexes(conn: sa.Connection, spec: LocatedTable, writes: int) -> list[str]:
    """On SQLite, when ``writes`` rows of ``spec``'s table change, at least
    :data:`BULK_SHARE` of it, drop its plain indexes; return the statements that build them
    again (inside the transaction: a rollback restores them)."""
    if conn.dialect.name != "sqlite" or writes < BULK_MIN_ROWS:
        return []
    total = int(conn.exec_driver_sql(f"SELECT count(*) FROM {spec.table}").scalar_one())
    if writes < BULK_SHARE * total:
        return []
    found = conn.execute(
        sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
            "AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE%'"
        ),
        {"t": spec.table},
    ).fetchall()
    for name, _ in found:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    return [str(sql) for _, sql in found]


def _apply(conn: sa.Connection, spec: LocatedTable, *, cid: int, plan_id: int, m: _Moves) -> None:
    """Delete, park and move the rows of ``m``, set-based; recount the summary's cells."""
    q, idc = spec.table, spec.id_column
    restore = _suspend_triggers(conn, spec, updates=bool(m.rows), deletes=bool(m.gone))
    rebuild = _drop_indexes(conn, spec, len(m.gone) + m.rewrites)
    if m.gone:
        _fill(conn, _IDS, ("id",), ((i,) for i in m.gone))
        conn.exec_driver_sql(f"DELETE FROM {q} WHERE {idc} IN (SELECT id FROM {_IDS})")
    _fill(conn, _MOVES, ("id", "cell", "zone", "owner", "x", "y", "kind"), m.rows)
    if m.park:
        # Rows whose key another row takes move to a unique temporary code first: both
        # backends check a unique constraint row by row, so a swap would collide mid-update.
        _fill(conn, _IDS, ("id",), ((i,) for i in m.park))
        conn.exec_driver_sql(
            f"UPDATE {q} SET {spec.cell_column} = '~' || CAST({idc} AS VARCHAR(20)) "
            f"WHERE {idc} IN (SELECT id FROM {_IDS})"
        )
    pairs = ((spec.zone_column, "zone"), (spec.owner_column, "owner"))
    holder = [f"{c} = mv.{n}" for c, n in pairs if c]
    plan = [f"{spec.plan_column} = :plan"] if spec.plan_column else []
    # A new point is set by the same UPDATE as the row's other changes: on PostgreSQL every
    # UPDATE writes a new row version (and, the cell or holder changing, new entries in every
    # index), so a second UPDATE for the points cost as much again (1.4 s on the large demo).
    point = _relocation(conn, spec) if m.relocated else []
    sets = {
        CELL: [f"{spec.cell_column} = mv.cell", *plan, *holder, *point],
        HOLDER: [*plan, *holder, *point],
        PLAN_ONLY: [*plan, *point],
    }
    for kind in sorted(m.kinds, reverse=True):
        if sets[kind]:
            conn.execute(
                sa.text(
                    f"UPDATE {q} SET {', '.join(sets[kind])} FROM {_MOVES} AS mv "
                    f"WHERE {q}.{idc} = mv.id AND mv.kind = {int(kind)}"
                ),
                {"plan": plan_id},
            )
    for statement in rebuild:
        conn.exec_driver_sql(statement)
    if restore is not None:
        _recount(conn, spec, cid, m.cells)
    for statement in restore or []:
        conn.exec_driver_sql(statement)


def _relocation(conn: sa.Connection, spec: LocatedTable) -> list[str]:
    """Return the SET clause that gives a moved row its new point (``mv.x``, ``mv.y``,
    EPSG:4326) and keeps the point of a row without one."""
    point = (
        "MakePoint(mv.x, mv.y, 4326)"
        if conn.dialect.name == "sqlite"
        else "ST_SetSRID(ST_MakePoint(mv.x, mv.y), 4326)"
    )
    loc = spec.location_column
    return [f"{loc} = CASE WHEN mv.x IS NULL THEN {spec.table}.{loc} ELSE {point} END"]


#: SQLite page cache (KiB) while re-homing: the bulk statements touch most pages of the
#: located table and its indexes, which SQLite's default 2 MB cache would read again and
#: again (about a third of the CPU time of a large delete).
BULK_CACHE_KIB = 256 * 1024
#: PostgreSQL ``work_mem`` while re-homing: the hash joins over the moves (hundreds of
#: thousands of ids) and the summary recount's grouping fit in memory instead of spilling
#: to temporary files in batches (PostgreSQL's default is 4 MB).
BULK_WORK_MEM = "64MB"


@contextmanager
def _large_cache(conn: sa.Connection) -> Iterator[None]:
    """Meanwhile raise this connection's memory for bulk statements: SQLite's page cache to
    :data:`BULK_CACHE_KIB`, PostgreSQL's ``work_mem`` to :data:`BULK_WORK_MEM` (for this
    transaction only)."""
    if conn.dialect.name == "postgresql":
        previous = conn.exec_driver_sql("SELECT current_setting('work_mem')").scalar_one()
        conn.exec_driver_sql(f"SELECT set_config('work_mem', '{BULK_WORK_MEM}', true)")
        yield  # after an error the rollback restores it (a statement would fail then)
        conn.execute(sa.text("SELECT set_config('work_mem', :v, true)"), {"v": previous})
        return
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


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
    ``fallback_owners[zone]``. Runs in the caller's transaction, at any number of rows.
    """
    with _large_cache(conn):
        return _rehome(
            conn, spec, cid=cid, plan_id=plan_id, cells=cells, metric_crs=metric_crs,
            fallback_owners=fallback_owners,
        )  # fmt: skip


def _rehome(
    conn: sa.Connection,
    spec: LocatedTable,
    *,
    cid: int,
    plan_id: int,
    cells: gpd.GeoDataFrame,
    metric_crs: str,
    fallback_owners: Mapping[int, str] | None,
) -> RehomeResult:
    rows = _open_rows(conn, spec, cid)
    before = len(rows)
    x, y = rows["x"].to_numpy(), rows["y"].to_numpy()
    where = _locate_xy(x, y, cells, metric_crs)
    codes = cells["code"].astype(str).to_numpy(dtype=object)
    new_x = np.full(len(rows), np.nan)
    new_y = np.full(len(rows), np.nan)
    if spec.keep_code and len(rows) and len(cells):
        kept = pd.Index(codes).get_indexer(rows["cell"].astype(str))
        fix = (kept >= 0) & (where != kept)
        where[fix] = kept[fix]
        spots = shapely.point_on_surface(np.asarray(cells.geometry.values, dtype=object))
        new_x[fix] = shapely.get_x(spots)[kept[fix]]
        new_y[fix] = shapely.get_y(spots)[kept[fix]]
    located = where >= 0
    at = np.where(located, where, 0)
    old_cells = rows["cell"].to_numpy(dtype=object)
    old_owners = rows["owner"].to_numpy(dtype=object)
    owners = _new_owners(cells, fallback_owners) if len(cells) else np.empty(0, dtype=object)
    zones = cells["zone"].to_numpy(dtype=object) if len(cells) else np.empty(0, dtype=object)
    new_cells = np.where(located, codes[at], old_cells) if len(cells) else old_cells.copy()
    new_owners = np.where(located, owners[at], old_owners) if len(cells) else old_owners.copy()
    nothing = np.full(before, None, dtype=object)
    new_zones = np.where(located, zones[at], nothing) if len(cells) else nothing
    _create_temp_tables(conn)
    frame = rows.assign(new_cell=new_cells, located=located)
    collapsed = _collisions(conn, spec, cid, frame)
    gone = frame["id"].isin(collapsed).to_numpy()
    keep = located & ~gone
    cell_moves = new_cells != old_cells
    holder_moves = (new_owners != old_owners) | _differ(new_zones, rows["zone"].to_numpy())
    kind = np.where(cell_moves, CELL, np.where(holder_moves, HOLDER, PLAN_ONLY))[keep]
    relocated = ~np.isnan(new_x[keep])
    moves = _Moves(
        gone=sorted(collapsed),
        park=_to_park(spec, rows, new_cells, keep & cell_moves),
        rows=list(
            zip(
                rows["id"].to_numpy()[keep].tolist(),
                [str(c) for c in new_cells[keep]],
                _optional(new_zones[keep], integer=True),
                _text(new_owners[keep]),
                _optional(new_x[keep]),
                _optional(new_y[keep]),
                kind.tolist(),
                strict=True,
            )
        ),
        kinds=frozenset(int(k) for k in np.unique(kind)),
        relocated=bool(relocated.any()),
        rewrites=int(np.sum(kind != PLAN_ONLY)),
        cells={str(c) for c in old_cells[gone | (keep & cell_moves)]}
        | {str(c) for c in new_cells[keep & cell_moves]},
    )
    if moves.rows or moves.gone:
        _apply(conn, spec, cid=cid, plan_id=plan_id, m=moves)
    _drop_temp_tables(conn)
    moved = int(np.sum((cell_moves | (new_owners != old_owners))[keep]))
    after = count_open(conn, spec, cid)
    survivors = ~gone
    return RehomeResult(
        label=spec.label,
        open_before=before,
        open_after=after,
        moved=moved,
        unlocated=int(np.sum(~located)),
        collapsed=tuple(sorted(collapsed)),
        owners_before=_owners(rows["id"].tolist(), old_owners.tolist()),
        owners_after=_owners(rows["id"].to_numpy()[survivors].tolist(), new_owners[survivors]),
    )


def _differ(new: NDArray[Any], old: NDArray[Any]) -> NDArray[np.bool_]:
    """Return, element by element, whether two columns of optional integers differ."""
    a = pd.to_numeric(pd.Series(new, dtype=object), errors="coerce").to_numpy(dtype=float)
    b = pd.to_numeric(pd.Series(old, dtype=object), errors="coerce").to_numpy(dtype=float)
    return np.asarray(~((a == b) | (np.isnan(a) & np.isnan(b))), dtype=bool)


def _optional(values: NDArray[Any], *, integer: bool = False) -> list[Any]:
    """Return numbers as plain Python values (int or float), None for a missing one."""
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
    missing = np.isnan(numbers)
    plain = np.where(missing, 0, numbers).astype(np.int64 if integer else float).astype(object)
    plain[missing] = None
    return list(plain.tolist())


def _text(values: NDArray[Any]) -> list[str | None]:
    """Return strings as they are, anything else (None, NaN) as None."""
    return [v if isinstance(v, str) else None for v in values.tolist()]


def _to_park(
    spec: LocatedTable, rows: pd.DataFrame, new_cells: NDArray[Any], moving: NDArray[np.bool_]
) -> list[int]:
    """Return the ids of moving rows whose current unique key another moving row takes."""
    if not spec.unique_with or not moving.any():
        return []
    rest = [rows[c].astype(str).to_numpy()[moving] for c in spec.unique_with]
    old = pd.MultiIndex.from_arrays([rows["cell"].astype(str).to_numpy()[moving], *rest])
    new = pd.MultiIndex.from_arrays([new_cells[moving].astype(str), *rest])
    return [int(i) for i in rows["id"].to_numpy()[moving][old.isin(new)]]


def _collisions(conn: sa.Connection, spec: LocatedTable, cid: int, frame: pd.DataFrame) -> set[int]:
    """Return the ids of open rows that would duplicate a unique key (to collapse).

    ``frame`` holds the open rows with their ``new_cell`` and ``located`` flag. Unlocated rows
    keep their (already unique) key and claim it first; then rows by id. Only a row that
    changes cell can meet a closed row's key: those are read for the cells such rows enter.
    """
    if not spec.unique_with or not len(frame):
        return set()
    key = ["new_cell", *spec.unique_with]
    order = frame.sort_values(["located", "id"], kind="stable")
    keys = order[key].astype(str)
    seen_before = keys.duplicated(keep="first").to_numpy()
    moving = order["located"].to_numpy() & (order["new_cell"] != order["cell"]).to_numpy()
    closed = _closed_keys(conn, spec, cid, {str(c) for c in order["new_cell"].to_numpy()[moving]})
    in_closed = (
        pd.MultiIndex.from_frame(keys).isin(closed)
        if len(closed)
        else np.zeros(len(order), dtype=bool)
    )
    hit = order["located"].to_numpy() & (seen_before | (moving & in_closed))
    return {int(i) for i in order["id"].to_numpy()[hit]}


def _closed_keys(
    conn: sa.Connection, spec: LocatedTable, cid: int, cells: set[str]
) -> pd.MultiIndex:
    """Return the unique keys (cell, *unique_with, as text) of closed rows in ``cells``."""
    names = ["new_cell", *spec.unique_with]
    if not cells:
        return pd.MultiIndex.from_arrays([[] for _ in names], names=names)
    _fill(conn, _CELLS, ("code",), ((c,) for c in sorted(cells)))
    t = _table(spec)
    stmt = sa.select(t.c[spec.cell_column], *[t.c[c] for c in spec.unique_with]).where(
        t.c[spec.campus_column] == cid,
        sa.text(f"NOT ({spec.open_sql})"),
        t.c[spec.cell_column].in_(sa.select(sa.column("code")).select_from(sa.table(_CELLS))),
    )
    closed = pd.DataFrame.from_records([tuple(r) for r in conn.execute(stmt)], columns=names)
    return pd.MultiIndex.from_frame(closed.astype(str))
