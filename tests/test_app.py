"""The Streamlit app frame, driven by streamlit.testing.v1.AppTest on a seeded database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from zoning import services
from zoning.store.engine import open_engine

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = ("leadership", "planner", "inspections", "ledger", "cameras")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh SQLite database holding the small demo campus and its first plan."""
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'demo.sqlite'}"
    services.seed_demo(open_engine(url), scale="small", seed=0)
    return url


@pytest.fixture
def app(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CAMPUSGRID_DB", demo_url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    return AppTest.from_file(APP, default_timeout=60).run()


def test_safety_map_runs_and_draws_a_deck(app: AppTest) -> None:
    assert not app.exception
    assert app.title[0].value == "安全地图"
    (picker,) = app.sidebar.selectbox
    assert picker.label == "校园"
    assert any("demo" in option for option in picker.options)
    charts = app.get("deck_gl_json_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.json)
    assert {layer["id"] for layer in spec["layers"]} >= {"ground", "cells", "buildings"}
    assert "mapProvider" not in spec


def test_switching_language_changes_labels(app: AppTest) -> None:
    app.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert app.sidebar.selectbox[0].label == "Campus"
    assert app.title[0].value == "Safety map"
    app.radio(key="lang").set_value("zh").run()
    assert app.sidebar.selectbox[0].label == "校园"


def test_colouring_by_area_gives_a_ramp_legend(app: AppTest) -> None:
    app.radio(key="map_colour_by").set_value("area").run()
    assert not app.exception
    assert any("m²" in m.value for m in app.markdown)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_and_shows_its_content(app: AppTest, page: str) -> None:
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception
    assert not app.error
    assert app.title[0].value
    assert app.dataframe, f"{page} shows no table"
    assert app.sidebar.selectbox  # the campus picker is on every page


def test_an_empty_database_says_how_to_create_a_campus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    open_engine(url)
    monkeypatch.setenv("CAMPUSGRID_DB", url)
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert any("campusgrid demo" in info.value for info in app.info)
