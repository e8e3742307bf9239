"""安全地图 Safety map: the campus in 3D, cells coloured by a measure, hazards as columns,
camera coverage and blind spots; filters; click a cell (or its hazard column) for its panel.

The chart's key and initial view never change with a filter, so the map keeps the user's
pan and zoom; only a search result moves the view (it flies to the thing found and opens
its cell's panel; a click on the map then wins again). Heavy layers are serialised once
(see ``_ui.base_layers``); a filter change only repaints the cells and rebuilds the hazard
columns (one per cell, not per hazard).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pydeck as pdk
import streamlit as st
from maps import coverage_layers as cov
from maps import hazard_layers, measures, search
from maps import layers as map_layers
from maps.deck import PreparedLayer, prepare
from maps.i18n import Lang, label, t
from maps.map_defaults import FIRST_MEASURE, FIRST_STATUSES, first_dates
from maps.payload import plain_text
from zoning.accounts import Permission
from zoning.clock import DEFAULT_TZ, local_text
from zoning.safety.domains import get_domain, is_domain

from app_pages import _ui
from app_pages import _workflow as wf
from app_pages._ui.search_box import pick_result

CELL_MEASURES: tuple[str, ...] = (*measures.MEASURES, *map_layers.COLOUR_BY)
OVERLAYS: tuple[str, ...] = (
    hazard_layers.HAZARDS,
    cov.COVERAGE,
    cov.BLIND_SPOTS,
    cov.KEY_AREAS,
    cov.SUGGESTED,
)
ALL_LAYERS: tuple[str, ...] = (*map_layers.LAYER_IDS, *OVERLAYS)
DEFAULT_LAYERS: tuple[str, ...] = (*map_layers.LAYER_IDS, hazard_layers.HAZARDS)
#: Bottom to top.
ORDER: tuple[str, ...] = (
    map_layers.GROUND,
    map_layers.LANDCOVER,
    cov.COVERAGE,
    map_layers.CELLS,
    map_layers.CELL_OUTLINES,  # drawn with the cells (see ``wanted``)
    cov.BLIND_SPOTS,
    cov.KEY_AREAS,
    map_layers.ROADS,
    map_layers.BUILDINGS,
    map_layers.CAMERAS,
    hazard_layers.HAZARDS,
    cov.SUGGESTED,
)
SUGGEST_COUNT = 10
SEARCH_KEY = "map_search"
FOUND_KEY = "map_found"  # the search result chosen (its ``Found.key``); None: none


def domain_name(code: object, lang: Lang) -> str:
    """Return a safety domain's name in ``lang`` (the code when unknown)."""
    if is_domain(code):
        d = get_domain(str(code))
        return d.name_zh if lang == "zh" else d.name_en
    return str(code)


ctx = _ui.context()
lang = ctx.lang
# Widgets whose option labels are translated get a key per language (a keyed widget keeps
# the labels it was first drawn with); the choice made in the other language carries over.
COLOUR_KEY = wf.lang_key("map_colour_by", lang)
LAYERS_KEY = wf.lang_key("map_layers", lang)
STATUS_KEY = wf.lang_key("map_status", lang)


def _first(default: list[str], key: str) -> list[str] | None:
    """Return ``default`` for a widget drawn the first time, None once its value is in the
    session (carried over from the other language: a default beside it is refused)."""
    return None if key in st.session_state else default


actor = _ui.current_actor()
#: A viewer sees the map only: no hazard rows, so neither the hazard layer nor its measure.
sees_rows = actor.can(Permission.VIEW_LEDGER) or actor.can(Permission.VIEW_REPORTS)
measure_options = [m for m in CELL_MEASURES if sees_rows or m != "hazards"]
layer_options = [i for i in ALL_LAYERS if sees_rows or i != hazard_layers.HAZARDS]
st.title(t("nav.safety_map", lang))
st.subheader(_ui.md(ctx.campus.name))
plan = _ui.current_plan(ctx)
_ui.plan_caption(ctx, plan)
url, campus, version = ctx.url, ctx.campus.name, ctx.campus.data_version
plan_id = None if plan is None else plan.id

