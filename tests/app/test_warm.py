"""Warm start (issue 18): the server's warming thread fills the caches the pages read, so
a page's first run after a start computes nothing heavy; it survives an empty database and
a campus without a plan, warms again only what changed, logs a failure and goes on, and the
``st.App`` lifespan returns at once (the health check never waits for it)."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages._ui import caches, publish, splice, warm
from app_pages._ui.lifespan import lifespan
from tests.actors import ADMIN, actor
from tests.opsdata import open_due, submit_passed
from tests.signed_in import signed_in
from zoning import services
from zoning.services import cameras, queries, safety
from zoning.store.engine import open_engine

APP = str(Path(__file__).resolve().parents[2] / "app.py")
#: The service functions behind the pages' heavy cache entries (module, name).
HEAVY: tuple[tuple[Any, str], ...] = (
    (queries, "completion_grid"),
    (queries, "owner_grid"),
    (queries, "hazards_table"),
    (safety, "ledger_tables"),
    (cameras, "campus_coverage"),
)


@pytest.fixture
def heavy_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the calls of the heavy service functions (they still run)."""
    calls: Counter[str] = Counter()
    for module, name in HEAVY:
        real = getattr(module, name)

        def counted(*args: Any, _real: Callable[..., Any] = real, _name: str = name, **kw: Any):  # type: ignore[no-untyped-def]
            calls[_name] += 1
            return _real(*args, **kw)

        monkeypatch.setattr(module, name, counted)
    return calls


