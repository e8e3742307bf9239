"""A real Streamlit server on a seeded database, and a real Chromium driven by Playwright.

Playwright cannot download browsers here: the system's Debian ``chromium`` is launched with
``executable_path``. WebGL runs on SwiftShader (``--disable-gpu``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from zoning import services
from zoning.store.engine import open_engine

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CAMPUSGRID_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


#: A building name that would run script if any page rendered it as HTML.
XSS_NAME = '<img src=x onerror="window.__xss=1">'
#: A complaint (so a hazard) text that would run script if shown as HTML.
XSS_HAZARD = '<img src=x onerror="window.__xss=2">'


def _xss_campus(folder: Path) -> list[Path]:
    """Write a one-building campus whose building is named :data:`XSS_NAME` (GeoJSON)."""
    lon, lat = 116.30, 39.90

    def square(half_lon: float, half_lat: float) -> list[list[list[float]]]:
        return [
            [
                [lon - half_lon, lat - half_lat],
                [lon + half_lon, lat - half_lat],
                [lon + half_lon, lat + half_lat],
                [lon - half_lon, lat + half_lat],
                [lon - half_lon, lat - half_lat],
            ]
        ]

    def collection(name: str, tags: dict[str, object], ring: list[list[list[float]]]) -> str:
        feature = {
            "type": "Feature",
            "properties": {"name": name, **tags},
            "geometry": {"type": "Polygon", "coordinates": ring},
        }
        return json.dumps({"type": "FeatureCollection", "features": [feature]})

    boundary = folder / "boundary.geojson"
    boundary.write_text(collection("xss", {"amenity": "university"}, square(0.002, 0.0015)))
    buildings = folder / "buildings.geojson"
    buildings.write_text(
        collection(XSS_NAME, {"building": "university", "height": 20}, square(0.0006, 0.0004))
    )
    return [boundary, buildings]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh SQLite database: the small demo campus with its first plan, and "xss"."""
    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    engine = open_engine(url)
    services.seed_demo(engine, scale="small", seed=0)
    services.import_campus(engine, _xss_campus(folder), campus="xss")
    # A hazard at the map's centre whose text is HTML, entered as a user would (接诉即办).
    from maps.deck import campus_view
    from zoning.services.ledger import add_complaint

    view = campus_view(services.load_layers(engine, "demo"))
    add_complaint(
        engine, "demo", lon=view["longitude"], lat=view["latitude"], category="repairs",
        text=XSS_HAZARD,
    )  # fmt: skip
    return url


@contextlib.contextmanager
def streamlit_server(db_url: str, log_path: Path, **env_vars: str) -> Iterator[str]:
    """Serve the app on a free 127.0.0.1 port with database ``db_url`` and ``env_vars``
    (``CAMPUSGRID_BASEMAP_URL`` only when given); yield its base URL, stop it at the end."""
    port = _free_port()
    log = log_path.open("wb")
    env = {**os.environ, "CAMPUSGRID_DB": db_url}
    env.pop("CAMPUSGRID_BASEMAP_URL", None)
    env.update(env_vars)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("streamlit")),
            "run",
            "app.py",
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--server.port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {process.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer /_stcore/health; see {log.name}")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def server(demo_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served on a free 127.0.0.1 port; yields its base URL, stops it at the end."""
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with streamlit_server(demo_db, log) as base:
        yield base


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A Chromium context with a fresh user data dir (skips when Chromium is absent)."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
            locale="zh-CN",
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A new tab; closed after the test."""
    tab = browser.new_page()  # type: ignore[attr-defined]
    try:
        yield tab
    finally:
        tab.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