left, right = st.columns([3, 1], gap="medium")
with right:
    search_box = st.container()  # filled once the frames it searches are loaded
    colour_by = st.radio(
        t("map.colour_by", lang),
        options=measure_options,
        format_func=lambda m: t(f"measure.{m}", lang),
        index=None if COLOUR_KEY in st.session_state else measure_options.index(FIRST_MEASURE),
        key=COLOUR_KEY,
        horizontal=True,
    ) or str(FIRST_MEASURE)  # index None only when the session carries the choice
    show = st.multiselect(
        t("map.layers", lang),
        options=layer_options,
        default=_first([i for i in DEFAULT_LAYERS if i in layer_options], LAYERS_KEY),
        format_func=lambda layer_id: t(f"layer.{layer_id}", lang),
        key=LAYERS_KEY,
        select_all=False,  # Streamlit's own "Select all" is not in the catalogue
        placeholder=t("ui.choose_many", lang),
    )

grid = hazards = None
if plan_id is not None:
    grid = _ui.completion_grid(url, campus, plan_id, version, actor=actor)
    hazards = _ui.hazards(url, campus, plan_id, version, actor=actor)
cells = _ui.plan_cells(ctx, plan)
zone_options = (
    sorted({plain_text(z) for z in cells["zone"].unique()}, key=lambda z: (len(z), z))
    if cells is not None
    else []
)
domain_options = (
    sorted({*grid["domain"].unique(), *hazards["domain"].unique()})  # unique(): 600k rows
    if grid is not None and hazards is not None
    else []
)


def _find() -> search.Found | None:
    """Draw the search box and its results; return the result chosen (None: none). Only the
    frames this page already holds for the account are searched (its cells, the campus's
    buildings, the hazards it may see)."""
    with search_box:
        query = st.text_input(
            t("search.label", lang), key=SEARCH_KEY, placeholder=t("search.placeholder", lang)
        ).strip()
        if not query:
            st.session_state.pop(FOUND_KEY, None)
            return None
        found = search.find(
            query,
            cells=cells,
            buildings=_ui.load_layers(url, campus, version).buildings,
            hazards=hazards if sees_rows else None,
        )
        return pick_result(query, found, lang, placeholder="search.pick", key=FOUND_KEY)


def _clicked() -> None:
    """A click on the map wins over the search result chosen before it."""
    st.session_state[FOUND_KEY] = None


found = _find()
today = pd.Timestamp.now(tz=DEFAULT_TZ).date()
with right, st.expander(t("map.filters", lang), expanded=True):
    zones = st.multiselect(
        t("filter.zone", lang),
        zone_options,
        key="map_zones",
        placeholder=t("ui.choose_many", lang),
        select_all=False,
    )
    domains = st.multiselect(
        t("filter.domain", lang),
        domain_options,
        format_func=lambda d: domain_name(d, lang),
        key=wf.lang_key("map_domains", lang),
        select_all=False,
        placeholder=t("ui.choose_many", lang),
    )
    statuses = st.multiselect(
        t("filter.status", lang),
        list(measures.STATUS_GROUPS),
        default=_first(list(FIRST_STATUSES), STATUS_KEY),
        format_func=lambda s: t(f"hstatus.{s}", lang),
        key=STATUS_KEY,
        select_all=False,
        placeholder=t("ui.choose_many", lang),
    )
    dates = st.date_input(
        t("filter.dates", lang),
        value=first_dates(today),
        key="map_dates",
    )
start, end = (dates[0], dates[-1]) if isinstance(dates, tuple) and dates else (None, None)
filters = _ui.MapFilters.of(zones=zones, domains=domains, statuses=statuses, start=start, end=end)

prepared: dict[str, PreparedLayer] = dict(_ui.base_layers(url, campus, version, lang))
legends: list[tuple[str, list[Any]]] = []
need_coverage = colour_by == "coverage" or bool(
    {cov.COVERAGE, cov.BLIND_SPOTS, cov.KEY_AREAS} & set(show)
)
coverage = None
if need_coverage:
    with st.spinner(t("map.computing_coverage", lang)):
        coverage = _ui.coverage(url, campus, version, plan_id, actor=actor)
        prepared.update(_ui.coverage_layers(url, campus, version, plan_id, lang, actor=actor))
    legends.append((t("map.coverage_legend", lang), cov.band_legend(lang=lang)))
