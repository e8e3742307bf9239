"""领导驾驶舱 Leadership: completion heatmap (replayable week by week), KPI cards, rankings
by zone and owner (worst first), weekly trends, and the meeting export (Excel + PNG)."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from maps import layers as map_layers
from maps import measures
from maps.i18n import t
from maps.payload import plain_text
from maps.report import charts_png
from zoning.safety.exports import report_frame, workbook_bytes

from app_pages import _ui

ctx = _ui.context()
lang = ctx.lang
st.title(t("nav.leadership", lang))
st.subheader(_ui.md(ctx.campus.name))
plan = _ui.current_plan(ctx)
_ui.plan_caption(ctx, plan)
url, campus, version = ctx.url, ctx.campus.name, ctx.campus.data_version
if plan is None:
    st.stop()


@st.cache_data(show_spinner=False, max_entries=8, ttl=_ui.OPS_TTL_S)
def _workbook(key: tuple[object, ...], _sheets: dict[str, pd.DataFrame]) -> bytes:
    """Return the Excel export of ``_sheets``, cached by ``key`` (the sheets follow from it;
    the underscore keeps Streamlit from hashing the frames)."""
    return workbook_bytes(_sheets)


def pct(value: float) -> str:
    return "—" if pd.isna(value) else f"{value * 100:.1f}%"


def ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


by_zone, by_owner, by_week = _ui.reports(
    url, campus, plan.id, version, ("zone", "owner", "week")
).values()
grid = _ui.completion_grid(url, campus, plan.id, version)
hazards = _ui.hazards(url, campus, plan.id, version)
if not len(grid):
    st.info(t("leadership.no_history", lang))

open_hazards = hazards[hazards["state"].isin(measures.OPEN_STATES)]
overdue = int((open_hazards["overdue_hours"] > 0).sum())
with st.spinner(t("map.computing_coverage", lang)):
    # the figures only: the drawn form (bands in EPSG:4326) is the safety map's business
    coverage = _ui.coverage_result(url, campus, version, plan.id).summary()
blind_ha = float(coverage.get("blind_spot_area_m2", 0.0)) / 10_000  # type: ignore[arg-type]
kpis = {
    "completion": ratio(by_zone["on_time"].sum() + by_zone["late"].sum(), by_zone["due"].sum()),
    "closure": ratio(by_zone["closed"].fillna(0).sum(), by_zone["hazards_due"].sum()),
    "on_time_closure": ratio(
        by_zone["closed_on_time"].fillna(0).sum(), by_zone["hazards_due"].sum()
    ),
}
a, b, c, d, e = st.columns(5)
a.metric(t("kpi.completion", lang), pct(kpis["completion"]))
b.metric(
    t("kpi.overdue", lang), f"{overdue:,}", t("kpi.overdue_of_open", lang, n=len(open_hazards)),
    delta_color="off",
)  # fmt: skip
c.metric(t("kpi.closure", lang), pct(kpis["closure"]))
d.metric(t("kpi.on_time_closure", lang), pct(kpis["on_time_closure"]))
e.metric(t("kpi.blind_spot_ha", lang), f"{blind_ha:,.1f}")

# ---------------------------------------------------------------- heatmap with week replay
weeks = measures.weeks_of(grid) if len(grid) else []
ALL = "*"
week = st.select_slider(
    t("leadership.week", lang),
    options=[ALL, *weeks],
    value=ALL,
    format_func=lambda w: t("leadership.all_weeks", lang) if w == ALL else w,
    key="lead_week",
)
chosen = grid if week == ALL else measures.filter_grid(grid, weeks=[week])
values = measures.completion_by_cell(chosen)  # the ranking and the export (~30 ms)
heat, legend = _ui.completion_heatmap(
    url, campus, plan.id, version, lang, None if week == ALL else week
)
own = _ui.base_layers(url, campus, version, lang)
prepared = [own[i] for i in (map_layers.GROUND, map_layers.ROADS) if i in own]
deck = _ui.deck_of(ctx, [*prepared, heat])
st.markdown(f"**{t('leadership.heatmap', lang)}**")
left, right = st.columns([3, 1])
with left:
    st.pydeck_chart(
        deck,
        height=520,
        key=f"leadership_map:{campus}",
        alt=t("map.alt", lang, campus=plain_text(campus)),
    )
    _ui.legend_line(t("measure.completion", lang), legend)
with right:
    st.markdown(f"**{t('leadership.worst', lang)}**")
    worst = measures.worst_first(values, limit=12)
    st.dataframe(
        _ui.localised(
            pd.DataFrame({"code": worst.index, "completion_pct": worst.to_numpy()}), lang
        ),
        hide_index=True,
        width="stretch",
    )


def ranking(table: pd.DataFrame, key: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            key: [plain_text(v) for v in table[key]],
            "due": table["due"],
            "completion_pct": (table["completion_rate"] * 100).round(1),
            "on_time_pct": (table["on_time_rate"] * 100).round(1),
            "closure_pct": (table["closure_rate"] * 100).round(1),
            "on_time_closure_pct": (table["closed_on_time_rate"] * 100).round(1),
        }
    )
    return frame.sort_values(["completion_pct", key], na_position="last").reset_index(drop=True)


zone_rank = ranking(by_zone[by_zone["due"] > 0], "zone")
owner_rank = ranking(by_owner[by_owner["due"] > 0], "owner")
z, o = st.columns(2)
with z:
    st.markdown(f"**{t('leadership.rank_zone', lang)}**")
    st.dataframe(_ui.localised(zone_rank, lang), hide_index=True, width="stretch")
with o:
    st.markdown(f"**{t('leadership.rank_owner', lang)}**")
    st.dataframe(_ui.localised(owner_rank, lang), hide_index=True, width="stretch")

st.markdown(f"**{t('leadership.trend', lang)}**")
weekly = by_week[by_week["due"] > 0]
trend = pd.DataFrame(
    {
        t("field.completion_pct", lang): (weekly["completion_rate"] * 100).round(1).to_numpy(),
        t("field.on_time_pct", lang): (weekly["on_time_rate"] * 100).round(1).to_numpy(),
        t("field.closure_pct", lang): (weekly["closure_rate"] * 100).round(1).to_numpy(),
    },
    index=pd.Index(weekly["week"].astype(str), name=t("field.week", lang)),
)
st.line_chart(trend, height=260)

st.markdown(f"**{t('leadership.export', lang)}**")
kpi_frame = pd.DataFrame(
    {
        "指标": [
            "巡查完成率", "逾期隐患数", "未闭环隐患数", "整改结案率", "按期结案率",
            "盲区面积(公顷)",
        ],
        "数值": [
            round(kpis["completion"], 4), overdue, len(open_hazards), round(kpis["closure"], 4),
            round(kpis["on_time_closure"], 4), round(blind_ha, 2),
        ],
    }
)  # fmt: skip
cells_frame = pd.DataFrame({"cell_code": values.index, "completion_rate": values.to_numpy() / 100})
sheets = {
    "概况": kpi_frame,
    "片区排名": report_frame(by_zone.sort_values("completion_rate")),
    "网格员排名": report_frame(by_owner.sort_values("completion_rate")),
    "每周趋势": report_frame(by_week),
    "网格完成率": report_frame(cells_frame.sort_values("completion_rate")),
}
# The workbook (13,000 cell rows on a large campus: 2–3 s of openpyxl) and the PNG are
# built when the button is clicked (Streamlit runs the callable then, in its own thread), not
# on every rerun; the workbook is cached by this key: everything in it follows from it.
book_key = (url, campus, plan.id, version, week, _ui.ops_key(url, campus))
x, y = st.columns(2)
x.download_button(
    t("leadership.export_xlsx", lang),
    data=lambda: _workbook(book_key, sheets),
    file_name=f"leadership-{plain_text(ctx.campus.code)}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="lead_xlsx",
    on_click="ignore",  # no rerun: it would race the deferred build the click asked for
)
chart_title = f"{t('nav.leadership', lang)} · {plain_text(campus)}"
zone_ranking = zone_rank.set_index("zone")["completion_pct"]
trend_title, ranking_title = t("leadership.trend", lang), t("leadership.rank_zone", lang)
y.download_button(
    t("leadership.export_png", lang),
    data=lambda: charts_png(
        title=chart_title,
        trend=trend,
        ranking=zone_ranking,
        trend_title=trend_title,
        ranking_title=ranking_title,
    ),
    file_name=f"leadership-{plain_text(ctx.campus.code)}.png",
    mime="image/png",
    key="lead_png",
    on_click="ignore",
)
