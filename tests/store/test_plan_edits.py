"""The planner on both backends: edits with optimistic locking and undo, activation that
re-homes every open hazard, complaint and due inspection, history by date."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from shapely import LineString, box
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.planner_campus import CAMPUS, LAT, LON, T0, D, add_items, centre, code_at, make_campus
from zoning.errors import InvalidInput, InvalidPlan, PlanConflict
from zoning.plans.edits import Merge, Reassign, Reshape, Split
from zoning.services import plans as planner
from zoning.store import plan_edits as plan_store
from zoning.store.models import plans as planner_models
from zoning.store.models import safety as ops_models
from zoning.store.models.campus import Base
from zoning.store.plans import load_cells, retired_codes


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every data table (as text), to check that nothing changed."""
    assert ops_models.OPS_TABLES and planner_models.PLANNER_TABLES  # registered on Base
    out = {}
    with engine.connect() as conn:
        for table in sorted(Base.metadata.tables):
            rows = conn.execute(sa.text(f"SELECT * FROM {table}")).fetchall()
            out[table] = sorted(repr(tuple(r)) for r in rows)
    return out


def open_rows(engine: Engine, table: str, condition: str) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT id, cell_code, owner, plan_id, ST_X(geometry), ST_Y(geometry) "
                f"FROM {table} WHERE {condition} ORDER BY id"
            )
        ).fetchall()
    return pd.DataFrame(
        [tuple(r) for r in rows], columns=["id", "cell", "owner", "plan", "lon", "lat"]
    )


OPEN = {
    "hazard": "state NOT IN ('closed', 'rejected')",
    "complaint": "hazard_id IN (SELECT id FROM hazard WHERE state NOT IN ('closed','rejected'))",
    "inspection_due": "submitted_at IS NULL",
}


def test_migration_creates_the_planner_tables(db: Engine) -> None:
    names = set(sa.inspect(db).get_table_names())
    assert {"plan_edit", "code_lineage", "plan_activation"} <= names


def test_edit_undo_restores_the_exact_rows_and_lineage(db: Engine) -> None:
    first = make_campus(db)
    draft = planner.create_draft(db, CAMPUS, from_plan=first, author="甲组长", actor=ADMIN)
    before = snapshot(db)["grid_cell"]
    a, b = code_at(0, 0), code_at(1, 0)
    report = planner.apply_edit(db, CAMPUS, draft.id, Merge((a, b)), actor=ADMIN)
    assert not report.problems
    assert set(report.retired) == {a, b}
    session = plan_store.load_session(db, CAMPUS, draft.id)
    (new,) = set(session.state.codes) - set(load_cells(db, CAMPUS, first)["code"])
    assert {(link.old, link.new) for link in session.state.lineage} == {(a, new), (b, new)}
    planner.undo(db, CAMPUS, draft.id, actor=ADMIN)
    after = snapshot(db)
    restored = [r for r in after["grid_cell"]]
    # ids differ (rows were re-inserted); everything else is the same, geometry bit for bit
    assert sorted(r.split(", ", 1)[1] for r in restored) == sorted(
        r.split(", ", 1)[1] for r in before
    )
    assert after["code_lineage"] == []
    assert [e["undone"] for e in plan_store.edit_log(db, draft.id)] == [True]
    with pytest.raises(InvalidInput, match="no edit left"):
        planner.undo(db, CAMPUS, draft.id, actor=ADMIN)


def test_a_stale_save_gets_a_conflict_and_overwrites_nothing(db: Engine) -> None:
    first = make_campus(db)
    draft = planner.create_draft(db, CAMPUS, from_plan=first, actor=ADMIN)
    one = plan_store.load_session(db, CAMPUS, draft.id)
    two = plan_store.load_session(db, CAMPUS, draft.id)
    from zoning.plans import edits as plans

    saved = plan_store.save_edit(
        db,
        one,
        plans.apply_edit(one.state, Reassign((code_at(0, 0),), "王三")),
        actor="甲",
    )
    after_first = snapshot(db)
    edit = plans.apply_edit(two.state, Merge((code_at(2, 0), code_at(3, 0))))
    with pytest.raises(PlanConflict, match="changed by someone else"):
        plan_store.save_edit(db, two, edit, actor="乙")
    assert snapshot(db) == after_first
    cells = load_cells(db, CAMPUS, draft.id)
    assert cells.set_index("code").at[code_at(0, 0), "owner"] == "王三"
    assert saved.row_version == one.row_version + 1
    with pytest.raises(InvalidPlan, match="only drafts"):
        planner.apply_edit(db, CAMPUS, first, Merge((code_at(2, 0), code_at(3, 0))), actor=ADMIN)


