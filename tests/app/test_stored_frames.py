"""The campus-wide frames restarted from the database (``app_pages._ui.stored``) on both
backends: a server started afresh reads the stored completion grid, owner grid, hazards
table and rate rows, counts again only what changed since they were stored (new
submissions, hazards and ledger steps, due times passed) and gets what a whole read gets,
without reading everything again; a stored frame of another plan, data version or an
emptied database is never used; ``CAMPUSGRID_STORED_FRAMES=0`` turns it all off."""

from __future__ import annotations

import threading
from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app_pages._ui import caches, splice, stored
from tests.actors import ADMIN
from tests.opsdata import open_due, submit_passed
from zoning import services
from zoning.clock import local_day, utcnow
from zoning.services import ledger as ledger_ops
from zoning.services import queries
from zoning.services import safety as operations
from zoning.services.stored_frames import StoredFrame, stored_frame

GRID_KEYS = ["cell_code", "zone", "week", "domain"]
CACHED = (
    caches._completion_grid, caches._owner_grid, caches._hazards, caches._rate_rows,
    caches._report_ledger, caches._scope_cells, caches._scoped_grid, caches._seen_hazards,
    caches._coverage_figures, caches._coverage_result,
)  # fmt: skip


def _new_process(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    """Forget everything a server process keeps in memory (as after a restart); stored
    frames on (the suite turns them off elsewhere: tests/conftest.py)."""
    monkeypatch.setenv(stored.STORED_ENV, "1")
    for name, empty in (("_BASES", {}), ("_DUE", {})):
        monkeypatch.setattr(splice, name, empty)
    monkeypatch.setattr(stored, "_SAVED", {})
    monkeypatch.setattr(queries, "_OPEN", {})
    monkeypatch.setattr(caches, "engine_for", lambda url: engine)
    for cached in CACHED:
        cached.clear()


def _saved() -> None:
    """Wait for the background saves."""
    for thread in threading.enumerate():
        if thread.name.startswith("campusgrid-store-"):
            thread.join(timeout=60)


def _kinds(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT kind FROM frame_snapshot")).scalars())


def _first(engine: Engine, state: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT min(id) FROM hazard WHERE state = :s"), {"s": state}
        ).scalar()
    assert found is not None
    return int(found)


def _read_all(db_url: str, campus: str, plan: int) -> dict[str, pd.DataFrame]:
    by = ("zone", "owner", "week")
    return {
        "grid": caches.completion_grid(db_url, campus, plan, 1, actor=ADMIN),
        "owners": caches.owner_grid(db_url, campus, plan, 1, actor=ADMIN),
        "hazards": caches.hazards(db_url, campus, plan, 1, actor=ADMIN),
        **{
            f"rates {b}": t
            for b, t in caches.report_ledger(db_url, campus, plan, 1, by, actor=ADMIN).items()
        },
    }


def test_a_fresh_server_restarts_from_the_stored_frames(
    demo: tuple[Engine, str], demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, campus = demo
    plan = services.current_plan(engine, campus)
    assert plan is not None
    _new_process(monkeypatch, engine)
    _read_all(demo_url, campus, plan.id)
    _saved()
    assert _kinds(engine) == {"grid", "owners", "hazards", "rates"}
    # the day goes on: submissions, new hazards, a ledger step
    submit_passed(engine, campus, open_due(engine, 4), failed=2)
    office = operations.campus_ops(engine, campus).staff.safety_office
    rejected = _first(engine, "reported")
    ledger_ops.move_hazard(engine, campus, rejected, "reject", by=office, note="dup", actor=ADMIN)
    _new_process(monkeypatch, engine)
    whole_reads: list[str] = []
    for module, name in ((queries, "completion_grid"), (queries, "owner_grid"),
                         (queries, "hazards_table"), (operations, "rate_rows")):  # fmt: skip
        real = getattr(module, name)

        def counted(*args: object, _real: object = real, _name: str = name, **kw: object) -> object:
            if kw.get("cells") is None and kw.get("ids") is None:
                whole_reads.append(_name)
            return _real(*args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(module, name, counted)
    restarted = _read_all(demo_url, campus, plan.id)
    assert whole_reads == [], "a restarted frame was read whole instead"
    monkeypatch.undo()
    _new_process(monkeypatch, engine)
    monkeypatch.setenv(stored.STORED_ENV, "0")  # the frames read whole, to compare
    direct = _read_all(demo_url, campus, plan.id)
    for name in ("grid", "owners"):
        keys = GRID_KEYS if name == "grid" else ["cell_code", "owner"]
        pd.testing.assert_frame_equal(
            restarted[name].sort_values(keys).reset_index(drop=True),
            direct[name].sort_values(keys).reset_index(drop=True),
        )
    hazards, fresh = restarted["hazards"], direct["hazards"]
    assert rejected in set(hazards["id"]) and len(hazards) == len(fresh)
    assert hazards.set_index("id").loc[rejected, "state"] == "rejected"
    columns = [c for c in fresh.columns if c != "overdue_hours"]  # kept open rows: hours as then
    pd.testing.assert_frame_equal(hazards[columns], fresh[columns])
    assert (hazards["overdue_hours"] - fresh["overdue_hours"]).abs().max() < 0.5
    for b in ("zone", "owner", "week"):
        pd.testing.assert_frame_equal(restarted[f"rates {b}"], direct[f"rates {b}"])


def test_a_stored_grid_counts_the_cells_whose_due_time_passed(demo: tuple[Engine, str]) -> None:
    engine, campus = demo
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT id, cell_code FROM inspection_due WHERE submitted_at IS NULL "
                "AND due_date = :today ORDER BY cell_code LIMIT 1"
            ),
            {"today": local_day(utcnow())},
        ).one()
    then = utcnow()
    with engine.begin() as conn:  # due a minute after the grid was stored
        conn.execute(
            sa.text("UPDATE inspection_due SET due_at = :at WHERE id = :id"),
            {"at": then + timedelta(minutes=1), "id": row.id},
        )
    key = queries.ops_version(engine, campus, now=then).inspections
    grid = queries.completion_grid(engine, campus, now=then, actor=ADMIN)
    later = then + timedelta(minutes=2)
    brought = splice.cells_since_stored(
        engine, campus, StoredFrame(key, then, grid), key,
        lambda cells: queries.completion_grid(engine, campus, cells=cells, now=later, actor=ADMIN),
        now=later,
    )  # fmt: skip
    assert brought is not None
    whole = queries.completion_grid(engine, campus, now=later, actor=ADMIN)
    pd.testing.assert_frame_equal(
        brought.sort_values(GRID_KEYS).reset_index(drop=True),
        whole.sort_values(GRID_KEYS).reset_index(drop=True),
    )
    cell = grid["cell_code"] == row.cell_code
    assert int(brought[brought["cell_code"] == row.cell_code]["missed"].sum()) == (
        int(grid[cell]["missed"].sum()) + 1
    )


def test_a_frame_of_another_version_or_an_emptied_database_is_not_used(
    demo: tuple[Engine, str], demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, campus = demo
    plan = services.current_plan(engine, campus)
    assert plan is not None
    _new_process(monkeypatch, engine)
    caches.hazards(demo_url, campus, plan.id, 1, actor=ADMIN)
    _saved()
    assert stored_frame(engine, campus, "hazards", plan_id=plan.id, data_version=1, actor=ADMIN)
    for plan_id, version in ((plan.id, 2), (plan.id + 1, 1)):
        found = stored_frame(
            engine, campus, "hazards", plan_id=plan_id, data_version=version, actor=ADMIN
        )
        assert found is None
    # the newest hazards gone (ids went back): the stored table cannot be brought up to date
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM hazard WHERE id > (SELECT min(id) FROM hazard)"))
    key = queries.ops_version(engine, campus).hazards
    stale = stored_frame(engine, campus, "hazards", plan_id=plan.id, data_version=1, actor=ADMIN)
    assert stale is not None
    assert splice.hazards_since_stored(engine, campus, stale, key, actor=ADMIN) is None
    _new_process(monkeypatch, engine)
    assert len(caches.hazards(demo_url, campus, plan.id, 1, actor=ADMIN)) == 1


def test_stored_frames_can_be_turned_off(
    demo: tuple[Engine, str], demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, campus = demo
    plan = services.current_plan(engine, campus)
    assert plan is not None
    _new_process(monkeypatch, engine)
    monkeypatch.setenv(stored.STORED_ENV, "0")
    _read_all(demo_url, campus, plan.id)
    _saved()
    assert _kinds(engine) == set()
