"""The search results' picker the safety map and the ledger share (issue 16)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from maps import search
from maps.i18n import Lang, t
from maps.payload import plain_text


def pick_result(
    query: str,
    found: list[search.Found],
    lang: Lang,
    *,
    placeholder: str,
    key: str,
    on_change: Callable[[], None] | None = None,
) -> search.Found | None:
    """Show what ``query`` found (or that it found nothing) as a picker of ``key``; return
    the result chosen (None: none yet). ``placeholder`` is a catalogue key."""
    if not found:
        st.caption(t("search.none", lang, q=plain_text(query, max_chars=60)))
        return None
    by_key = {f.key: f for f in found}
    chosen = st.selectbox(
        t("search.results", lang, n=len(found)),
        options=list(by_key),
        index=None,
        placeholder=t(placeholder, lang),
        format_func=lambda k: t(
            "search.option",
            lang,
            kind=t(f"search.kind.{by_key[k].kind}", lang),
            label=plain_text(by_key[k].label, max_chars=60),
            where=plain_text(by_key[k].where) or "—",
        ),
        key=key,
        on_change=on_change,
    )
    return by_key.get(str(chosen)) if chosen is not None else None
