"""What every page shares: the sidebar (language, campus), cached loading, error lines.

Data is cached by plain keys — (database url, campus, plan id, data version, …) — never by
hashing a GeoDataFrame. A new import or plan bumps the campus's ``data_version``, which
is part of every key, so the cache never serves stale layers.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import streamlit as st
from maps import coverage_layers as cov
from maps import hazard_layers, measures
from maps import layers as map_layers
from maps.basemap_layer import basemap_layer
from maps.colours import RGBA, LegendEntry, legend_html
from maps.coverage_layers import CoverageView, coverage_view
from maps.deck import (
    PreparedDeck,
    PreparedLayer,
    campus_view,
    externalise,
    prepare,
    prepared_deck,
)
from maps.i18n import LANG_NAMES, LANGS, Lang, label, normalise_lang, t
from maps.payload import Record, plain_text
from sqlalchemy.engine import Engine
from zoning import services
from zoning.cameras.report import CoverageResult
from zoning.campus.layers import CampusLayers
from zoning.errors import CampusgridError
from zoning.geo.basemap import attribution, fetch_basemap
from zoning.services import cameras as coverage_service
from zoning.services import queries as ui_queries
from zoning.services import safety as operations
from zoning.store.engine import open_engine
from zoning.store.models.campus import utcnow

DB_ENV = "CAMPUSGRID_DB"
BASEMAP_ENV = "CAMPUSGRID_BASEMAP_URL"
#: The basemap's credit line shown above the map (default: OpenStreetMap's or the host).
BASEMAP_ATTRIBUTION_ENV = "CAMPUSGRID_BASEMAP_ATTRIBUTION"
LANG_KEY = "lang"
CAMPUS_KEY = "campus"
_CAMPUSES = "_cg_campuses"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


@dataclass(frozen=True)
class Context:
    """The page's language, database and selected campus."""

    url: str
    lang: Lang
    campus: services.CampusSummary


def md(value: object) -> str:
    """Return a user-written string as plain text safe inside Markdown (no links, images…)."""
    return _MD_SPECIAL.sub(r"\\\1", plain_text(value, max_chars=300))


def db_url() -> str:
    """Return the database URL from ``CAMPUSGRID_DB`` ("" means the default database)."""
    return os.environ.get(DB_ENV, "").strip()


@st.cache_resource(show_spinner=False)
def engine_for(url: str) -> Engine:
    """Return the (process-wide) engine of database ``url`` ("" for the default)."""
    return open_engine(url or None)


def current_lang() -> Lang:
    """Return the language chosen in the sidebar (Chinese by default)."""
    return normalise_lang(st.session_state.get(LANG_KEY))


@contextmanager
def friendly_errors(lang: Lang) -> Iterator[None]:
    """Show a :class:`CampusgridError` as one red line instead of a traceback."""
    try:
        yield
    except CampusgridError as err:
        st.error(t("app.error", lang, message=md(str(err))))


def sidebar() -> Lang:
    """Draw the language switch and the campus picker in the sidebar; return the language."""
    st.sidebar.radio(
        t("app.language"),
        options=list(LANGS),
        format_func=lambda code: LANG_NAMES[code],
        key=LANG_KEY,
        horizontal=True,
    )
    lang = current_lang()
    with friendly_errors(lang):
        campuses = services.list_campuses(engine_for(db_url()))
        st.session_state[_CAMPUSES] = campuses
        if campuses:
            names = [c.name for c in campuses]
            if st.session_state.get(CAMPUS_KEY) not in names:
                st.session_state[CAMPUS_KEY] = names[0]
            by_name = {c.name: c for c in campuses}
            st.sidebar.selectbox(
                t("app.campus", lang),
                options=names,
                format_func=lambda name: f"{plain_text(name)} ({by_name[name].code})",
                key=CAMPUS_KEY,
            )
            chosen = by_name[st.session_state[CAMPUS_KEY]]
            if chosen.attribution:
                st.sidebar.caption(t("app.attribution", lang, text=md(chosen.attribution)))
    return lang


def context() -> Context:
    """Return the page's context; without a campus, say how to create one and stop the page."""
    lang = current_lang()
    campuses: list[services.CampusSummary] = st.session_state.get(_CAMPUSES) or []
    by_name = {c.name: c for c in campuses}
    chosen = by_name.get(st.session_state.get(CAMPUS_KEY, ""))
    if chosen is None:
        st.info(t("app.no_campus", lang))
        st.caption(t("app.database", lang, url=md(db_url() or "data/campusgrid.sqlite")))
        st.stop()
    return Context(url=db_url(), lang=lang, campus=chosen)


