"""Python's cyclic garbage collector, kept off the server's long-lived caches.

The pages' caches hold hundreds of thousands of long-lived objects (cell records, layer
records, frames' object columns, geometries: ~400,000 after the leadership page on the large
demo). A full collection walks every one of them: ~140 ms, and one came every two or three
reruns after a change (`bench/README.md`). Once the caches are filled, everything alive is
collected once and *frozen* (``gc.freeze``: moved out of the generations the collector
walks), so a rerun's collections walk only what is newer (~10 ms).

A freeze is renewed (``refreeze``: unfreeze, collect everything, freeze again), always in a
background thread: by the warming thread once it has warmed (before it says so: not while
the first visitor's page runs); after a page run that took :data:`HEAVY_RUN_S` or more (it
filled caches), at most every :data:`AFTER_HEAVY_S` seconds; and by the scheduler's rounds,
at most every :data:`REFREEZE_EVERY_S` seconds (what the reruns cached meanwhile).
Unfreezing first means nothing that became garbage while frozen is kept for good.
``CAMPUSGRID_GC_FREEZE=0`` turns it off.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time

from streamlit.logger import get_logger

log: logging.Logger = get_logger(__name__)

#: ``CAMPUSGRID_GC_FREEZE=0`` (or false/no/off) leaves the collector as Python sets it.
FREEZE_ENV = "CAMPUSGRID_GC_FREEZE"
#: The scheduler's refreezes: at most one in this many seconds.
REFREEZE_EVERY_S = 600.0
#: A page run at least this long (s) filled caches: a refreeze follows, unless one started
#: less than :data:`AFTER_HEAVY_S` seconds ago.
HEAVY_RUN_S = 1.0
AFTER_HEAVY_S = 60.0

_lock = threading.Lock()
_last: list[float] = []  # monotonic time of the last refreeze started (empty: none yet)
_running = threading.Event()


def enabled() -> bool:
    """True unless ``CAMPUSGRID_GC_FREEZE`` turns freezing off."""
    return os.environ.get(FREEZE_ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def refreeze() -> int:
    """Collect every object, frozen ones included, then freeze what is alive; return how many
    objects are frozen now. Holds the interpreter for one full collection (~0.1–0.3 s on
    the large demo)."""
    started = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("froze %d objects in %.3f s", frozen, time.perf_counter() - started)
    return frozen


def refreeze_soon(gap_s: float = REFREEZE_EVERY_S) -> threading.Thread | None:
    """Start :func:`refreeze` in a background thread, unless freezing is off, one is running,
    or the last started less than ``gap_s`` seconds ago (0: whenever none is running).
    Return the thread (None: not started)."""
    if not enabled():
        return None
    now = time.monotonic()
    with _lock:
        if _running.is_set() or (_last and now - _last[0] < gap_s):
            return None
        _running.set()
        _last[:] = [now]
    thread = threading.Thread(target=_refreeze_once, name="campusgrid-gc-freeze", daemon=True)
    thread.start()
    return thread


def after_page_run(seconds: float) -> None:
    """Ask for a refreeze after a page run of ``seconds`` that filled caches (see
    :data:`HEAVY_RUN_S`)."""
    if seconds >= HEAVY_RUN_S:
        refreeze_soon(AFTER_HEAVY_S)


def _refreeze_once() -> None:
    try:
        refreeze()
    except Exception:  # never fatal: the collector simply stays as it was
        log.exception("refreezing the garbage collector failed")
    finally:
        _running.clear()
