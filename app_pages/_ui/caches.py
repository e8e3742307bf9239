"""The cached loaders every page reads through.

Data is cached by plain keys — (database url, campus, plan id, data version, …) — never by
hashing a GeoDataFrame. A new import or plan bumps the campus's ``data_version``, which
is part of every key, so the cache never serves stale layers. Operations data are keyed
by their fingerprint as well (see :mod:`app_pages._ui.splice`).

The campus's layers, a plan's cells and the two big frames (the completion grid, ~600,000
rows on the large demo, and the hazards) are shared by every session (``cache_resource``,
not copied per call: unpickling the large demo's frames cost ~80 ms a rerun): callers
must treat them as read-only (filters return new frames).

Operations data hold only what the signed-in account may see (``zoning.services.queries``),
so their caches are keyed by what the account sees, :func:`queries.visibility` (role,
scope, zone, person), never by the account: the 20 inspectors of one zone leader's cells
share nothing, the 20 safety officers share everything. The grids hold counts only, so they
are keyed by the rows part alone (``Visibility.rows``; the permission is checked before the
cache), and so are the reports' ledger rates (counts too). Each cached function gets the
account as ``_actor`` (not hashed) and computes as it: an account with that key sees exactly
the same.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial

import geopandas as gpd
import pandas as pd
import streamlit as st
from maps import measures
from maps.coverage_layers import CoverageView, coverage_view
from sqlalchemy.engine import Engine
from streamlit.runtime.scriptrunner import get_script_run_ctx
from zoning import services
from zoning.accounts import Actor, Permission, Role, Scope
from zoning.cameras.report import CoverageResult
from zoning.campus.layers import CampusLayers
from zoning.clock import local_day, utcnow
from zoning.services import cameras, queries, safety
from zoning.services.database import open_engine, write_generation
from zoning.services.zones import zone_names

from app_pages._ui import splice, stored
from app_pages._ui.splice import OPS_TTL_S

#: Entries kept per scoped cache: one per visibility (the campus-wide roles, each zone
#: leader's zone, each inspector's cells) of each plan and data version.
SCOPED_ENTRIES = 64


@st.cache_resource(show_spinner=False)
def engine_for(url: str) -> Engine:
    """Return the (process-wide) engine of database ``url`` ("" for the default)."""
    return open_engine(url or None)


@st.cache_resource(show_spinner=False, max_entries=8)
def load_layers(url: str, campus: str, data_version: int) -> CampusLayers:
    """Return the campus's layers (EPSG:4326), cached by (url, campus, data_version);
    shared: never change them."""
    return services.load_layers(engine_for(url), campus)


@st.cache_resource(show_spinner=False, max_entries=16)
def load_cells(url: str, campus: str, plan_id: int, data_version: int) -> gpd.GeoDataFrame:
    """Return the cells of plan ``plan_id`` (EPSG:4326), cached by plain keys; shared:
    never change them."""
    return services.load_cells(engine_for(url), campus, plan_id)


def ops_key(url: str, campus: str) -> queries.OpsVersion:
    """Return the operations data's fingerprint (see ``queries.ops_version``); its
    ``inspections`` and ``hazards`` parts key what depends on one kind of data only.

    Read once per script run (a leadership rerun asked 12–18 times, two queries each) unless
    this process wrote meanwhile (a submission in the same run is seen at once)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return queries.ops_version(engine_for(url), campus)
    memo: tuple[object, int, dict[tuple[str, str], queries.OpsVersion]] | None
    memo = getattr(ctx, _RUN_MEMO, None)
    generation = write_generation()
    if memo is None or memo[0] is not ctx.cursors or memo[1] != generation:
        memo = (ctx.cursors, generation, {})  # cursors: a new dict for every run
        setattr(ctx, _RUN_MEMO, memo)
    found = memo[2].get((url, campus))
    if found is None:
        found = memo[2][(url, campus)] = queries.ops_version(engine_for(url), campus)
    return found


#: The attribute of Streamlit's script-run context holding this run's fingerprints.
_RUN_MEMO = "_campusgrid_ops_keys"


def local_today() -> date:
    """Return today's date on the campus clock."""
    return local_day(utcnow())


def seen_rows(actor: Actor) -> tuple[object, ...]:
    """Return the rows part of ``actor``'s visibility (the grids' cache key)."""
    return queries.visibility(actor).rows


