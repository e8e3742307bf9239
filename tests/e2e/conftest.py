"""Fixtures of the browser tests: a real Streamlit server on a seeded database (behind the
sign-in gate), and a real Chromium driven by Playwright, signed in (see
:mod:`tests.e2e.browser`, :mod:`tests.e2e.server` and :mod:`tests.e2e.signin`)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.actors import ADMIN
from tests.demo_copies import DemoTemplates
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.server import ROOT, streamlit_server
from tests.e2e.signin import E2E_ACCOUNT, E2E_PASSWORD, ensure_account, session_cookie
from tests.xss_campus import XSS_HAZARD, write_xss_campus
from zoning import services
from zoning.api.asgi import SESSION_COOKIE
from zoning.store.engine import open_engine

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> str:
    """A fresh SQLite database: the small demo campus with its first plan, and "xss"."""
    folder = tmp_path_factory.mktemp("e2e")
    url = demo_templates.spatialite(90, folder / "demo.sqlite")
    engine = open_engine(url)
    services.import_campus(engine, write_xss_campus(folder), campus="xss", actor=ADMIN)
    # A hazard at the map's centre whose text is HTML, entered as a user would (接诉即办).
    from maps.deck import campus_view
    from zoning.services.ledger import add_complaint

    view = campus_view(services.load_layers(engine, "demo"))
    add_complaint(
        engine, "demo", lon=view["longitude"], lat=view["latitude"], category="repairs",
        text=XSS_HAZARD, actor=ADMIN,
    )  # fmt: skip
    return url


@pytest.fixture(scope="session")
def server(demo_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served on a free 127.0.0.1 port; yields its base URL, stops it at the end."""
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with streamlit_server(demo_db, log) as base:
        yield base


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """The session's one Playwright (its sync API runs one event loop per process: a second
    ``sync_playwright()`` while this one lives is refused); skips when Chromium is absent."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="session")
def browser(playwright: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A Chromium context with a fresh user data dir (skips when Chromium is absent)."""
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


@pytest.fixture(scope="session")
def session_token(server: str, demo_db: str) -> str:
    """A session of account ``e2e-admin``, signed in through the real form (HTTP)."""
    ensure_account(demo_db)
    return session_cookie(server, E2E_ACCOUNT, E2E_PASSWORD)


@pytest.fixture
def page(browser: object, server: str, session_token: str) -> Iterator[object]:
    """A new tab of a browser signed in as ``e2e-admin`` (the session cookie of 127.0.0.1,
    every port); closed after the test."""
    browser.add_cookies(  # type: ignore[attr-defined]
        [{"name": SESSION_COOKIE, "value": session_token, "url": server, "httpOnly": True,
          "sameSite": "Lax"}]
    )  # fmt: skip
    tab = browser.new_page()  # type: ignore[attr-defined]
    try:
        yield tab
    finally:
        tab.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
