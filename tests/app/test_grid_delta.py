"""The completion grid after new submissions, on both backends: the pages recount only the
cells the submissions touched (``app_pages._ui.splice.grid_delta``) and must get what a whole
reload gets; the fingerprint's parts move with their own kind of data only."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app_pages._ui import caches, splice
from maps import measures
from tests.actors import ADMIN, actor
from tests.opsdata import open_due, submit_passed
from zoning import services
from zoning.accounts import Actor, Permission
from zoning.clock import utcnow
from zoning.services import PlanSummary
from zoning.services import ledger as ledger_ops
from zoning.services import queries as ui_queries
from zoning.services import safety as operations

KEYS = ["cell_code", "zone", "week", "domain"]


def _sorted(grid: pd.DataFrame) -> pd.DataFrame:
    return grid.sort_values(KEYS, na_position="first").reset_index(drop=True)


def test_submissions_move_the_inspections_part_only(demo: tuple[Engine, str]) -> None:
    engine, campus = demo
    before = ui_queries.ops_version(engine, campus)
    due = open_due(engine, 3)
    assert len(due) == 3
    submit_passed(engine, campus, due)
    after = ui_queries.ops_version(engine, campus)
    assert after.hazards == before.hazards  # all items passed: no hazard, no event
    assert after.inspections != before.inspections
    assert after.inspection is not None and before.inspection is not None
    cells = ui_queries.inspected_cells(
        engine, campus, after=before.inspection, upto=after.inspection
    )
    assert cells == sorted(cell for cell, _, _ in due)
    assert (
        ui_queries.inspected_cells(engine, campus, after=after.inspection, upto=after.inspection)
        == []
    )


def test_a_cells_grid_is_the_whole_grids_rows_of_those_cells(demo: tuple[Engine, str]) -> None:
    engine, campus = demo
    now = utcnow()
    full = ui_queries.completion_grid(engine, campus, now=now, actor=ADMIN)
    cells = sorted(set(full["cell_code"]))[::7]
    part = ui_queries.completion_grid(engine, campus, now=now, cells=cells, actor=ADMIN)
    assert set(part["cell_code"]) == set(cells)
    expected = full[full["cell_code"].isin(cells)]
    pd.testing.assert_frame_equal(_sorted(part), _sorted(expected))


def test_the_grid_after_submissions_equals_a_whole_reload(demo: tuple[Engine, str]) -> None:
    engine, campus = demo
    before = ui_queries.ops_version(engine, campus)
    base = splice.Base(
        before.inspections,
        time.monotonic(),
        ui_queries.completion_grid(engine, campus, actor=ADMIN),
    )
    due = open_due(engine, 4)
    submit_passed(engine, campus, due)
    after = ui_queries.ops_version(engine, campus)
    merged = splice.grid_delta(engine, campus, base, after.inspections, actor=ADMIN)
    reloaded = ui_queries.completion_grid(engine, campus, actor=ADMIN)
    assert merged is not None and merged is not base.frame
    pd.testing.assert_frame_equal(_sorted(merged), _sorted(reloaded))
    assert not _sorted(merged).equals(_sorted(base.frame))  # the submissions counted
    assert list(merged.dtypes) == list(base.frame.dtypes)


def test_the_owner_grid_after_submissions_equals_a_whole_reload(demo: tuple[Engine, str]) -> None:
    engine, campus = demo
    before = ui_queries.ops_version(engine, campus)
    base = splice.Base(
        before.inspections, time.monotonic(), ui_queries.owner_grid(engine, campus, actor=ADMIN)
    )
    submit_passed(engine, campus, open_due(engine, 3))
    after = ui_queries.ops_version(engine, campus)
    merged = splice.cells_delta(
        engine, campus, base, after.inspections,
        lambda cells: ui_queries.owner_grid(engine, campus, cells=cells, actor=ADMIN),
    )  # fmt: skip
    reloaded = ui_queries.owner_grid(engine, campus, actor=ADMIN)
    assert merged is not None
    keys = ["cell_code", "owner"]
    pd.testing.assert_frame_equal(
        merged.sort_values(keys).reset_index(drop=True),
        reloaded.sort_values(keys).reset_index(drop=True),
    )
    assert merged["late"].sum() == base.frame["late"].sum() + 3  # the submissions, late


def test_the_grid_is_reloaded_whole_when_a_delta_would_not_do(
    demo: tuple[Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, campus = demo
    before = ui_queries.ops_version(engine, campus)
    grid = ui_queries.completion_grid(engine, campus, actor=ADMIN)
    base = splice.Base(before.inspections, time.monotonic(), grid)
    assert (
        splice.grid_delta(engine, campus, base, before.inspections, actor=ADMIN) is None
    )  # nothing new
    submit_passed(engine, campus, open_due(engine, 2))
    after = ui_queries.ops_version(engine, campus)
    day, cid, inspection, due = after.inspections
    assert (
        splice.grid_delta(engine, campus, base, (day, cid, inspection, (due or 0) + 1), actor=ADMIN)
        is None
    )
    monkeypatch.setattr(splice, "GRID_DELTA_CELLS", 1)
    assert (
        splice.grid_delta(engine, campus, base, after.inspections, actor=ADMIN) is None
    )  # too many cells


def test_hazard_frames_are_reloaded_whole_when_the_ids_went_back(
    demo: tuple[Engine, str],
) -> None:
    """A hazards table or rate rows kept from a key whose ids are past the database's (an
    emptied or restored database) are not spliced: read whole."""
    engine, campus = demo
    now = ui_queries.ops_version(engine, campus).hazards
    day, cid, hazard, event = now
    ahead = (day, cid, (hazard or 0) + 1000, (event or 0) + 1000)
    rates = operations.rate_rows(engine, campus, actor=ADMIN)
    table = ui_queries.hazards_table(engine, campus, actor=ADMIN)
    assert len(rates) and len(table)
    kept = splice.Base(ahead, time.monotonic(), rates)
    assert splice.rates_delta(engine, campus, kept, now, actor=ADMIN, where=("r",)) is None
    assert splice.changed_between(("r",), ahead, now) is None, "nothing remembered"
    kept = splice.Base(ahead, time.monotonic(), table)
    assert splice.hazards_delta(engine, campus, kept, now, actor=ADMIN) is None


def test_a_splice_needs_a_recent_base_of_the_same_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(splice, "_BASES", {})
    calls: list[str] = []

    def whole() -> pd.DataFrame:
        calls.append("whole")
        return pd.DataFrame({"n": [len(calls)]})

    def splice_in(base: splice.Base) -> pd.DataFrame | None:
        calls.append("splice")
        return base.frame.assign(n=base.frame["n"] + 100)

    where = ("test", "url")
    first = splice.spliced(where, ("2026-11-29", 1, 5), whole, splice_in)  # nothing to splice into
    second = splice.spliced(where, ("2026-11-29", 1, 6), whole, splice_in)
    assert calls == ["whole", "splice"] and second["n"].tolist() == [101]
    assert first["n"].tolist() == [1]  # the remembered frame is not changed in place
    splice.spliced(where, ("2026-11-30", 1, 7), whole, splice_in)  # another day: whole
    assert calls[-1] == "whole"
    splice.spliced(where, ("2026-11-30", 2, 7), whole, splice_in)  # another campus id: whole
    assert calls[-1] == "whole"
    stale = splice._BASES[where]
    old = time.monotonic() - splice.OPS_TTL_S - 1
    splice._BASES[where] = splice.Base(stale.key, old, stale.frame)
    splice.spliced(where, ("2026-11-30", 2, 8), whole, splice_in)  # read whole over an hour ago
    assert calls[-1] == "whole"
    assert splice._BASES[where].loaded_at > stale.loaded_at
    splice.spliced(where, ("2026-11-30", 2, 9), whole, lambda base: None)  # splice declined
    assert calls[-1] == "whole"


def test_previous_frames_kept_are_bounded(
    demo: tuple[Engine, str], demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, campus = demo
    monkeypatch.setattr(splice, "_BASES", {})
    monkeypatch.setattr(splice, "BASES_KEPT", 2)
    monkeypatch.setattr(caches, "engine_for", lambda url: engine)
    key = ui_queries.ops_version(engine, campus).inspections
    for version in (1, 2, 3):
        caches._completion_grid.clear()
        grid = caches._completion_grid(demo_url, campus, 1, version, key)
        assert len(grid)
    assert list(splice._BASES) == [
        ("grid", demo_url, campus, 1, 2),
        ("grid", demo_url, campus, 1, 3),
    ]


def test_a_cached_table_is_never_served_to_another_scope(
    demo: tuple[Engine, str], demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two inspectors, a viewer and an admin read the hazards and the grid through the page
    caches in turn: each gets exactly what the services give that account, and accounts of
    the same visibility share one entry."""
    engine, campus = demo
    monkeypatch.setattr(splice, "_BASES", {})
    monkeypatch.setattr(caches, "engine_for", lambda url: engine)
    for cached in (caches._hazards, caches._seen_hazards, caches._completion_grid):
        cached.clear()
    caches._scoped_grid.clear()
    plan = services.current_plan(engine, campus)
    assert plan is not None
    full = ui_queries.hazards_table(engine, campus, actor=ADMIN)
    owners = full["owner"].dropna().value_counts().index  # the two with most hazards
    first, second = (actor("inspector", person=str(p), campus=campus) for p in owners[:2])
    twin = actor("inspector", person=first.person, campus=campus, name="twin")
    readers = [ADMIN, first, second, actor("viewer"), twin, ADMIN]
    seen = []
    for reader in readers:
        table = caches.hazards(demo_url, campus, plan.id, 1, actor=reader)
        grid = caches.completion_grid(demo_url, campus, plan.id, 1, actor=reader)
        direct = ui_queries.hazards_table(engine, campus, actor=reader)
        same = ["id", "description", "redacted", "cell", "owner", "state"]
        assert (
            table[same]
            .sort_values("id")
            .reset_index(drop=True)
            .equals(direct[same].sort_values("id").reset_index(drop=True))
        )  # the same rows, redacted the same way, as the service gives this account
        cells = ui_queries.scope_cells(engine, campus, reader)
        assert cells is None or set(grid["cell_code"]) <= cells
        if reader.can(Permission.VIEW_MAP):
            own = ui_queries.completion_grid(engine, campus, actor=reader)
            keys = ["cell_code", "week", "domain"]
            assert (
                grid.sort_values(keys)
                .reset_index(drop=True)
                .equals(own.sort_values(keys).reset_index(drop=True))
            )  # cut from the campus's grid = read for this account
        seen.append(table)
    assert 0 < len(seen[1]) < len(seen[0]) and 0 < len(seen[2]) < len(seen[0])
    assert set(seen[1]["id"]) != set(seen[2]["id"])
    assert len(seen[3]) == 0 and seen[4] is seen[1]  # the twin shares the first's entry
    assert seen[5] is seen[0]


