"""The seeded demo copies the tests share (tests/demo_copies.py): each copy holds the seeded
demo and is a database of its own, on each backend."""

from __future__ import annotations

import sqlalchemy as sa

from tests.demo_copies import DEMO, DemoCopy, engine_on
from zoning import services


def _names(url: str) -> list[str]:
    with engine_on(url) as engine:
        return [c.name for c in services.list_campuses(engine)]


def test_a_copy_holds_the_seeded_demo_and_a_write_stays_in_its_copy(demo_copy: DemoCopy) -> None:
    first, second = demo_copy(0), demo_copy(0)
    assert first != second
    with engine_on(first) as engine:
        assert services.current_plan(engine, DEMO) is not None
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM grid_cell")).scalar_one() > 0
            assert conn.execute(sa.text("SELECT count(*) FROM inspection")).scalar_one() == 0
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE campus SET name = 'renamed'"))
    assert _names(first) == ["renamed"]
    assert _names(second) == [DEMO]
