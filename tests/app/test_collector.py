"""The garbage collector kept off the long-lived caches (``app_pages._ui.collector``): a
refreeze collects what became garbage while frozen (nothing is kept for good), freezes what
is alive, runs in one background thread at a time, and can be turned off."""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Iterator

import pytest

from app_pages._ui import collector


class _Node:
    """An object that can sit in a reference cycle and be watched by a weak reference."""

    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture(autouse=True)
def _thawed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(collector, "_last", [])
    monkeypatch.delenv(collector.FREEZE_ENV, raising=False)
    yield
    gc.unfreeze()


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_a_refreeze_collects_what_died_while_frozen_and_freezes_the_living() -> None:
    watched = _cycle()  # garbage only once the cycle is collected
    kept = [object() for _ in range(100)]
    assert collector.refreeze() >= len(kept)
    assert watched() is None, "the cycle was collected before the freeze"
    frozen_cycle = _Node()
    frozen_cycle.other = frozen_cycle
    watch_frozen = weakref.ref(frozen_cycle)
    collector.refreeze()
    del frozen_cycle  # garbage now, but frozen: a collection does not see it
    gc.collect()
    assert watch_frozen() is not None
    collector.refreeze()  # unfreezes first: nothing is kept for good
    assert watch_frozen() is None


def test_one_refreeze_at_a_time_and_not_again_within_the_gap() -> None:
    first = collector.refreeze_soon(0)
    assert first is not None
    first.join(timeout=30)
    assert gc.get_freeze_count() > 0
    assert collector.refreeze_soon(3600) is None, "the last one started less than an hour ago"
    again = collector.refreeze_soon(0)
    assert again is not None
    again.join(timeout=30)


def test_only_a_long_page_run_asks_for_one() -> None:
    collector.after_page_run(collector.HEAVY_RUN_S / 10)
    assert collector._last == []
    collector.after_page_run(collector.HEAVY_RUN_S)
    assert collector._last != []
    for _ in range(300):  # its thread ends before the test's teardown thaws the collector
        if not collector._running.is_set():
            break
        time.sleep(0.1)
    assert not collector._running.is_set()


def test_turned_off_it_leaves_the_collector_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    gc.unfreeze()
    monkeypatch.setenv(collector.FREEZE_ENV, "0")
    assert collector.refreeze_soon(0) is None
    collector.after_page_run(60.0)
    assert gc.get_freeze_count() == 0
