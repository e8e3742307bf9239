"""学生网格 Students: the hierarchy college → counsellor → class → dormitory → students of
the account's part of the people grid, searchable by name, number or dormitory; the key
students (重点关注) only for those the service lets see them (every view is audited)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from maps.i18n import t
from zoning.errors import CampusgridError, PermissionDenied
from zoning.services import attention, people_grid

from app_pages import _ui

#: The hierarchy's levels, top down, as the roster's keys.
LEVELS = ("college", "counsellor", "class", "building")

ctx = _ui.context()
actor = _ui.current_actor()
lang = ctx.lang
campus = ctx.campus.name
engine = _ui.engine_for(ctx.url)
st.title(t("nav.students", lang))
st.subheader(_ui.md(campus))


def matches(row: dict[str, Any], needle: str) -> bool:
    """True when ``needle`` is in the student's name, number, dormitory or room."""
    hay = (row["name"], row["student_no"], row["building"], row["room"] or "")
    return any(needle in str(v).casefold() for v in hay)


def narrowed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return ``rows`` narrowed by the search box and the hierarchy's pickers (each picker
    offers only what lies under the ones above it)."""
    needle = st.text_input(t("students.search", lang), key="st_search").strip().casefold()
    if needle:
        rows = [r for r in rows if matches(r, needle)]
    cols = st.columns(len(LEVELS))
    for col, level in zip(cols, LEVELS, strict=True):
        options = sorted({str(r[level]) for r in rows})
        picked = col.selectbox(
            t(f"students.level.{level}", lang), ["", *options], key=f"st_{level}",
            format_func=lambda v: t("students.all", lang) if v == "" else _ui.md(v),
            placeholder=t("ui.choose", lang),
        )  # fmt: skip
        if picked:
            rows = [r for r in rows if str(r[level]) == picked]
    return rows


def hierarchy_table(rows: list[dict[str, Any]]) -> None:
    """The count of students per college, counsellor, class and dormitory."""
    frame = pd.DataFrame(rows, columns=[*LEVELS, "student_no"])
    counts = frame.groupby(list(LEVELS), dropna=False).size().reset_index(name="students")
    names = {c: t(f"students.level.{c}", lang) for c in LEVELS}
    names["students"] = t("students.count", lang)
    st.dataframe(_ui.localised(counts, lang, names), hide_index=True, width="stretch")


def roster_table(rows: list[dict[str, Any]]) -> None:
    """The students themselves (the phone only when the service gave it)."""
    cols = ["student_no", "name", "college", "class", "counsellor", "building", "room", "bed"]
    cols += ["roles"] + (["phone"] if any(r["phone"] for r in rows) else [])
    frame = pd.DataFrame(
        [{**{c: r[c] for c in cols if c != "roles"}, "roles": "、".join(r["roles"])} for r in rows],
        columns=cols,
    )
    names = {c: t(f"students.col.{c}", lang) for c in cols}
    st.dataframe(_ui.localised(frame, lang, names), hide_index=True, width="stretch")


def key_students() -> None:
    """The key students the account may see; a refusal hides the section (nothing shown)."""
    try:
        listed = attention.list_attention(engine, campus, actor=actor)
    except PermissionDenied:
        return
    except CampusgridError as err:
        st.error(t("app.error", lang, message=_ui.md(str(err))))
        return
    st.markdown(f"**{t('students.key', lang, n=len(listed))}**")
    if not listed:
        st.caption(t("students.key_none", lang))
        return
    cols = ["student_no", "name", "class", "counsellor", "reason", "since", "last_visit", "visits"]
    frame = pd.DataFrame([{c: r[c] for c in cols} for r in listed], columns=cols)
    names = {c: t(f"students.col.{c}", lang) for c in cols}
    st.dataframe(_ui.localised(frame, lang, names), hide_index=True, width="stretch")
    st.caption(t("students.key_audited", lang))


try:
    everyone = people_grid.list_students(engine, campus, actor=actor)
except PermissionDenied as err:
    st.error(t("auth.denied", lang, message=_ui.md(str(err))))
    st.stop()
if not everyone:
    st.info(t("students.none", lang))
    st.stop()
shown = narrowed(everyone)
st.caption(t("students.shown", lang, n=len(shown), total=len(everyone)))
hierarchy_table(shown)
roster_table(shown)
key_students()
