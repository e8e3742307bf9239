"""Checklists follow what stands in a cell, whatever the split (issue 16): a unit split of
the demo campus (dormitories, canteens, laboratories) schedules the dormitory, fire, food
and lab checks in the cells holding those buildings, named per building; a building split
schedules exactly what it did before."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from zoning.safety import inspections as insp
from zoning.safety.checklists import ChecklistTemplate
from zoning.services import safety
from zoning.services.demo import seed_demo
from zoning.services.grid import split_campus
from zoning.services.plans import activate_plan
from zoning.store import safety as repo
from zoning.store.campus import campus_id

START = date(2026, 3, 2)  # a Monday
END = START + timedelta(days=6)
CHECKS = {"dormitory": ("dormitory", "fire"), "canteen": ("food", "fire"),
          "laboratory": ("labs", "fire")}  # fmt: skip


def _split(engine: Engine, method: str) -> str:
    campus = seed_demo(engine, actor=ADMIN, history_days=0).name
    plan = split_campus(engine, campus, actor=ADMIN, method=method)
    activate_plan(engine, campus, plan.plan.id, actor=ADMIN, reason="test")
    return campus


def _kind_rules_only(templates: dict[str, ChecklistTemplate]) -> dict[str, ChecklistTemplate]:
    return {code: replace(t, per_building=False) for code, t in templates.items()}


def test_unit_split_schedules_the_building_checks_named_per_building(db: Engine) -> None:
    campus = _split(db, "unit")
    ops = safety.campus_ops(db, campus)
    assert set(ops.cells["kind"]) <= {"unit", "open"}, "a unit split has no building cells"
    stored = safety.schedule(db, campus, start=START, through=END, ops=ops)
    with db.connect() as conn:
        due = repo.load_due(conn, campus_id(conn, campus), start=START, end=END)
    assert stored == len(due) > 0
    before = insp.due_inspections(
        ops.cells, _kind_rules_only(safety.checklist_templates()), start=START, end=END
    )
    assert not set(before["domain"]) & {"dormitory", "fire", "food", "labs"}  # the bug
    holder = {
        name: str(code)
        for code, held in zip(ops.cells["code"], ops.cells["buildings"], strict=True)
        for name, _ in held
    }
    with db.connect() as conn:
        buildings = conn.execute(
            sa.text("SELECT name, use FROM building WHERE campus_id = :c AND use IN "
                    "('dormitory', 'canteen', 'laboratory') AND name IS NOT NULL"),
            {"c": campus_id(conn, campus)},
        ).all()  # fmt: skip
    assert {u for _, u in buildings} == set(CHECKS)
    for name, use in buildings:
        cell = holder[name]  # every building is held by exactly one cell
        mine = due[(due["cell_code"] == cell) & due["buildings"].notna()]
        named = mine[[name in str(b).split(insp.BUILDING_SEP) for b in mine["buildings"]]]
        assert set(CHECKS[use]) <= set(named["domain"]), (name, use, cell)
        # daily for a dormitory, a canteen and a laboratory: 7 days, 7 rows per check
        for domain in ("fire", CHECKS[use][0]):
            rows = named[named["domain"] == domain]
            assert len(rows) == len(set(rows["period"])) == (7 if domain != "labs" else 1)
    # one row per cell × template × period, however many buildings it names
    assert not due.duplicated(["cell_code", "template_code", "period"]).any()
    assert due["buildings"].str.contains(insp.BUILDING_SEP, regex=False).any()


def test_building_split_keeps_todays_schedule(db: Engine) -> None:
    campus = _split(db, "building")
    ops = safety.campus_ops(db, campus)
    templates = safety.checklist_templates()
    now = insp.due_inspections(ops.cells, templates, start=START, end=END)
    before = insp.due_inspections(ops.cells, _kind_rules_only(templates), start=START, end=END)
    keys = ["cell_code", "template_code", "period", "frequency"]
    pd.testing.assert_frame_equal(now[keys], before[keys])
    assert now["buildings"].notna().any()  # and the building cells name their building


@pytest.mark.parametrize("kind", ["square", "unit", "hex", "open"])
def test_a_cell_holding_a_dormitory_gets_daily_fire_and_dormitory_checks(kind: str) -> None:
    cells = pd.DataFrame(
        {"code": ["A", "B"], "zone": ["1", "1"], "kind": [kind, kind], "owner": ["x", "y"],
         "use": [None, None],
         "buildings": [(("1号楼", "dormitory"), ("图书馆", "library")), (("车棚", "shed"),)]}
    )  # fmt: skip
    rules = insp.scheduled_rules(cells, safety.checklist_templates())
    a = rules[rules["cell_code"] == "A"].set_index("template_code")
    assert a.loc["dormitory", "frequency"] == "daily"
    assert a.loc["dormitory", "buildings"] == "1号楼"
    assert a.loc["fire", "frequency"] == "daily"
    assert a.loc["fire", "buildings"] == "1号楼; 图书馆"
    b = rules[rules["cell_code"] == "B"]
    assert "fire" not in set(b["template_code"])  # nobody in a shed
