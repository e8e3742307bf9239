"""The leadership page's people-grid section (学生网格 · 今晚点名 / 假期返校) in AppTest:
absent while the campus has no roster; with one, tonight's counts per college and the
current holiday's, and not one student's name on the page."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.actors import ADMIN
from tests.signed_in import signed_in
from zoning import services
from zoning.clock import local_day, utcnow
from zoning.people import Rules, Window
from zoning.people.whereabouts import Holiday
from zoning.services import people_grid as grid
from zoning.services import whereabouts
from zoning.store import people_grid as repo
from zoning.store.campus import campus_id
from zoning.store.engine import open_engine

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/leadership.py"
TITLE = "学生网格 · 今晚点名 / 假期返校"
ALWAYS = Rules(window=Window.parse("12:00-11:59"))


def _leadership(url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CAMPUSGRID_DB", url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    st.cache_data.clear()  # the page keeps the counts a minute: a new roster shows after it
    app = signed_in(AppTest.from_file(APP, default_timeout=120), "lead-people", "leadership")
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def test_the_people_section_shows_counts_only_with_a_roster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'lead.sqlite'}"
    engine = open_engine(url)
    services.seed_demo(engine, scale="small", seed=0, history_days=0, actor=ADMIN)
    app = _leadership(url, monkeypatch)
    assert TITLE not in [s.value for s in app.subheader]

    grid.demo_roster(engine, "demo", students=60, actor=ADMIN)
    grid.open_rollcall(engine, "demo", actor=ADMIN, rules=ALWAYS)
    with engine.connect() as conn:
        students = repo.load_students(conn, campus_id(conn, "demo"))
    grid.mark_absence(engine, "demo", student_no=students[0].student_no, reason="病假",
                      until=date.today() + timedelta(days=3), actor=ADMIN)  # fmt: skip
    today = local_day(utcnow())
    holiday = Holiday("测试假期", today + timedelta(days=5), today + timedelta(days=10),
                      today + timedelta(days=11))  # fmt: skip
    whereabouts.add_holiday(engine, "demo", holiday, actor=ADMIN)
    engine.dispose()

    app = _leadership(url, monkeypatch)
    assert TITLE in [s.value for s in app.subheader]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["应到"] == "60" and metrics["请假"] == "1" and metrics["已签到"] == "0"
    assert metrics["未到"] == "59"
    assert metrics["应返"] == "60" and metrics["已报去向"] == "0"
    frames = [d.value for d in app.dataframe if "学院" in d.value.columns]
    night = next(f for f in frames if "已签到" in f.columns)
    assert next(f for f in frames if "应返" in f.columns)["应返"].astype(int).sum() == 60
    assert list(night.columns) == ["学院", "应到", "已签到", "请假", "在外", "未到"]
    assert night["应到"].astype(int).sum() == 60
    assert "测试假期" in " ".join(m.value for m in app.markdown)
    shown = " ".join(
        [m.value for m in app.markdown] + [c.value for c in app.caption]
        + [f.to_csv() for f in frames]
    )  # fmt: skip
    for s in students:
        assert s.name not in shown
