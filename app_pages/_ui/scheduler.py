"""The server's scheduler: every :data:`INTERVAL_S` seconds one background thread runs the
same round as ``campusgrid tick`` (:func:`zoning.services.notify.tick`: reminders,
escalations, the day's due inspections, then the outbox). The database lease makes it safe
beside cron's ``campusgrid tick`` or a second server. ``CAMPUSGRID_SCHEDULER=0`` turns it
off. A failed round is logged, never fatal: the next one tries again.
"""

from __future__ import annotations

import logging
import os
import threading

from streamlit.logger import get_logger
from zoning.accounts import local_operator
from zoning.services import notify

from app_pages._ui import caches, collector
from app_pages._ui.context import db_url

#: Streamlit's logger: the lines land in the server's log.
log: logging.Logger = get_logger(__name__)
#: Seconds between two rounds.
INTERVAL_S = 60.0
#: ``CAMPUSGRID_SCHEDULER=0`` (or false/no/off) turns the thread off.
SCHEDULER_ENV = "CAMPUSGRID_SCHEDULER"
_started = threading.Event()
_stop = threading.Event()


def _loop() -> None:
    actor = local_operator()
    while not _stop.is_set():
        try:
            report = notify.tick(caches.engine_for(db_url()), actor=actor)
            if report.queued or report.sent or report.failures:
                log.info("scheduler: %s", report.to_json())
            collector.refreeze_soon()  # what the reruns cached since (every 10 minutes)
        except Exception:  # a failed round must not end the server's scheduler
            log.exception("scheduler round failed; trying again in %s s", INTERVAL_S)
        _stop.wait(INTERVAL_S)


def start_scheduler() -> threading.Thread | None:
    """Start the scheduler thread once per process (None when it is off or running)."""
    if os.environ.get(SCHEDULER_ENV, "1").strip().lower() in {"0", "false", "no", "off"}:
        return None
    if _started.is_set():
        return None
    _started.set()
    thread = threading.Thread(target=_loop, name="campusgrid-scheduler", daemon=True)
    thread.start()
    return thread


def stop_scheduler() -> None:
    """Ask the thread to stop after its current round (at the server's shutdown)."""
    _stop.set()
