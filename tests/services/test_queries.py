"""The map pages' tables on both backends, against straightforward reference computations.

``completion_grid`` counts due rows read in group order and ``hazards_table`` reads closed
hazards flat: each is checked here against a row-by-row count in Python and against the
ledger's own view of every hazard, on the small demo campus with 30 days of history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.demo_copies import DEMO, DemoCopy, engine_on
from zoning import services
from zoning.clock import as_utc, local_day, maybe_utc, utcnow
from zoning.errors import InvalidInput, PermissionDenied
from zoning.safety.access import REDACTED
from zoning.services import ledger as ledger_ops
from zoning.services import queries as ui_queries
from zoning.services import safety as operations
from zoning.store import safety as repo
from zoning.store.models.safety import InspectionDue
from zoning.store.plans import load_cell_owners

OUTCOMES = ("on_time", "late", "missed", "pending")


@pytest.fixture
def demo(demo_copy: DemoCopy) -> Iterator[tuple[Engine, str]]:
    """The small demo campus (30 days of history) on each backend, with two awkward cells.

    The first cell loses its zone (NULL keys group and sort as in SQL); the last one has
    all its due rows in one ISO week (groups of several due rows of different outcomes).
    """
    with engine_on(demo_copy(30)) as db:
        campus = DEMO
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
        yield db, campus


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
    grid = ui_queries.completion_grid(engine, campus, now=now, actor=ADMIN)
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
    table = ui_queries.hazards_table(engine, campus, now=now, actor=ADMIN)
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
    grid = ui_queries.completion_grid(engine, campus, now=now, actor=ADMIN)
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
        grid = ui_queries.owner_grid(engine, campus, now=now, actor=ADMIN)
    else:
        grid = ui_queries.completion_grid(
            engine, campus, start=start, end=end, now=now, actor=ADMIN
        )
    from_grid = operations.completion_from_grid(grid, by)
    (from_db,) = operations.completion_tables(
        engine, campus, by=[by], start=start, end=end, now=now, actor=ADMIN
    ).values()
    rates = operations.ledger_tables(engine, campus, by=[by], start=start, end=end, actor=ADMIN)[by]
    joined = operations.with_zone_names(
        engine, campus, {by: operations.join_report(from_grid, rates, by)}
    )[by]  # as the pages' reports show it (zone names)
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


# ------------------------------------------------------------------ what each role sees
@pytest.fixture
def roles_demo(
    demo: tuple[Engine, str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Engine, str, str, str, int]:
    """The demo with the busiest cell's owner (an inspector), that cell (with an open hazard
    in a sensitive domain, its owner given a phone) and its zone."""
    engine, campus = demo
    full = ui_queries.hazards_table(engine, campus, actor=ADMIN)
    open_ = full[full["level"] != "closed"]
    cell = str(open_["cell"].value_counts().index[0])
    plan = services.current_plan(engine, campus)
    assert plan is not None
    owners = load_cell_owners(engine, campus, plan.id)
    row = owners[owners["code"] == cell].iloc[0]
    person, zone = str(row["owner"]), int(row["zone"])
    planted = int(open_[open_["cell"] == cell]["id"].iloc[0])
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE hazard SET domain = 'mental_health' WHERE id = :i"), {"i": planted}
        )
        conn.execute(
            sa.text("UPDATE person SET phone = '13800000001' WHERE name = :n"), {"n": person}
        )
    # written behind the ledger's back (no event): the open hazards kept in memory since the
    # read above (queries.open_hazards, which trusts events) are read afresh
    monkeypatch.setattr(ui_queries, "_OPEN", {})
    return engine, campus, cell, person, zone


def _in_scope(full: pd.DataFrame, cells: set[str], column: str, value: object) -> pd.DataFrame:
    return full[full["cell"].isin(cells) | (full[column].astype(str) == str(value))]


def test_each_role_sees_its_hazards(roles_demo: tuple[Engine, str, str, str, int]) -> None:
    """Row counts and redacted fields per role: scope by cells, sensitive and leadership
    descriptions hidden (the rows stay), nothing for a viewer."""
    engine, campus, _, person, zone = roles_demo
    now = utcnow()  # one instant for every read: overdue hours are counted to it
    sensitive = ui_queries.sensitive_domains()
    full = ui_queries.hazards_table(engine, campus, actor=ADMIN, now=now)
    assert not full["redacted"].any() and full["domain"].isin(sensitive).any()
    plan = services.current_plan(engine, campus)
    assert plan is not None
    owners = load_cell_owners(engine, campus, plan.id)
    mine = set(owners.loc[owners["owner"] == person, "code"])
    zoned = set(owners.loc[owners["zone"] == zone, "code"])

    inspector = ui_queries.hazards_table(
        engine, campus, actor=actor("inspector", person=person, campus=campus), now=now
    )
    expected = _in_scope(full, mine, "owner", person)
    assert 0 < len(inspector) < len(full)
    assert sorted(inspector["id"]) == sorted(expected["id"])
    assert (inspector["redacted"] == inspector["domain"].isin(sensitive)).all()
    assert inspector["redacted"].any()  # the planted mental-health hazard
    assert set(inspector.loc[inspector["redacted"], "description"]) == {REDACTED}

    leader = ui_queries.hazards_table(
        engine, campus, actor=actor("zone_leader", zone=zone), now=now
    )
    assert 0 < len(leader) < len(full)
    assert sorted(leader["id"]) == sorted(_in_scope(full, zoned, "zone", zone)["id"])
    assert not leader["redacted"].any()  # a zone leader reads sensitive hazards of the zone

    officer = ui_queries.hazards_table(engine, campus, actor=actor("safety_officer"), now=now)
    pd.testing.assert_frame_equal(officer, full)

    planner = ui_queries.hazards_table(engine, campus, actor=actor("planner"), now=now)
    assert len(planner) == len(full)
    assert (planner["redacted"] == planner["domain"].isin(sensitive)).all()
    kept = ~planner["redacted"]
    assert (planner.loc[kept, "description"] == full.loc[kept, "description"]).all()

    leadership = ui_queries.hazards_table(engine, campus, actor=actor("leadership"), now=now)
    assert len(leadership) == len(full) and leadership["redacted"].all()
    assert set(leadership["description"]) == {REDACTED}
    assert (leadership["state"] == full["state"]).all()  # counts by state stay right

    viewer = ui_queries.hazards_table(engine, campus, actor=actor("viewer"), now=now)
    assert len(viewer) == 0 and list(viewer.columns) == list(ui_queries.VISIBLE_HAZARD_COLUMNS)


def test_each_role_sees_its_cell_detail(roles_demo: tuple[Engine, str, str, str, int]) -> None:
    """The side panel: phones to staff only, operations only within the scope, sensitive
    hazards redacted unless the account holds view_sensitive."""
    engine, campus, cell, person, zone = roles_demo
    admin = ui_queries.cell_detail(engine, campus, cell, actor=ADMIN)
    assert admin.owner_phone == "13800000001" and admin.in_scope
    assert len(admin.hazards) > 0 and not admin.hazards["redacted"].any()

    owner = ui_queries.cell_detail(
        engine, campus, cell, actor=actor("inspector", person=person, campus=campus)
    )
    assert owner.in_scope and owner.owner_phone == "13800000001"
    assert sorted(owner.hazards["id"]) == sorted(admin.hazards["id"])
    sensitive = admin.hazards["domain"].isin(ui_queries.sensitive_domains())
    # the planted mental-health hazard, and any the demo's history put in this cell
    assert sensitive.sum() >= 1
    assert (
        owner.hazards.set_index("id")["redacted"] == sensitive.set_axis(admin.hazards["id"])
    ).all()
    assert len(owner.due_now) == len(admin.due_now)

    stranger = ui_queries.cell_detail(
        engine, campus, cell, actor=actor("inspector", person="nobody-here", campus=campus)
    )
    assert not stranger.in_scope and stranger.chain == admin.chain
    assert (len(stranger.hazards), len(stranger.due_now), len(stranger.recent)) == (0, 0, 0)

    leader = ui_queries.cell_detail(engine, campus, cell, actor=actor("zone_leader", zone=zone))
    assert leader.in_scope and not leader.hazards["redacted"].any()

    leadership = ui_queries.cell_detail(engine, campus, cell, actor=actor("leadership"))
    assert leadership.owner_phone is None and leadership.hazards["redacted"].all()
    assert set(leadership.hazards["description"]) == {REDACTED}

    viewer = ui_queries.cell_detail(engine, campus, cell, actor=actor("viewer"))
    assert viewer.owner_phone is None and not len(viewer.hazards) and not len(viewer.recent)


def test_grids_follow_the_scope(roles_demo: tuple[Engine, str, str, str, int]) -> None:
    engine, campus, _, person, _ = roles_demo
    full = ui_queries.completion_grid(engine, campus, actor=ADMIN)
    inspector = actor("inspector", person=person, campus=campus)
    mine = ui_queries.completion_grid(engine, campus, actor=inspector)
    cells = ui_queries.scope_cells(engine, campus, inspector)
    assert cells and 0 < len(mine) < len(full) and set(mine["cell_code"]) <= cells
    viewer_grid = ui_queries.completion_grid(engine, campus, actor=actor("viewer"))
    pd.testing.assert_frame_equal(viewer_grid, full)  # the map's colours
    owners = ui_queries.owner_grid(engine, campus, actor=actor("leadership"))
    assert len(owners) > 0
    with pytest.raises(PermissionDenied, match="view_reports"):
        ui_queries.owner_grid(engine, campus, actor=actor("viewer"))
    assert ui_queries.scope_cells(engine, campus, actor("zone_leader")) == frozenset()


def test_visibility_is_the_cache_key() -> None:
    """Accounts of the same role and scope share it; a different scope never does."""
    a = ui_queries.visibility(actor("inspector", person="A", campus="c", name="one"))
    b = ui_queries.visibility(actor("inspector", person="A", campus="c", name="two"))
    c = ui_queries.visibility(actor("inspector", person="B", campus="c"))
    officers = {ui_queries.visibility(actor("safety_officer", name=n, zone=z)) for n, z in
                [("x", 1), ("y", 2), ("z", None)]}  # fmt: skip
    assert a == b and a != c and len(officers) == 1
    assert ui_queries.visibility(actor("planner")) != ui_queries.visibility(actor("admin"))
