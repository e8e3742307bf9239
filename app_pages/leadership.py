"""领导驾驶舱 Leadership: the grid as it stands, by zone; inspection figures come later."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from maps import layers as map_layers
from maps.i18n import t
from maps.payload import plain_text

from app_pages import _ui

ctx = _ui.context()
lang = ctx.lang
st.title(t("nav.leadership", lang))
st.subheader(_ui.md(ctx.campus.name))
st.info(t("leadership.note", lang))
plan = _ui.current_plan(ctx)
_ui.plan_caption(ctx, plan)
cells = _ui.plan_cells(ctx, plan)

if cells is not None and len(cells):
    zone = [plain_text(z) for z in cells["zone"]]
    owned = [bool(plain_text(o)) for o in cells["owner"]]
    frame = pd.DataFrame({"zone": zone, "area_m2": cells["area_m2"].astype(float), "owned": owned})
    total_m2 = float(frame["area_m2"].sum())
    a, b, c, d = st.columns(4)
    a.metric(t("leadership.cells", lang), f"{len(frame):,}")
    b.metric(t("leadership.zones", lang), f"{frame['zone'].nunique():,}")
    c.metric(t("leadership.area_ha", lang), f"{total_m2 / 10_000:,.1f}")
    d.metric(t("leadership.owned", lang), f"{sum(owned):,} / {len(frame):,}")

    by_zone = frame.groupby("zone", sort=False).agg(
        cells=("zone", "size"), area_m2=("area_m2", "sum"), owned=("owned", "sum")
    )
    by_zone = by_zone.reset_index()
    by_zone["share"] = (by_zone["area_m2"] / total_m2 * 100).round(1) if total_m2 else 0.0
    by_zone["area_m2"] = by_zone["area_m2"].round(0)
    by_zone = by_zone.sort_values("zone", key=lambda s: pd.to_numeric(s, errors="coerce"))
    st.markdown(f"**{t('leadership.by_zone', lang)}**")
    st.dataframe(
        by_zone.rename(
            columns={
                "zone": t("field.zone", lang),
                "cells": t("field.cells", lang),
                "area_m2": t("field.area_m2", lang),
                "owned": t("leadership.owned", lang),
                "share": t("field.share", lang),
            }
        ),
        hide_index=True,
        width="stretch",
    )

safety = _ui.safety_map(
    ctx,
    plan,
    colour_by="zone",
    show=(map_layers.GROUND, map_layers.CELLS, map_layers.ROADS, map_layers.BUILDINGS),
)
st.pydeck_chart(
    safety.deck,
    height=520,
    key=f"leadership_map:{ctx.campus.name}",
    alt=t("map.alt", lang, campus=plain_text(ctx.campus.name)),
)
_ui.legend(safety, lang)
