"""What every page shares: the sidebar (language, campus), cached loading, error lines.

Data is cached by plain keys — (database url, campus, plan id, data version, …) — never by
hashing a GeoDataFrame. A new import or plan bumps the campus's ``data_version``, which
is part of every key, so the cache never serves stale layers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st
from maps import layers as map_layers
from maps.colours import legend_html
from maps.deck import SafetyMap, campus_deck, campus_view
from maps.i18n import LANG_NAMES, LANGS, Lang, label, normalise_lang, t
from maps.payload import plain_text
from sqlalchemy.engine import Engine
from zoning import services
from zoning.errors import CampusgridError
from zoning.layers import CampusLayers
from zoning.store.engine import open_engine

DB_ENV = "CAMPUSGRID_DB"
BASEMAP_ENV = "CAMPUSGRID_BASEMAP_URL"
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


@st.cache_data(show_spinner=False, max_entries=8)
def load_layers(url: str, campus: str, data_version: int) -> CampusLayers:
    """Return the campus's layers (EPSG:4326), cached by (url, campus, data_version)."""
    return services.load_layers(engine_for(url), campus)


@st.cache_data(show_spinner=False, max_entries=16)
def load_cells(url: str, campus: str, plan_id: int, data_version: int) -> gpd.GeoDataFrame:
    """Return the cells of plan ``plan_id`` (EPSG:4326), cached by plain keys."""
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


@st.cache_resource(show_spinner=False, max_entries=16)
def _safety_map(
    url: str,
    campus: str,
    plan_id: int | None,
    data_version: int,
    lang: Lang,
    colour_by: map_layers.ColourBy,
    show: tuple[str, ...],
    view: tuple[tuple[str, float], ...],
    basemap: str,
) -> SafetyMap:
    layers = load_layers(url, campus, data_version)
    cells = None if plan_id is None else load_cells(url, campus, plan_id, data_version)
    return campus_deck(
        layers,
        cells,
        view=dict(view),
        lang=lang,
        colour_by=colour_by,
        show=show,
        basemap_style_url=basemap or None,
    )


def safety_map(
    ctx: Context,
    plan: services.PlanSummary | None,
    *,
    colour_by: map_layers.ColourBy = "zone",
    show: tuple[str, ...] = map_layers.LAYER_IDS,
) -> SafetyMap:
    """Return the safety map deck, cached by plain keys (the built deck is shared, read-only)."""
    layers = load_layers(ctx.url, ctx.campus.name, ctx.campus.data_version)
    view = view_for(ctx, layers)
    return _safety_map(
        ctx.url,
        ctx.campus.name,
        None if plan is None else plan.id,
        ctx.campus.data_version,
        ctx.lang,
        colour_by,
        show,
        tuple(sorted(view.items())),
        os.environ.get(BASEMAP_ENV, "").strip(),
    )


def legend(safety: SafetyMap, lang: Lang) -> None:
    """Show the legend of the cells' colours (labels escaped in maps.colours.legend_html)."""
    if safety.legend:
        st.markdown(
            f"**{t('map.legend', lang)}** &nbsp; {legend_html(safety.legend)}",
            unsafe_allow_html=True,
        )


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
