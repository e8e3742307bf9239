"""领导驾驶舱 Leadership: completion heatmap (replayable week by week), KPI cards, rankings
by zone and owner (worst first), weekly trends, and the meeting export (Excel, CSV, PNG).

The replay week drives every period figure (heatmap, worst cells, KPI cards, rankings,
exports): a leader who picks a week reads that week everywhere, and each figure names its
period. Overdue hazards and blind spots are states as of now; the trend spans 90 days. A rate
without a denominator reads "—" with the reason, never 0.0 % or "None".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from maps import layers as map_layers
from maps import measures
from maps.i18n import t
from maps.payload import plain_text
from maps.report import charts_png, ranking_table, rate_text, trend_chart
from zoning.accounts import Actor
from zoning.clock import utcnow
from zoning.safety.exports import csv_bytes, export_preamble, report_frame, workbook_bytes
from zoning.services import queries
from zoning.services.people_figures import HOLIDAY_KEYS, NIGHT_KEYS, people_figures
from zoning.services.safety import completion_reports, report_window

from app_pages import _ui
from app_pages._ui.caches import report_ledger
from app_pages._ui.warm import in_parallel

ctx = _ui.context()
lang = ctx.lang
actor = _ui.current_actor()
st.title(t("nav.leadership", lang))
st.subheader(_ui.md(ctx.campus.name))
plan = _ui.current_plan(ctx)
_ui.plan_caption(ctx, plan)
url, campus, version = ctx.url, ctx.campus.name, ctx.campus.data_version
if plan is None:
    st.stop()


@st.cache_data(show_spinner=False, max_entries=8, ttl=_ui.OPS_TTL_S)
def _workbook(
    key: tuple[object, ...], _sheets: dict[str, pd.DataFrame], _preamble: list[tuple[str, str]]
) -> bytes:
    """Return the Excel export of ``_sheets`` headed by ``_preamble``, cached by ``key``
    (everything follows from it; the underscores keep Streamlit from hashing them)."""
    return workbook_bytes(_sheets, preamble=_preamble)


@st.cache_data(show_spinner=False, max_entries=16, ttl=_ui.OPS_TTL_S)
def _week_reports(
    url: str,
    campus: str,
    start: date,
    end: date,
    ops: tuple[object, ...],
    seen: queries.Visibility,
    _actor: Actor,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the reports by zone and by owner of ``start``…``end`` (local days) as
    ``_actor`` sees them, cached by what the account sees (``seen``) until the operations
    data change (``ops``)."""
    tables = completion_reports(
        _ui.engine_for(url),
        campus,
        by=("zone", "owner"),
        start=start,
        end=end,
        actor=_actor,
    )
    return tables["zone"], tables["owner"]


def ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def period_text(week: str | None, start: date, end: date, lang: str) -> str:
    """Return the period of the figures: ``week`` (an ISO label) or the 90 days."""
    key = "leadership.period_all" if week is None else "leadership.period_week"
    return t(key, lang, week=week, start=start.isoformat(), end=end.isoformat())


# Cold (a server that has not warmed them yet), the page's halves are independent: the
# completion and owner grids, the ledger rates, the hazards and the camera coverage are
# computed at once, not one after another (each is then a cache hit below).
BY, pid = ("zone", "owner", "week"), plan.id
with st.spinner(t("leadership.computing", lang)):
    in_parallel(
        lambda: _ui.completion_grid(url, campus, pid, version, actor=actor),
        lambda: _ui.owner_grid(url, campus, pid, version, actor=actor),
        lambda: report_ledger(url, campus, pid, version, BY, actor=actor),
        lambda: _ui.hazards(url, campus, pid, version, actor=actor),
        lambda: _ui.coverage_figures(url, campus, version, pid, actor=actor),
    )
all_zone, all_owner, by_week = _ui.reports(url, campus, plan.id, version, BY, actor=actor).values()
_, first_day, last_day = report_window(("zone",), start=None, end=None, now=None)
grid = _ui.completion_grid(url, campus, plan.id, version, actor=actor)
hazards = _ui.hazards(url, campus, plan.id, version, actor=actor)
if not len(grid):
    st.info(t("leadership.no_history", lang))

