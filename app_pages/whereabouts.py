"""去向 Whereabouts: a holiday's declarations (counts, risky plans flagged, who has not
declared), the returns per class, everyone not back at the deadline with the follow-up notes
and a form to add one, the college's workbook, and a student's own declaration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from maps.i18n import t
from zoning.accounts import Permission, Role
from zoning.people.whereabouts import PLANS, declaration
from zoning.services import whereabouts

from app_pages import _ui

T = TypeVar("T")
P = Permission

ctx = _ui.context()
actor = _ui.current_actor()
lang = ctx.lang
campus = ctx.campus.name
engine = _ui.engine_for(ctx.url)
st.title(t("nav.whereabouts", lang))
st.subheader(_ui.md(campus))


def attempt(call: Callable[[], T]) -> T | None:
    """Run a service call; show a refusal or a user's mistake as one red line (in the
    page's language)."""
    return _ui.attempt(call, lang)


def declare_form(holiday: str) -> None:
    """A student's own declaration (travelling needs a destination and a contact)."""
    st.markdown(f"**{t('where.declare', lang)}**")
    with st.form("wb_declare", enter_to_submit=False):
        plan = st.radio(
            t("where.plan", lang), PLANS, horizontal=True,
            format_func=lambda v: t(f"where.plan.{v}", lang), key="wb_plan",
        )  # fmt: skip
        destination = st.text_input(t("where.destination", lang), key="wb_dest")
        a, b = st.columns(2)
        leave_on = a.date_input(t("where.leave_on", lang), value=None, key="wb_leave")
        return_on = b.date_input(t("where.return_on", lang), value=None, key="wb_return")
        companions = st.text_input(t("where.companions", lang), key="wb_with")
        contact = st.text_input(t("where.contact", lang), key="wb_contact")
        sent = st.form_submit_button(t("where.declare_button", lang))
    if not sent:
        return

    def send() -> tuple[str, ...]:
        given = declaration(
            plan=str(plan), destination=destination, companions=companions, contact=contact,
            leave_on=leave_on if isinstance(leave_on, date) else None,
            return_on=return_on if isinstance(return_on, date) else None,
        )  # fmt: skip
        return whereabouts.declare(
            engine, campus, holiday, student_no=str(actor.person), declaration=given, actor=actor
        )

    flags = attempt(send)
    if flags is None:
        return
    st.success(t("where.declared", lang))
    for flag in flags:
        st.warning(t("where.flagged_as", lang, reason=t(f"where.flag.{flag}", lang)))


def board_view(holiday: str) -> None:
    """The per-class counts (everyone of the people grid; leadership sees counts only)."""
    board = attempt(lambda: whereabouts.returns_board(engine, campus, holiday, actor=actor))
    if board is None:
        return
    total = board["total"]
    st.caption(t("where.return_by", lang, day=board["return_by"]))
    keys = ("expected", "declared", "flagged", "returned", "not_back", "unaccounted")
    for col, key in zip(st.columns(len(keys)), keys, strict=True):
        col.metric(t(f"where.count.{key}", lang), f"{int(total[key]):,}")
    if board["all_accounted"]:
        st.success(t("where.all_accounted", lang))
    frame = pd.DataFrame(board["classes"])
    if len(frame):
        names = {c: t(f"where.count.{c}", lang) for c in frame.columns}
        st.dataframe(_ui.localised(frame, lang, names), hide_index=True, width="stretch")


def _listing(holiday: str, what: str) -> list[dict[str, Any]]:
    return (
        attempt(lambda: whereabouts.missing(engine, campus, holiday, what=what, actor=actor)) or []
    )


def lists_view(holiday: str) -> None:
    """Who has not declared, whose plan is flagged, who is not back (with the notes)."""
    tabs = st.tabs([t(f"where.list.{w}", lang) for w in ("undeclared", "flagged", "not_back")])
    with tabs[0]:
        rows = _listing(holiday, "undeclared")
        cols = ["student_no", "name", "class", "building", "room"]
        table(rows, cols)
    with tabs[1]:
        rows = _listing(holiday, "flagged")
        shown = [
            {**r, "plan": t(f"where.plan.{r['plan']}", lang),
             "flags": "；".join(t(f"where.flag.{f}", lang) for f in r["flags"])}
            for r in rows
        ]  # fmt: skip
        table(shown, ["student_no", "name", "class", "plan", "destination", "return_on", "flags"])
    with tabs[2]:
        late = _listing(holiday, "not_back")
        shown = [{**r, "status": t(f"where.status.{r['status']}", lang)} for r in late]
        table(
            shown,
            ["student_no", "name", "class", "status", "followups", "last_note", "expected_return"],
        )
        if late and actor.can(P.RUN_ROLLCALL):
            followup_form(holiday, [str(r["student_no"]) for r in late])


def table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Show ``rows`` (user-written text as plain text), or one line when there are none."""
    if not rows:
        st.caption(t("where.nobody", lang))
        return
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)
    names = {c: t(f"where.col.{c}", lang) for c in columns}
    st.dataframe(_ui.localised(frame, lang, names), hide_index=True, width="stretch")


def followup_form(holiday: str, numbers: list[str]) -> None:
    """A note of one contact about a student not back; ``escalate`` hands them on."""
    with st.form("wb_followup", enter_to_submit=False):
        st.markdown(f"**{t('where.followup', lang)}**")
        student = st.selectbox(
            t("where.col.student_no", lang),
            numbers,
            key="wb_fu_no",
            placeholder=t("ui.choose", lang),
        )
        contacted = st.text_input(t("where.contacted", lang), key="wb_fu_who")
        reason = st.text_input(t("where.reason", lang), key="wb_fu_why")
        expected = st.date_input(t("where.col.expected_return", lang), value=None, key="wb_fu_on")
        escalate = st.checkbox(t("where.escalate", lang), key="wb_fu_up")
        sent = st.form_submit_button(t("where.followup_button", lang))
    if not sent:
        return

    def send() -> bool:
        whereabouts.follow_up(
            engine, campus, holiday, student_no=str(student), contacted=contacted,
            reason=reason, expected_return=expected if isinstance(expected, date) else None,
            escalate=escalate, actor=actor,
        )  # fmt: skip
        return True

    if attempt(send):
        st.success(t("where.noted", lang))


def export_button(holiday: str) -> None:
    """Build the college's workbook on request (the export is audited), then offer it."""
    if st.button(t("where.export", lang), key="wb_export"):
        data = attempt(lambda: whereabouts.export_workbook(engine, campus, holiday, actor=actor))
        if data is not None:
            st.session_state["wb_xlsx"] = (holiday, data)
    ready = st.session_state.get("wb_xlsx")
    if ready is not None and ready[0] == holiday:
        st.download_button(
            t("where.download", lang), ready[1], file_name=f"{holiday}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="wb_download",
        )  # fmt: skip


known = attempt(lambda: whereabouts.holidays(engine, campus, actor=actor)) or []
if not known:
    st.info(t("where.no_holiday", lang))
    st.stop()
holiday = st.selectbox(
    t("where.holiday", lang),
    [h["name"] for h in known],
    format_func=_ui.md,
    key="wb_holiday",
    placeholder=t("ui.choose", lang),
)
if actor.role in (Role.STUDENT, Role.GRID_MEMBER) and actor.person:
    declare_form(holiday)
if actor.can(P.VIEW_STUDENTS) or actor.can(P.VIEW_REPORTS):
    board_view(holiday)
if actor.can(P.VIEW_STUDENTS):
    lists_view(holiday)
    export_button(holiday)