#: What the campus-wide frames are computed as: every row, nothing redacted. The frames of
#: a scoped account (a zone, an inspector's cells) are cut from them, never read again: 20
#: accounts of 13 scopes read the campus once, and a submission is spliced into one grid.
WHOLE = queries.Visibility(Role.SAFETY_OFFICER, Scope.CAMPUS, None, None, None)


def _whole_reader() -> Actor:
    """Return the account the campus-wide frames are computed as (see :data:`WHOLE`)."""
    return WHOLE.actor()


@st.cache_resource(show_spinner=False, max_entries=SCOPED_ENTRIES, ttl=OPS_TTL_S)
def _scope_cells(
    url: str, campus: str, plan_id: int, data_version: int, rows: tuple[object, ...], _actor: Actor
) -> frozenset[str] | None:
    return queries.scope_cells(engine_for(url), campus, _actor)


def scope_cells(
    url: str, campus: str, plan_id: int, data_version: int, *, actor: Actor
) -> frozenset[str] | None:
    """Return the cells of ``actor``'s scope in the plan (None: the whole campus), cached by
    the rows part of what it sees: owners and zones move only with a new plan or data
    version."""
    return _scope_cells(url, campus, plan_id, data_version, seen_rows(actor), actor)


def _cells_of(frame: pd.DataFrame, cells: frozenset[str] | None, column: str) -> pd.DataFrame:
    """Return the rows of ``frame`` whose ``column`` is one of ``cells`` (a new frame)."""
    if cells is None:
        return frame
    return frame[frame[column].isin(cells)].reset_index(drop=True)


@st.cache_resource(show_spinner=False, max_entries=4, ttl=OPS_TTL_S)
def _completion_grid(
    url: str, campus: str, plan_id: int, data_version: int, key: tuple[object, ...]
) -> pd.DataFrame:
    engine = engine_for(url)
    _ensure_schedule(url, campus, plan_id, data_version)
    where = grid_where(url, campus, plan_id, data_version)
    now, reader = utcnow(), _whole_reader()

    def count(cells: list[str]) -> pd.DataFrame:
        return queries.completion_grid(engine, campus, cells=cells, now=now, actor=reader)

    frame = stored.kept(
        engine,
        campus,
        "grid",
        where,
        key,
        plan_id=plan_id,
        data_version=data_version,
        now=now,
        reader=reader,
        whole=lambda: queries.completion_grid(engine, campus, now=now, actor=reader),
        bring_up=lambda s: splice.cells_since_stored(engine, campus, s, key, count, now=now),
        splice_into=lambda base: splice.grid_delta(
            engine, campus, base, key, actor=reader, now=now, where=where
        ),
    )
    part = key[4] if len(key) > 4 and isinstance(key[4], datetime) else None
    splice.remember_due(where, part, lambda: queries.next_due_at(engine, campus, now=now))
    return frame


#: The (url, campus, plan, data version, local day) whose schedule this process ensured.
_SCHEDULED: set[tuple[object, ...]] = set()


def _ensure_schedule(url: str, campus: str, plan_id: int, data_version: int) -> None:
    """Ensure the campus's schedule reaches far enough ahead (``ensure_campus_schedule``:
    loads the campus only if behind), once a day per plan and data version in this process:
    each recount after a submission read the plan and the schedule's end again (~18 ms)."""
    day = local_today()
    key = (url, campus, plan_id, data_version, day)
    if key in _SCHEDULED:
        return
    safety.ensure_campus_schedule(engine_for(url), campus, day)
    if len(_SCHEDULED) > 256:  # days gone by
        _SCHEDULED.clear()
    _SCHEDULED.add(key)


@st.cache_resource(show_spinner=False, max_entries=SCOPED_ENTRIES, ttl=OPS_TTL_S)
def _scoped_grid(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    kind: str,
    key: tuple[object, ...],
    rows: tuple[object, ...],
    _actor: Actor,
) -> pd.DataFrame:
    """The campus's completion grid (``kind`` "grid") or owner grid ("owners") cut to the
    cells of what ``_actor`` sees."""
    read = _completion_grid if kind == "grid" else _owner_grid
    whole = read(url, campus, plan_id, data_version, key)
    cells = scope_cells(url, campus, plan_id, data_version, actor=_actor)
    return _cells_of(whole, cells, "cell_code")


