"""巡查 Inspections: which cells each grid owner will inspect (checklists come later)."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from maps.i18n import t
from maps.payload import plain_text

from app_pages import _ui

ctx = _ui.context()
lang = ctx.lang
st.title(t("nav.inspections", lang))
st.subheader(_ui.md(ctx.campus.name))
st.info(t("inspections.note", lang))
plan = _ui.current_plan(ctx)
_ui.plan_caption(ctx, plan)
cells = _ui.plan_cells(ctx, plan)
if cells is not None and len(cells):
    frame = pd.DataFrame(
        {
            "owner": [plain_text(o) or t("value.unassigned", lang) for o in cells["owner"]],
            "code": [plain_text(c) for c in cells["code"]],
            "area_m2": cells["area_m2"].astype(float),
        }
    )
    by_owner = (
        frame.groupby("owner", sort=True)
        .agg(
            cells=("code", "size"),
            area_m2=("area_m2", "sum"),
            code=("code", lambda codes: ", ".join(sorted(codes))),
        )
        .reset_index()
    )
    by_owner["area_m2"] = by_owner["area_m2"].round(0)
    st.markdown(f"**{t('inspections.by_owner', lang)}**")
    st.dataframe(
        by_owner.rename(columns={c: t(f"field.{c}", lang) for c in by_owner.columns}),
        hide_index=True,
        width="stretch",
    )