open_hazards = hazards[hazards["state"].isin(measures.OPEN_STATES)]
overdue = int((open_hazards["overdue_hours"] > 0).sum())
with st.spinner(t("map.computing_coverage", lang)):
    # the figures only (stored per plan and data version): the drawn form (bands in
    # EPSG:4326) is the safety map's business
    coverage = _ui.coverage_figures(url, campus, version, plan.id, actor=actor)
blind_ha = float(coverage.get("blind_spot_area_m2", 0.0)) / 10_000  # type: ignore[arg-type]
# ---------------------------------------------------------------- the period (replay week)
weeks = _ui.completion_values(url, campus, plan.id, version, None, actor=actor)[1]
ALL = "*"
week = st.select_slider(
    t("leadership.week", lang),
    options=[ALL, *weeks],
    value=ALL,
    format_func=lambda w: t("leadership.all_weeks", lang) if w == ALL else w,
    key="lead_week",
)
if week == ALL:
    by_zone, by_owner, start, end = all_zone, all_owner, first_day, last_day
else:  # the week, within the 90 days the grid covers
    monday = measures.week_start(week)
    start, end = max(monday, first_day), min(monday + timedelta(days=6), last_day)
    by_zone, by_owner = _week_reports(
        url, campus, start, end, _ui.ops_key(url, campus), queries.visibility(actor), actor
    )
chosen_week = None if week == ALL else week
period = period_text(chosen_week, start, end, lang)
now_label = t("leadership.period_now", lang)
st.caption(t("leadership.period_caption", lang, period=period))

kpis = {
    "completion": ratio(by_zone["on_time"].sum() + by_zone["late"].sum(), by_zone["due"].sum()),
    "closure": ratio(by_zone["closed"].fillna(0).sum(), by_zone["hazards_due"].sum()),
    "on_time_closure": ratio(
        by_zone["closed_on_time"].fillna(0).sum(), by_zone["hazards_due"].sum()
    ),
}
a, b, c, d, e = st.columns(5)
reasons = {"completion": "rate.nothing_due", "closure": "rate.no_hazard_due"}
a.metric(
    f"{t('kpi.completion', lang)} · {period}",
    rate_text(kpis["completion"], reason="rate.nothing_due", lang=lang),
)
b.metric(
    f"{t('kpi.overdue', lang)} · {now_label}", f"{overdue:,}",
    t("kpi.overdue_of_open", lang, n=len(open_hazards)), delta_color="off",
)  # fmt: skip
c.metric(
    f"{t('kpi.closure', lang)} · {period}",
    rate_text(kpis["closure"], reason="rate.no_hazard_due", lang=lang),
)
d.metric(
    f"{t('kpi.on_time_closure', lang)} · {period}",
    rate_text(kpis["on_time_closure"], reason="rate.no_hazard_due", lang=lang),
)
e.metric(f"{t('kpi.blind_spot_ha', lang)} · {now_label}", f"{blind_ha:,.1f}")

# ---------------------------------------------------------------- heatmap with week replay
values = _ui.completion_values(url, campus, plan.id, version, chosen_week, actor=actor)[0]
heat, legend = _ui.completion_heatmap(
    url, campus, plan.id, version, lang, None if week == ALL else week, actor=actor
)
own = _ui.base_layers(url, campus, version, lang)
prepared = [own[i] for i in (map_layers.GROUND, map_layers.ROADS) if i in own]
chart = f"leadership_map:{campus}"
deck = _ui.deck_of(ctx, [*prepared, heat], chart)
st.markdown(f"**{t('leadership.heatmap', lang)} · {period}**")
left, right = st.columns([3, 1])
with left:
    st.pydeck_chart(
        deck,
        height=520,
        key=chart,
        alt=t("map.alt", lang, campus=plain_text(campus)),
    )
    _ui.legend_line(t("measure.completion", lang), legend)
with right:
    st.markdown(f"**{t('leadership.worst', lang)} · {period}**")
    worst = measures.worst_first(values, limit=12)
    st.dataframe(
        _ui.localised(
            pd.DataFrame({"code": worst.index, "completion_pct": worst.to_numpy()}), lang
        ),
        hide_index=True,
        width="stretch",
    )


