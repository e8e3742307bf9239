"""Warm start: the server fills the pages' caches before the first visitor asks.

At start (``app_pages/server.py``: the ``st.App`` lifespan calls :func:`start`) one
background thread computes, for every campus's current plan, what the safety map and the
leadership page read on their first run: the layers, the cells, the completion and owner
grids, the hazards, the reports, the camera coverage and the default painted layers. It
calls the very cached functions the pages call (:mod:`app_pages._ui.caches`,
:mod:`app_pages._ui.layers`) with the same keys, so a page's first run finds them cached;
``st.cache_resource`` and ``st.cache_data`` are process-wide and work outside a script run.
A page that asks for an entry the thread is still computing waits for it (Streamlit computes
one key once) under :func:`while_warming`'s progress line instead of computing it again.

Operations data are kept per visibility (``zoning.services.queries.visibility``); the thread
computes them as each campus-wide role sees them (zone leaders and inspectors see their own
slice, computed on their first visit). Then it polls each campus's fingerprint (data version,
current plan, :func:`zoning.services.queries.ops_version`) every :data:`POLL_S` seconds and
warms again what changed: an import, an activation, new inspections or hazards (the grids
are spliced, so that is cheap). ``CAMPUSGRID_WARM=0`` turns it off. A failure is logged,
never fatal: the pages then compute on demand as before.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import streamlit as st
from maps import layers as map_layers
from maps.bundle import can_share, layer_file
from maps.deck import PreparedLayer
from maps.hazard_layers import HAZARDS
from maps.i18n import Lang, normalise_lang, t
from maps.map_defaults import FIRST_MEASURE, FIRST_STATUSES, first_dates
from streamlit.logger import get_logger
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx
from zoning import services
from zoning.accounts import Actor, Permission, Role
from zoning.clock import DEFAULT_TZ
from zoning.services import queries

from app_pages._ui import caches, collector, layers
from app_pages._ui.context import db_url
from app_pages._ui.publish import LAYER_URL, gzipped_copies_written, publish_bundle
from app_pages._ui.text import md

#: Streamlit's logger (its handler and ``logger.level``): the lines land in the server's log.
log: logging.Logger = get_logger(__name__)

#: ``CAMPUSGRID_WARM=0`` (or ``false``/``no``/``off``) turns warming off.
WARM_ENV = "CAMPUSGRID_WARM"
#: Seconds between two looks at the campuses' fingerprints (each a few row-id look-ups).
POLL_S = 10.0
#: The roles that see the whole campus, in the order they are warmed (each has its own
#: hazards and ledger entries; the grids are shared by all of them).
CAMPUS_ROLES: tuple[Role, ...] = (
    Role.ADMIN, Role.SAFETY_OFFICER, Role.LEADERSHIP, Role.PLANNER, Role.VIEWER,
)  # fmt: skip
#: One campus's fingerprint: (data version, plan id, operations fingerprint).
Fingerprint = tuple[int, int | None, tuple[object, ...]]


@dataclass(frozen=True)
class WarmState:
    """Where warming stands: ``phase`` is idle, warming or ready; ``campus`` the one being
    warmed; ``done``/``total`` the campuses; ``failures`` how many steps failed so far."""

    phase: str = "idle"
    campus: str | None = None
    done: int = 0
    total: int = 0
    failures: int = 0


_lock = threading.Lock()
_state = WarmState()
_thread: threading.Thread | None = None
#: Set to stop the running thread (a new one for each thread started).
_stop = threading.Event()


def state() -> WarmState:
    """Return where warming stands now."""
    with _lock:
        return _state


def _set(**changes: object) -> None:
    global _state
    with _lock:
        _state = replace(_state, **changes)  # type: ignore[arg-type]


def enabled() -> bool:
    """True unless ``CAMPUSGRID_WARM`` turns warming off."""
    value = os.environ.get(WARM_ENV, "1").strip().lower()
    return value not in {"0", "false", "no", "off"}


def first_filters(today: date | None = None) -> layers.MapFilters:
    """Return the safety map's first filter state (:mod:`maps.map_defaults`: its hazard
    states and date range ending ``today``, default: the local today)."""
    start, end = first_dates(today or pd.Timestamp.now(tz=DEFAULT_TZ).date())
    return layers.MapFilters.of(statuses=FIRST_STATUSES, start=start, end=end)


#: The longest (s) a warming step waits for the page runs in progress to end: pages go first
#: (threads of one process share the interpreter: a step beside a page run doubled the
#: leadership rerun after a submission), but steady traffic does not stop warming.
PAGES_FIRST_WAIT_S = 2.0
_pages = [0]  # page runs in progress in this process
_pages_lock = threading.Lock()


@contextmanager
def page_running() -> Iterator[None]:
    """Count a page run in progress for its duration (see :data:`PAGES_FIRST_WAIT_S`)."""
    with _pages_lock:
        _pages[0] += 1
    try:
        yield
    finally:
        with _pages_lock:
            _pages[0] -= 1


def pages_first(wait_s: float = PAGES_FIRST_WAIT_S) -> float:
    """Wait until no page run is in progress, at most ``wait_s`` seconds or until warming is
    asked to stop; return the seconds waited."""
    started = time.monotonic()
    while _pages[0] > 0 and not _stop.is_set() and time.monotonic() - started < wait_s:
        time.sleep(0.02)
    return time.monotonic() - started


def _step(campus: str, what: str, compute: Callable[[], object]) -> None:
    """Run one warming step once no page runs (see :func:`pages_first`); log a failure and go
    on (the page computes it on demand)."""
    pages_first()
    try:
        compute()
    except Exception:  # warming is best effort: log, never stop the server
        log.exception("warming %s of campus %r failed; the page will compute it", what, campus)
        _set(failures=state().failures + 1)


def warm_campus(
    url: str, campus: services.CampusSummary, lang: Lang, stop: threading.Event | None = None
) -> None:
    """Fill the caches the pages' first runs read for ``campus`` (see the module doc); give
    up between two roles once ``stop`` is set."""
    name, version = campus.name, campus.data_version
    _step(name, "layers", lambda: layers.base_layers(url, name, version, lang))
    _step(name, "ground", lambda: layers.ground_with_landcover(url, name, version))
    plan = services.current_plan(caches.engine_for(url), name)
    if plan is None:
        return
    pid = plan.id
    _step(name, "cells", lambda: caches.load_cells(url, name, pid, version))
    _step(name, "outlines", lambda: _outlines(url, name, pid, version, lang))
    for role in CAMPUS_ROLES:
        if stop is not None and stop.is_set():
            return
        actor = queries.visibility(Actor("(warm)", role)).actor()
        _warm_as(url, name, version, pid, lang, actor)
    # the drawn coverage last (seconds on a large campus): the safety map shows it on demand
    reader = queries.visibility(Actor("(warm)", Role.SAFETY_OFFICER)).actor()
    _step(name, "coverage", lambda: caches.coverage_result(url, name, version, pid, actor=reader))
    gzipped_copies_written()  # the files' gzipped copies too, before the first visitor


def _outlines(url: str, name: str, pid: int, version: int, lang: Lang) -> PreparedLayer:
    """Return the cells' outlines as the safety map first draws them: under the roads (the
    layer ``roads``), or alone on a campus without roads (``cell_outlines``)."""
    joined = layers.roads_with_outlines(url, name, pid, version, lang, ())
    return joined or layers.cell_outlines(url, name, pid, version, lang, ())


def _warm_as(url: str, name: str, version: int, pid: int, lang: Lang, actor: Actor) -> None:
    """Fill the operations caches of campus ``name`` as ``actor`` sees them."""
    filters = first_filters()
    steps: list[tuple[str, Callable[[], object]]] = [
        ("completion grid", lambda: caches.completion_grid(url, name, pid, version, actor=actor)),
        ("hazards", lambda: caches.hazards(url, name, pid, version, actor=actor)),
        ("coverage figures", lambda: caches.coverage_figures(url, name, version, pid, actor=actor)),
        (
            "painted cells",
            lambda: layers.painted_cells(
                url, name, pid, version, lang, FIRST_MEASURE, filters, actor=actor
            ),
        ),
        (
            "hazard columns",
            lambda: layers.hazard_columns(url, name, pid, version, lang, filters, actor=actor),
        ),
        ("map bundle", lambda: _map_bundle(url, name, pid, version, lang, actor)),
    ]
    if actor.can(Permission.VIEW_REPORTS):
        steps += [
            ("owner grid", lambda: caches.owner_grid(url, name, pid, version, actor=actor)),
            (
                "reports",
                lambda: caches.reports(
                    url, name, pid, version, ("zone", "owner", "week"), actor=actor
                ),
            ),
            (
                "heatmap",
                lambda: layers.completion_heatmap(url, name, pid, version, lang, None, actor=actor),
            ),
        ]
    for what, compute in steps:
        _step(name, f"{what} ({actor.role.value})", compute)


def _map_bundle(url: str, name: str, pid: int, version: int, lang: Lang, actor: Actor) -> object:
    """Write the bundle the safety map's first draw takes its layers from as ``actor`` sees
    it by default (:func:`app_pages._ui.deck.bundled`; the page's default layers, composed
    as the page composes them), so the first visitor after a start fetches it ready."""
    prepared = dict(layers.base_layers(url, name, version, lang))
    ground = layers.ground_with_landcover(url, name, version)
    if ground is not None:
        prepared[map_layers.GROUND] = ground
        prepared.pop(map_layers.LANDCOVER, None)
    prepared[map_layers.CELLS] = layers.painted_cells(
        url, name, pid, version, lang, FIRST_MEASURE, first_filters(), actor=actor
    )[0]
    outlines = _outlines(url, name, pid, version, lang)  # under the roads, or alone
    prepared[outlines.id] = outlines
    if actor.can(Permission.VIEW_LEDGER) or actor.can(Permission.VIEW_REPORTS):
        prepared[HAZARDS] = layers.hazard_columns(
            url, name, pid, version, lang, first_filters(), actor=actor
        )
    files = {i: f for i, p in prepared.items() if can_share(i) and (f := layer_file(p, LAYER_URL))}
    return publish_bundle(files)


def fingerprint(url: str, campus: services.CampusSummary) -> Fingerprint:
    """Return what, when it changes, calls for warming ``campus`` again."""
    engine = caches.engine_for(url)
    plan = services.current_plan(engine, campus.name)
    ops = tuple(queries.ops_version(engine, campus.name))
    return (campus.data_version, None if plan is None else plan.id, ops)


def warm_all(
    url: str, seen: dict[str, Fingerprint] | None = None, stop: threading.Event | None = None
) -> dict[str, Fingerprint]:
    """Warm every campus whose fingerprint differs from ``seen`` (all when None); return the
    fingerprints now; give up between two campuses once ``stop`` is set. Never raises: a
    failure is logged and counted in :func:`state`."""
    seen = seen or {}
    lang = normalise_lang(None)
    try:
        campuses = services.list_campuses(caches.engine_for(url))
    except Exception:  # the database may be unreachable for now: next poll
        log.exception("warming could not list the campuses; it will try again")
        _set(failures=state().failures + 1)
        return seen
    now: dict[str, Fingerprint] = {}
    changed = []
    for campus in campuses:
        try:
            now[campus.name] = fingerprint(url, campus)
        except Exception:
            log.exception("warming could not read campus %r; it will try again", campus.name)
            _set(failures=state().failures + 1)
            continue
        if seen.get(campus.name) != now[campus.name]:
            changed.append(campus)
    if not changed:
        return now
    started = time.perf_counter()
    _set(phase="warming", done=0, total=len(changed))
    for i, campus in enumerate(changed):
        if stop is not None and stop.is_set():
            break
        _set(campus=campus.name, done=i)
        warm_campus(url, campus, lang, stop)
    if collector.enabled():  # the caches just filled: keep the collector off them, before
        collector.refreeze()  # the first visitor (a full collection holds the interpreter)
    _set(phase="ready", campus=None, done=len(changed))
    log.info("warmed %d campus(es) in %.1f s", len(changed), time.perf_counter() - started)
    return now


#: The warming thread's niceness: requests (the health check, sign-in, pages) go first.
NICE = 10


def _run(url: str, poll_s: float, stop: threading.Event) -> None:
    # On Linux a thread is a task of its own: lower this one's priority only (elsewhere, or
    # where that is not allowed, it warms at normal priority).
    with suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    seen: dict[str, Fingerprint] = {}
    while not stop.is_set():
        seen = warm_all(url, seen, stop)
        stop.wait(poll_s)


def start(url: str | None = None, *, poll_s: float = POLL_S) -> threading.Thread | None:
    """Start the warming thread once (a daemon: it never holds the server up); return it,
    or None when ``CAMPUSGRID_WARM`` turns warming off. ``url`` defaults to the pages'
    database (``CAMPUSGRID_DB``)."""
    global _thread, _stop
    if not enabled():
        log.info("warming is off (%s=0): the first visitors compute what they read", WARM_ENV)
        return None
    with _lock:
        if _thread is not None and _thread.is_alive():
            return _thread
        _stop = threading.Event()
        _thread = threading.Thread(
            target=_run, args=(db_url() if url is None else url, poll_s, _stop),
            name="campusgrid-warm", daemon=True,
        )  # fmt: skip
        _thread.start()
        return _thread


def stop(timeout_s: float = 5.0) -> None:
    """Ask the warming thread to stop after its current step and wait up to ``timeout_s``."""
    global _thread
    with _lock:
        _stop.set()
        thread, _thread = _thread, None
    if thread is not None:
        thread.join(timeout_s)


@contextmanager
def while_warming(lang: Lang) -> Iterator[None]:
    """Run the page under a progress line while the server is still warming (a page that
    needs an entry being computed waits for it); otherwise just run it."""
    now = state()
    if now.phase != "warming":
        yield
        return
    text = t("app.warming", lang, campus=md(now.campus or ""), done=now.done + 1, total=now.total)
    with st.spinner(text, show_time=True):
        yield


def in_parallel(*calls: Callable[[], object]) -> None:
    """Run ``calls`` (cached loaders filling independent entries) at once, one thread each,
    and wait for all: a cold page's halves overlap (SQLite, GEOS and much of pandas release
    the GIL). The threads carry the page's script-run context, so the caches behave as in the
    page; the first failure is raised here, as the page would have raised it."""
    ctx = get_script_run_ctx()

    def attach() -> None:
        if ctx is not None:
            add_script_run_ctx(threading.current_thread(), ctx)

    with ThreadPoolExecutor(max_workers=len(calls) or 1, initializer=attach) as pool:
        futures = [pool.submit(call) for call in calls]
    for future in futures:
        future.result()
