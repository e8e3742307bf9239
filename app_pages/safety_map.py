"""安全地图 Safety map: the campus in 3D with the current plan's cells; click a cell for details."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from maps import layers as map_layers
from maps.i18n import Lang, label, t
from maps.payload import plain_text

from app_pages import _ui

ctx = _ui.context()
lang = ctx.lang
st.title(t("nav.safety_map", lang))
st.subheader(_ui.md(ctx.campus.name))
plan = _ui.current_plan(ctx)
_ui.plan_caption(ctx, plan)

left, right = st.columns([3, 1], gap="medium")
with right:
    colour_by = st.radio(
        t("map.colour_by", lang),
        options=list(map_layers.COLOUR_BY),
        format_func=lambda m: t(f"measure.{m}", lang),
        key="map_colour_by",
        horizontal=True,
    )
    show = st.multiselect(
        t("map.layers", lang),
        options=list(map_layers.LAYER_IDS),
        default=list(map_layers.LAYER_IDS),
        format_func=lambda layer_id: t(f"layer.{layer_id}", lang),
        key="map_layers",
    )

safety = _ui.safety_map(
    ctx,
    plan,
    colour_by=colour_by,
    show=tuple(layer_id for layer_id in map_layers.LAYER_IDS if layer_id in show),
)
with left:
    event = st.pydeck_chart(
        safety.deck,
        on_select="rerun",
        selection_mode="single-object",
        key=f"safety_map:{ctx.campus.name}",
        height=620,
        alt=t("map.alt", lang, campus=plain_text(ctx.campus.name)),
    )
    _ui.legend(safety, lang)


def _selected(layer_id: str) -> dict[str, Any] | None:
    objects = event.selection.get("objects", {}).get(layer_id) or []
    return objects[0] if objects else None


def _rows(rows: list[tuple[str, object]], lang: Lang) -> None:
    table = pd.DataFrame(
        {t("field.item", lang): [k for k, _ in rows], t("field.value", lang): [v for _, v in rows]}
    )
    st.dataframe(_ui.text_frame(table), hide_index=True, width="stretch")


with right:
    st.markdown(f"**{t('panel.title', lang)}**")
    cell = _selected(map_layers.CELLS)
    building = _selected(map_layers.BUILDINGS)
    camera = _selected(map_layers.CAMERAS)
    if cell is not None:
        code = plain_text(cell.get("code"))
        cells = _ui.plan_cells(ctx, plan)
        match = None if cells is None else cells[cells["code"] == code]
        st.markdown(f"#### {t('panel.cell', lang, code=_ui.md(code))}")
        if match is None or not len(match):
            st.warning(t("panel.gone", lang))
        else:
            row = match.iloc[0]
            owner = plain_text(row["owner"]) or t("value.unassigned", lang)
            _rows(
                [
                    (t("field.code", lang), row["code"]),
                    (t("field.zone", lang), row["zone"]),
                    (t("field.owner", lang), owner),
                    (t("field.kind", lang), label("kind", row["kind"], lang)),
                    (t("field.area_m2", lang), f"{float(row['area_m2']):,.1f}"),
                ],
                lang,
            )
    elif building is not None:
        st.markdown(f"#### {t('panel.building', lang)}")
        st.text(plain_text(building.get("tip"), max_chars=400))
    elif camera is not None:
        st.markdown(f"#### {t('panel.camera', lang)}")
        st.text(plain_text(camera.get("tip"), max_chars=400))
    else:
        st.caption(t("panel.none", lang) + " " + t("map.click_hint", lang))