# rows with something due (inspections or hazards); rates without a denominator say why
zone_rank = ranking_table(
    by_zone[(by_zone["due"] > 0) | (by_zone["hazards_due"] > 0)], "zone", lang=lang
)
owner_rank = ranking_table(
    by_owner[(by_owner["due"] > 0) | (by_owner["hazards_due"] > 0)], "owner", lang=lang
)
z, o = st.columns(2)
with z:
    st.markdown(f"**{t('leadership.rank_zone', lang)} · {period}**")
    st.dataframe(_ui.localised(zone_rank, lang), hide_index=True, width="stretch")
with o:
    st.markdown(f"**{t('leadership.rank_owner', lang)} · {period}**")
    st.dataframe(_ui.localised(owner_rank, lang), hide_index=True, width="stretch")

all_period = period_text(None, first_day, last_day, lang)
st.markdown(f"**{t('leadership.trend', lang)} · {all_period}**")
weekly = by_week[by_week["due"] > 0]
trend = pd.DataFrame(
    {
        t("field.completion_pct", lang): (weekly["completion_rate"] * 100).round(1).to_numpy(),
        t("field.on_time_pct", lang): (weekly["on_time_rate"] * 100).round(1).to_numpy(),
        t("field.closure_pct", lang): (weekly["closure_rate"] * 100).round(1).to_numpy(),
    },
    index=pd.Index(weekly["week"].astype(str), name=t("field.week", lang)),
)
trend_data, trend_spec = trend_chart(trend)
st.vega_lite_chart(trend_data, trend_spec, width="stretch")

st.markdown(f"**{t('leadership.export', lang)} · {period}**")
# Exports carry both languages whatever the page's: the period, the "now" and the reasons.
period_zh_en = (
    f"{period_text(chosen_week, start, end, 'zh')} / {period_text(chosen_week, start, end, 'en')}"
)
now_zh_en = "当前 / now"


def kpi_value(rate: float, reason: str) -> object:
    return round(rate, 4) if pd.notna(rate) else f"{t(reason, 'zh')} / {t(reason, 'en')}"


def export_sheets() -> dict[str, pd.DataFrame]:
    """The sheets of the exports, built when a button asks for them (the callables below),
    not on every rerun (five report frames, ~13,000 cell rows on a large campus)."""
    kpi_frame = pd.DataFrame(
        {
            "指标 Figure": [
                "巡查完成率 Inspection completion", "逾期隐患数 Overdue hazards",
                "未闭环隐患数 Open hazards", "整改结案率 Closure rate",
                "按期结案率 On-time closure rate", "盲区面积(公顷) Blind spots (ha)",
            ],
            "数值 Value": [
                kpi_value(kpis["completion"], "rate.nothing_due"), overdue, len(open_hazards),
                kpi_value(kpis["closure"], "rate.no_hazard_due"),
                kpi_value(kpis["on_time_closure"], "rate.no_hazard_due"), round(blind_ha, 2),
            ],
            "统计期 Period": [
                period_zh_en, now_zh_en, now_zh_en, period_zh_en, period_zh_en, now_zh_en,
            ],
        }
    )  # fmt: skip
    cells_frame = pd.DataFrame(
        {"cell_code": values.index, "completion_rate": values.to_numpy() / 100}
    )
    cells_frame = cells_frame.sort_values("completion_rate", na_position="last")
    return {
        "概况": kpi_frame,
        "片区排名": report_frame(by_zone.sort_values("completion_rate"), bilingual=True),
        "网格员排名": report_frame(by_owner.sort_values("completion_rate"), bilingual=True),
        "每周趋势": report_frame(by_week, bilingual=True),
        "网格完成率": report_frame(cells_frame, bilingual=True),
    }


plan_text = f"{plan.version} ({plan.status})"


def preamble(made_at: datetime) -> list[tuple[str, str]]:
    return export_preamble(
        campus=campus, period=period_zh_en, plan_version=plan_text, made_at=made_at
    )