@pytest.fixture
def demo(demo_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """The small demo campus with 30 days of history on each backend (a copy of the
    session's template, tests/conftest.py), as the pages' database; the layer files in a
    folder of this test; the caches emptied (an older test's entries must not count)."""
    st.cache_resource.clear()
    st.cache_data.clear()
    monkeypatch.setattr(splice, "_BASES", {})
    monkeypatch.setenv("CAMPUSGRID_DB", demo_url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    monkeypatch.setattr(publish, "LAYER_DIR", tmp_path / "layers")
    yield demo_url
    warm.stop()


def _page(page: str, name: str, role: str, **link: str | int | None) -> AppTest:
    app = signed_in(AppTest.from_file(APP, default_timeout=120), name, role, **link)
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def test_pages_after_warming_compute_nothing_heavy(demo: str, heavy_calls: Counter[str]) -> None:
    seen = warm.warm_all(demo)
    campus = services.list_campuses(open_engine(demo))[0].name
    assert list(seen) == [campus]
    assert warm.state().phase == "ready" and warm.state().failures == 0
    assert heavy_calls["completion_grid"] >= 1 and heavy_calls["campus_coverage"] == 1
    heavy_calls.clear()
    lead = _page("app_pages/leadership.py", "warm-lead", "leadership")
    assert [m.value for m in lead.metric]  # the figures are drawn
    _page("app_pages/safety_map.py", "warm-officer", "safety_officer")
    _page("app_pages/leadership.py", "warm-admin", "admin")
    assert sum(heavy_calls.values()) == 0, heavy_calls
    # a zone leader's slice is cut from the campus's warmed frames: nothing heavy either
    zone = _page("app_pages/safety_map.py", "warm-zone", "zone_leader", campus=campus, zone=1)
    assert not zone.exception and sum(heavy_calls.values()) == 0, heavy_calls


def test_warming_writes_the_bundle_the_safety_maps_first_draw_fetches(demo: str) -> None:
    warm.warm_all(demo)
    folder = publish.layer_dir()
    written = {p.name for p in folder.glob("bundle-*.json")}
    assert written, "warming wrote no bundle"
    assert {p.name for p in folder.glob("bundle-*.json.gz")} == {f"{n}.gz" for n in written}
    for role in ("safety_officer", "admin"):  # as the campus-wide roles see it by default
        app = _page("app_pages/safety_map.py", f"warm-{role}", role)
        (chart,) = app.get("deck_gl_json_chart")
        urls = {layer["data"] for layer in json.loads(chart.proto.json)["layers"]}
        assert len(urls) == 1, urls  # every layer from one file
        (url,) = urls
        assert url.removeprefix(publish.LAYER_URL) in written, (role, url, written)


def test_only_a_changed_campus_is_warmed_again(
    demo: str, monkeypatch: pytest.MonkeyPatch, heavy_calls: Counter[str]
) -> None:
    warmed: list[str] = []
    real = warm.warm_campus

    def counted(url: str, campus: services.CampusSummary, lang: Any, stop: Any = None) -> None:
        warmed.append(campus.name)
        real(url, campus, lang, stop)

    monkeypatch.setattr(warm, "warm_campus", counted)
    seen = warm.warm_all(demo)
    assert len(warmed) == 1
    assert warm.warm_all(demo, seen) == seen and len(warmed) == 1  # nothing changed
    engine = open_engine(demo)
    campus = services.list_campuses(engine)[0]
    plan = services.current_plan(engine, campus.name)
    assert plan is not None
    officer = actor("safety_officer")

    def hazards() -> int:
        return len(caches.hazards(demo, campus.name, plan.id, campus.data_version, actor=officer))

    before = hazards()
    submit_passed(engine, campus.name, open_due(engine, 1), failed=1)  # a new hazard
    after = warm.warm_all(demo, seen)
    assert after != seen and len(warmed) == 2
    heavy_calls.clear()
    assert hazards() == before + 1  # brought up to date by the warm-up, not by this call
    assert sum(heavy_calls.values()) == 0, heavy_calls


def test_an_empty_database_and_a_campus_without_a_plan_are_warmed_quietly(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish, "LAYER_DIR", tmp_path / "layers")
    before = warm.state().failures
    assert warm.warm_all(db_url) == {}
    engine = open_engine(db_url)
    demo = services.seed_demo(engine, scale="small", seed=0, history_days=0, actor=ADMIN)
    out = tmp_path / "campus.gpkg"
    services.export_campus(engine, demo.name, fmt="gpkg", out=out, actor=ADMIN)
    services.import_campus(engine, [out], campus="无方案", actor=ADMIN)
    assert services.current_plan(engine, "无方案") is None
    seen = warm.warm_all(db_url)
    assert seen["无方案"][1] is None and seen[demo.name][1] is not None
    assert warm.state().failures == before and warm.state().phase == "ready"


def test_a_failure_while_warming_is_logged_and_the_rest_is_warmed(
    demo: str,
    heavy_calls: Counter[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kw: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(queries, "completion_grid", broken)
    warm.log.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.ERROR, logger=warm.log.name):
            before = warm.state().failures
            seen = warm.warm_all(demo)
    finally:
        warm.log.removeHandler(caplog.handler)
    assert len(seen) == 1 and warm.state().failures > before
    messages = [r.getMessage() for r in caplog.records]
    assert any("completion grid (admin)" in m and "failed" in m for m in messages), messages
    assert any("disk on fire" in (r.exc_text or "") for r in caplog.records)
    assert heavy_calls["hazards_table"] >= 1  # the steps after it still ran


def test_the_lifespan_returns_at_once_and_warms_in_the_background(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release, running = threading.Event(), threading.Event()

    def slow_warm(url: str, seen: Any = None, stop: Any = None) -> dict[str, Any]:
        running.set()
        release.wait(30)  # a warm-up that takes as long as the test wants
        return {}

    monkeypatch.setattr(warm, "warm_all", slow_warm)
    monkeypatch.setenv("CAMPUSGRID_WARM", "1")
    monkeypatch.setenv("CAMPUSGRID_SCHEDULER", "0")

    async def serve() -> bool:
        async with lifespan(object()):
            # the server is up (routes answer) while the warm-up still runs
            started = running.wait(10)
            up_while_warming = started and not release.is_set()
            release.set()
            return up_while_warming

    outcome: list[bool] = []

    def in_its_own_thread() -> None:  # an event loop may already run in this one (Playwright)
        outcome.append(asyncio.run(asyncio.wait_for(serve(), timeout=60)))

    try:
        runner = threading.Thread(target=in_its_own_thread)
        runner.start()
        runner.join(timeout=90)
        assert outcome == [True]
    finally:
        release.set()
        warm.stop()


def test_warming_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMPUSGRID_WARM", "0")
    assert warm.start("sqlite:///nowhere.sqlite") is None
    monkeypatch.setenv("CAMPUSGRID_WARM", "1")
    assert warm.enabled()


def test_warming_steps_wait_for_the_page_runs_in_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages go first: a warming step waits while a page runs (threads of one process share
    the interpreter), at most PAGES_FIRST_WAIT_S, so steady traffic does not stop warming."""
    monkeypatch.setattr(warm, "_stop", threading.Event())  # warming not asked to stop
    assert warm.pages_first() < 0.05, "no page runs: no wait"
    waited: list[float] = []
    with warm.page_running():
        step = threading.Thread(target=lambda: waited.append(warm.pages_first(5.0)))
        step.start()
        time.sleep(0.3)
    step.join(timeout=10)
    assert 0.25 <= waited[0] < 5.0, "it waited for the page, not for its whole allowance"
    with warm.page_running():
        assert 0.15 <= warm.pages_first(0.2) < 1.0, "under steady traffic it goes on"
        warm._stop.set()
        assert warm.pages_first(5.0) < 0.05, "asked to stop, it does not wait"
