"""Permissions of the campus, plan, grid, people and backup services, on both backends: each
role is refused exactly what the matrix withholds (PermissionDenied naming the permission,
nothing written), every allowed write leaves exactly one audit row with the real account, and
``--by``/``author`` name a real person of the campus, audited as ``entered_by``/``on_behalf_of``."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.planner_campus import CAMPUS, code_at, make_campus
from zoning.accounts import MATRIX, Actor, Permission, Role
from zoning.errors import NotFound, PermissionDenied
from zoning.plans.edits import Reassign
from zoning.services import backup as backups
from zoning.services import campus as campuses
from zoning.services import demo, grid
from zoning.services import plans as planner
from zoning.store.models.campus import AuditEvent, table_of
from zoning.store.models.plans import PlanActivation

P = Permission


@dataclass(frozen=True)
class Setup:
    """What a service call needs: the engine, the first plan, a draft, a scratch folder."""

    engine: Engine
    first: int
    draft: int
    folder: Path


#: service → (the permission it needs, a call of it as ``who``).
CALLS: dict[str, tuple[Permission, Callable[[Setup, Actor], Any]]] = {
    "import_campus": (
        P.IMPORT_CAMPUS,
        lambda s, who: campuses.import_campus(s.engine, [s.folder], campus="另一", actor=who),
    ),
    "export_campus": (
        P.IMPORT_CAMPUS,
        lambda s, who: campuses.export_campus(
            s.engine, CAMPUS, fmt="gpkg", out=s.folder / "out.gpkg", actor=who
        ),
    ),
    "upsert_people": (
        P.IMPORT_CAMPUS,
        lambda s, who: campuses.upsert_people(
            s.engine,
            CAMPUS,
            pd.DataFrame({"name": ["新人"], "role": ["owner"], "quarter": ["甲"], "phone": [None]}),
            actor=who,
        ),
    ),
    "seed_demo": (P.IMPORT_CAMPUS, lambda s, who: demo.seed_demo(s.engine, actor=who)),
    "split_campus": (
        P.EDIT_PLANS,
        lambda s, who: grid.split_campus(
            s.engine, CAMPUS, method="square", cell_size_m=200.0, actor=who
        ),
    ),
    "create_draft": (
        P.EDIT_PLANS,
        lambda s, who: planner.create_draft(s.engine, CAMPUS, actor=who),
    ),
    "apply_edit": (
        P.EDIT_PLANS,
        lambda s, who: planner.apply_edit(
            s.engine, CAMPUS, s.draft, Reassign((code_at(0, 0),), "王三"), actor=who
        ),
    ),
    "undo": (P.EDIT_PLANS, lambda s, who: planner.undo(s.engine, CAMPUS, s.draft, actor=who)),
    "assign_plan_owners": (
        P.EDIT_PLANS,
        lambda s, who: planner.assign_plan_owners(s.engine, CAMPUS, s.draft, actor=who),
    ),
    "import_plan": (
        P.EDIT_PLANS,
        lambda s, who: planner.import_plan(
            s.engine, s.folder / "cells.gpkg", campus=CAMPUS, actor=who
        ),
    ),
    "activate_plan": (
        P.ACTIVATE_PLANS,
        lambda s, who: planner.activate_plan(s.engine, CAMPUS, s.draft, reason="r", actor=who),
    ),
    "audit_events": (
        P.VIEW_AUDIT,
        lambda s, who: planner.audit_events(s.engine, CAMPUS, actor=who),
    ),
    "export_audit_csv": (
        P.VIEW_AUDIT,
        lambda s, who: planner.export_audit_csv(
            s.engine, CAMPUS, s.folder / "audit.csv", actor=who
        ),
    ),
    "backup": (
        P.MANAGE_ACCOUNTS,
        lambda s, who: backups.backup(s.engine, s.folder / "b.backup", actor=who),
    ),
    "restore": (
        P.MANAGE_ACCOUNTS,
        lambda s, who: backups.restore(s.engine, s.folder / "b.backup", actor=who),
    ),
}


def audit_rows(engine: Engine) -> list[Any]:
    """Return every audit row, oldest first."""
    a = table_of(AuditEvent)
    with engine.connect() as conn:
        return list(conn.execute(sa.select(a).order_by(a.c.id)).fetchall())


@pytest.fixture
def setup(db: Engine, tmp_path: Path) -> Setup:
    first = make_campus(db)
    draft = planner.create_draft(db, CAMPUS, actor=ADMIN)
    return Setup(db, first, draft.id, tmp_path)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_what_it_lacks_and_nothing_is_written(
    setup: Setup, role: Role
) -> None:
    who = actor(role, person="张一", zone=1, campus=CAMPUS)
    refused = {name for name, (needed, _call) in CALLS.items() if needed not in MATRIX[role]}
    before = audit_rows(setup.engine)
    for name in sorted(refused):
        needed, call = CALLS[name]
        with pytest.raises(PermissionDenied) as denied:
            call(setup, who)
        assert denied.value.permission == needed.value, name
        assert f"{who.name} ({role.value}) may not" in str(denied.value)
        assert needed.value in str(denied.value)
    assert audit_rows(setup.engine) == before
    expected = {
        Role.ADMIN: set(),
        Role.PLANNER: {"backup", "restore"},
        Role.VIEWER: set(CALLS),
    }
    if role in expected:  # the matrix as decided, not just read back from MATRIX
        assert refused == expected[role]


def test_a_planner_s_writes_each_leave_one_audit_row_with_the_account(setup: Setup) -> None:
    planner_account = actor(Role.PLANNER, name="规划员账号")
    s = setup
    steps: list[tuple[str, str]] = [
        ("export_campus", "campus.export"),
        ("split_campus", "plan.create"),
        ("create_draft", "plan.create"),
        ("apply_edit", "plan.edit"),
        ("undo", "plan.undo"),
        ("assign_plan_owners", "plan.edit"),
        ("activate_plan", "plan.activate"),
        ("upsert_people", "people.import"),
        ("export_audit_csv", "audit.export"),
    ]
    for name, action in steps:
        before = audit_rows(s.engine)
        CALLS[name][1](s, planner_account)
        new = audit_rows(s.engine)[len(before) :]
        assert [(r.actor, r.action) for r in new] == [("规划员账号", action)], name
    cells = s.folder / "out.gpkg"
    cells.rename(s.folder / "cells.gpkg")
    before = audit_rows(s.engine)
    CALLS["import_plan"][1](s, planner_account)
    new = audit_rows(s.engine)[len(before) :]
    assert [(r.actor, r.action) for r in new] == [("规划员账号", "plan.create")]
    assert "on_behalf_of" not in json.loads(new[0].detail)


def test_by_names_a_person_of_the_campus_and_is_audited_on_their_behalf(setup: Setup) -> None:
    s = setup
    who = actor(Role.PLANNER, name="规划员账号")
    before = audit_rows(s.engine)
    with pytest.raises(NotFound, match="'Nobody-Not-A-Person' is not a person of campus"):
        planner.activate_plan(
            s.engine, CAMPUS, s.draft, reason="r", by="Nobody-Not-A-Person", actor=who
        )
    with pytest.raises(NotFound, match="--author '规划员' is not a person"):
        planner.create_draft(s.engine, CAMPUS, author="规划员", actor=who)
    with pytest.raises(NotFound, match="--by '路人' is not a person"):
        planner.apply_edit(
            s.engine, CAMPUS, s.draft, Reassign((code_at(0, 0),), "王三"), by="路人", actor=who
        )
    assert audit_rows(s.engine) == before
    planner.activate_plan(s.engine, CAMPUS, s.draft, reason="r", by=" 校长 ", actor=who)
    (row,) = audit_rows(s.engine)[len(before) :]
    assert (row.actor, row.action) == ("规划员账号", "plan.activate")
    detail = json.loads(row.detail)
    assert (detail["entered_by"], detail["on_behalf_of"]) == ("规划员账号", "校长")
    assert "on_behalf" not in detail
    a = table_of(PlanActivation)
    with s.engine.connect() as conn:
        by = conn.execute(sa.select(a.c.activated_by).where(a.c.plan_id == s.draft)).scalar()
    assert by == "校长"
    draft = planner.create_draft(s.engine, CAMPUS, author="甲组长", actor=who)
    assert draft.author == "甲组长"
    row = audit_rows(s.engine)[-1]
    detail = json.loads(row.detail)
    assert (row.actor, detail["entered_by"], detail["on_behalf_of"]) == (
        "规划员账号",
        "规划员账号",
        "甲组长",
    )
    assert "on_behalf" not in detail
    plain = planner.create_draft(s.engine, CAMPUS, actor=who)
    assert plain.author == "规划员账号"
    assert not {"on_behalf", "on_behalf_of", "entered_by"} & set(
        json.loads(audit_rows(s.engine)[-1].detail)
    )


def test_phone_numbers_only_for_accounts_that_may_see_them(setup: Setup) -> None:
    people = pd.DataFrame(
        {"name": ["张一"], "role": ["owner"], "quarter": ["甲"], "phone": ["13800000000"]}
    )
    added, updated = campuses.upsert_people(setup.engine, CAMPUS, people, actor=ADMIN, by="张一")
    assert (added, updated) == (0, 1)
    detail = json.loads(audit_rows(setup.engine)[-1].detail)
    assert (detail["entered_by"], detail["on_behalf_of"]) == (ADMIN.name, "张一")
    for role in Role:
        seen = campuses.load_people(setup.engine, CAMPUS, actor=actor(role))
        phones = set(seen["phone"].dropna())
        assert len(seen) == 7, role
        assert phones == ({"13800000000"} if P.VIEW_PHONES in MATRIX[role] else set()), role


def test_the_audit_trail_filters_by_account_action_target_and_time(setup: Setup) -> None:
    s = setup
    who = actor(Role.PLANNER, name="规划员账号")
    planner.apply_edit(
        s.engine, CAMPUS, s.draft, Reassign((code_at(0, 0),), "王三"), by="甲组长", actor=who
    )
    everything = planner.audit_events(s.engine, CAMPUS, actor=ADMIN)
    mine = planner.AuditQuery(account="规划员账号")
    edits = planner.audit_events(s.engine, CAMPUS, actor=ADMIN, query=mine)
    assert list(edits["action"]) == ["plan.edit"]
    by_action = planner.AuditQuery(action="plan.")
    assert set(planner.audit_events(s.engine, CAMPUS, actor=ADMIN, query=by_action)["action"]) == {
        "plan.create",
        "plan.activate",
        "plan.edit",
    }
    target = planner.AuditQuery(target="甲组长")
    assert list(planner.audit_events(s.engine, CAMPUS, actor=ADMIN, query=target)["id"]) == list(
        edits["id"]
    )
    latest = pd.Timestamp(everything["at"].iloc[0]).to_pydatetime()
    later = planner.AuditQuery(since=latest + pd.Timedelta(seconds=1))
    assert planner.audit_events(s.engine, CAMPUS, actor=ADMIN, query=later).empty
    earlier = planner.AuditQuery(until=latest)
    assert len(planner.audit_events(s.engine, CAMPUS, actor=ADMIN, query=earlier)) == len(
        everything
    )
    assert planner.audit_events(s.engine, None, actor=ADMIN).empty  # no account events yet
