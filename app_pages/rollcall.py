"""点名 Roll call: tonight's board at the account's level (grid member: the dormitory,
counsellor: the class, deputy secretary: the college, the safety office: all), the missing
list (names only where the service lists the numbers: the student's own chain), opening and
closing the night and a building's rotating code where the role may, and a student's own
check-in form (the location is optional: without one, the grid member checks them in). A
small map colours the dormitory buildings the account's level sees by tonight's check-in
share (:mod:`maps.dorm_layers`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import pydeck as pdk
import streamlit as st
from maps.deck import initial_view
from maps.dorm_layers import DormCounts, dorm_layer
from maps.i18n import t
from zoning.accounts import Permission, Role
from zoning.clock import utcnow
from zoning.errors import NotFound
from zoning.people import LEVELS, Rules
from zoning.services import people_grid

from app_pages import _ui

T = TypeVar("T")
P = Permission
#: The level each role's board opens at.
DEFAULT_LEVEL = {Role.GRID_MEMBER: "dormitory", Role.COUNSELLOR: "class"}
#: Roles that open and close the night.
RUNNERS = (Role.ADMIN, Role.SAFETY_OFFICER)

ctx = _ui.context()
actor = _ui.current_actor()
lang = ctx.lang
campus = ctx.campus.name
engine = _ui.engine_for(ctx.url)
st.title(t("nav.rollcall", lang))
st.subheader(_ui.md(campus))


def attempt(call: Callable[[], T]) -> T | None:
    """Run a service call; show a refusal or a user's mistake as one red line (in the
    page's language)."""
    return _ui.attempt(call, lang)


def _param(name: str) -> float | None:
    """Return a number handed over in the page's URL (``?lon=…&lat=…&acc=…``), else None."""
    try:
        return float(st.query_params[name])
    except (KeyError, ValueError):
        return None


def checkin_form() -> None:
    """A check-in: one's own (a student), or a student of one's building (a grid member)."""
    st.markdown(f"**{t('rollcall.checkin', lang)}**")
    with st.form("rc_checkin", clear_on_submit=False, enter_to_submit=False):
        student = actor.person or ""
        if actor.role is Role.GRID_MEMBER:
            student = st.text_input(t("rollcall.student_no", lang), value=student, key="rc_no")
        code = st.text_input(t("rollcall.code", lang), max_chars=6, key="rc_code")
        no_location = st.checkbox(t("rollcall.no_location", lang), key="rc_noloc")
        st.caption(t("rollcall.location_help", lang))
        a, b, c = st.columns(3)
        lon = a.number_input("lon", value=_param("lon"), format="%.6f", key="rc_lon")
        lat = b.number_input("lat", value=_param("lat"), format="%.6f", key="rc_lat")
        acc = c.number_input(
            t("rollcall.accuracy_m", lang), 0.0, 100_000.0, _param("acc") or 20.0, key="rc_acc"
        )
        sent = st.form_submit_button(t("rollcall.checkin_button", lang))
    if not sent:
        return
    if no_location or lon is None or lat is None:
        st.info(t("rollcall.no_location_next", lang))
        return
    verdict = attempt(
        lambda: people_grid.check_in(
            engine,
            campus,
            student_no=str(student),
            lon=float(lon),
            lat=float(lat),
            accuracy_m=float(acc),
            code=str(code),
            actor=actor,
        )
    )
    if verdict is not None:
        st.success(t("rollcall.checked_in", lang, band=verdict.band, accuracy=f"{acc:.0f}"))


def runner_buttons() -> None:
    """Open and close tonight's roll call (the safety office and admins)."""
    left, right = st.columns(2)
    if left.button(t("rollcall.open", lang), key="rc_open"):
        opened = attempt(lambda: people_grid.open_rollcall(engine, campus, actor=actor))
        if opened is not None:
            st.success(t("rollcall.opened", lang, **opened))
    if right.button(t("rollcall.close", lang), key="rc_close"):
        closed = attempt(lambda: people_grid.close_rollcall(engine, campus, actor=actor))
        if closed is not None:
            st.success(t("rollcall.closed", lang, night=closed["night"]))


def code_panel(buildings: list[str]) -> None:
    """Show a building's current rotating code (each reading is audited by the service)."""
    if not buildings:
        return
    st.markdown(f"**{t('rollcall.code_title', lang)}**")
    left, right = st.columns([2, 1])
    building = left.selectbox(
        t("students.col.building", lang),
        buildings,
        key="rc_building",
        placeholder=t("ui.choose", lang),
    )
    if right.button(t("rollcall.show_code", lang), key="rc_show_code"):
        code = attempt(
            lambda: people_grid.current_code(engine, campus, building=building, actor=actor)
        )
        if code is not None:
            st.metric(t("rollcall.code_now", lang, building=_ui.md(building)), code)
            st.caption(t("rollcall.code_rotates", lang))