# The campus's layers and a plan's cells are shared by every session (cache_resource, not
# copied per call: unpickling the large demo's frames cost ~80 ms a rerun): read-only.
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


def current_plan(ctx: Context) -> services.PlanSummary | None:
    """Return the campus's current plan (active, else newest draft) or None."""
    return services.current_plan(engine_for(ctx.url), ctx.campus.name)


def plan_cells(ctx: Context, plan: services.PlanSummary | None) -> gpd.GeoDataFrame | None:
    """Return the cells of ``plan`` (None when there is no plan)."""
    if plan is None:
        return None
    return load_cells(ctx.url, ctx.campus.name, plan.id, ctx.campus.data_version)


def plan_caption(ctx: Context, plan: services.PlanSummary | None) -> None:
    """Show one line about the plan drawn, or how to make one."""
    if plan is None:
        st.info(t("app.no_plan", ctx.lang))
        return
    st.caption(
        t(
            "app.plan_caption",
            ctx.lang,
            version=plan.version,
            status=md(label("status", plan.status, ctx.lang)),
            method=md(label("method", plan.method or "—", ctx.lang)),
            cells=plan.cells,
        )
    )


def view_for(ctx: Context, campus: CampusLayers) -> dict[str, float]:
    """Return the campus's initial map view, computed once per session and campus.

    The same view on every rerun keeps the user's pan and zoom (the map does not jump).
    """
    key = f"_cg_view:{ctx.url}:{ctx.campus.name}:{ctx.campus.data_version}"
    if key not in st.session_state:
        st.session_state[key] = campus_view(campus)
    view: dict[str, float] = st.session_state[key]
    return view


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with user-written text columns as one-line plain text (tables)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [plain_text(v) for v in out[column]]
    return out


def cells_table(cells: gpd.GeoDataFrame, lang: Lang) -> pd.DataFrame:
    """Return the cells as a table: code, zone, kind, owner, area (m²) with localised headers."""
    frame = pd.DataFrame(
        {
            "code": cells["code"],
            "zone": [plain_text(z) for z in cells["zone"]],
            "kind": [label("kind", k, lang) for k in cells["kind"]],
            "owner": [plain_text(o) or t("value.unassigned", lang) for o in cells["owner"]],
            "area_m2": cells["area_m2"].astype(float).round(1),
        }
    )
    frame = text_frame(frame)
    return frame.rename(columns={c: t(f"field.{c}", lang) for c in frame.columns})


# --------------------------------------------------------------------------- issue 4: map data
# Operations data (inspections, hazards) changes without a data_version bump, so those
# caches are also keyed by ``ui_queries.ops_version`` (largest ids and counts, the day):
# a few index look-ups per rerun, and the cache holds until the data really changes.
# OPS_TTL_S only bounds memory. The two big frames (the completion grid, ~600,000 rows on
# the large demo, and the hazards) are shared, not copied per rerun (cache_resource):
# callers must treat them as read-only (filters return new frames).
OPS_TTL_S = 3600
TIMING_ENV = "CAMPUSGRID_TIMING_LOG"


@contextmanager
def timed(label_: str) -> Iterator[None]:
    """Append ``label seconds`` to the file named by ``CAMPUSGRID_TIMING_LOG`` (bench/ui.py)."""
    path = os.environ.get(TIMING_ENV, "").strip()
    started = time.perf_counter()
    try:
        yield
    finally:
        if path:
            with open(path, "a", encoding="utf-8") as log:
                log.write(f"{label_} {time.perf_counter() - started:.4f}\n")


def log_timing(label_: str, started: float) -> None:
    """Append ``label seconds-since-started`` to ``CAMPUSGRID_TIMING_LOG`` (if set)."""
    path = os.environ.get(TIMING_ENV, "").strip()
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{label_} {time.perf_counter() - started:.4f}\n")


def ops_key(url: str, campus: str) -> ui_queries.OpsVersion:
    """Return the operations data's fingerprint (see ``ui_queries.ops_version``); its
    ``inspections`` and ``hazards`` parts key what depends on one kind of data only."""
    return ui_queries.ops_version(engine_for(url), campus)


