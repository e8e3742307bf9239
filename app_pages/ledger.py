"""台账 Ledger: the cells and owners each hazard will belong to (the ledger comes later)."""

from __future__ import annotations

import streamlit as st
from maps.i18n import t

from app_pages import _ui

ctx = _ui.context()
lang = ctx.lang
st.title(t("nav.ledger", lang))
st.subheader(_ui.md(ctx.campus.name))
st.info(t("ledger.note", lang))
plan = _ui.current_plan(ctx)
_ui.plan_caption(ctx, plan)
cells = _ui.plan_cells(ctx, plan)
if cells is not None and len(cells):
    st.markdown(f"**{t('ledger.by_cell', lang)}**")
    st.dataframe(_ui.cells_table(cells, lang), hide_index=True, width="stretch")
