"""The open hazards kept between reads (``queries.open_hazards``): after new hazards and
ledger steps only those are read again, and what it returns is always what a fresh read of
the database gives, on both backends."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.opsdata import open_due, submit_passed
from zoning.clock import utcnow
from zoning.safety.ledger.workflow import OPEN_STATES, Hazard
from zoning.services import ledger as ledger_ops
from zoning.services import queries
from zoning.services import safety as operations
from zoning.store import safety as repo
from zoning.store.campus import campus_id


def _fresh(engine: Engine, campus: str) -> list[Hazard]:
    with engine.connect() as conn:
        return repo.load_hazards(conn, campus_id(conn, campus), states=list(OPEN_STATES))


def _first(engine: Engine, state: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT min(id) FROM hazard WHERE state = :s"), {"s": state}
        ).scalar()
    assert found is not None, f"the demo has no {state} hazard"
    return int(found)


def test_kept_open_hazards_follow_new_hazards_and_steps(
    demo: tuple[Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, campus = demo
    monkeypatch.setattr(queries, "_OPEN", {})
    _, _, first = queries.open_hazards(engine, campus)
    assert list(first) == _fresh(engine, campus) and len(first) > 5
    submit_passed(engine, campus, open_due(engine, 2), failed=1)  # two new hazards
    office = operations.campus_ops(engine, campus).staff.safety_office
    rejected = _first(engine, "reported")
    ledger_ops.move_hazard(engine, campus, rejected, "reject", by=office, note="dup", actor=ADMIN)
    reads: list[object] = []
    real = repo.load_hazards

    def counted(conn: sa.Connection, cid: int, **kwargs: object) -> list[Hazard]:
        reads.append(kwargs.get("ids", "all"))
        return real(conn, cid, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(repo, "load_hazards", counted)
    _, _, after = queries.open_hazards(engine, campus)
    monkeypatch.setattr(repo, "load_hazards", real)
    assert list(after) == _fresh(engine, campus)
    assert len(after) == len(first) + 2 - 1
    assert rejected not in {int(h.id) for h in after}
    new_ids = {int(h.id) for h in after} - {int(h.id) for h in first}
    assert len(new_ids) == 2 or (len(new_ids) == 1 and rejected not in {int(h.id) for h in first})
    read_ids = {i for r in reads if r != "all" for i in r}  # type: ignore[union-attr]
    assert reads and "all" not in reads, "the kept open hazards were read whole again"
    assert read_ids == new_ids | {rejected}, "only the new and the moved hazards are read"
    assert queries.open_hazards(engine, campus)[2] is after  # nothing new: the same tuple
    now = utcnow()  # the table built on kept open hazards equals one with nothing kept
    kept = queries.hazards_table(engine, campus, actor=ADMIN, now=now)
    monkeypatch.setattr(queries, "_OPEN", {})
    pd.testing.assert_frame_equal(kept, queries.hazards_table(engine, campus, actor=ADMIN, now=now))
    # a splice that keeps the open hazards nothing happened to (open_again=False) equals a
    # whole read at the same moment
    before = queries.ops_version(engine, campus)
    submit_passed(engine, campus, open_due(engine, 1), failed=1)
    spliced = queries.hazards_table_since(
        engine, campus, kept, hazard=before.hazard, event=before.event, actor=ADMIN, now=now,
        open_again=False,
    )  # fmt: skip
    whole = queries.hazards_table(engine, campus, actor=ADMIN, now=now)
    pd.testing.assert_frame_equal(spliced, whole)
    assert len(whole) == len(kept) + 1


def test_a_new_campus_version_reads_them_whole(
    demo: tuple[Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Activation re-homes open hazards (new cell, zone, owner) without an event and bumps the
    version: the kept ones must not be served."""
    engine, campus = demo
    monkeypatch.setattr(queries, "_OPEN", {})
    _, _, first = queries.open_hazards(engine, campus)
    moved = int(first[0].id)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE hazard SET owner = 'someone new' WHERE id = :i"), {"i": moved})
        conn.execute(
            sa.text("UPDATE campus SET data_version = data_version + 1 WHERE name = :c"),
            {"c": campus},
        )
    _, _, after = queries.open_hazards(engine, campus)
    assert {int(h.id): h.owner for h in after}[moved] == "someone new"
    assert list(after) == _fresh(engine, campus)