def dorm_map(found: dict[str, Any] | None, students: list[dict[str, Any]]) -> None:
    """The dormitory buildings the account's level sees, coloured by tonight's check-in
    share (grey without a roll call tonight); the tooltip names the building and its counts."""
    rows: list[dict[str, Any]] = [] if found is None else found["levels"]["dormitory"]
    shown = [r for r in rows if "missing_students" in r] or rows
    counts = {
        str(r["group"]): DormCounts(int(r["expected"]), int(r["present"]),
                                    int(r["on_leave"]), int(r["missing"]))
        for r in shown
    }  # fmt: skip
    # Tonight's: still open, or closed and of the night it is now (else: grey).
    tonight = found is not None and (
        not found["closed"] or found["night"] == Rules().night_of(utcnow()).isoformat()
    )
    names = set(counts) or {str(s["building"]) for s in students}
    buildings = _ui.load_layers(ctx.url, campus, ctx.campus.data_version).buildings
    dorms = buildings[buildings["name"].astype("string").isin(names)]
    if not len(dorms):
        return
    layer = dorm_layer(dorms, counts if tonight else None, lang=lang)
    view = initial_view(tuple(dorms.total_bounds), pitch_deg=0, bearing_deg=0)  # type: ignore[arg-type]
    deck = pdk.Deck(
        layers=[layer], initial_view_state=pdk.ViewState(**view), map_style=None,
        tooltip={"text": "{tip}"},  # type: ignore[arg-type]
    )  # fmt: skip
    st.markdown(f"**{t('rollcall.map', lang)}**")
    st.pydeck_chart(deck, height=320, key=f"rollcall_map:{campus}")
    st.caption(t("rollcall.map_legend", lang))


def board_view(students: list[dict[str, Any]]) -> None:
    """Tonight's board at a level, and the missing students of the account's groups."""
    try:
        found = people_grid.rollcall_board(engine, campus, actor=actor)
    except NotFound:
        st.info(t("rollcall.none_yet", lang))
        dorm_map(None, students)
        return
    dorm_map(found, students)
    state = t("rollcall.state_closed" if found["closed"] else "rollcall.state_open", lang)
    st.caption(t("rollcall.night", lang, night=found["night"], state=state))
    default = DEFAULT_LEVEL.get(actor.role, "college")
    level = st.radio(
        t("rollcall.level", lang), LEVELS, index=LEVELS.index(default), horizontal=True,
        format_func=lambda v: t(f"rollcall.level.{v}", lang), key="rc_level",
    )  # fmt: skip
    rows: list[dict[str, Any]] = found["levels"][level]
    mine = [r for r in rows if "missing_students" in r]
    shown = mine or rows  # one's own groups; counts-only accounts see every group
    totals = {k: sum(int(r[k]) for r in shown) for k in ("expected", "present", "on_leave")}
    totals["missing"] = sum(int(r["missing"]) for r in shown)
    cols = st.columns(4)
    for col, key in zip(cols, ("expected", "present", "on_leave", "missing"), strict=True):
        col.metric(t(f"rollcall.{key}", lang), f"{totals[key]:,}")
    table = pd.DataFrame(
        [{k: r[k] for k in ("group", "expected", "present", "on_leave", "missing")} for r in shown]
    )
    names = {t_: t(f"rollcall.{t_}", lang) for t_ in table.columns}
    names["group"] = t(f"rollcall.level.{level}", lang)
    st.dataframe(_ui.localised(table, lang, names), hide_index=True, width="stretch")
    missing = sorted({no for r in mine for no in r["missing_students"]})
    if not mine:
        return
    st.markdown(f"**{t('rollcall.missing_list', lang, n=len(missing))}**")
    if not missing:
        st.success(t("rollcall.nobody_missing", lang))
        return
    by_no = {s["student_no"]: s for s in students}
    listed = pd.DataFrame(
        [
            {"student_no": no, "name": by_no.get(no, {}).get("name", ""),
             "class": by_no.get(no, {}).get("class", ""),
             "building": by_no.get(no, {}).get("building", ""),
             "room": by_no.get(no, {}).get("room", "")}
            for no in missing
        ]
    )  # fmt: skip
    names = {c: t(f"students.col.{c}", lang) for c in listed.columns}
    st.dataframe(_ui.localised(listed, lang, names), hide_index=True, width="stretch")


if actor.can(P.CHECK_IN) and actor.role in (Role.STUDENT, Role.GRID_MEMBER) and actor.person:
    checkin_form()
if actor.role in RUNNERS:
    runner_buttons()
students: list[dict[str, Any]] = []
if actor.can(P.VIEW_STUDENTS):
    students = attempt(lambda: people_grid.list_students(engine, campus, actor=actor)) or []
if actor.can(P.RUN_ROLLCALL):
    code_panel(sorted({str(s["building"]) for s in students}))
if actor.can(P.VIEW_STUDENTS) or actor.can(P.VIEW_REPORTS):
    board_view(students)
elif actor.role is Role.STUDENT:
    st.caption(t("rollcall.student_only", lang))