#: At most this many cells recounted after new submissions; more, and the grid is reloaded.
GRID_DELTA_CELLS = 2000
#: Previous frames kept to splice into (a grid and a hazards table per campus, plan and data
#: version; ~50 MB a grid on the large demo), the least recently loaded dropped first.
BASES_KEPT = 8


@dataclass(frozen=True)
class _Base:
    """The latest frame of one kind for a (url, campus, plan, data version): the key it was
    read at (a part of the fingerprint) and when it was last read whole."""

    key: tuple[object, ...]
    loaded_at: float  # time.monotonic() (s)
    frame: pd.DataFrame


_BASES: dict[tuple[object, ...], _Base] = {}
_BASES_LOCK = threading.Lock()


def _spliced(
    where: tuple[object, ...],
    key: tuple[object, ...],
    whole: Callable[[], pd.DataFrame],
    splice: Callable[[_Base], pd.DataFrame | None],
) -> pd.DataFrame:
    """Return the frame of ``where`` at ``key`` (a fingerprint part: day, campus id, ids):
    ``splice`` of the previous one (None: it cannot) while that was read whole less than
    ``OPS_TTL_S`` ago, on the same day and campus, else ``whole()``; remembered for the next
    change."""
    with _BASES_LOCK:
        base = _BASES.get(where)
    frame: pd.DataFrame | None = None
    recent = base is not None and time.monotonic() - base.loaded_at <= OPS_TTL_S
    if base is not None and recent and base.key[:2] == key[:2]:  # same day and campus
        frame, loaded_at = splice(base), base.loaded_at
    if frame is None:
        frame, loaded_at = whole(), time.monotonic()
    remembered = _Base(key, loaded_at, frame)
    with _BASES_LOCK:
        _BASES.pop(where, None)
        _BASES[where] = remembered  # the newest last
        while len(_BASES) > BASES_KEPT:  # other plans, data versions, campuses
            del _BASES[next(iter(_BASES))]
    return frame


def _cells_delta(
    engine: Engine,
    campus: str,
    base: _Base,
    key: tuple[object, ...],
    count: Callable[[list[str]], pd.DataFrame],
) -> pd.DataFrame | None:
    """Return ``base.frame`` (counts per cell and more: a completion or owner grid) brought up
    to ``key`` (the ``inspections`` part of the fingerprint) by counting again, with
    ``count``, only the cells that new submissions touched; None when only a whole reload
    will do (new due rows, no new inspection, too many cells)."""
    _, _, inspection, due = key
    _, _, old_inspection, old_due = base.key
    if due != old_due or not isinstance(inspection, int) or not isinstance(old_inspection, int):
        return None
    if inspection <= old_inspection:
        return None
    cells = ui_queries.inspected_cells(engine, campus, after=old_inspection, upto=inspection)
    if len(cells) > GRID_DELTA_CELLS:
        return None
    kept = base.frame[~base.frame["cell_code"].isin(cells)]
    fresh = count(cells)
    if not len(fresh):
        return kept.reset_index(drop=True)
    fresh = fresh.astype(base.frame.dtypes.to_dict())
    return pd.concat([kept, fresh], ignore_index=True)


def _grid_delta(
    engine: Engine, campus: str, base: _Base, key: tuple[object, ...]
) -> pd.DataFrame | None:
    """Return the completion grid ``base.frame`` brought up to ``key`` (see _cells_delta)."""
    return _cells_delta(
        engine,
        campus,
        base,
        key,
        lambda cells: ui_queries.completion_grid(engine, campus, cells=cells),
    )


@st.cache_resource(show_spinner=False, max_entries=4, ttl=OPS_TTL_S)
def _completion_grid(
    url: str, campus: str, plan_id: int, data_version: int, key: tuple[object, ...]
) -> pd.DataFrame:
    engine = engine_for(url)
    operations.ensure_campus_schedule(engine, campus, local_today())  # loads only if behind
    return _spliced(
        ("grid", url, campus, plan_id, data_version),
        key,
        lambda: ui_queries.completion_grid(engine, campus),
        lambda base: _grid_delta(engine, campus, base, key),
    )


def local_today() -> date:
    """Return today's date on the campus clock."""
    return operations.local_day(utcnow())


