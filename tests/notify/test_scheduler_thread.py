"""The server's scheduler thread runs the ``campusgrid tick`` round on its own: a queued
message goes out without anyone running a command or opening a page."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.actors import ADMIN
from tests.notify.robots import robot_server
from tests.safety_campus import CAMPUS, centre, make_campus
from zoning.services import ledger, notify
from zoning.services.database import open_engine


def test_the_server_thread_sends_what_a_change_queued(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app_pages._ui import scheduler

    engine = open_engine(sqlite_url)
    make_campus(engine)
    with robot_server() as robots:
        notify.add_channel(engine, actor=ADMIN, kind="wecom", target=f"{robots.url}/wecom?key=s")
        lon, lat = centre("C-00-00")
        ledger.add_complaint(
            engine, CAMPUS, actor=ADMIN, lon=lon, lat=lat, category="repairs", text="灯坏了"
        )
        assert robots.bodies("wecom") == []  # queued, not sent: the change did not wait
        monkeypatch.setenv("CAMPUSGRID_DB", sqlite_url)
        monkeypatch.setenv("CAMPUSGRID_SCHEDULER", "1")
        monkeypatch.setattr(scheduler, "INTERVAL_S", 0.5)
        monkeypatch.setattr(scheduler, "_started", threading.Event())
        monkeypatch.setattr(scheduler, "_stop", threading.Event())
        thread = scheduler.start_scheduler()
        assert thread is not None
        assert scheduler.start_scheduler() is None  # once per process
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not any(
                "Complaint assigned" in b["markdown"]["content"] for b in robots.bodies("wecom")
            ):
                time.sleep(0.2)
            bodies = robots.bodies("wecom")
        finally:
            scheduler.stop_scheduler()
            thread.join(timeout=30)
        texts = [b["markdown"]["content"] for b in bodies]
        # the complaint's assignment, and the round's own reminder (its deadline is in 24 h)
        assert any("Complaint assigned" in t and "C-00-00" in t for t in texts), texts
        assert len(texts) == len(set(texts))  # nothing sent twice
        assert not thread.is_alive()
    engine.dispose()
