"""The app's page script ``app_pages/app.py`` and the servers that run it behind the sign-in
gate (``app_pages/server.py`` for ``campusgrid serve``, the root ``app.py`` in a checkout):
layer files written to the layer folder (served at ``/layers/NAME``, never from
``static/``), the same settings, who is signed in on every page, and the one timing hook
``bench/ui.py`` reads."""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages import _ui
from tests.demo_copies import DemoTemplates
from tests.signed_in import signed_in

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "app_pages" / "app.py"
LAYER_URL = "layers/"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> str:
    """A fresh SQLite database holding the small demo campus and its first plan."""
    url = demo_templates.spatialite(90, tmp_path_factory.mktemp("entry") / "demo.sqlite")
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
def test_the_pages_write_their_layer_files_to_the_layer_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app_pages._ui import publish

    monkeypatch.setattr(publish, "LAYER_DIR", tmp_path)
    started = time.time() - 1
    app = signed_in(AppTest.from_file(str(PACKAGED), default_timeout=60)).run()
    assert not app.exception
    assert app.title[0].value == "安全地图"
    names = _layer_files(app)
    assert names, "heavy layers are served as files"
    assert all((tmp_path / name).is_file() for name in names)
    app.switch_page("leadership.py").run()  # pages resolve from app_pages/, not the CWD
    assert not app.exception and app.metric
    assert all((tmp_path / name).is_file() for name in _layer_files(app))
    for static in (ROOT / "static" / "map", ROOT / "app_pages" / "static" / "map"):
        touched = [f for f in static.glob("*") if f.stat().st_mtime >= started]
        assert not touched  # nothing written or touched under a static folder


@pytest.mark.parametrize("server", ["app.py", "app_pages/server.py"])
def test_both_servers_are_the_guarded_app(server: str) -> None:
    """``streamlit run`` finds the st.App (so it serves it, not the bare page script), and
    that app runs app_pages/app.py behind the sign-in gate with the sign-in routes."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    assert discover_asgi_app(ROOT / server).app_name == "app"
    namespace: dict[str, object] = {"__file__": str(ROOT / server), "__name__": "app"}
    exec(compile((ROOT / server).read_text("utf-8"), server, "exec"), namespace)
    served = namespace["app"]
    assert isinstance(served, st.App)
    assert served._resolve_script_path() == PACKAGED
    assert [m.cls.__name__ for m in served._user_middleware] == ["SignInGuard"]
    paths = {getattr(r, "path", "") for r in served._user_routes}
    assert {"/signin", "/signout", "/layers/{name}"} <= paths


@pytest.mark.usefixtures("fresh_caches")
def test_every_page_says_who_is_signed_in() -> None:
    app = signed_in(
        AppTest.from_file(str(PACKAGED), default_timeout=60), "page-leader", "zone_leader",
        campus="demo", zone=2,
    ).run()  # fmt: skip
    assert not app.exception
    line = f"当前用户：{_ui.md('page-leader')}（片区负责人） · 片区 2"  # as Markdown, escaped
    assert line in [c.value for c in app.sidebar.caption]
    app.switch_page("leadership.py").run()
    assert line in [c.value for c in app.sidebar.caption]
    assert [b.label for b in app.sidebar.button] == ["退出登录"]  # single sign-on: st.logout


@pytest.mark.usefixtures("fresh_caches")
def test_the_timing_hook_logs_each_completed_page_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "timing.log"
    monkeypatch.setenv("CAMPUSGRID_TIMING_LOG", str(log))
    app = signed_in(AppTest.from_file(str(PACKAGED), default_timeout=60)).run()
    app.radio(key="map_colour_by@zh").set_value("area").run()
    app.switch_page("cameras.py").run()
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
    assert root["server"]["enableStaticServing"] is False  # type: ignore[index]
    assert root["server"]["enableXsrfProtection"] is True  # type: ignore[index]
    assert root["server"]["enableCORS"] is True  # type: ignore[index]  (protection on)


def test_the_layers_are_fetched_from_the_guarded_route() -> None:
    assert _ui.LAYER_URL == LAYER_URL  # /layers/NAME, relative to the page: same origin


@pytest.mark.usefixtures("fresh_caches")
def test_the_root_app_run_as_a_page_draws_the_pages() -> None:
    """Tests and benchmarks run the root app.py as a page script: the same pages."""
    app = signed_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)).run()
    assert not app.exception
    assert app.title[0].value == "安全地图"