def completion_grid(url: str, campus: str, plan_id: int, data_version: int) -> pd.DataFrame:
    """Return completion per cell × week × domain over the last 90 days (cached until the
    inspections or due rows change; after new submissions only their cells are recounted)."""
    return _completion_grid(url, campus, plan_id, data_version, ops_key(url, campus).inspections)


def _hazards_delta(
    engine: Engine, campus: str, base: _Base, key: tuple[object, ...]
) -> pd.DataFrame | None:
    """Return ``base.frame`` (a hazards table) brought up to ``key`` (the ``hazards`` part of
    the fingerprint): the open hazards read again, the closed ones only where touched."""
    hazard, event = (v if isinstance(v, int) else None for v in base.key[2:])
    if key[2:] == base.key[2:]:
        return None
    return ui_queries.hazards_table_since(engine, campus, base.frame, hazard=hazard, event=event)


@st.cache_resource(show_spinner=False, max_entries=4, ttl=OPS_TTL_S)
def _hazards(
    url: str, campus: str, plan_id: int, data_version: int, key: tuple[object, ...]
) -> pd.DataFrame:
    engine = engine_for(url)
    return _spliced(
        ("hazards", url, campus, plan_id, data_version),
        key,
        lambda: ui_queries.hazards_table(engine, campus),
        lambda base: _hazards_delta(engine, campus, base, key),
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
    return _spliced(
        ("owners", url, campus, plan_id, data_version),
        key,
        lambda: ui_queries.owner_grid(engine, campus),
        lambda base: _cells_delta(
            engine,
            campus,
            base,
            key,
            lambda cells: ui_queries.owner_grid(engine, campus, cells=cells),
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
    operations.report_window(by, start=None, end=None, now=None)  # checks ``by``
    out = {}
    for b in by:  # both grids cover the same 90 days to today
        if b in FROM_GRID:
            grid = completion_grid(url, campus, plan_id, data_version)
        else:
            grid = owner_grid(url, campus, plan_id, data_version)
        out[b] = operations.completion_from_grid(grid, b)
    return out


@st.cache_data(show_spinner=False, max_entries=8, ttl=OPS_TTL_S)
def _report_ledger(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    by: tuple[str, ...],
    key: tuple[object, ...],
) -> dict[str, pd.DataFrame]:
    _, start, end = operations.report_window(by, start=None, end=None, now=None)
    return operations.ledger_tables(engine_for(url), campus, by=by, start=start, end=end)


def reports(
    url: str, campus: str, plan_id: int, data_version: int, by: tuple[str, ...]
) -> dict[str, pd.DataFrame]:
    """Return :func:`zoning.services.safety.completion_report` for each of ``by`` over the last
    90 days: the completion half (from the completion grid where it can) cached until the
    inspections change, the ledger half until the hazards change, joined per rerun."""
    ops = ops_key(url, campus)
    tables = _report_completion(url, campus, plan_id, data_version, by, ops.inspections)
    rates = _report_ledger(url, campus, plan_id, data_version, by, ops.hazards)
    return {b: operations.join_report(tables[b], rates[b], b) for b in by}


@st.cache_data(show_spinner=False, max_entries=64, ttl=OPS_TTL_S)
def _cell_detail(
    url: str, campus: str, plan_id: int, code: str, ops: tuple[object, ...]
) -> ui_queries.CellDetail:
    return ui_queries.cell_detail(engine_for(url), campus, code)


def cell_detail(url: str, campus: str, plan_id: int, code: str) -> ui_queries.CellDetail:
    """Return the side-panel facts of one cell (cached until the operations data change)."""
    return _cell_detail(url, campus, plan_id, code, ops_key(url, campus))


@st.cache_resource(show_spinner=False, max_entries=4)
def coverage_result(
    url: str, campus: str, data_version: int, plan_id: int | None
) -> CoverageResult:
    """Return the campus's camera coverage (seconds on a large campus: lazy; shared)."""
    return coverage_service.campus_coverage(engine_for(url), campus, plan_id=plan_id)


@st.cache_resource(show_spinner=False, max_entries=4)
def coverage(url: str, campus: str, data_version: int, plan_id: int | None) -> CoverageView:
    """Return the campus's camera coverage in drawn form (EPSG:4326, simplified)."""
    return coverage_view(coverage_result(url, campus, data_version, plan_id))


@st.cache_resource(show_spinner=False, max_entries=8)
def suggested_sites(url: str, campus: str, data_version: int, count: int) -> gpd.GeoDataFrame:
    """Return ``count`` suggested camera sites (EPSG:4326), best first (cached)."""
    return coverage_service.suggest_cameras(engine_for(url), campus, count=count)


#: Heavy layer data is written here and served by Streamlit's static file serving
#: (``[server] enableStaticServing``: ``<app dir>/static/`` at ``app/static/``, same origin).
LAYER_DIR = Path(__file__).resolve().parents[1] / "static" / "map"
LAYER_URL = "app/static/map/"
#: Written files kept per layer id (newest used first); each is one layer's data (≤ a few
#: MB). Cells and hazards get a file per filter state; the others one per campus version.
LAYER_FILES_KEPT = 64


def static_serving() -> bool:
    """True when Streamlit serves ``static/`` (else heavy layers stay inline)."""
    return bool(st.get_option("server.enableStaticServing"))


def publish(layer: pdk.Layer) -> PreparedLayer:
    """Return ``layer`` prepared for the deck, its data served as a static JSON file.

    Streamlit parses the deck's JSON with a slow JSON5 parser; a file is fetched and
    parsed natively by deck.gl (gzip on the wire). Files are named by their content:
    one already written is reused. Without static serving the data stays inline.
    """
    if not static_serving():
        return prepare(layer)
    prepared, file = externalise(layer, url_prefix=LAYER_URL)
    path = LAYER_DIR / file.name
    if path.exists():
        path.touch()
        return prepared
    LAYER_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_text(file.text, encoding="utf-8")
    os.replace(partial, path)
    _prune_layer_files()
    return prepared


def _prune_layer_files() -> None:
    by_layer: dict[str, list[Path]] = {}
    for file in LAYER_DIR.glob("*.json"):
        by_layer.setdefault(file.name.rsplit("-", 1)[0], []).append(file)
    for files in by_layer.values():
        files.sort(key=lambda f: f.stat().st_mtime, reverse=True)
        for old in files[LAYER_FILES_KEPT:]:
            old.unlink(missing_ok=True)


_LAYER_FILE = re.compile(re.escape(LAYER_URL) + r"([A-Za-z0-9_.-]+\.json)")


def layer_file_alive(prepared: PreparedLayer) -> bool:
    """Touch the file ``prepared`` draws its data from, so pruning keeps it; False when the
    file is gone (pruned while the layer stayed cached). A layer with inline data is alive."""
    match = _LAYER_FILE.search(prepared.json)
    if match is None:
        return True
    try:
        os.utime(LAYER_DIR / match.group(1))
    except FileNotFoundError:
        return False
    return True


def _with_live_file(cached: Any, *args: object) -> Any:
    """Return ``cached(*args)`` (a cached function giving a PreparedLayer, or a tuple
    starting with one) with its layer file on disk: a file pruned while its layer stayed
    cached (a layer file per filter state, ``LAYER_FILES_KEPT`` newest kept) is rebuilt."""
    out = cached(*args)
    layer = out[0] if isinstance(out, tuple) else out
    if layer_file_alive(layer):
        return out
    cached.clear()
    return cached(*args)


@st.cache_resource(show_spinner=False, max_entries=8)
def base_layers(url: str, campus: str, data_version: int, lang: Lang) -> dict[str, PreparedLayer]:
    """Return the campus's own layers (ground … cameras) serialised once, by layer id.

    Every layer with data is a file, the small ground too: a layer inline in the deck is
    drawn the moment the deck arrives, and in a software renderer that extra first frame
    delays the files (bench/README.md: 4 frames → 2 before the map is complete)."""
    layers = load_layers(url, campus, data_version)
    out: dict[str, PreparedLayer] = {}
    if len(layers.boundary):
        out[map_layers.GROUND] = publish(map_layers.ground_layer(layers.boundary))
    if len(layers.landcover):
        out[map_layers.LANDCOVER] = publish(map_layers.landcover_layer(layers.landcover))
    if len(layers.roads):
        out[map_layers.ROADS] = publish(map_layers.roads_layer(layers.roads))
    if len(layers.buildings):
        out[map_layers.BUILDINGS] = publish(map_layers.buildings_layer(layers.buildings, lang=lang))
    if len(layers.cameras):
        out[map_layers.CAMERAS] = publish(map_layers.cameras_layer(layers.cameras, lang=lang))
    return out


@st.cache_resource(show_spinner=False, max_entries=8)
def coverage_layers(
    url: str, campus: str, data_version: int, plan_id: int | None, lang: Lang
) -> dict[str, PreparedLayer]:
    """Return the coverage, blind-spot and key-area layers serialised once."""
    view = coverage(url, campus, data_version, plan_id)
    return {
        cov.COVERAGE: publish(cov.coverage_layer(view.bands, lang=lang)),
        cov.BLIND_SPOTS: publish(cov.blind_spots_layer(view.blind_spots, lang=lang)),
        cov.KEY_AREAS: publish(cov.key_areas_layer(view.key_areas, lang=lang)),
    }


@st.cache_resource(show_spinner=False, max_entries=8)
def cell_base(url: str, campus: str, plan_id: int, data_version: int, lang: Lang) -> list[Record]:
    """Return the plan's cell geometry records (painted per filter by the pages)."""
    return map_layers.cell_records(load_cells(url, campus, plan_id, data_version), lang=lang)


def zone_codes(cells: gpd.GeoDataFrame, zones: Collection[str]) -> frozenset[str]:
    """Return the codes of the ``cells`` in ``zones`` (zone labels as shown; all when empty)."""
    wanted = set(zones)
    return frozenset(
        str(c) for c, z in zip(cells["code"].tolist(), cells["zone"].tolist(), strict=True)
        if not wanted or plain_text(z) in wanted
    )  # fmt: skip


def measure_paint(
    codes: frozenset[str], values: dict[str, float], measure: measures.Measure, lang: Lang
) -> tuple[dict[str, RGBA], list[LegendEntry], dict[str, str]]:
    """Return the fill of each cell code for ``measure`` (``values`` by code), the legend and
    each cell's tooltip line."""
    fills, legend = measures.measure_colours(codes, values, measure, lang=lang)
    tips = {c: measures.measure_text(measure, values.get(c), lang=lang) for c in codes}
    return fills, legend, tips


@st.cache_resource(show_spinner=False, max_entries=16)
def cell_outlines(
    url: str, campus: str, plan_id: int, data_version: int, lang: Lang, zones: tuple[str, ...]
) -> PreparedLayer:
    """Return the outlines of the plan's cells (of ``zones``; all when empty) as one layer
    of merged straight lines (see ``maps.layers.cell_outlines_layer``), published once."""
    cells = load_cells(url, campus, plan_id, data_version)
    codes = zone_codes(cells, zones) if zones else None
    records = cell_base(url, campus, plan_id, data_version, lang)
    return publish(map_layers.cell_outlines_layer(records, codes=codes))


#: How long a basemap (or the reason there is none) is kept in memory: a tile server
#: fixed or back up is used again after this, without restarting the app.
BASEMAP_TTL_S = 300


@dataclass(frozen=True)
class BasemapOutcome:
    """The basemap layer (None when there is none) and a line for the user (or None)."""

    layer: PreparedLayer | None
    warning: str | None
    file: Path | None = None
    stale: bool = False  # an older saved basemap: refreshing it failed (``warning``)


@st.cache_resource(show_spinner=False, max_entries=8, ttl=BASEMAP_TTL_S)
def basemap(template: str, bounds: tuple[float, float, float, float]) -> BasemapOutcome:
    """Return the basemap of lon/lat ``bounds`` from the XYZ ``template`` (``BASEMAP_ENV``).

    The server fetches the tiles once (``zoning.geo.basemap``) and writes one PNG to
    :data:`LAYER_DIR`; the browser loads it from this app (127.0.0.1), nothing else.
    Any failure becomes a warning: the map is then drawn without a basemap.
    """
    if not static_serving():
        return BasemapOutcome(
            None,
            f"{BASEMAP_ENV} needs Streamlit's static file serving "
            "(server.enableStaticServing = true in .streamlit/config.toml).",
        )
    try:
        image = fetch_basemap(template, bounds, cache_dir=LAYER_DIR)
    except CampusgridError as err:
        return BasemapOutcome(None, str(err))
    layer = prepare(basemap_layer(LAYER_URL + image.path.name, image.bounds))
    return BasemapOutcome(layer, image.warning, image.path, image.stale)


#: Painted layers kept per filter state (each a few hundred bytes naming its data file in
#: static/map/, plus the legend): a filter the user goes back to, or the default view of a
#: new visitor, is drawn without any work on the server.
PAINTED_ENTRIES = 32


@dataclass(frozen=True)
class MapFilters:
    """The safety map's filters in a hashable, order-free form (a cache key)."""

    zones: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    statuses: tuple[measures.StatusGroup, ...] = ()
    start: date | None = None
    end: date | None = None

    @classmethod
    def of(
        cls,
        *,
        zones: Collection[str] = (),
        domains: Collection[str] = (),
        statuses: Collection[measures.StatusGroup] = (),
        start: date | None = None,
        end: date | None = None,
    ) -> MapFilters:
        """Return the filters with each list sorted (the same choice, the same key)."""
        return cls(
            tuple(sorted(zones)), tuple(sorted(domains)), tuple(sorted(statuses)), start, end
        )


@st.cache_resource(show_spinner=False, max_entries=PAINTED_ENTRIES, ttl=OPS_TTL_S)
def _painted_cells(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    lang: Lang,
    colour_by: str,
    filters: MapFilters,
    ops: tuple[object, ...],
) -> tuple[PreparedLayer, list[LegendEntry]]:
    zones, domains, start, end = filters.zones, filters.domains, filters.start, filters.end
    cells = load_cells(url, campus, plan_id, data_version)
    codes = zone_codes(cells, zones)
    tips: dict[str, str] | None = None
    if colour_by in measures.MEASURES:
        values: dict[Any, Any] = {}
        if colour_by == "completion":
            grid = completion_grid(url, campus, plan_id, data_version)
            chosen = measures.filter_grid(grid, zones=zones, domains=domains, start=start, end=end)
            values = measures.completion_by_cell(chosen).to_dict()
        elif colour_by == "hazards":
            table = hazards(url, campus, plan_id, data_version)
            chosen = measures.filter_hazards(
                table, zones=zones, domains=domains, start=start, end=end
            )
            values = measures.open_hazards_by_cell(chosen).to_dict()
        else:
            values = dict(coverage(url, campus, data_version, plan_id).cell_pct)
        values = {str(k): float(v) for k, v in values.items()}
        fills, legend, tips = measure_paint(codes, values, colour_by, lang)  # type: ignore[arg-type]
    else:
        fill_list, legend = map_layers.cell_colours(cells, colour_by=colour_by, lang=lang)  # type: ignore[arg-type]
        fills = dict(zip((str(c) for c in cells["code"]), fill_list, strict=True))
    base = cell_base(url, campus, plan_id, data_version, lang)
    # Outlines as one layer of merged lines, not a stroke per cell: 13,000 stroked rings
    # were most of the map's draw time in a software renderer (bench/README.md).
    layer = map_layers.painted_cells_layer(base, fills, tips=tips, codes=codes, stroked=False)
    return publish(layer), legend


def painted_cells(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    lang: Lang,
    colour_by: str,
    filters: MapFilters,
) -> tuple[PreparedLayer, list[LegendEntry]]:
    """Return the plan's cells (of the filters' zones; all when none) coloured by
    ``colour_by`` (a measure of ``maps.measures`` filtered by the domains and dates, or a
    cell property of ``maps.layers.COLOUR_BY``), published, and the legend; cached per
    filter state until the operations data change."""
    return _with_live_file(  # type: ignore[no-any-return]
        _painted_cells,
        url, campus, plan_id, data_version, lang, colour_by, filters,
        measure_key(url, campus, colour_by),
    )  # fmt: skip


def measure_key(url: str, campus: str, colour_by: str) -> tuple[object, ...]:
    """Return what the cells painted by ``colour_by`` depend on among the operations data:
    the inspections for completion, the hazards for open hazards, nothing otherwise."""
    if colour_by == "completion":
        return ops_key(url, campus).inspections
    if colour_by == "hazards":
        return ops_key(url, campus).hazards
    return ()


@st.cache_resource(show_spinner=False, max_entries=PAINTED_ENTRIES, ttl=OPS_TTL_S)
def _completion_heatmap(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    lang: Lang,
    week: str | None,
    ops: tuple[object, ...],
) -> tuple[PreparedLayer, list[LegendEntry]]:
    grid = completion_grid(url, campus, plan_id, data_version)
    chosen = grid if week is None else measures.filter_grid(grid, weeks=[week])
    values = {str(k): float(v) for k, v in measures.completion_by_cell(chosen).items()}
    base = cell_base(url, campus, plan_id, data_version, lang)
    codes = frozenset(str(r["code"]) for r in base)
    fills, legend, tips = measure_paint(codes, values, "completion", lang)
    heights = measures.shortfall_heights(values)
    layer = map_layers.painted_cells_layer(base, fills, tips=tips, heights=heights)
    return publish(layer), legend


def completion_heatmap(
    url: str, campus: str, plan_id: int, data_version: int, lang: Lang, week: str | None
) -> tuple[PreparedLayer, list[LegendEntry]]:
    """Return the cells extruded by their completion shortfall and coloured by completion
    (of ``week``, an ISO week label; all 90 days when None), published, and the legend;
    cached per week until the operations data change (the week replay steps through them)."""
    return _with_live_file(  # type: ignore[no-any-return]
        _completion_heatmap,
        url, campus, plan_id, data_version, lang, week, ops_key(url, campus).inspections,
    )  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=PAINTED_ENTRIES, ttl=OPS_TTL_S)
def _hazard_columns(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    lang: Lang,
    filters: MapFilters,
    ops: tuple[object, ...],
) -> PreparedLayer:
    shown = measures.filter_hazards(
        hazards(url, campus, plan_id, data_version),
        zones=filters.zones,
        domains=filters.domains,
        statuses=filters.statuses,
        start=filters.start,
        end=filters.end,
    )
    return publish(hazard_layers.hazards_layer(shown, lang=lang))


def hazard_columns(
    url: str, campus: str, plan_id: int, data_version: int, lang: Lang, filters: MapFilters
) -> PreparedLayer:
    """Return the hazard columns of the hazards the filters keep, published (cached per
    filter state until the operations data change)."""
    return _with_live_file(  # type: ignore[no-any-return]
        _hazard_columns,
        url, campus, plan_id, data_version, lang, filters, ops_key(url, campus).hazards,
    )  # fmt: skip


def deck_of(ctx: Context, prepared: list[PreparedLayer]) -> PreparedDeck:
    """Return the deck of ``prepared`` layers with the campus's constant initial view.

    With ``CAMPUSGRID_BASEMAP_URL`` set, the basemap is drawn first, under everything
    (or a warning says why there is none); ``map_provider`` stays None either way.
    """
    layers = load_layers(ctx.url, ctx.campus.name, ctx.campus.data_version)
    template = os.environ.get(BASEMAP_ENV, "").strip()
    if template and len(layers.boundary):
        bounds = tuple(round(float(b), 6) for b in layers.boundary.total_bounds)
        with st.spinner(t("map.fetching_basemap", ctx.lang)):
            outcome = basemap(template, bounds)  # type: ignore[arg-type]
            if outcome.file is not None and not outcome.file.exists():  # pruned meanwhile
                basemap.clear()
                outcome = basemap(template, bounds)  # type: ignore[arg-type]
        if outcome.warning:
            if outcome.stale:
                key = "map.basemap_stale"
            else:
                key = "map.basemap_partial" if outcome.layer else "map.basemap_failed"
            # md() would cut at 300 characters: this line holds a URL and what to do
            message = _MD_SPECIAL.sub(r"\\\1", plain_text(outcome.warning, max_chars=1000))
            st.warning(t(key, ctx.lang, message=message))
        if outcome.layer is not None:
            prepared = [outcome.layer, *prepared]
            credit = attribution(template, os.environ.get(BASEMAP_ATTRIBUTION_ENV))
            st.caption(t("map.basemap_credit", ctx.lang, credit=md(credit)))
    for layer in prepared:  # drawn now: touched, so pruning keeps the files in use
        layer_file_alive(layer)
    return prepared_deck(prepared, view=view_for(ctx, layers))


def legend_line(title: str, entries: list[LegendEntry]) -> None:
    """Show one legend (title and swatches; labels escaped by legend_html)."""
    if entries:
        st.markdown(
            f"**{md(title)}** &nbsp; {legend_html(entries)}",
            unsafe_allow_html=True,
        )


def localised(frame: pd.DataFrame, lang: Lang, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Return ``frame`` as plain text with headers ``field.<column>`` (or ``names``)."""
    names = names or {}
    out = text_frame(frame)
    return out.rename(columns={c: names.get(c) or t(f"field.{c}", lang) for c in out.columns})