has_cells = cells is not None and plan_id is not None and len(cells) > 0
if has_cells and plan_id is not None:
    prepared[map_layers.CELLS], legend = _ui.painted_cells(
        url, campus, plan_id, version, lang, colour_by, filters, actor=actor
    )
    legends.insert(0, (t("map.legend", lang) + " · " + t(f"measure.{colour_by}", lang), legend))
if hazards is not None and plan_id is not None and hazard_layers.HAZARDS in show:
    prepared[hazard_layers.HAZARDS] = _ui.hazard_columns(
        url, campus, plan_id, version, lang, filters, actor=actor
    )
    legends.append((t("map.hazard_legend", lang), hazard_layers.hazard_legend(lang=lang)))
if cov.SUGGESTED in show:
    sites = _ui.suggested_sites(url, campus, version, SUGGEST_COUNT, actor=actor)
    prepared[cov.SUGGESTED] = prepare(cov.suggested_layer(sites, lang=lang))
wanted = set(show) | ({map_layers.CELL_OUTLINES} if map_layers.CELLS in show else set())
# Small files joined to heavy ones (see maps.layers.merged_flat_layer): the ground with its
# landcover, the cells' outlines under the roads; each alone when its partner is hidden.
if {map_layers.GROUND, map_layers.LANDCOVER} <= wanted:
    joined = _ui.ground_with_landcover(url, campus, version)
    if joined is not None:
        prepared[map_layers.GROUND] = joined
        wanted.discard(map_layers.LANDCOVER)
if has_cells and plan_id is not None and map_layers.CELL_OUTLINES in wanted:
    shown_zones = tuple(sorted(zones))
    joined = (
        _ui.roads_with_outlines(url, campus, plan_id, version, lang, shown_zones)
        if map_layers.ROADS in wanted
        else None
    )
    if joined is not None:
        prepared[map_layers.ROADS] = joined
        wanted.discard(map_layers.CELL_OUTLINES)
    else:
        prepared[map_layers.CELL_OUTLINES] = _ui.cell_outlines(
            url, campus, plan_id, version, lang, shown_zones
        )
chart = f"safety_map:{campus}"
deck = _ui.deck_of(ctx, [prepared[i] for i in ORDER if i in prepared and i in wanted], chart)
if found is not None:  # fly to it: a new initial view moves the map, the same one keeps it
    deck.initial_view_state = pdk.ViewState(**found.view, transition_duration=800)

with left:
    event = st.pydeck_chart(
        deck,
        on_select=_clicked,
        selection_mode="single-object",
        key=chart,
        height=620,
        alt=t("map.alt", lang, campus=plain_text(campus)),
    )
    for title, entries in legends:
        _ui.legend_line(title, entries)


def _selected(layer_id: str) -> dict[str, Any] | None:
    objects = event.selection.get("objects", {}).get(layer_id) or []
    return objects[0] if objects else None


def _rows(rows: list[tuple[str, object]]) -> None:
    table = pd.DataFrame(
        {t("field.item", lang): [k for k, _ in rows], t("field.value", lang): [v for _, v in rows]}
    )
    st.dataframe(_ui.text_frame(table), hide_index=True, width="stretch")


