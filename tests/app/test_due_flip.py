"""A cell turns from pending to missed when its due time passes, without a reload: the
completion grid's cache key carries the next due time (``app_pages._ui.splice.due_part``),
so the first rerun after it counts again only the cells whose due time passed, and gets what
a whole reload gets (both backends)."""

from __future__ import annotations

import time
from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app_pages._ui import caches, splice
from tests.actors import ADMIN
from zoning import services
from zoning.clock import local_day, utcnow
from zoning.services import queries

KEYS = ["cell_code", "zone", "week", "domain"]
#: How far ahead (s) the due time is set: enough for the first computation to finish.
AHEAD_S = 4.0


#: Days of history of the ``demo`` fixture's campus (tests/conftest.py).
DEMO_HISTORY_DAYS = 7


def _due_soon(engine: Engine, seconds: float) -> str:
    """Set one unsubmitted row due today to fall due ``seconds`` from now; return its cell."""
    with engine.begin() as conn:
        row = conn.execute(
            sa.text(
                "SELECT id, cell_code FROM inspection_due WHERE submitted_at IS NULL "
                "AND due_date = :today ORDER BY cell_code LIMIT 1"
            ),
            {"today": local_day(utcnow())},
        ).one()
        due_at = utcnow() + timedelta(seconds=seconds)
        stmt = sa.update(sa.table("inspection_due", sa.column("id"), sa.column("due_at")))
        conn.execute(stmt.where(sa.column("id") == row.id).values(due_at=due_at))
    return str(row.cell_code)


def _sorted(grid: pd.DataFrame) -> pd.DataFrame:
    return grid.sort_values(KEYS, na_position="first").reset_index(drop=True)


def _counts(grid: pd.DataFrame, cell: str) -> tuple[int, int]:
    rows = grid[grid["cell_code"] == cell]
    return int(rows["pending"].sum()), int(rows["missed"].sum())


def test_a_cell_turns_missed_when_its_due_time_passes(
    demo: tuple[Engine, str], demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, campus = demo
    monkeypatch.setattr(splice, "_BASES", {})
    monkeypatch.setattr(splice, "_DUE", {})
    monkeypatch.setattr(caches, "engine_for", lambda url: engine)
    caches._completion_grid.clear()
    caches._scoped_grid.clear()
    plan = services.current_plan(engine, campus)
    assert plan is not None
    cell = _due_soon(engine, AHEAD_S)
    set_at = time.monotonic()

    def grid() -> pd.DataFrame:
        return caches.completion_grid(demo_url, campus, plan.id, 1, actor=ADMIN)

    before = grid()
    assert time.monotonic() - set_at < AHEAD_S, "the first grid took longer than the margin"
    pending, missed = _counts(before, cell)
    assert pending >= 1
    assert grid() is before  # nothing passed yet: the cached grid, not a new one

    counted: list[list[str]] = []
    real = queries.completion_grid

    def spy(*args: object, **kwargs: object) -> pd.DataFrame:
        counted.append(list(kwargs.get("cells") or ["<all>"]))  # type: ignore[call-overload]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(queries, "completion_grid", spy)
    time.sleep(max(0.0, AHEAD_S - (time.monotonic() - set_at)) + 0.5)
    after = grid()
    assert _counts(after, cell) == (pending - 1, missed + 1)  # turned missed, no reload
    assert counted and "<all>" not in counted[0] and cell in counted[0]  # only those cells
    whole = real(engine, campus, actor=ADMIN)
    pd.testing.assert_frame_equal(_sorted(after), _sorted(whole))
    assert grid() is after  # the next rerun reads the cache again


def test_the_next_due_time_is_the_earliest_pending_one(demo: tuple[Engine, str]) -> None:
    engine, campus = demo
    now = utcnow()
    cell = _due_soon(engine, 60)
    found = queries.next_due_at(engine, campus, now=now)
    assert found is not None and abs((found - now).total_seconds() - 60) < 5
    later = queries.next_due_at(engine, campus, now=found)
    assert later is None or later > found
    assert queries.due_passed_cells(engine, campus, since=now, upto=found) == [cell]
    assert queries.due_passed_cells(engine, campus, since=now, upto=now) == []