def grid_where(url: str, campus: str, plan_id: int, data_version: int) -> tuple[object, ...]:
    """Return the splice cache's name of the campus's completion grid (see :mod:`splice`)."""
    return ("grid", url, campus, plan_id, data_version)


def owners_where(url: str, campus: str, plan_id: int, data_version: int) -> tuple[object, ...]:
    """Return the splice cache's name of the campus's owner grid (see :mod:`splice`)."""
    return ("owners", url, campus, plan_id, data_version)


def rates_where(url: str, campus: str, plan_id: int, data_version: int) -> tuple[object, ...]:
    """Return the splice cache's name of the campus's rate rows (see :mod:`splice`)."""
    return ("rates", url, campus, plan_id, data_version)


def completion_key(
    url: str, campus: str, plan_id: int, data_version: int, *, actor: Actor
) -> tuple[object, ...]:
    """Return what the completion grid depends on: the inspections part of the fingerprint
    and the due-time part (``splice.due_part``: it moves when a pending row's due time
    passes, so a rerun after it turns those cells missed without a reload). Costs no query
    beyond the fingerprint. The same for every account (``actor`` is kept for callers)."""
    where = grid_where(url, campus, plan_id, data_version)
    return (*ops_key(url, campus).inspections, splice.due_part(where, utcnow()))


def completion_grid(
    url: str, campus: str, plan_id: int, data_version: int, *, actor: Actor
) -> pd.DataFrame:
    """Return completion per cell × week × domain over the last 90 days, of the cells
    ``actor`` sees: the campus's grid (cached until the inspections or due rows change or a
    due time passes; after new submissions or a passed due time only those cells are
    recounted), cut to the account's cells. Raises PermissionDenied without VIEW_MAP."""
    actor.require(Permission.VIEW_MAP, "see the campus map")
    key = completion_key(url, campus, plan_id, data_version, actor=actor)
    if actor.scope is Scope.CAMPUS:
        return _completion_grid(url, campus, plan_id, data_version, key)
    return _scoped_grid(url, campus, plan_id, data_version, "grid", key, seen_rows(actor), actor)


@st.cache_resource(show_spinner=False, max_entries=SCOPED_ENTRIES, ttl=OPS_TTL_S)
def _completion_values(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    week: str | None,
    key: tuple[object, ...],
    rows: tuple[object, ...],
    _actor: Actor,
) -> tuple[pd.Series, list[str]]:
    grid = completion_grid(url, campus, plan_id, data_version, actor=_actor)
    name = grid_where(url, campus, plan_id, data_version)
    since = partial(splice.changed_between, name, key=key)  # the cells recounted since
    by_week = splice.counts_kept(
        ("weeks", *name, rows), key, grid, column="cell_code",
        count=measures.week_rows, moved=measures.week_rows_moved, touched=since,
    )  # fmt: skip
    weeks = measures.weeks_of_rows(by_week)
    if week is not None:  # a week of the replay: counted from its rows
        return measures.completion_by_cell(measures.filter_grid(grid, weeks=[week])), weeks
    sums = splice.counts_kept(
        ("cells", *name, rows), key, grid, column="cell_code",
        count=measures.cell_sums, moved=measures.cell_sums_moved, touched=since,
    )  # fmt: skip
    return measures.completion_of_cell_sums(sums), weeks


def completion_values(
    url: str, campus: str, plan_id: int, data_version: int, week: str | None, *, actor: Actor
) -> tuple[pd.Series, list[str]]:
    """Return completion % per cell of ``week`` (an ISO week label; the 90 days when None) of
    the cells ``actor`` sees, and the grid's weeks (oldest first): counted once per state of
    the completion grid (the leadership heatmap and its ranking read them on every rerun;
    shared: never change them). Raises PermissionDenied without VIEW_MAP."""
    key = completion_key(url, campus, plan_id, data_version, actor=actor)
    return _completion_values(
        url, campus, plan_id, data_version, week, key, seen_rows(actor), actor
    )


@st.cache_resource(show_spinner=False, max_entries=4, ttl=OPS_TTL_S)
def _hazards(
    url: str, campus: str, plan_id: int, data_version: int, key: tuple[object, ...]
) -> pd.DataFrame:
    engine, reader, now = engine_for(url), _whole_reader(), utcnow()
    return stored.kept(
        engine,
        campus,
        "hazards",
        ("hazards", url, campus, plan_id, data_version),
        key,
        plan_id=plan_id,
        data_version=data_version,
        now=now,
        reader=reader,
        whole=lambda: queries.hazards_table(engine, campus, actor=reader, now=now),
        bring_up=lambda s: splice.hazards_since_stored(engine, campus, s, key, actor=reader),
        splice_into=lambda base: splice.hazards_delta(engine, campus, base, key, actor=reader),
    )


