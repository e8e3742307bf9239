"""网格规划 Grid planner: the campus's plans and the cells of the chosen plan."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from maps.i18n import label, t

from app_pages import _ui

ctx = _ui.context()
lang = ctx.lang
st.title(t("nav.planner", lang))
st.subheader(_ui.md(ctx.campus.name))
st.caption(t("planner.note", lang))

plans = _ui.services.list_plans(_ui.engine_for(ctx.url), ctx.campus.name)
if not plans:
    st.info(t("app.no_plan", lang))
    st.stop()

st.markdown(f"**{t('planner.plans', lang)}**")
columns = ("version", "status", "method", "cells", "author", "reason", "created_at")
table = pd.DataFrame(
    {
        "id": [p.id for p in plans],
        **{c: [getattr(p, c) for p in plans] for c in columns},
    }
)
table["created_at"] = [p.created_at.strftime("%Y-%m-%d %H:%M") for p in plans]
table["status"] = [label("status", p.status, lang) for p in plans]
table["method"] = [label("method", p.method, lang) for p in plans]
shown = _ui.text_frame(table.drop(columns=["id"]))
st.dataframe(
    shown.rename(columns={c: t(f"field.{c}", lang) for c in columns}),
    hide_index=True,
    width="stretch",
)

current = _ui.current_plan(ctx)
ids = [p.id for p in plans]
by_id = {p.id: p for p in plans}
chosen_id = st.selectbox(
    t("planner.cells", lang),
    options=ids,
    index=ids.index(current.id) if current is not None and current.id in ids else 0,
    format_func=lambda i: (
        f"v{by_id[i].version} · {label('status', by_id[i].status, lang)} · "
        + t("map.cells_count", lang, n=by_id[i].cells)
    ),
    key=f"planner_plan:{ctx.campus.name}",
)
cells = _ui.plan_cells(ctx, by_id[chosen_id])
if cells is not None:
    st.caption(t("map.cells_count", lang, n=len(cells)))
    st.dataframe(_ui.cells_table(cells, lang), hide_index=True, width="stretch")
