"""摄像头 Cameras: the campus's cameras as a table and on the map (coverage comes later)."""

from __future__ import annotations

import streamlit as st
from maps import layers as map_layers
from maps.i18n import t
from maps.payload import plain_text

from app_pages import _ui

ctx = _ui.context()
lang = ctx.lang
st.title(t("nav.cameras", lang))
st.subheader(_ui.md(ctx.campus.name))
st.caption(t("cameras.note", lang))
campus = _ui.load_layers(ctx.url, ctx.campus.name, ctx.campus.data_version)
cameras = campus.cameras
if not len(cameras):
    st.info(t("cameras.none", lang))
else:
    columns = [
        "name",
        "heading_deg",
        "hfov_deg",
        "tilt_deg",
        "mount_height_m",
        "resolution_px",
        "range_m",
        "indoor",
    ]
    table = cameras[columns].copy()
    table["name"] = [
        plain_text(n) or plain_text(s)
        for n, s in zip(cameras["name"], cameras["source_id"], strict=True)
    ]
    table["indoor"] = [t("value.yes" if v else "value.no", lang) for v in cameras["indoor"]]
    st.markdown(f"**{t('cameras.table', lang)}**")
    st.dataframe(
        _ui.text_frame(table).rename(columns={c: t(f"field.{c}", lang) for c in columns}),
        hide_index=True,
        width="stretch",
    )
    safety = _ui.safety_map(
        ctx,
        None,
        show=(map_layers.GROUND, map_layers.ROADS, map_layers.BUILDINGS, map_layers.CAMERAS),
    )
    st.pydeck_chart(
        safety.deck,
        height=520,
        key=f"cameras_map:{ctx.campus.name}",
        alt=t("map.alt", lang, campus=plain_text(ctx.campus.name)),
    )