@st.cache_resource(show_spinner=False, max_entries=SCOPED_ENTRIES, ttl=OPS_TTL_S)
def _seen_hazards(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    key: tuple[object, ...],
    seen: queries.Visibility,
    _actor: Actor,
) -> pd.DataFrame:
    whole = _hazards(url, campus, plan_id, data_version, key)
    cells = scope_cells(url, campus, plan_id, data_version, actor=_actor)
    return queries.visible_hazards(whole, _actor, cells)


def hazards(
    url: str, campus: str, plan_id: int, data_version: int, *, actor: Actor
) -> pd.DataFrame:
    """Return the hazards ``actor`` may see with who answers for each now: cut from the
    campus's table (cached until the hazards change; new hazards and events spliced in) by
    what the account sees, redacted for it (``queries.visible_hazards``)."""
    key = ops_key(url, campus).hazards
    seen = queries.visibility(actor)
    return _seen_hazards(url, campus, plan_id, data_version, key, seen, actor)


@st.cache_resource(show_spinner=False, max_entries=4, ttl=OPS_TTL_S)
def _owner_grid(
    url: str, campus: str, plan_id: int, data_version: int, key: tuple[object, ...]
) -> pd.DataFrame:
    engine, reader, now = engine_for(url), _whole_reader(), utcnow()
    where = owners_where(url, campus, plan_id, data_version)

    def count(cells: list[str]) -> pd.DataFrame:
        return queries.owner_grid(engine, campus, cells=cells, actor=reader)

    return stored.kept(
        engine,
        campus,
        "owners",
        where,
        key,
        plan_id=plan_id,
        data_version=data_version,
        now=now,
        reader=reader,
        whole=lambda: queries.owner_grid(engine, campus, actor=reader),
        bring_up=lambda s: splice.cells_since_stored(engine, campus, s, key, count, now=now),
        splice_into=lambda base: splice.cells_delta(
            engine, campus, base, key, count, now=now, where=where
        ),
    )


def owner_grid(
    url: str, campus: str, plan_id: int, data_version: int, *, actor: Actor
) -> pd.DataFrame:
    """Return completion per cell × owner over the last 90 days, of the cells ``actor``
    sees (the campus's, cached and spliced like the completion grid, cut to the account's
    cells). Raises PermissionDenied without VIEW_REPORTS."""
    actor.require(Permission.VIEW_REPORTS, "see the completion by owner")
    key = completion_key(url, campus, plan_id, data_version, actor=actor)
    if actor.scope is Scope.CAMPUS:
        return _owner_grid(url, campus, plan_id, data_version, key)
    rows = seen_rows(actor)
    return _scoped_grid(url, campus, plan_id, data_version, "owners", key, rows, actor)


#: Reports whose completion half is summed from the completion grid; owner's comes from
#: the owner grid.
FROM_GRID = frozenset({"cell", "zone", "domain", "week"})


@st.cache_data(show_spinner=False, max_entries=8, ttl=OPS_TTL_S)
def _report_completion(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    by: tuple[str, ...],
    key: tuple[object, ...],
    rows: tuple[object, ...],
    _actor: Actor,
) -> dict[str, pd.DataFrame]:
    safety.report_window(by, start=None, end=None, now=None)  # checks ``by``
    out = {}
    for b in by:  # both grids cover the same 90 days to today
        if b in FROM_GRID:
            grid = completion_grid(url, campus, plan_id, data_version, actor=_actor)
            name = grid_where(url, campus, plan_id, data_version)
        else:
            grid = owner_grid(url, campus, plan_id, data_version, actor=_actor)
            name = owners_where(url, campus, plan_id, data_version)
        sums = splice.counts_kept(
            ("completion", *name, b, rows),
            key,
            grid,
            column="cell_code",
            count=partial(safety.completion_sums, by=b),
            moved=partial(safety.completion_sums_moved, by=b),
            touched=partial(splice.changed_between, name, key=key),
        )
        out[b] = safety.completion_of_sums(sums, b)
    return out


