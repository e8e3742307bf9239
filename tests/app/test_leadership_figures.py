"""Honest leadership figures (issue 16): every figure names its period and the replay week
drives them all; a rate without a denominator reads "—" with the reason; every export carries
the campus, the period, the plan version and when it was made, in Chinese and English."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from maps.measures import week_start
from tests.actors import ADMIN
from tests.demo_copies import DemoTemplates
from tests.signed_in import signed_in
from zoning.services.safety import completion_reports, report_window
from zoning.store.engine import open_engine

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/leadership.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> str:
    return demo_templates.spatialite(90, tmp_path_factory.mktemp("lead") / "demo90.sqlite")


def _leadership(url: str, monkeypatch: pytest.MonkeyPatch, lang: str = "zh") -> AppTest:
    monkeypatch.setenv("CAMPUSGRID_DB", url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    app = signed_in(AppTest.from_file(APP, default_timeout=90)).run()
    if lang != "zh":
        app.radio(key="lang").set_value(lang).run()
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


def _texts(app: AppTest) -> set[str]:
    return {str(v) for frame in app.dataframe for v in frame.value.to_numpy().ravel()}


def test_a_campus_with_nothing_due_says_so_instead_of_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_templates: DemoTemplates
) -> None:
    app = _leadership(demo_templates.spatialite(0, tmp_path / "demo0.sqlite"), monkeypatch)
    values = {m.label.split(" · ")[0]: m.value for m in app.metric}
    assert values["巡查完成率"] == "—（无应检）"
    assert values["整改结案率"] == "—（无应结案隐患）"
    assert values["按期结案率"] == "—（无应结案隐患）"
    app.radio(key="lang").set_value("en").run()
    values = {m.label.split(" · ")[0]: m.value for m in app.metric}
    assert values["Inspection completion"] == "— (nothing due)"
    assert values["Closure rate"] == "— (no hazard due)"


def test_the_replay_week_drives_every_figure_and_each_names_its_period(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _leadership(demo_url, monkeypatch)
    _, first, last = report_window(("zone",), start=None, end=None, now=None)
    whole = f"近 90 天（{first} 至 {last}）"
    labels = [m.label for m in app.metric]
    assert labels[0] == f"巡查完成率 · {whole}" and labels[1] == "逾期隐患 · 当前"
    slider = app.select_slider(key="lead_week")
    week = slider.options[-3]  # a whole week inside the 90 days
    slider.set_value(week).run()
    assert not app.exception
    monday = week_start(week)
    period = f"{week}（{monday} 至 {monday + timedelta(days=6)}）"
    metrics = {m.label: m.value for m in app.metric}
    assert f"巡查完成率 · {period}" in metrics and f"整改结案率 · {period}" in metrics
    # the figures are the week's, as the report service counts them independently
    zone = completion_reports(
        open_engine(demo_url), "demo", by=("zone",), start=monday,
        end=monday + timedelta(days=6), actor=ADMIN,
    )["zone"]  # fmt: skip
    done = (zone["on_time"].sum() + zone["late"].sum()) / zone["due"].sum()
    closed = zone["closed"].fillna(0).sum() / zone["hazards_due"].sum()
    assert metrics[f"巡查完成率 · {period}"] == f"{done * 100:.1f}%"
    assert metrics[f"整改结案率 · {period}"] == f"{closed * 100:.1f}%"
    headings = [m.value for m in app.markdown]
    for title in ("片区排名（差者在前）", "网格员排名（差者在前）", "完成率最低的网格"):
        assert f"**{title} · {period}**" in headings
    ranked = app.dataframe[1].value  # the zones' ranking: the week's due counts
    assert sorted(ranked["应检数"].astype(int)) == sorted(zone.loc[zone["due"] > 0, "due"])


def test_rankings_show_the_reason_never_none(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _leadership(demo_url, monkeypatch)
    slider = app.select_slider(key="lead_week")
    seen: set[str] = set()
    for week in slider.options[1:]:
        slider.set_value(week).run()
        assert not app.exception
        texts = _texts(app)
        assert not texts & {"None", "nan", "NaN", "<NA>"}, week
        seen |= texts
    assert "—（无应结案隐患）" in seen  # some week has a zone or owner with no hazard due
    app.radio(key="lang").set_value("en").run()
    assert not _texts(app) & {"None", "nan", "NaN", "<NA>"}


def _deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], object]]:
    deferred: dict[str, Callable[[], object]] = {}
    add_deferred = MediaFileManager.add_deferred

    def capture(
        self: MediaFileManager, data: Callable[[], object], mimetype: str, *a: object, **k: object
    ) -> str:
        deferred[mimetype] = data
        return add_deferred(self, data, mimetype, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    return deferred


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_export_says_campus_period_plan_and_when(
    demo_url: str, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    deferred = _deferred(monkeypatch)
    app = _leadership(demo_url, monkeypatch, lang)
    week = app.select_slider(key="lead_week").options[-2]
    app.select_slider(key="lead_week").set_value(week).run()
    assert not app.exception
    served = {mimetype: make() for mimetype, make in deferred.items()}
    expected = {
        "校园 Campus": "demo",
        "网格方案 Plan version": "1 (active)",
    }
    book = load_workbook(io.BytesIO(served[XLSX]))  # type: ignore[arg-type]
    for sheet in ("概况", "片区排名", "网格员排名", "网格完成率"):
        rows = list(book[sheet].iter_rows(min_row=1, max_row=6, values_only=True))
        head = {r[0]: r[1] for r in rows[:4]}
        assert {k: head[k] for k in expected} == expected, sheet
        assert week in head["统计期 Period"] and "/" in head["统计期 Period"]
        assert str(head["生成时间 Made at"])[:2] == "20"
    headers = next(book["片区排名"].iter_rows(min_row=6, max_row=6, values_only=True))
    assert {"片区 Zone", "完成率 Completion rate", "结案率 Closure rate"} <= set(headers)
    text = served["text/csv"].decode("utf-8-sig")  # type: ignore[union-attr]
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["校园 Campus", "demo"] and week in lines[1][1]
    assert lines[5][:2] == ["网格编号 Cell", "完成率 Completion rate"]
    png = Image.open(io.BytesIO(served["image/png"]))  # type: ignore[arg-type]
    assert png.height == 900 + 4 * 24  # four note lines under the title