def test_activation_rehomes_every_open_item_by_its_location(db: Engine) -> None:
    first = make_campus(db)
    add_items(db)
    before = {t: open_rows(db, t, c) for t, c in OPEN.items()}
    assert len(before["hazard"]) == 6 and len(before["inspection_due"]) > 0
    draft = planner.create_draft(db, CAMPUS, from_plan=first, actor=ADMIN)
    # split the cell at (1, 1) west/east, reshape (3, 0) over half of (2, 0), reassign (0, 0)
    lon, _ = centre(1.5, 0)
    line = LineString([(lon, LAT + 0.9 * D), (lon, LAT + 2.1 * D)])
    planner.apply_edit(db, CAMPUS, draft.id, Split(code_at(1, 1), line), actor=ADMIN)
    grown = box(LON + 2.5 * D, LAT, LON + 4 * D, LAT + D)
    planner.apply_edit(db, CAMPUS, draft.id, Reshape(code_at(3, 0), grown), actor=ADMIN)
    planner.apply_edit(db, CAMPUS, draft.id, Reassign((code_at(0, 0),), "王三"), actor=ADMIN)
    assert planner.validate_plan(db, CAMPUS, draft.id).valid
    result = planner.activate_plan(db, CAMPUS, draft.id, by="校长", reason="新楼启用", actor=ADMIN)
    counts = {r.label: (r.open_before, r.open_after, r.collapsed) for r in result.rehomed}
    assert counts["hazards"] == (6, 6, ())
    assert counts["complaints"] == (6, 6, ())
    n_due = len(before["inspection_due"])
    assert counts["due inspections"] == (n_due, n_due, ())
    new_cells = load_cells(db, CAMPUS, draft.id)
    for table, condition in OPEN.items():
        rows = open_rows(db, table, condition)
        assert len(rows) == len(before[table])
        points = shapely.points(rows["lon"].to_numpy(float), rows["lat"].to_numpy(float))
        for point, cell, owner, plan in zip(
            points, rows["cell"], rows["owner"], rows["plan"], strict=True
        ):
            holder = new_cells[new_cells.geometry.covers(point)]
            assert cell in set(holder["code"]), (table, cell)
            assert owner == holder.set_index("code").at[cell, "owner"]
            assert plan == draft.id
    # the hazard at (1.25, 1.5) and (1.75, 1.5) now sit in the two halves of the split cell
    hz = open_rows(db, "hazard", OPEN["hazard"])
    in_split = (hz["lon"] > LON + D) & (hz["lon"] < LON + 2 * D) & (hz["lat"] > LAT + D)
    split_cells = set(hz["cell"][in_split & (hz["lat"] < LAT + 2 * D)])
    assert len(split_cells) == 2 and code_at(1, 1) not in split_cells
    owners = {row["owner"] for row in result.owners_changed}
    assert {"张一", "王三"} <= owners
    assert code_at(1, 1) in retired_codes(db, CAMPUS)
    statuses = {p.id: p.status for p in planner.list_plans(db, CAMPUS)}
    assert statuses == {first: "archived", draft.id: "active"}


def test_merging_cells_collapses_duplicate_due_inspections_only(db: Engine) -> None:
    first = make_campus(db)
    add_items(db)
    draft = planner.create_draft(db, CAMPUS, from_plan=first, actor=ADMIN)
    planner.apply_edit(db, CAMPUS, draft.id, Merge((code_at(0, 0), code_at(1, 0))), actor=ADMIN)
    result = planner.activate_plan(db, CAMPUS, draft.id, by="校长", reason="合并", actor=ADMIN)
    by_label = {r.label: r for r in result.rehomed}
    assert by_label["hazards"].open_before == by_label["hazards"].open_after == 6
    dues = by_label["due inspections"]
    assert dues.collapsed  # both old cells had the same checklists for the same week
    assert dues.open_after + len(dues.collapsed) == dues.open_before