def _open_hazard(engine: Engine, campus: str, state: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT min(id) FROM hazard WHERE state = :state"), {"state": state}
        ).scalar()
    assert found is not None, f"the demo has no {state} hazard"
    return int(found)


def test_the_hazards_after_ledger_steps_equal_a_whole_reload(demo: tuple[Engine, str]) -> None:
    engine, campus = demo
    before = ui_queries.ops_version(engine, campus)
    previous = ui_queries.hazards_table(engine, campus, actor=ADMIN)
    submit_passed(engine, campus, open_due(engine, 2), failed=1)  # two new hazards
    office = operations.campus_ops(engine, campus).staff.safety_office
    rejected = _open_hazard(engine, campus, "reported")
    ledger_ops.move_hazard(
        engine, campus, rejected, "reject", by=office, note="duplicate", actor=ADMIN
    )
    after = ui_queries.ops_version(engine, campus)
    assert after.hazards != before.hazards and after.hazard is not None
    now = utcnow()
    spliced = ui_queries.hazards_table_since(
        engine, campus, previous, hazard=before.hazard, event=before.event, now=now, actor=ADMIN
    )
    whole = ui_queries.hazards_table(engine, campus, now=now, actor=ADMIN)
    pd.testing.assert_frame_equal(spliced, whole)
    assert len(whole) == len(previous) + 2
    assert whole.set_index("id").loc[rejected, "state"] == "rejected"


