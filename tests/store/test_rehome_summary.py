"""Re-homing keeps ``completion_week`` exact (issue 14): during a bulk re-home its per-row
triggers are off and the cells that lost or gained a row are recounted once. After an
activation the summary equals a full recount on both backends, the triggers count again,
and an activation that fails half-way leaves the triggers and the summary as they were."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.safety_campus import CAMPUS, cells_frame, make_campus
from zoning.store import plan_edits, rehome
from zoning.store.plans import save_plan
from zoning.store.rehome import COMPLETION_WEEK

KEY = "campus_id, cell_code, week, due_date, due_at"
RECOUNT = (
    f"SELECT {KEY}, count(*), count(submitted_at), "
    "sum(CASE WHEN submitted_at < due_at THEN 1 ELSE 0 END), max(submitted_at) "
    f"FROM inspection_due GROUP BY {KEY}"
)
SUMMARY = f"SELECT {KEY}, due, submitted, on_time, last_submitted_at FROM completion_week"


def rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return sorted((tuple(r) for r in conn.execute(sa.text(sql))), key=repr)


def scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def live_triggers(engine: Engine) -> set[str]:
    """The summary's triggers that exist and are enabled."""
    sql = (
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'inspection_due'::regclass "
        "AND tgenabled <> 'D'"
        if engine.dialect.name == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'inspection_due'"
    )
    with engine.connect() as conn:
        names = {str(n) for n in conn.execute(sa.text(sql)).scalars()}
    return names & set(COMPLETION_WEEK.triggers)


def campus_with_history(engine: Engine) -> None:
    """The safety test campus with a quarter of its due rows submitted late, a quarter on
    time (before the due time), the rest open."""
    make_campus(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE inspection_due SET submitted_at = due_at WHERE id % 4 = 0"))
        conn.execute(
            sa.text("UPDATE inspection_due SET submitted_at = period_start WHERE id % 4 = 1")
        )


def renamed() -> gpd.GeoDataFrame:
    """The same cells under new codes: every open due row changes cell."""
    cells = cells_frame()
    cells["code"] = [f"N-{i:02d}" for i in range(len(cells))]
    return cells


def merged() -> gpd.GeoDataFrame:
    """The cells with C-00-00 and C-01-00 merged into a new cell: duplicates collapse."""
    cells = cells_frame()
    pair = cells["code"].isin(["C-00-00", "C-01-00"])
    union = shapely.union_all(cells.geometry[pair].to_numpy())
    first = cells[pair].iloc[[0]].assign(code="M-00", geometry=[union])
    joined = gpd.GeoDataFrame(
        [*first.to_dict("records"), *cells[~pair].to_dict("records")],
        geometry="geometry",
        crs=cells.crs,
    )
    return joined


def activate(engine: Engine, cells: gpd.GeoDataFrame) -> plan_edits.Activation:
    plan = save_plan(engine, campus=CAMPUS, cells=cells, method="square")
    session = plan_edits.load_session(engine, CAMPUS, plan.id)
    return plan_edits.activate(engine, session, actor="test", reason="test")


@pytest.mark.parametrize("new_cells", [renamed, merged], ids=["renamed", "merged"])
def test_summary_after_a_bulk_rehome_equals_a_full_recount(db: Engine, new_cells: object) -> None:
    campus_with_history(db)
    before = rows(db, SUMMARY)
    assert before == rows(db, RECOUNT)
    assert scalar(db, "SELECT sum(on_time) FROM completion_week") > 0
    assert scalar(db, "SELECT sum(submitted) FROM completion_week") > 0
    assert callable(new_cells)
    result = activate(db, new_cells())
    due = next(r for r in result.rehomed if r.label == "due inspections")
    assert due.moved > 0
    if new_cells is merged:
        assert due.collapsed
    after = rows(db, SUMMARY)
    assert after != before  # the open rows' counts moved to other cells
    assert after == rows(db, RECOUNT)
    assert live_triggers(db) == set(COMPLETION_WEEK.triggers)
    # the triggers count again: submit one open row, delete another
    with db.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE inspection_due SET submitted_at = period_start WHERE id = "
                "(SELECT min(id) FROM inspection_due WHERE submitted_at IS NULL)"
            )
        )
        conn.execute(
            sa.text(
                "DELETE FROM inspection_due WHERE id = "
                "(SELECT max(id) FROM inspection_due WHERE submitted_at IS NULL)"
            )
        )
    assert rows(db, SUMMARY) == rows(db, RECOUNT)


def test_a_bulk_rehome_rebuilds_the_indexes_it_dropped(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the bulk thresholds at zero every re-homing takes the SQLite path that drops the
    plain indexes and builds them again: same indexes after, summary still exact."""
    campus_with_history(db)
    monkeypatch.setattr(rehome, "BULK_MIN_ROWS", 0)
    monkeypatch.setattr(rehome, "BULK_SHARE", 0.0)
    dropped: list[str] = []
    inner = rehome._drop_indexes

    def spy(*args: object, **kwargs: object) -> list[str]:
        statements = inner(*args, **kwargs)  # type: ignore[arg-type]
        dropped.extend(statements)
        return statements

    monkeypatch.setattr(rehome, "_drop_indexes", spy)
    indexes = (
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'inspection_due'"
        if db.dialect.name == "postgresql"
        else "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name = 'inspection_due'"
    )
    before = rows(db, indexes)
    activate(db, merged())
    assert rows(db, indexes) == before
    assert rows(db, SUMMARY) == rows(db, RECOUNT)
    if db.dialect.name == "sqlite":
        assert any("ix_inspection_due_completion" in s for s in dropped)


def test_an_activation_failing_after_the_moves_keeps_triggers_and_summary(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    campus_with_history(db)
    before = rows(db, SUMMARY)
    due_before = rows(db, "SELECT id, cell_code, plan_id, owner FROM inspection_due")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(rehome, "_recount", broken)  # fails after the rows moved
    with pytest.raises(RuntimeError, match="disk full"):
        activate(db, renamed())
    assert live_triggers(db) == set(COMPLETION_WEEK.triggers)
    assert rows(db, SUMMARY) == before
    assert rows(db, "SELECT id, cell_code, plan_id, owner FROM inspection_due") == due_before


def test_a_plan_that_changes_only_owners_rewrites_no_summary_row(db: Engine) -> None:
    """Cells kept, one owner changed: no row changes cell, so the summary stays as it was,
    and exactly the rows whose owner changed are reported as moved."""
    campus_with_history(db)
    before = rows(db, SUMMARY)
    open_sql = "SELECT id, cell_code, owner FROM inspection_due WHERE submitted_at IS NULL"
    open_before = rows(db, open_sql)
    cells = cells_frame()
    cells.loc[cells["code"] == "C-00-00", "owner"] = "李二"
    result = activate(db, cells)
    due = next(r for r in result.rehomed if r.label == "due inspections")
    open_after = rows(db, open_sql)
    assert [r[:2] for r in open_after] == [r[:2] for r in open_before]  # same cells
    changed = [a for a, b in zip(open_after, open_before, strict=True) if a != b]
    assert due.moved == len(changed) > 0
    assert {r[2] for r in open_after if r[1] == "C-00-00"} == {"李二"}
    assert rows(db, SUMMARY) == before == rows(db, RECOUNT)