def test_a_failing_activation_changes_nothing(db: Engine, tmp_path: object) -> None:
    first = make_campus(db)
    add_items(db)
    draft = planner.create_draft(db, CAMPUS, from_plan=first, actor=ADMIN)
    stale = plan_store.load_session(db, CAMPUS, draft.id)
    planner.apply_edit(db, CAMPUS, draft.id, Reassign((code_at(0, 0),), "李二"), actor=ADMIN)
    state = snapshot(db)
    with pytest.raises(PlanConflict):
        planner.activate_plan(
            db, CAMPUS, draft.id, by="校长", reason="r", row_version=stale.row_version, actor=ADMIN
        )
    assert snapshot(db) == state
    # an invalid draft: a cell without an owner
    with db.begin() as conn:
        conn.execute(
            sa.text("UPDATE grid_cell SET owner_id = NULL WHERE plan_id = :p AND code = :c"),
            {"p": draft.id, "c": code_at(2, 2)},
        )
    state = snapshot(db)
    with pytest.raises(planner.ActivationRefused) as refused:
        planner.activate_plan(db, CAMPUS, draft.id, by="校长", reason="r", actor=ADMIN)
    assert [p["kind"] for p in refused.value.problems] == ["no_owner"]
    assert snapshot(db) == state


def test_owner_at_reads_archived_plans_by_date(db: Engine) -> None:
    first = make_campus(db)
    draft = planner.create_draft(db, CAMPUS, from_plan=first, actor=ADMIN)
    planner.apply_edit(db, CAMPUS, draft.id, Reassign((code_at(0, 0),), "王三"), actor=ADMIN)
    t1 = T0 + timedelta(days=30)
    planner.activate_plan(db, CAMPUS, draft.id, by="校长", reason="换人", at=t1, actor=ADMIN)
    lon, lat = centre(0.5, 0.5)
    old = planner.owner_at(db, CAMPUS, lon, lat, t1 - timedelta(seconds=1))
    new = planner.owner_at(db, CAMPUS, lon, lat, t1 + timedelta(days=1))
    assert old is not None and new is not None
    assert (old.plan_id, old.code, old.owner) == (first, code_at(0, 0), "张一")
    assert (new.plan_id, new.code, new.owner) == (draft.id, code_at(0, 0), "王三")
    assert planner.owner_at(db, CAMPUS, lon, lat, T0 - timedelta(days=1)) is None
    assert planner.owner_at(db, CAMPUS, LON - D, lat, t1) is None


def test_retired_codes_are_never_minted_again(db: Engine) -> None:
    first = make_campus(db)
    draft = planner.create_draft(db, CAMPUS, from_plan=first, actor=ADMIN)
    planner.apply_edit(db, CAMPUS, draft.id, Merge((code_at(0, 0), code_at(1, 0))), actor=ADMIN)
    planner.activate_plan(db, CAMPUS, draft.id, by="校长", reason="合并", actor=ADMIN)
    retired = retired_codes(db, CAMPUS)
    assert {code_at(0, 0), code_at(1, 0)} <= retired
    second = planner.create_draft(db, CAMPUS, from_plan=draft.id, actor=ADMIN)
    lon, _ = centre(0.5, 0)
    line = LineString([(lon, LAT + 0.9 * D), (lon, LAT + 2.1 * D)])
    target = code_at(0, 1)
    report = planner.apply_edit(db, CAMPUS, second.id, Split(target, line), actor=ADMIN)
    new = set(report.changed) - set(load_cells(db, CAMPUS, draft.id)["code"])
    assert len(new) == 2 and not new & retired
    audit = planner.audit_events(db, CAMPUS, actor=ADMIN)
    assert {"plan.create", "plan.edit", "plan.activate"} <= set(audit["action"])
