"""摄像头 Cameras: the camera table, the coverage summary (by band, blind spots, key areas),
the map with coverage by band and blind spots, and suggested new sites."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from maps import coverage_layers as cov
from maps import layers as map_layers
from maps.deck import prepare
from maps.i18n import label, t
from maps.payload import plain_text

from app_pages import _ui

ctx = _ui.context()
actor = _ui.current_actor()
lang = ctx.lang
url, campus, version = ctx.url, ctx.campus.name, ctx.campus.data_version
st.title(t("nav.cameras", lang))
st.subheader(_ui.md(campus))
layers = _ui.load_layers(url, campus, version)
cameras = layers.cameras
if not len(cameras):
    st.info(t("cameras.none", lang))
    st.stop()
plan = _ui.current_plan(ctx)
plan_id = None if plan is None else plan.id

with st.spinner(t("map.computing_coverage", lang)):
    view = _ui.coverage(url, campus, version, plan_id, actor=actor)
summary = view.summary
walkable = float(summary["walkable_area_m2"])  # type: ignore[arg-type]
covered = float(summary["covered_area_m2"])  # type: ignore[arg-type]
key_areas = view.key_areas
st.markdown(f"**{t('cameras.summary', lang)}**")
a, b, c, d, e = st.columns(5)
a.metric(t("cameras.count", lang), f"{len(cameras):,}")
b.metric(t("cameras.walkable_ha", lang), f"{walkable / 10_000:,.1f}")
c.metric(t("cameras.covered_pct", lang), f"{(covered / walkable * 100 if walkable else 0):.1f}%")
d.metric(t("cameras.blind_ha", lang), f"{float(summary['blind_spot_area_m2']) / 10_000:,.1f}")  # type: ignore[arg-type]
e.metric(
    t("cameras.key_covered", lang),
    f"{int(key_areas['covered'].sum()) if len(key_areas) else 0} / {len(key_areas)}",
)

by_band = summary["by_band"]
assert isinstance(by_band, dict)
left, right = st.columns(2)
with left:
    st.markdown(f"**{t('cameras.by_band', lang)}**")
    bands = pd.DataFrame(
        {
            "band": [label("band", name, lang) for name in by_band],
            "area_m2": [round(float(v), 0) for v in by_band.values()],
        }
    )
    bands["share"] = (bands["area_m2"] / walkable * 100).round(1) if walkable else 0.0
    st.dataframe(_ui.localised(bands, lang), hide_index=True, width="stretch")
with right:
    st.markdown(f"**{t('cameras.key_areas', lang)}**")
    if len(key_areas):
        table = pd.DataFrame(
            {
                "name": key_areas["name"],
                "kind_key": [label("key", k, lang) for k in key_areas["kind"]],
                "recognise_pct": pd.to_numeric(key_areas["recognise_pct"]).round(1),
                "covered": [
                    t("value.covered" if v else "value.uncovered", lang)
                    for v in key_areas["covered"]
                ],
            }
        ).sort_values("recognise_pct")
        st.dataframe(_ui.localised(table, lang), hide_index=True, width="stretch")

st.markdown(f"**{t('cameras.suggest', lang)}**")
s1, s2 = st.columns([1, 3])
count = int(s1.number_input(t("cameras.suggest_count", lang), 1, 50, 5, key="cam_count"))
if s1.button(t("cameras.suggest", lang), key="cam_suggest"):
    st.session_state["cam_suggested"] = count
sites = None
if st.session_state.get("cam_suggested"):
    wanted = int(st.session_state["cam_suggested"])
    sites = _ui.suggested_sites(url, campus, version, wanted, actor=actor)
    with s2:
        st.dataframe(
            _ui.localised(
                pd.DataFrame(
                    {
                        "rank": sites["rank"],
                        "lon": sites.geometry.x.round(6),
                        "lat": sites.geometry.y.round(6),
                        "heading_deg": sites["heading_deg"].round(0),
                        "gain_m2": sites["gain_m2"].round(0),
                    }
                ),
                lang,
            ),
            hide_index=True,
            width="stretch",
        )

own = _ui.base_layers(url, campus, version, lang)
overlays = _ui.coverage_layers(url, campus, version, plan_id, lang, actor=actor)
prepared = [own[i] for i in (map_layers.GROUND, map_layers.LANDCOVER) if i in own]
prepared += [overlays[cov.COVERAGE], overlays[cov.BLIND_SPOTS], overlays[cov.KEY_AREAS]]
prepared += [own[i] for i in (map_layers.ROADS, map_layers.BUILDINGS, map_layers.CAMERAS)
             if i in own]  # fmt: skip
if sites is not None:
    prepared.append(prepare(cov.suggested_layer(sites, lang=lang)))
chart = f"cameras_map:{campus}"
deck = _ui.deck_of(ctx, prepared, chart)
st.pydeck_chart(
    deck,
    height=560,
    key=chart,
    alt=t("map.alt", lang, campus=plain_text(campus)),
)
_ui.legend_line(t("map.coverage_legend", lang), cov.band_legend(lang=lang))

columns = ["name", "heading_deg", "hfov_deg", "tilt_deg", "mount_height_m", "resolution_px",
           "range_m", "indoor"]  # fmt: skip
table = cameras[columns].copy()
table["name"] = [
    plain_text(n) or plain_text(s)
    for n, s in zip(cameras["name"], cameras["source_id"], strict=True)
]
table["indoor"] = [t("value.yes" if v else "value.no", lang) for v in cameras["indoor"]]
st.markdown(f"**{t('cameras.table', lang)}**")
st.dataframe(_ui.localised(table, lang), hide_index=True, width="stretch")
