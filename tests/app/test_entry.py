"""The app's entry script ``app_pages/app.py`` (what an installed ``campusgrid serve`` runs)
and the root ``app.py`` that runs it in a checkout: the same pages, layer files written
where the running entry's Streamlit serves them, the same settings, and the one timing
hook ``bench/ui.py`` reads."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.actors import ADMIN
from tests.signed_in import signed_in
from zoning import services
from zoning.store.engine import open_engine

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "app_pages" / "app.py"
LAYER_URL = "app/static/map/"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh SQLite database holding the small demo campus and its first plan."""
    url = f"sqlite:///{tmp_path_factory.mktemp('entry') / 'demo.sqlite'}"
    services.seed_demo(open_engine(url), scale="small", seed=0, actor=ADMIN)
    return url


@pytest.fixture
def fresh_caches(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Empty Streamlit caches before and after: a server runs one entry script, while this
    process runs both, and a layer cached by one names a file in the other's folder."""
    monkeypatch.setenv("CAMPUSGRID_DB", demo_url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    monkeypatch.delenv("CAMPUSGRID_TIMING_LOG", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def _layer_files(app: AppTest) -> list[str]:
    names: list[str] = []
    for chart in app.get("deck_gl_json_chart"):
        names += re.findall(re.escape(LAYER_URL) + r"([A-Za-z0-9_.-]+\.json)", chart.proto.json)
    return names


@pytest.mark.usefixtures("fresh_caches")
def test_the_packaged_entry_serves_its_layer_files_beside_itself() -> None:
    app = signed_in(AppTest.from_file(str(PACKAGED), default_timeout=60)).run()
    assert not app.exception
    assert app.title[0].value == "安全地图"
    names = _layer_files(app)
    assert names, "heavy layers are served as files"
    here = PACKAGED.parent / "static" / "map"
    assert all((here / name).is_file() for name in names)
    app.switch_page("leadership.py").run()  # pages resolve from app_pages/, not the CWD
    assert not app.exception and app.metric
    assert all((here / name).is_file() for name in _layer_files(app))


@pytest.mark.usefixtures("fresh_caches")
def test_the_root_app_runs_the_same_pages_serving_files_from_the_root() -> None:
    app = signed_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)).run()
    assert not app.exception
    assert app.title[0].value == "安全地图"
    names = _layer_files(app)
    assert names and all((ROOT / "static" / "map" / name).is_file() for name in names)


@pytest.mark.usefixtures("fresh_caches")
def test_the_timing_hook_logs_each_completed_page_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "timing.log"
    monkeypatch.setenv("CAMPUSGRID_TIMING_LOG", str(log))
    app = signed_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)).run()
    app.radio(key="map_colour_by").set_value("area").run()
    app.switch_page("app_pages/cameras.py").run()
    assert not app.exception
    lines = [line.split() for line in log.read_text("utf-8").splitlines()]
    assert [name for name, _ in lines] == ["safety_map.run", "safety_map.run", "cameras.run"]
    assert all(0 < float(seconds) < 60 for _, seconds in lines)


def test_the_pages_time_nothing_themselves() -> None:
    for page in (ROOT / "app_pages").glob("*.py"):
        if page.name != "app.py":
            text = page.read_text("utf-8")
            assert "CAMPUSGRID_TIMING_LOG" not in text and "timing" not in text, page.name


def test_both_entries_have_the_same_streamlit_settings() -> None:
    def settings(path: Path) -> dict[str, object]:
        return tomllib.loads(path.read_text("utf-8"))

    root = settings(ROOT / ".streamlit" / "config.toml")
    assert root == settings(ROOT / "app_pages" / ".streamlit" / "config.toml")
    assert root["server"]["enableStaticServing"] is True  # type: ignore[index]


def test_the_packaged_static_folder_exists_for_streamlit() -> None:
    from app_pages import _ui

    # Streamlit serves static/ only when the folder exists when it starts: shipped empty.
    assert (ROOT / "app_pages" / "static" / "map" / ".gitignore").is_file()
    assert _ui.LAYER_URL == LAYER_URL  # the URL the layers name, the same for both entries