# The workbook (13,000 cell rows on a large campus: 2–3 s of openpyxl) and the PNG are
# built when the button is clicked (Streamlit runs the callable then, in its own thread), not
# on every rerun; the workbook is cached by this key: everything in it follows from it.
book_key = (
    url,
    campus,
    plan.id,
    version,
    week,
    _ui.ops_key(url, campus),
    queries.visibility(actor),
)


def made_now() -> datetime:
    """Return the time an export is made, to the minute (the cache key's part)."""
    return utcnow().replace(second=0, microsecond=0)


def xlsx() -> bytes:
    made = made_now()
    return _workbook((*book_key, made), export_sheets(), preamble(made))


x, w, y = st.columns(3)
x.download_button(
    t("leadership.export_xlsx", lang),
    data=xlsx,
    file_name=f"leadership-{plain_text(ctx.campus.code)}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="lead_xlsx",
    on_click="ignore",  # no rerun: it would race the deferred build the click asked for
)
w.download_button(
    t("leadership.export_csv", lang),
    data=lambda: csv_bytes(export_sheets()["网格完成率"], preamble=preamble(made_now())),
    file_name=f"leadership-cells-{plain_text(ctx.campus.code)}.csv",
    mime="text/csv",
    key="lead_csv",
    on_click="ignore",
)
chart_title = f"{t('nav.leadership', lang)} · {plain_text(campus)}"
zone_ranking = (
    by_zone[by_zone["due"] > 0].set_index("zone")["completion_rate"] * 100
).sort_values()
trend_title = f"{t('leadership.trend', lang)} · {all_period}"
ranking_title = f"{t('leadership.rank_zone', lang)} · {period}"


def png() -> bytes:
    return charts_png(
        title=chart_title,
        trend=trend,
        ranking=zone_ranking,
        trend_title=trend_title,
        ranking_title=ranking_title,
        notes=[f"{label}: {value}" for label, value in preamble(made_now())],
    )


y.download_button(
    t("leadership.export_png", lang),
    data=png,
    file_name=f"leadership-{plain_text(ctx.campus.code)}.png",
    mime="image/png",
    key="lead_png",
    on_click="ignore",
)


@st.cache_data(show_spinner=False, max_entries=16, ttl=60)
def _people_figures(
    url: str, campus: str, seen: queries.Visibility, _actor: Actor
) -> dict[str, Any]:
    """The counts, read (and audited) at most once a minute per what the account sees:
    counts carry no name, and a write per rerun of every leadership page was a writer's
    queue on SQLite under load."""
    return people_figures(_ui.engine_for(url), campus, actor=_actor)


def people_section() -> None:
    """学生网格 · 今晚点名 / 假期返校: the people grid's counts per college (no name), only
    when the campus has a roster."""
    figures = _people_figures(url, campus, queries.visibility(actor), actor)
    if not figures["students"]:
        return
    st.subheader(t("leadership.people", lang))
    st.caption(t("leadership.people_counts_only", lang))
    tonight, holiday = figures["tonight"], figures["holiday"]
    if tonight is None:
        st.info(t("rollcall.none_yet", lang))
    else:
        state = t("rollcall.state_closed" if tonight["closed"] else "rollcall.state_open", lang)
        st.markdown(f"**{t('rollcall.night', lang, night=tonight['night'], state=state)}**")
        _people_table(tonight, NIGHT_KEYS)
    if holiday is None:
        st.caption(t("leadership.people_no_holiday", lang))
    else:
        title = t("leadership.people_holiday", lang, holiday=_ui.md(holiday["holiday"]),
                  return_by=holiday["return_by"])  # fmt: skip
        st.markdown(f"**{title}**")
        _people_table(holiday, HOLIDAY_KEYS)


def _people_table(found: dict[str, Any], keys: tuple[str, ...]) -> None:
    """The totals as metrics, then one row per college."""
    total = found["total"]
    for col, name in zip(st.columns(len(keys)), keys, strict=True):
        col.metric(t(f"people.col.{name}", lang), f"{int(total[name]):,}")
    table = pd.DataFrame(found["colleges"], columns=["college", *keys])
    names = {c: t(f"people.col.{c}", lang) for c in table.columns}
    st.dataframe(_ui.localised(table, lang, names), hide_index=True, width="stretch")


people_section()
