"""Key students (重点关注) on SpatiaLite and PostGIS: who sees the list, every view audited,
visits, and the reminders (no visit for N days, a missed roll call)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.people_grid.college import build_college, counsellor_of, noon, student_with
from tests.people_grid.dorms import CAMPUS, NIGHT_AT
from zoning.accounts import Role
from zoning.errors import NotFound, PermissionDenied
from zoning.services import attention
from zoning.services import people_grid as grid

ADDED = noon(date(2026, 3, 1))


def _views(db: Engine) -> list[str]:
    with db.connect() as conn:
        return [
            str(a)
            for a in conn.execute(
                sa.text("SELECT actor FROM audit_event WHERE action = 'attention.view' ORDER BY id")
            ).scalars()
        ]


def test_the_list_is_seen_by_the_chain_only_and_every_view_is_audited(db: Engine) -> None:
    college = build_college(db, 600)
    first = college.students[0]
    mine = counsellor_of(college, first.class_name)
    attention.add(db, CAMPUS, student_no=first.student_no, reason="情绪低落", actor=mine, at=ADDED)
    deputy_name = next(
        s.name for s in college.staff if s.role == "deputy_secretary" and s.college == first.college
    )
    deputy = actor(Role.DEPUTY_SECRETARY, person=deputy_name, campus=CAMPUS, name="deputy")
    office = actor(Role.SAFETY_OFFICER, campus=CAMPUS, name="office")
    for who in (mine, deputy, office):
        rows = attention.list_attention(db, CAMPUS, actor=who, at=ADDED)
        assert [(r["student_no"], r["reason"]) for r in rows] == [(first.student_no, "情绪低落")]
    other_class = next(
        s.class_name
        for s in college.students
        if counsellor_of(college, s.class_name).person != mine.person
    )
    other = counsellor_of(college, other_class)
    assert attention.list_attention(db, CAMPUS, actor=other, at=ADDED) == []
    member = actor(Role.GRID_MEMBER, person=student_with(college, "网格员"), campus=CAMPUS)
    for refused in (member, actor(Role.LEADERSHIP, campus=CAMPUS)):
        with pytest.raises(PermissionDenied):
            attention.list_attention(db, CAMPUS, actor=refused, at=ADDED)
    with pytest.raises(PermissionDenied, match="only the student's counsellor"):
        attention.add(db, CAMPUS, student_no=first.student_no, reason="x", actor=other)
    assert _views(db) == [mine.name, deputy.name, office.name, other.name]


def test_visits_and_reminders(db: Engine) -> None:
    college = build_college(db, 60)
    first, second = college.students[0], college.students[1]
    for s in (first, second):
        attention.add(db, CAMPUS, student_no=s.student_no, reason="学业困难", actor=ADMIN, at=ADDED)
    with pytest.raises(NotFound, match="not on the key-student list"):
        attention.visit(db, CAMPUS, student_no=college.students[2].student_no,
                        visited_on=date(2026, 3, 1), note="x", actor=ADMIN, at=ADDED)  # fmt: skip
    attention.visit(db, CAMPUS, student_no=first.student_no, visited_on=date(2026, 3, 1),
                    note="谈心，状态好转", actor=ADMIN, at=ADDED)  # fmt: skip
    # No visit for 14 days: the unvisited student is due after 14 days, not before.
    assert attention.attention_due(db, CAMPUS, noon(date(2026, 3, 14))) == []
    due = attention.attention_due(db, CAMPUS, noon(date(2026, 3, 15)))
    assert [(r["student_no"], r["due"]) for r in due] == [
        (first.student_no, ["no visit for 14 days"]),
        (second.student_no, ["no visit for 14 days"]),
    ]
    # A missed roll call makes a student due at once.
    grid.open_rollcall(db, CAMPUS, actor=ADMIN, at=NIGHT_AT)
    grid.close_rollcall(db, CAMPUS, actor=ADMIN, at=NIGHT_AT.replace(hour=15, minute=5))
    due = attention.attention_due(db, CAMPUS, noon(date(2026, 3, 3)), days=14)
    assert {r["student_no"]: r["due"] for r in due} == {
        first.student_no: ["missed the roll call of 2026-03-02"],
        second.student_no: ["missed the roll call of 2026-03-02"],
    }
    listed = attention.list_attention(db, CAMPUS, actor=ADMIN, at=ADDED)
    assert [(r["visits"], r["last_visit"]) for r in listed] == [(1, "2026-03-01"), (0, None)]
