"""Helpers shared by the planner, inspections and ledger pages.

Writes happen in widget callbacks (``on_click``), which run before the page is drawn
again; their outcome is kept as a *flash* (kind, text or table) in the session and shown
once by :func:`show_flash`. A :class:`CampusgridError` raised by a service becomes one
line (a stale plan gets its own conflict message), never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import pandas as pd
import streamlit as st
from maps.i18n import Lang, label, t
from maps.payload import plain_text
from sqlalchemy.engine import Engine
from zoning import services
from zoning.errors import CampusgridError, PlanConflict
from zoning.safety.domains import get_domain, is_domain

from app_pages import _ui
from app_pages._ui.context import error_line

FLASH = "_wf_flash"
FlashKind = Literal["success", "error", "warning", "info"]


def engine(ctx: _ui.Context) -> Engine:
    """Return the page's engine."""
    return _ui.engine_for(ctx.url)


def flash(kind: FlashKind, text: str, *, tables: Mapping[str, pd.DataFrame] | None = None) -> None:
    """Keep a message (and tables) to show on the next draw of the page."""
    st.session_state[FLASH] = (kind, text, dict(tables or {}))


def show_flash() -> None:
    """Show, and forget, the message kept by :func:`flash` (text shown as plain text)."""
    kept = st.session_state.pop(FLASH, None)
    if not kept:
        return
    kind, text, tables = kept
    getattr(st, kind)(_ui.md(text) if kind != "error" else text)
    for title, frame in tables.items():
        st.markdown(f"**{_ui.md(title)}**")
        st.dataframe(frame, hide_index=True, width="stretch")


def guarded(
    lang: Lang, action: Callable[[], Any], *, row_version: int | None = None
) -> tuple[bool, Any]:
    """Run a service call; on a campusgrid error flash one line and return (False, None)."""
    try:
        return True, action()
    except PlanConflict:
        flash("error", t("plan.conflict", lang, rv=row_version if row_version is not None else "?"))
    except CampusgridError as err:
        flash("error", error_line(err, lang))
    return False, None


@st.cache_data(show_spinner=False, max_entries=8)
def people(url: str, campus: str, data_version: int) -> pd.DataFrame:
    """Return the campus's people (name, role, quarter), cached by plain keys."""
    frame = services.load_people(_ui.engine_for(url), campus, actor=_ui.current_actor())
    return frame[["name", "role"]].reset_index(drop=True)


def names(ctx: _ui.Context, *, role: str | None = None) -> list[str]:
    """Return the names of the campus's people (of ``role`` when given), sorted."""
    frame = people(ctx.url, ctx.campus.name, ctx.campus.data_version)
    if role is not None:
        frame = frame[frame["role"] == role]
    return sorted({str(n) for n in frame["name"] if plain_text(n)})


def domain_name(code: object, lang: Lang) -> str:
    """Return a safety domain's name in ``lang`` (the code itself when unknown)."""
    return get_domain(str(code)).name(lang) if is_domain(code) else plain_text(code)


def table(frame: pd.DataFrame, lang: Lang, *, prefix: str = "field") -> pd.DataFrame:
    """Return ``frame`` as plain text with headers translated (``field.<column>``)."""
    out = _ui.text_frame(frame)
    return out.rename(columns={c: label(prefix, c, lang) for c in out.columns})


def show_table(frame: pd.DataFrame, lang: Lang, **options: Any) -> None:
    """Show ``frame`` (user-written strings as text) with translated headers."""
    st.dataframe(table(frame, lang), hide_index=True, width="stretch", **options)


def labels(prefix: str, values: Iterable[object], lang: Lang) -> list[str]:
    """Return ``label(prefix, v, lang)`` for every value."""
    return [label(prefix, v, lang) for v in values]


def lang_key(base: str, lang: Lang) -> str:
    """Return the key of a widget whose labels are translated, one per language.

    A keyed widget keeps the option labels it was first drawn with, so each language gets
    its own widget; the value chosen in the other language is carried over.
    """
    key = f"{base}@{lang}"
    if key not in st.session_state:
        for other in ("zh", "en"):
            if f"{base}@{other}" in st.session_state:
                st.session_state[key] = st.session_state[f"{base}@{other}"]
                break
    return key
