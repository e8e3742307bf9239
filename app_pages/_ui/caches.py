"""The cached loaders every page reads through.

Data is cached by plain keys — (database url, campus, plan id, data version, …) — never by
hashing a GeoDataFrame. A new import or plan bumps the campus's ``data_version``, which
is part of every key, so the cache never serves stale layers. Operations data are keyed
by their fingerprint as well (see :mod:`app_pages._ui.splice`).

The campus's layers, a plan's cells and the two big frames (the completion grid, ~600,000
rows on the large demo, and the hazards) are shared by every session (``cache_resource``,
not copied per call: unpickling the large demo's frames cost ~80 ms a rerun): callers
must treat them as read-only (filters return new frames).
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
import streamlit as st
from maps.coverage_layers import CoverageView, coverage_view
from sqlalchemy.engine import Engine
from zoning import services
from zoning.accounts import Actor
from zoning.cameras.report import CoverageResult
from zoning.campus.layers import CampusLayers
from zoning.clock import local_day, utcnow
from zoning.services import cameras, queries, safety
from zoning.services.database import open_engine

from app_pages._ui import splice
from app_pages._ui.splice import OPS_TTL_S


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
    ``inspections`` and ``hazards`` parts key what depends on one kind of data only."""
    return queries.ops_version(engine_for(url), campus)


def local_today() -> date:
    """Return today's date on the campus clock."""
    return local_day(utcnow())


@st.cache_resource(show_spinner=False, max_entries=4, ttl=OPS_TTL_S)
def _completion_grid(
    url: str, campus: str, plan_id: int, data_version: int, key: tuple[object, ...]
) -> pd.DataFrame:
    engine = engine_for(url)
    safety.ensure_campus_schedule(engine, campus, local_today())  # loads only if behind
    return splice.spliced(
        ("grid", url, campus, plan_id, data_version),
        key,
        lambda: queries.completion_grid(engine, campus),
        lambda base: splice.grid_delta(engine, campus, base, key),
    )


def completion_grid(url: str, campus: str, plan_id: int, data_version: int) -> pd.DataFrame:
    """Return completion per cell × week × domain over the last 90 days (cached until the
    inspections or due rows change; after new submissions only their cells are recounted)."""
    return _completion_grid(url, campus, plan_id, data_version, ops_key(url, campus).inspections)


@st.cache_resource(show_spinner=False, max_entries=4, ttl=OPS_TTL_S)
def _hazards(
    url: str, campus: str, plan_id: int, data_version: int, key: tuple[object, ...]
) -> pd.DataFrame:
    engine = engine_for(url)
    return splice.spliced(
        ("hazards", url, campus, plan_id, data_version),
        key,
        lambda: queries.hazards_table(engine, campus),
        lambda base: splice.hazards_delta(engine, campus, base, key),
    )


def hazards(url: str, campus: str, plan_id: int, data_version: int) -> pd.DataFrame:
    """Return the hazards table with who answers for each now (cached until the hazards
    change)."""
    return _hazards(url, campus, plan_id, data_version, ops_key(url, campus).hazards)


@st.cache_resource(show_spinner=False, max_entries=4, ttl=OPS_TTL_S)
def _owner_grid(
    url: str, campus: str, plan_id: int, data_version: int, key: tuple[object, ...]
) -> pd.DataFrame:
    engine = engine_for(url)
    return splice.spliced(
        ("owners", url, campus, plan_id, data_version),
        key,
        lambda: queries.owner_grid(engine, campus),
        lambda base: splice.cells_delta(
            engine,
            campus,
            base,
            key,
            lambda cells: queries.owner_grid(engine, campus, cells=cells),
        ),
    )


def owner_grid(url: str, campus: str, plan_id: int, data_version: int) -> pd.DataFrame:
    """Return completion per cell × owner over the last 90 days (cached like the completion
    grid, spliced the same way after new submissions)."""
    return _owner_grid(url, campus, plan_id, data_version, ops_key(url, campus).inspections)


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
) -> dict[str, pd.DataFrame]:
    safety.report_window(by, start=None, end=None, now=None)  # checks ``by``
    out = {}
    for b in by:  # both grids cover the same 90 days to today
        if b in FROM_GRID:
            grid = completion_grid(url, campus, plan_id, data_version)
        else:
            grid = owner_grid(url, campus, plan_id, data_version)
        out[b] = safety.completion_from_grid(grid, b)
    return out


@st.cache_data(show_spinner=False, max_entries=8, ttl=OPS_TTL_S)
def _report_ledger(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    by: tuple[str, ...],
    key: tuple[object, ...],
    actor: Actor,
) -> dict[str, pd.DataFrame]:
    _, start, end = safety.report_window(by, start=None, end=None, now=None)
    return safety.ledger_tables(engine_for(url), campus, by=by, start=start, end=end, actor=actor)


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
    inspections change, the ledger half until the hazards change, joined per rerun."""
    ops = ops_key(url, campus)
    tables = _report_completion(url, campus, plan_id, data_version, by, ops.inspections)
    rates = _report_ledger(url, campus, plan_id, data_version, by, ops.hazards, actor)
    return {b: safety.join_report(tables[b], rates[b], b) for b in by}


@st.cache_data(show_spinner=False, max_entries=64, ttl=OPS_TTL_S)
def _cell_detail(
    url: str, campus: str, plan_id: int, code: str, ops: tuple[object, ...]
) -> queries.CellDetail:
    return queries.cell_detail(engine_for(url), campus, code)


def cell_detail(url: str, campus: str, plan_id: int, code: str) -> queries.CellDetail:
    """Return the side-panel facts of one cell (cached until the operations data change)."""
    return _cell_detail(url, campus, plan_id, code, ops_key(url, campus))


@st.cache_resource(show_spinner=False, max_entries=4)
def coverage_result(
    url: str, campus: str, data_version: int, plan_id: int | None
) -> CoverageResult:
    """Return the campus's camera coverage (seconds on a large campus: lazy; shared)."""
    return cameras.campus_coverage(engine_for(url), campus, plan_id=plan_id)


@st.cache_resource(show_spinner=False, max_entries=4)
def coverage(url: str, campus: str, data_version: int, plan_id: int | None) -> CoverageView:
    """Return the campus's camera coverage in drawn form (EPSG:4326, simplified)."""
    return coverage_view(coverage_result(url, campus, data_version, plan_id))


@st.cache_resource(show_spinner=False, max_entries=8)
def suggested_sites(url: str, campus: str, data_version: int, count: int) -> gpd.GeoDataFrame:
    """Return ``count`` suggested camera sites (EPSG:4326), best first (cached)."""
    return cameras.suggest_cameras(engine_for(url), campus, count=count)