@st.cache_resource(show_spinner=False, max_entries=4, ttl=OPS_TTL_S)
def _rate_rows(
    url: str, campus: str, plan_id: int, data_version: int, key: tuple[object, ...]
) -> pd.DataFrame:
    engine, reader, now = engine_for(url), _whole_reader(), utcnow()
    where = rates_where(url, campus, plan_id, data_version)
    return stored.kept(
        engine,
        campus,
        "rates",
        where,
        key,
        plan_id=plan_id,
        data_version=data_version,
        now=now,
        reader=reader,
        whole=lambda: safety.rate_rows(engine, campus, actor=reader),
        bring_up=lambda s: splice.rates_since_stored(engine, campus, s, key, actor=reader),
        splice_into=lambda base: splice.rates_delta(
            engine, campus, base, key, actor=reader, where=where
        ),
    )


@st.cache_data(show_spinner=False, max_entries=16, ttl=OPS_TTL_S)
def _report_ledger(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    by: tuple[str, ...],
    key: tuple[object, ...],
    rows: tuple[object, ...],
    _actor: Actor,
) -> dict[str, pd.DataFrame]:
    _, start, end = safety.report_window(by, start=None, end=None, now=None)
    frame = _rate_rows(url, campus, plan_id, data_version, key)
    cells = scope_cells(url, campus, plan_id, data_version, actor=_actor)
    seen = safety.scoped_rows(frame, _actor, cells)
    name = rates_where(url, campus, plan_id, data_version)
    counts = splice.counts_kept(
        ("ledger", *name, by, rows, start, end),
        key,
        seen,
        column="id",
        count=lambda r: safety.ledger_counts_of(r, by=by, start=start, end=end),
        moved=lambda c, a, b: safety.ledger_counts_moved(c, a, b, start=start, end=end),
        touched=partial(splice.changed_between, name, key=key),  # the hazards read again
    )
    return safety.ledger_tables_of_counts(counts)


def report_ledger(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    by: tuple[str, ...],
    *,
    actor: Actor,
) -> dict[str, pd.DataFrame]:
    """Return the ledger half of :func:`reports` (hazard rates for each of ``by`` over the
    last 90 days), cached by what ``actor`` sees until the hazards change: counted from the
    campus's rate rows (new and moved hazards spliced in) cut to the account's scope.
    Raises PermissionDenied without VIEW_REPORTS. Rates are counts, the same for every role
    of one scope (nothing in them is redacted), so they are keyed by the rows part of what
    the account sees, as the grids: the campus-wide roles share one entry."""
    actor.require(Permission.VIEW_REPORTS, "see the reports")
    key = ops_key(url, campus).hazards
    return _report_ledger(url, campus, plan_id, data_version, by, key, seen_rows(actor), actor)


@st.cache_resource(show_spinner=False, max_entries=SCOPED_ENTRIES, ttl=OPS_TTL_S)
def _joined_reports(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    by: tuple[str, ...],
    completion: tuple[object, ...],
    hazards: tuple[object, ...],
    rows: tuple[object, ...],
    names: tuple[tuple[int, str], ...],
    _actor: Actor,
) -> dict[str, pd.DataFrame]:
    tables = _report_completion(url, campus, plan_id, data_version, by, completion, rows, _actor)
    rates = report_ledger(url, campus, plan_id, data_version, by, actor=_actor)
    joined = {b: safety.join_report(tables[b], rates[b], b) for b in by}
    return safety.with_zone_names(engine_for(url), campus, joined, dict(names))


def reports(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    by: tuple[str, ...],
    *,
    actor: Actor,
) -> dict[str, pd.DataFrame]:
    """Return :func:`zoning.services.safety.completion_report` for each of ``by`` over the last
    90 days: the completion half (from the completion grid where it can) cached until the
    inspections change or a due time passes, the ledger half until the hazards change, the
    two joined and the zones named once per state of both and of the zone names (a small
    read per rerun); of what ``actor`` sees, cached by that (shared: never change them).
    Raises PermissionDenied without VIEW_REPORTS."""
    actor.require(Permission.VIEW_REPORTS, "see the reports")
    ops, rows = ops_key(url, campus), seen_rows(actor)
    completion = completion_key(url, campus, plan_id, data_version, actor=actor)
    names = tuple(sorted(zone_names(engine_for(url), campus, actor=actor).items()))
    return _joined_reports(
        url, campus, plan_id, data_version, by, completion, ops.hazards, rows, names, actor
    )