def _fresh_caches(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, campus: str, *cached: Any
) -> PlanSummary:
    """Empty the splice cache's kept frames, counts and changes and the ``cached`` page
    caches, point the caches at ``engine``; return the campus's current plan."""
    for kept in ("_BASES", "_COUNTED", "_CHANGED"):
        monkeypatch.setattr(splice, kept, {})
    monkeypatch.setattr(caches, "engine_for", lambda url: engine)
    for cache in cached:
        cache.clear()
    plan = services.current_plan(engine, campus)
    assert plan is not None
    return plan


def test_the_ledger_rates_after_ledger_steps_equal_a_whole_reload(
    demo: tuple[Engine, str], demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reports' ledger half through the page caches (the campus's rate rows, new and
    moved hazards spliced in, cut to each account's scope) equals the service's own count,
    for the campus and for a zone leader, before and after new hazards and a ledger step;
    after them, the kept counts are moved by the touched hazards' rows only."""
    engine, campus = demo
    plan = _fresh_caches(
        monkeypatch, engine, campus, caches._rate_rows, caches._report_ledger, caches._scope_cells
    )
    leader = actor("zone_leader", zone=1, campus=campus)
    by = ("zone", "owner", "week")
    _, start, end = operations.report_window(by, start=None, end=None, now=None)

    counted_rows: list[int] = []  # the rows each count of the page caches went over
    real_counts = operations.ledger_counts_of

    def counts_of(hazards: pd.DataFrame, **kwargs: Any) -> dict[str, pd.DataFrame]:
        counted_rows.append(len(hazards))
        return real_counts(hazards, **kwargs)

    def both(reader: Actor) -> None:
        with monkeypatch.context() as patch:
            patch.setattr(operations, "ledger_counts_of", counts_of)
            cached = caches.report_ledger(demo_url, campus, plan.id, 1, by, actor=reader)
        direct = operations.ledger_tables(engine, campus, by=by, start=start, end=end, actor=reader)
        for b in by:
            pd.testing.assert_frame_equal(cached[b], direct[b])

    for reader in (ADMIN, leader):
        both(reader)
    zones = set(
        caches.report_ledger(demo_url, campus, plan.id, 1, by, actor=leader)["zone"]["zone"]
    )
    assert zones == {"1"}, "a zone leader's rates count their own zone only"
    submit_passed(engine, campus, open_due(engine, 3), failed=2)  # new hazards
    office = operations.campus_ops(engine, campus).staff.safety_office
    ledger_ops.move_hazard(
        engine, campus, _open_hazard(engine, campus, "reported"), "reject", by=office,
        note="duplicate", actor=ADMIN,
    )  # fmt: skip
    calls: list[str] = []
    real = operations.rate_rows

    def counted(*args: object, **kwargs: object) -> pd.DataFrame:
        calls.append("ids" if kwargs.get("ids") is not None else "whole")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(operations, "rate_rows", counted)
    assert max(counted_rows) > 100, "the first counts went over every hazard"
    counted_rows.clear()
    for reader in (ADMIN, leader):
        both(reader)
    assert "ids" in calls, "the new hazards were spliced into the campus's rate rows"
    assert counted_rows and max(counted_rows) <= 10, "only the touched hazards were counted"


def test_the_completion_reports_after_submissions_equal_a_whole_count(
    demo: tuple[Engine, str], demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reports' completion half through the page caches (the grids spliced after
    submissions, the sums moved by the recounted cells' rows only) equals the sums of the
    grids read whole again, for the campus and for a zone leader."""
    engine, campus = demo
    plan = _fresh_caches(
        monkeypatch,
        engine,
        campus,
        caches._completion_grid,
        caches._owner_grid,
        caches._scoped_grid,
        caches._report_completion,
        caches._scope_cells,
    )
    leader = actor("zone_leader", zone=1, campus=campus)
    by = ("zone", "owner", "week")
    summed_rows: list[int] = []  # the rows each sum of the page caches went over
    real_sums = operations.completion_sums

    def sums(grid: pd.DataFrame, by: str, **kwargs: Any) -> pd.DataFrame:
        summed_rows.append(len(grid))
        return real_sums(grid, by, **kwargs)

    def both(reader: Actor) -> None:
        key = caches.completion_key(demo_url, campus, plan.id, 1, actor=reader)
        with monkeypatch.context() as patch:
            patch.setattr(operations, "completion_sums", sums)
            cached = caches._report_completion(
                demo_url, campus, plan.id, 1, by, key, caches.seen_rows(reader), reader
            )
        cells = ui_queries.scope_cells(engine, campus, reader)
        for b in by:
            read = ui_queries.owner_grid if b == "owner" else ui_queries.completion_grid
            whole = read(engine, campus, actor=ADMIN)
            if cells is not None:
                whole = whole[whole["cell_code"].isin(cells)]
            pd.testing.assert_frame_equal(cached[b], operations.completion_from_grid(whole, b))

    for reader in (ADMIN, leader):
        both(reader)
    assert max(summed_rows) > 1000, "the first sums went over the whole grid"
    summed_rows.clear()
    submit_passed(engine, campus, open_due(engine, 3), failed=1)
    for reader in (ADMIN, leader):
        both(reader)
    assert summed_rows and max(summed_rows) < 200, "only the recounted cells' rows were summed"


def test_the_heatmaps_values_after_submissions_equal_a_whole_count(
    demo: tuple[Engine, str], demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Completion per cell and the weeks (the leadership heatmap's) through the page caches:
    after submissions the per-cell sums are moved by the recounted cells' rows only, and
    equal the spliced grid's whole count (in the same order) and the grid read again."""
    engine, campus = demo
    plan = _fresh_caches(
        monkeypatch,
        engine,
        campus,
        caches._completion_grid,
        caches._completion_values,
        caches._scope_cells,
    )
    summed_rows: list[int] = []
    real_sums = measures.cell_sums

    def sums(grid: pd.DataFrame) -> pd.DataFrame:
        summed_rows.append(len(grid))
        return real_sums(grid)

    def check() -> None:
        with monkeypatch.context() as patch:
            patch.setattr(measures, "cell_sums", sums)
            found = caches.completion_values(demo_url, campus, plan.id, 1, None, actor=ADMIN)
        values, weeks = found
        spliced = caches.completion_grid(demo_url, campus, plan.id, 1, actor=ADMIN)
        pd.testing.assert_series_equal(values, measures.completion_by_cell(spliced))
        whole = measures.completion_by_cell(ui_queries.completion_grid(engine, campus, actor=ADMIN))
        pd.testing.assert_series_equal(values.sort_index(), whole.sort_index())
        assert weeks == measures.weeks_of(spliced) and len(weeks) >= 4

    check()
    assert max(summed_rows) > 1000, "the first sums went over the whole grid"
    summed_rows.clear()
    submit_passed(engine, campus, open_due(engine, 3), failed=1)
    check()
    assert summed_rows and max(summed_rows) < 200, "only the recounted cells' rows were summed"
