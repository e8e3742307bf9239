"""网格规划 Grid planner: pick or create a draft, select cells on the map, edit (merge, split,
reassign, move zone, undo), see the problems and the diff against the active plan, activate.

Every write runs in a button callback with the ``row_version`` the page was drawn with, so a
draft changed meanwhile by another planner gives a conflict message and saves nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from maps import plan_layers
from maps.colours import legend_html, use_group
from maps.i18n import label, t
from maps.payload import plain_text
from zoning import services
from zoning.accounts import Permission
from zoning.plans.diff import PlanDiff
from zoning.plans.edits import Edit, Merge, MoveZone, Reassign, Split
from zoning.services import plans as planner
from zoning.services import zones as zone_ops

from app_pages import _ui
from app_pages import _workflow as wf

ctx = _ui.context()
me = _ui.current_actor()  # the signed-in account does every write of this page
may_edit = me.can(Permission.EDIT_PLANS)  # the services check again
may_activate = me.can(Permission.ACTIVATE_PLANS)
lang = ctx.lang
campus = ctx.campus.name
PLAN_BASE = f"planner_plan:{campus}"
PLAN_KEY = wf.lang_key(PLAN_BASE, lang)
RV_KEY = "_planner_rv"  # plan id → the row_version the page was last drawn with
SEEN_KEY = "_planner_map_seen"  # codes the map selected at the last draw


@st.cache_data(show_spinner=False, max_entries=16)
def _validation(url: str, name: str, plan_id: int, data_version: int) -> planner.ValidationReport:
    return planner.validate_plan(_ui.engine_for(url), name, plan_id)


@st.cache_data(show_spinner=False, max_entries=16)
def _diff(url: str, name: str, active: int, plan_id: int, data_version: int) -> PlanDiff:
    return planner.diff(_ui.engine_for(url), name, active, plan_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _plan_view(url: str, name: str, data_version: int) -> dict[str, float]:
    # The same campus gives the same view on every rerun: the map does not jump.
    return plan_layers.plan_view(_ui.load_layers(url, name, data_version))


def _sel_key(plan_id: int) -> str:
    return f"planner_sel:{campus}:{plan_id}"


def _selected(plan_id: int) -> list[str]:
    return list(st.session_state.get(_sel_key(plan_id), []))


def _parse_line(text: str) -> shapely.LineString | None:
    try:
        points = [tuple(float(v) for v in pair.split(",")) for pair in text.split()]
    except ValueError:
        return None
    if len(points) < 2 or any(len(p) != 2 for p in points):
        return None
    return shapely.LineString(points)


# --------------------------------------------------------------------------- callbacks


def _create_draft() -> None:
    reason = str(st.session_state.get("planner_reason", "")).strip()
    if not reason:
        wf.flash("warning", t("plan.need_author", lang))
        return
    source = st.session_state.get(wf.lang_key("planner_from", lang))
    ok, draft = wf.guarded(
        lang,
        lambda: planner.create_draft(
            wf.engine(ctx),
            campus,
            from_plan=source,
            reason=reason,
            actor=_ui.current_actor(),
        ),
    )
    if ok:
        st.session_state[PLAN_KEY] = draft.id
        wf.flash("success", t("plan.created", lang, version=draft.version))


def _edit(plan_id: int, make: str) -> None:
    rv = st.session_state.get(RV_KEY, {}).get(plan_id)
    codes = tuple(_selected(plan_id))
    edit: Edit
    if make == "merge":
        if len(codes) < 2:
            wf.flash("warning", t("plan.merge_need", lang))
            return
        edit = Merge(codes)
    elif make == "split":
        code = st.session_state.get(f"planner_split_cell:{plan_id}")
        line = _parse_line(str(st.session_state.get(f"planner_line:{plan_id}:{code}", "")))
        if line is None or not code:
            wf.flash("warning", t("plan.bad_line", lang))
            return
        edit = Split(str(code), line)
    elif make == "reassign":
        owner = st.session_state.get(f"planner_owner:{plan_id}")
        if not codes or not owner:
            wf.flash("warning", t("plan.need_selection", lang))
            return
        edit = Reassign(codes, str(owner))
    else:
        if not codes:
            wf.flash("warning", t("plan.need_selection", lang))
            return
        edit = MoveZone(codes, int(st.session_state.get(f"planner_zone:{plan_id}", 1)))
    ok, report = wf.guarded(
        lang,
        lambda: planner.apply_edit(
            wf.engine(ctx), campus, plan_id, edit, actor=_ui.current_actor(), row_version=rv
        ),
        row_version=rv,
    )
    if ok:
        st.session_state[_sel_key(plan_id)] = []
        retired = (
            t("plan.retired", lang, codes=", ".join(report.retired), new=", ".join(report.changed))
            if report.retired
            else ""
        )
        wf.flash(
            "success",
            t(
                "plan.edit_done",
                lang,
                action=t(f"action.{make}", lang),
                rv=report.row_version,
                retired=retired,
            ),
        )


def _undo(plan_id: int) -> None:
    rv = st.session_state.get(RV_KEY, {}).get(plan_id)
    ok, report = wf.guarded(
        lang,
        lambda: planner.undo(
            wf.engine(ctx), campus, plan_id, actor=_ui.current_actor(), row_version=rv
        ),
        row_version=rv,
    )
    if ok:
        st.session_state[_sel_key(plan_id)] = []
        wf.flash(
            "success",
            t(
                "plan.edit_done",
                lang,
                action=t("action.undo", lang),
                rv=report.row_version,
                retired="",
            ),
        )


def _activate(plan_id: int) -> None:
    rv = st.session_state.get(RV_KEY, {}).get(plan_id)
    why = str(st.session_state.get("planner_act_reason", "")).strip()
    if not why:
        wf.flash("warning", t("plan.activate_need", lang))
        return
    refused: list[planner.ActivationRefused] = []

    def run() -> Any:
        try:
            return planner.activate_plan(
                wf.engine(ctx),
                campus,
                plan_id,
                reason=why,
                row_version=rv,
                actor=_ui.current_actor(),
            )
        except planner.ActivationRefused as err:
            refused.append(err)
            return None

    ok, result = wf.guarded(lang, run, row_version=rv)
    if not ok:
        return
    if result is None:
        wf.flash("error", t("plan.refused", lang, n=len(refused[0].problems)))
        return
    rehomed = pd.DataFrame(
        [
            {
                "items": label("items", r.label, lang),
                "open_before": r.open_before,
                "open_after": r.open_after,
                "moved": r.moved,
                "unlocated": r.unlocated,
            }
            for r in result.rehomed
        ]
    )
    owners = pd.DataFrame(list(result.owners_changed))
    tables = {t("plan.rehomed", lang): wf.table(rehomed, lang)}
    if len(owners):
        tables[t("plan.owners_changed", lang)] = wf.table(owners, lang)
    wf.flash("success", t("plan.activated", lang), tables=tables)


def _rename_zone() -> None:
    number = st.session_state.get("planner_zone_pick")
    new = str(st.session_state.get("planner_zone_name") or "").strip()
    if number is None or not new:
        wf.flash("warning", t("zones.need_name", lang))
        return
    ok, old = wf.guarded(
        lang,
        lambda: zone_ops.rename_zone(
            wf.engine(ctx), campus, int(number), new, actor=_ui.current_actor()
        ),
    )
    if ok:
        st.session_state["planner_zone_name"] = ""
        wf.flash("success", t("zones.renamed", lang, number=number, old=old, new=new))


# --------------------------------------------------------------------------- the page

st.title(t("nav.planner", lang))
st.subheader(_ui.md(campus))
wf.show_flash()

plans = services.list_plans(wf.engine(ctx), campus)
if not plans:
    st.info(t("app.no_plan", lang))
    st.stop()
by_id = {p.id: p for p in plans}
active = next((p for p in plans if p.status == "active"), None)
if st.session_state.get(PLAN_KEY) not in by_id:
    drafts = [p for p in plans if p.status == "draft"]
    st.session_state[PLAN_KEY] = (drafts[0] if drafts else active or plans[0]).id


def _plan_option(plan_id: int) -> str:
    p = by_id[plan_id]
    return t(
        "plan.option",
        lang,
        version=p.version,
        status=label("status", p.status, lang),
        cells=p.cells,
        author=plain_text(p.author) or "—",
    )


FROM_KEY = wf.lang_key("planner_from", lang)
if st.session_state.get(FROM_KEY) not in by_id:
    st.session_state[FROM_KEY] = (active or plans[0]).id
top_left, top_right = st.columns([2, 3], gap="medium")
with top_left:
    plan_id = int(
        st.selectbox(
            t("plan.pick", lang),
            options=list(by_id),
            format_func=_plan_option,
            key=PLAN_KEY,
            placeholder=t("ui.choose", lang),
        )
    )
if may_edit:
    with top_right, st.expander(t("plan.new_draft", lang)):
        st.selectbox(
            t("plan.from_plan", lang),
            options=list(by_id),
            format_func=_plan_option,
            key=FROM_KEY,
            placeholder=t("ui.choose", lang),
        )
        st.text_input(t("plan.reason", lang), key="planner_reason")
        st.button(t("plan.create", lang), on_click=_create_draft, key="planner_create")

plan = by_id[plan_id]
report = _validation(ctx.url, campus, plan_id, ctx.campus.data_version)
st.session_state.setdefault(RV_KEY, {})[plan_id] = report.row_version
is_draft = plan.status == "draft"
st.caption(
    _ui.md(plain_text(label("reason", plan.reason, lang)))
    + " · "
    + t("plan.row_version", lang, rv=report.row_version)
)
if not is_draft:
    st.info(t("plan.read_only", lang, status=label("status", plan.status, lang)))

cells: gpd.GeoDataFrame = _ui.load_cells(ctx.url, campus, plan_id, ctx.campus.data_version)
codes = [str(c) for c in cells["code"]]
plan_diff: PlanDiff | None = None
if active is not None and active.id != plan_id:
    plan_diff = _diff(ctx.url, campus, active.id, plan_id, ctx.campus.data_version)
status = plan_diff.status() if plan_diff else dict.fromkeys(codes, "unchanged")

# The map's selection (read before drawing) flows into the multiselect of codes: cells the
# map added since the last draw are added, cells it dropped are dropped.
map_key = f"planner_map:{campus}:{plan_id}:{report.row_version}"
sel_key = _sel_key(plan_id)
map_state: Any = st.session_state.get(map_key)
map_objects = (map_state or {}).get("selection", {}).get("objects", {}) if map_state else {}
on_map = {
    plain_text(o.get("code")) for o in map_objects.get(plan_layers.PLAN_CELLS, []) or []
} & set(codes)
seen: dict[str, set[str]] = st.session_state.setdefault(SEEN_KEY, {})
before = seen.get(map_key, set())
current = [c for c in st.session_state.get(sel_key, []) if c in set(codes)]
if on_map != before:
    current = [c for c in current if c not in before - on_map]
    current += sorted(on_map - set(current))
seen[map_key] = on_map
st.session_state[sel_key] = current

layers = _ui.load_layers(ctx.url, campus, ctx.campus.data_version)
deck = plan_layers.plan_deck(
    layers,
    cells,
    status=status,
    view=_plan_view(ctx.url, campus, ctx.campus.data_version),
    selected=current,
    problems=report.problems,
    lang=lang,
)
map_col, edit_col = st.columns([3, 2], gap="medium")
with map_col:
    st.pydeck_chart(
        deck,
        on_select="rerun",
        selection_mode="multi-object",
        key=map_key,
        height=560,
        alt=t("plan.map_alt", lang, campus=plain_text(campus)),
    )
    legend = plan_layers.diff_legend(lang)
    st.markdown(f"**{t('map.legend', lang)}** &nbsp; {legend_html(legend)}", unsafe_allow_html=True)
    st.caption(t("plan.map_hint", lang))

with edit_col:
    selected = st.multiselect(
        t("plan.selected", lang),
        options=codes,
        key=sel_key,
        placeholder=t("ui.choose_many", lang),
        select_all=False,  # Streamlit's own "Select all" is not in the catalogue
    )
    if is_draft and may_edit:
        st.markdown(f"**{t('plan.edits', lang)}**")
        c1, c2 = st.columns(2)
        c1.button(
            t("plan.merge", lang),
            on_click=_edit,
            args=(plan_id, "merge"),
            key="planner_merge",
            type="primary",
        )
        c2.button(t("plan.undo", lang), on_click=_undo, args=(plan_id,), key="planner_undo")
        with st.expander(t("plan.split", lang)):
            default = selected[0] if selected else codes[0]
            code = st.selectbox(
                t("plan.split_cell", lang),
                options=codes,
                index=codes.index(default),
                key=f"planner_split_cell:{plan_id}",
                placeholder=t("ui.choose", lang),
            )
            geom = cells.geometry.iloc[codes.index(code)]
            minx, _, maxx, _ = geom.bounds
            mid = shapely.point_on_surface(geom)
            pad = (maxx - minx) * 0.05
            st.text_input(
                t("plan.split_line", lang),
                value=f"{minx - pad:.6f},{mid.y:.6f} {maxx + pad:.6f},{mid.y:.6f}",
                key=f"planner_line:{plan_id}:{code}",
            )
            st.button(
                t("plan.split_do", lang),
                on_click=_edit,
                args=(plan_id, "split"),
                key="planner_split",
            )
        with st.expander(t("plan.reassign", lang)):
            st.selectbox(
                t("plan.new_owner", lang),
                options=wf.names(ctx, role="owner"),
                key=f"planner_owner:{plan_id}",
                placeholder=t("ui.choose", lang),
            )
            st.button(
                t("plan.reassign_do", lang),
                on_click=_edit,
                args=(plan_id, "reassign"),
                key="planner_reassign",
            )
        with st.expander(t("plan.move", lang)):
            zones = sorted({int(z) for z in cells["zone"]})
            st.number_input(
                t("plan.zone", lang),
                min_value=1,
                step=1,
                value=zones[0] if zones else 1,
                key=f"planner_zone:{plan_id}",
            )
            st.button(
                t("plan.move_do", lang),
                on_click=_edit,
                args=(plan_id, "move_zone"),
                key="planner_move",
            )

    zone_rows = zone_ops.list_zones(wf.engine(ctx), campus, actor=me) if may_edit else []
    if zone_rows:  # named zones (片区): rename here; redraw in QGIS (the hint says how)
        zone_names = {r.number: r.name for r in zone_rows}
        with st.expander(t("zones.rename", lang)):
            st.selectbox(
                t("zones.pick", lang),
                options=list(zone_names),
                format_func=lambda n: f"{n} · {plain_text(zone_names[n])}",
                key="planner_zone_pick",
                placeholder=t("ui.choose", lang),
            )
            st.text_input(t("zones.new_name", lang), key="planner_zone_name")
            st.button(t("zones.rename_do", lang), on_click=_rename_zone, key="planner_zone_do")
            st.caption(t("zones.redraw_hint", lang))

# --------------------------------------------------------------------------- problems, diff

problems_col, diff_col = st.columns([2, 3], gap="medium")
with problems_col:
    st.markdown(f"**{t('plan.problems', lang, n=len(report.problems))}**")
    if report.problems:
        wf.show_table(
            pd.DataFrame(
                {
                    "problem_kind": wf.labels(
                        "problem_kind", [p.get("kind") for p in report.problems], lang
                    ),
                    "problem_cells": [
                        ", ".join(map(str, p.get("cells", []))) for p in report.problems
                    ],
                    "message": [
                        p.get("message_zh" if lang == "zh" else "message") or p.get("message")
                        for p in report.problems
                    ],
                }
            ),
            lang,
        )
    else:
        st.success(t("plan.valid", lang))
    for warning in report.warnings:  # safety domains this plan schedules nothing of
        uses = Counter[str]()
        for use, n in warning.get("uses", {}).items():
            uses[t(f"use.{use_group(use)}", lang)] += int(n)
        st.warning(
            t(
                "plan.unscheduled",
                lang,
                counts=", ".join(f"{n} {name}" for name, n in sorted(uses.items())),
                n=sum(uses.values()),
                domain=wf.domain_name(warning.get("domain"), lang),
            )
        )

with diff_col:
    st.markdown(f"**{t('plan.diff', lang)}**")
    if active is None:
        st.caption(t("plan.no_active", lang))
    elif plan_diff is None:
        st.caption(t("plan.diff_self", lang))
    else:
        counts = st.columns(4)
        for col, key, n in zip(
            counts,
            ("added", "removed", "changed", "unchanged"),
            (
                len(plan_diff.added),
                len(plan_diff.removed),
                len(plan_diff.changed),
                len(plan_diff.unchanged),
            ),
            strict=True,
        ):
            col.metric(t(f"diff.{key}", lang), n)
        changed = {c.code: c for c in (*plan_diff.changed, *plan_diff.added_removed)}
        rows: list[dict[str, Any]] = []
        for code, state in sorted(plan_diff.status().items()):
            if state == "unchanged":
                continue
            change = changed.get(code)
            rows.append(
                {
                    "code": code,
                    "diff": t(f"diff.{state}", lang),
                    "area_before_m2": round(change.area_before_m2, 1) if change else None,
                    "area_after_m2": round(change.area_after_m2, 1) if change else None,
                    "area_delta_m2": round(change.area_delta_m2, 1) if change else None,
                    "owner_before": change.owner_before if change else None,
                    "owner_after": change.owner_after if change else None,
                }
            )
        if rows:  # few rows: a static table, readable as text
            st.table(wf.table(pd.DataFrame(rows), lang).set_index(t("field.code", lang)))
        st.markdown(f"**{t('plan.owner_changes', lang)}**")
        wf.show_table(
            pd.DataFrame(
                {
                    "items": [label("items", k, lang) for k in plan_diff.open_items],
                    "open_items": list(plan_diff.open_items.values()),
                    "would_move": [plan_diff.owner_changes.get(k, 0) for k in plan_diff.open_items],
                }
            ),
            lang,
        )
        if plan_diff.lineage:
            with st.expander(t("plan.lineage", lang)):
                wf.show_table(
                    pd.DataFrame(
                        {
                            "old_code": [link.old for link in plan_diff.lineage],
                            "new_code": [link.new for link in plan_diff.lineage],
                            "link": [
                                label("action", link.kind, lang) for link in plan_diff.lineage
                            ],
                        }
                    ),
                    lang,
                )

if is_draft and may_activate:
    st.markdown(f"### {t('plan.activate', lang)}")
    a2, a3 = st.columns([3, 1], vertical_alignment="bottom")
    a2.text_input(t("plan.reason", lang), key="planner_act_reason")
    a3.button(
        t("plan.activate_do", lang),
        on_click=_activate,
        args=(plan_id,),
        key="planner_activate",
        type="primary",
    )

st.markdown(f"**{t('map.cells_count', lang, n=len(cells))}**")
st.dataframe(_ui.cells_table(cells, lang), hide_index=True, width="stretch")