@st.cache_data(show_spinner=False, max_entries=64, ttl=OPS_TTL_S)
def _cell_detail(
    url: str,
    campus: str,
    plan_id: int,
    code: str,
    ops: tuple[object, ...],
    seen: queries.Visibility,
    _actor: Actor,
) -> queries.CellDetail:
    return queries.cell_detail(engine_for(url), campus, code, actor=_actor)


def cell_detail(
    url: str, campus: str, plan_id: int, code: str, *, actor: Actor
) -> queries.CellDetail:
    """Return the side-panel facts of one cell as ``actor`` may see them (cached by what
    the account sees until the operations data change)."""
    seen = queries.visibility(actor)
    return _cell_detail(url, campus, plan_id, code, ops_key(url, campus), seen, actor)


@st.cache_resource(show_spinner=False, max_entries=4)
def _coverage_result(
    url: str, campus: str, data_version: int, plan_id: int | None, may_see: bool, _actor: Actor
) -> CoverageResult:
    return cameras.campus_coverage(engine_for(url), campus, actor=_actor, plan_id=plan_id)


def coverage_result(
    url: str, campus: str, data_version: int, plan_id: int | None, *, actor: Actor
) -> CoverageResult:
    """Return the campus's camera coverage if ``actor`` may see the map (VIEW_MAP; seconds on
    a large campus: lazy, shared by every account that holds it). Raises PermissionDenied."""
    may_see = actor.can(Permission.VIEW_MAP)
    return _coverage_result(url, campus, data_version, plan_id, may_see, actor)


@st.cache_resource(show_spinner=False, max_entries=4)
def _coverage_figures(
    url: str, campus: str, data_version: int, plan_id: int, may_see: bool, _actor: Actor
) -> dict[str, object]:
    _actor.require(Permission.VIEW_MAP, "see the camera coverage")
    engine, reader = engine_for(url), _whole_reader()

    def whole() -> pd.DataFrame:
        summary = coverage_result(url, campus, data_version, plan_id, actor=_actor).summary()
        plain = {k: v for k, v in summary.items() if isinstance(v, int | float | str)}
        return pd.DataFrame([plain])

    frame = stored.restored(
        engine, campus, "coverage", plan_id=plan_id, data_version=data_version, key=(),
        whole=whole, bring_up=lambda s: s.frame, reader=reader,
    )  # fmt: skip
    return {str(k): v.item() if hasattr(v, "item") else v for k, v in frame.iloc[0].items()}


def coverage_figures(
    url: str, campus: str, data_version: int, plan_id: int, *, actor: Actor
) -> dict[str, object]:
    """Return the campus's camera coverage figures (the scalars of its summary: cameras,
    areas in m², shares) if ``actor`` may see the map: stored in the database per plan and
    data version, so a server started afresh reads them instead of computing the coverage
    (seconds on a large campus). Raises PermissionDenied."""
    may_see = actor.can(Permission.VIEW_MAP)
    return _coverage_figures(url, campus, data_version, plan_id, may_see, actor)


@st.cache_resource(show_spinner=False, max_entries=4)
def _coverage(
    url: str, campus: str, data_version: int, plan_id: int | None, may_see: bool, _actor: Actor
) -> CoverageView:
    return coverage_view(coverage_result(url, campus, data_version, plan_id, actor=_actor))


def coverage(
    url: str, campus: str, data_version: int, plan_id: int | None, *, actor: Actor
) -> CoverageView:
    """Return :func:`coverage_result` in drawn form (EPSG:4326, simplified; shared)."""
    may_see = actor.can(Permission.VIEW_MAP)
    return _coverage(url, campus, data_version, plan_id, may_see, actor)


@st.cache_resource(show_spinner=False, max_entries=8)
def _suggested_sites(
    url: str, campus: str, data_version: int, count: int, may_see: bool, _actor: Actor
) -> gpd.GeoDataFrame:
    return cameras.suggest_cameras(engine_for(url), campus, actor=_actor, count=count)


def suggested_sites(
    url: str, campus: str, data_version: int, count: int, *, actor: Actor
) -> gpd.GeoDataFrame:
    """Return ``count`` suggested camera sites (EPSG:4326), best first, if ``actor`` may see
    the map (VIEW_MAP; cached, shared by every account that holds it)."""
    may_see = actor.can(Permission.VIEW_MAP)
    return _suggested_sites(url, campus, data_version, count, may_see, actor)
