"""The planner's rename box for named zones (片区), through the page (AppTest): a rename is
stored, an empty name is a warning, a taken name one line; both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.actors import ADMIN
from tests.grid import zoned_campus as zc
from tests.signed_in import signed_in
from zoning.services import grid
from zoning.services import zones as zone_ops
from zoning.store.engine import open_engine

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _planner(url: str, monkeypatch: pytest.MonkeyPatch, lang: str = "zh") -> AppTest:
    monkeypatch.setenv("CAMPUSGRID_DB", url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    app = signed_in(AppTest.from_file(APP, default_timeout=90)).run()
    if lang != "zh":
        app.radio(key="lang").set_value(lang).run()
    app.switch_page("app_pages/planner.py").run()
    assert not app.exception, app.exception
    return app


@pytest.fixture
def zoned_url(sqlite_url: str) -> str:
    engine = open_engine(sqlite_url)
    zc.make_campus(engine)
    grid.split_campus(engine, zc.CAMPUS, method="square", cell_size_m=100, actor=ADMIN)
    return sqlite_url


def test_rename_a_zone_on_the_planner(zoned_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _planner(zoned_url, monkeypatch)
    pick = app.selectbox(key="planner_zone_pick")
    assert list(pick.options) == ["1 · 北区", "2 · 南区"]
    pick.set_value(1)
    app.text_input(key="planner_zone_name").set_value("北校区")
    app.button(key="planner_zone_do").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("已改名为「北校区」" in s.value for s in app.success)
    names = zone_ops.zone_names(open_engine(zoned_url), zc.CAMPUS, actor=ADMIN)
    assert names == {1: "北校区", 2: "南区"}
    assert list(app.selectbox(key="planner_zone_pick").options) == ["1 · 北校区", "2 · 南区"]
    # a name another zone has: one line, nothing changed
    app.selectbox(key="planner_zone_pick").set_value(1)
    app.text_input(key="planner_zone_name").set_value("南区")
    app.button(key="planner_zone_do").click().run()
    assert len(app.error) == 1 and "南区" in app.error[0].value
    assert zone_ops.zone_names(open_engine(zoned_url), zc.CAMPUS, actor=ADMIN)[1] == "北校区"


def test_an_empty_name_is_a_warning_in_english(
    zoned_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _planner(zoned_url, monkeypatch, lang="en")
    app.selectbox(key="planner_zone_pick").set_value(2)
    app.button(key="planner_zone_do").click().run()
    assert [w.value.replace("\\", "") for w in app.warning] == ["Type the new name first."]
    assert zone_ops.zone_names(open_engine(zoned_url), zc.CAMPUS, actor=ADMIN)[2] == "南区"