def _cell_panel(code: str) -> None:
    match = None if cells is None else cells[cells["code"] == code]
    st.markdown(f"#### {t('panel.cell', lang, code=_ui.md(code))}")
    if match is None or not len(match) or plan_id is None:
        st.warning(t("panel.gone", lang))
        return
    row = match.iloc[0]
    detail = _ui.cell_detail(url, campus, plan_id, code, actor=actor)
    owner = plain_text(row["owner"]) or t("value.unassigned", lang)
    phone = [(t("field.phone", lang), detail.owner_phone)] if detail.owner_phone else []
    phones = detail.chain_phones  # empty unless the account may see phones (staff)
    _rows(
        [
            (t("field.code", lang), row["code"]),
            (t("field.zone", lang), detail.zone or row["zone"]),  # its name (片区)
            (t("field.owner", lang), owner),
            *phone,
            (t("field.kind", lang), label("kind", row["kind"], lang)),
            (t("field.area_m2", lang), f"{float(row['area_m2']):,.1f}"),
        ]
    )
    if not detail.in_scope:
        st.caption(t("panel.out_of_scope", lang))
    st.markdown(f"**{t('panel.chain', lang)}**")
    st.markdown(
        " → ".join(
            f"{_ui.md(t(f'level.{lvl}', lang))} {_ui.md(person or '—')}"
            + (f" ☎ {_ui.md(phones[person])}" if person in phones else "")
            for lvl, person in detail.chain
        )
    )
    if not actor.can(Permission.VIEW_PHONES):
        st.caption(t("panel.phones_hidden", lang))
    due = detail.due_now
    done = int(due["submitted_at"].notna().sum()) if len(due) else 0
    rate = f" · {t('panel.done_pct', lang, pct=f'{done / len(due):.0%}')}" if len(due) else ""
    st.markdown(f"**{t('panel.checklist', lang, done=done, due=len(due))}{rate}**")
    if len(due):
        st.caption(t("panel.done_means", lang, done=done, due=len(due)))
    if len(due):
        table = pd.DataFrame(
            {
                "domain": [domain_name(d, lang) for d in due["domain"]],
                "period": due["period"],
                "due_date": [str(d) for d in due["due_date"]],
                "status": [
                    t("value.done" if pd.notna(s) else "value.not_done", lang)
                    for s in due["submitted_at"]
                ],
            }
        )
        st.dataframe(_ui.localised(table, lang), hide_index=True, width="stretch")
    mine = detail.hazards  # the cell's open hazards as the account may see them
    st.markdown(f"**{t('panel.open_hazards', lang, n=len(mine))}**")
    if len(mine):
        # Plain st.text (never Markdown/HTML): descriptions are user-written.
        st.text(
            "\n".join(
                f"#{h['id']} · {label('state', h['state'], lang)} · "
                f"{label('severity', h['severity'], lang)} · {plain_text(h['responsible'])}\n"
                f"  {hazard_layers.description_text(h, lang=lang, max_chars=160)}"
                for _, h in mine.head(10).iterrows()
            )
        )
    st.markdown(f"**{t('panel.recent', lang)}**")
    recent = detail.recent
    if len(recent):
        table = pd.DataFrame(
            {
                "submitted_at": [local_text(s) for s in recent["submitted_at"]],
                "domain": [domain_name(d, lang) for d in recent["template_code"]],
                "inspector": recent["inspector"],
                "late": [t("value.yes" if v else "value.no", lang) for v in recent["late"]],
            }
        )
        st.dataframe(_ui.localised(table, lang), hide_index=True, width="stretch")
    if coverage is not None:
        pct = coverage.cell_pct.get(code)
        shown = t("value.none", lang) if pct is None else f"{pct:.1f}%"
        st.markdown(t("panel.coverage", lang, pct=shown))
    else:
        st.caption(t("panel.coverage_off", lang))


with right:
    st.markdown(f"**{t('panel.title', lang)}**")
    cell = _selected(map_layers.CELLS)
    hazard = _selected(hazard_layers.HAZARDS)
    building = _selected(map_layers.BUILDINGS)
    camera = _selected(map_layers.CAMERAS)
    other = _selected(cov.BLIND_SPOTS) or _selected(cov.KEY_AREAS) or _selected(cov.SUGGESTED)
    if found is not None:  # chosen in the search: its cell's panel
        if found.kind == "building":
            st.markdown(f"#### {t('panel.building', lang)} · {_ui.md(found.label)}")
        if found.hazard_id is not None:
            st.caption(t("search.hazard_ledger", lang, id=found.hazard_id))
        if found.cell:
            _cell_panel(found.cell)
    elif cell is not None:
        _cell_panel(map_layers.picked_cell_code(cell))
    elif hazard is not None:  # a cell's hazard column: that cell's panel (its hazards listed)
        if hazard.get("code"):
            _cell_panel(plain_text(hazard.get("code")))
        else:
            st.text(plain_text(hazard.get("tip"), max_chars=400))
    elif building is not None:
        st.markdown(f"#### {t('panel.building', lang)}")
        st.text(plain_text(building.get("tip"), max_chars=400))
    elif camera is not None:
        st.markdown(f"#### {t('panel.camera', lang)}")
        st.text(plain_text(camera.get("tip"), max_chars=400))
    elif other is not None:
        st.text(plain_text(other.get("tip"), max_chars=400))
    else:
        st.caption(t("panel.none", lang) + " " + t("map.click_hint", lang))
