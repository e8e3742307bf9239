"""The map pages' tables on both backends, against straightforward reference computations.

``completion_grid`` counts due rows read in group order and ``hazards_table`` reads closed
hazards flat: each is checked here against a row-by-row count in Python and against the
ledger's own view of every hazard, on the small demo campus with 30 days of history.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from zoning import services
from zoning.clock import as_utc, local_day, maybe_utc, utcnow
from zoning.errors import InvalidInput
from zoning.services import ledger as ledger_ops
from zoning.services import queries as ui_queries
from zoning.services import safety as operations
from zoning.store import safety as repo
from zoning.store.models.safety import InspectionDue

OUTCOMES = ("on_time", "late", "missed", "pending")


@pytest.fixture
def demo(db: Engine) -> tuple[Engine, str]:
    """The small demo campus (30 days of history) on each backend, with two awkward cells.

    The first cell loses its zone (NULL keys group and sort as in SQL); the last one has
    all its due rows in one ISO week (groups of several due rows of different outcomes).
    """
    campus = services.seed_demo(db, scale="small", seed=0, history_days=30, actor=ADMIN).name
    with db.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE inspection_due SET zone = NULL WHERE cell_code = "
                "(SELECT min(cell_code) FROM inspection_due)"
            )
        )
        conn.execute(
            sa.text(
                "UPDATE inspection_due SET week = '2026-W01' WHERE cell_code = "
                "(SELECT max(cell_code) FROM inspection_due)"
            )
        )
    return db, campus


def _window(engine: Engine, share: float) -> tuple[datetime, date, date]:
    """Return a ``now`` ``share`` of the way through the submissions and its 90-day range."""
    with engine.connect() as conn:
        lo, hi = conn.execute(
            sa.text("SELECT min(submitted_at), max(submitted_at) FROM inspection")
        ).one()
    first, last = (as_utc(pd.Timestamp(t).to_pydatetime()) for t in (lo, hi))
    now = first + (last - first) * share
    end = local_day(now)
    return now, end - timedelta(days=89), end


def _outcome(submitted: datetime | None, due_at: datetime, now: datetime) -> str:
    if submitted is not None and submitted <= now:
        return "on_time" if submitted < due_at else "late"
    return "missed" if due_at <= now else "pending"


def _label(zone: int | None) -> str | None:
    return None if zone is None else str(zone)


@pytest.mark.parametrize("share", [0.8, 1.0])
def test_completion_grid_counts_each_due_row_once(demo: tuple[Engine, str], share: float) -> None:
    engine, campus = demo
    now, start, end = _window(engine, share)
    grid = ui_queries.completion_grid(engine, campus, now=now)
    d = InspectionDue
    keys = (d.cell_code, d.zone, d.week, d.domain)
    in_range = sa.and_(d.due_date >= start, d.due_date <= end)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*keys, d.due_at, d.submitted_at).where(in_range)).all()
        order = conn.execute(sa.select(*keys).where(in_range).distinct().order_by(*keys)).all()
    counts: dict[tuple[str, str | None, str, str], Counter[str]] = {}
    for r in rows:
        key = (r.cell_code, _label(r.zone), r.week, r.domain)
        outcome = _outcome(maybe_utc(r.submitted_at), as_utc(r.due_at), now)
        counts.setdefault(key, Counter())[outcome] += 1
    assert any(c.total() > 1 for c in counts.values())  # groups of several due rows
    assert any(key[1] is None for key in counts)  # and the unzoned cell
    expected = {
        key: (sum(c[o] for o in OUTCOMES[:3]), *(c[o] for o in OUTCOMES))
        for key, c in counts.items()
    }
    got = grid.astype(object).where(grid.notna(), None)
    table = list(got.itertuples(index=False, name=None))
    assert {r[:4]: tuple(int(n) for n in r[4:]) for r in table} == expected
    # one row per group, in the database's ORDER BY (its collation, its place for NULL)
    assert [r[:4] for r in table] == [(r[0], _label(r[1]), r[2], r[3]) for r in order]
    assert list(grid.columns) == list(ui_queries.GRID_COLUMNS)
    assert (grid[["due", "on_time", "late", "missed"]].dtypes == "int64").all()
    assert all(pd.api.types.is_string_dtype(grid[c]) for c in ("cell_code", "zone", "week"))


def test_completion_query_counts_the_same_in_python_and_in_sql(demo: tuple[Engine, str]) -> None:
    engine, _ = demo
    now, start, end = _window(engine, 0.8)
    with engine.connect() as conn:
        cid = conn.execute(sa.text("SELECT id FROM campus")).scalar_one()
        for by in (("cell_code", "zone", "week", "domain"), ("zone", "domain"), "owner"):
            in_sql = repo.completion_query(conn, cid, by=by, start=start, end=end, now=now)
            in_python = repo.completion_query(
                conn, cid, by=by, start=start, end=end, now=now, many_groups=True
            )
            assert len(in_sql) > 0
            pd.testing.assert_frame_equal(in_python, in_sql, check_exact=True)


def test_hazards_table_agrees_with_the_ledger(demo: tuple[Engine, str]) -> None:
    engine, campus = demo
    now = utcnow()
    table = ui_queries.hazards_table(engine, campus, now=now)
    views = ledger_ops.list_hazards(
        engine, campus, now=now, actor=ADMIN
    )  # every hazard, with history
    assert len(table) == len(views) > 0 and table["id"].is_monotonic_increasing
    assert {"closed", "rectifying"} <= set(table["state"])
    by_id = table.set_index("id")
    for v in views:
        h = v.hazard
        row = by_id.loc[int(h.id)]
        assert (row["domain"], row["severity"], row["state"], row["description"]) == (
            h.domain, h.severity, h.state, h.description,
        )  # fmt: skip
        assert (row["cell"], row["zone"], row["owner"]) == (h.cell_code, h.zone, h.owner)
        assert (row["reported_at"], row["deadline"]) == (h.reported_at, h.deadline)
        assert (row["level"], row["responsible"]) == (v.level, v.responsible)
        assert row["overdue_hours"] == pytest.approx(v.overdue_hours, abs=1e-9)
        assert (row["lon"], row["lat"]) == (h.lon, h.lat)
    assert str(table["reported_at"].dtype) == "datetime64[us, UTC]"
    assert table["overdue_hours"].dtype == "float64"
    ops = operations.campus_ops(engine, campus)  # who answers, read without any geometry
    assert operations.campus_staff(engine, campus) == (ops.cid, ops.staff)


def test_zone_labels_read_integer_columns_with_nulls() -> None:
    # pandas makes an integer column with a NULL float: 3.0 is still zone "3"
    column = pd.DataFrame({"zone": [3, None, 12, 3]})["zone"]
    assert column.dtype == "float64"
    assert repo.zone_labels(column) == ["3", None, "12", "3"]
    assert repo.zone_labels([3, None, "4", " 5 ", "x", 2.5, True]) == [
        "3", None, "4", "5", None, None, None,
    ]  # fmt: skip
    assert repo.zone_labels([]) == []


def test_utc_series_reads_every_stored_form() -> None:
    beijing = timezone(timedelta(hours=8))
    stored = pd.Series(
        [
            "2026-03-02 01:00:00.000000",  # SQLite's text
            datetime(2026, 3, 2, 1, 0),  # naive, UTC
            datetime(2026, 3, 2, 9, 0, tzinfo=beijing),  # aware (PostGIS)
            None,
        ],
        dtype=object,
    )
    got = repo.utc_series(stored)
    assert str(got.dtype) == "datetime64[us, UTC]"
    assert got.iloc[:3].tolist() == [pd.Timestamp("2026-03-02 01:00", tz="UTC")] * 3
    assert got.isna().tolist() == [False, False, False, True]


def test_reports_read_together_equal_each_read_alone(demo: tuple[Engine, str]) -> None:
    engine, campus = demo
    now, _, _ = _window(engine, 1.0)
    together = operations.completion_reports(
        engine, campus, by=("zone", "owner", "week"), now=now, actor=ADMIN
    )
    assert list(together) == ["zone", "owner", "week"]
    for by, table in together.items():
        alone = operations.completion_report(engine, campus, by=by, now=now, actor=ADMIN)
        pd.testing.assert_frame_equal(table, alone)
    # the report's GROUP BY and the grid's counting in Python agree on the totals
    grid = ui_queries.completion_grid(engine, campus, now=now)
    counts = ["due", "on_time", "late", "missed"]
    assert together["zone"][counts].sum().tolist() == grid[counts].sum().tolist()
    assert together["zone"]["hazards_due"].sum() == together["week"]["hazards_due"].sum()
    with pytest.raises(InvalidInput, match="'nowhere'"):
        operations.completion_reports(engine, campus, by=("zone", "nowhere"), actor=ADMIN)


@pytest.mark.parametrize("by", ["zone", "week", "cell", "domain", "owner"])
def test_a_report_summed_from_the_grid_equals_the_database_report(
    demo: tuple[Engine, str], by: str
) -> None:
    engine, campus = demo
    now, start, end = operations.report_window(
        [by], start=None, end=None, now=_window(engine, 0.9)[0]
    )
    if by == "owner":  # the owner each due row names: a grid of its own
        grid = ui_queries.owner_grid(engine, campus, now=now)
    else:
        grid = ui_queries.completion_grid(engine, campus, start=start, end=end, now=now)
    from_grid = operations.completion_from_grid(grid, by)
    (from_db,) = operations.completion_tables(
        engine, campus, by=[by], start=start, end=end, now=now, actor=ADMIN
    ).values()
    rates = operations.ledger_tables(engine, campus, by=[by], start=start, end=end, actor=ADMIN)[by]
    joined = operations.join_report(from_grid, rates, by)
    expected = operations.completion_report(engine, campus, by=by, now=now, actor=ADMIN)
    pd.testing.assert_frame_equal(joined, expected)
    key = operations.REPORT_KEYS[by]
    pd.testing.assert_frame_equal(
        from_grid.sort_values(key).reset_index(drop=True),
        from_db.sort_values(key).reset_index(drop=True),
    )
    assert from_grid["pending"].sum() == grid["pending"].sum()
    with pytest.raises(InvalidInput, match="no 'owner' column"):
        operations.completion_from_grid(grid.drop(columns=["owner"], errors="ignore"), "owner")
