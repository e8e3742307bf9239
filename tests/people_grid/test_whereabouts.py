"""A holiday end to end on a generated college of 2,000 students, on SpatiaLite and PostGIS:
declare, flag, verify, return, list the missing, follow up until everyone is accounted for,
and the college's workbook."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.people_grid.college import (
    HOLIDAY,
    build_college,
    counsellor_of,
    noon,
    student_with,
)
from tests.people_grid.dorms import CAMPUS, DORM1, DORM2
from zoning.accounts import Role
from zoning.errors import InvalidInput, NotFound, PermissionDenied
from zoning.people.whereabouts import declaration
from zoning.services import whereabouts as wb

H = HOLIDAY.name
BEFORE, BACK, AFTER = noon(date(2026, 1, 10)), noon(date(2026, 2, 21)), noon(date(2026, 2, 23))
LATER = noon(date(2026, 2, 24))


def _audits(db: Engine, action: str) -> int:
    with db.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM audit_event WHERE action = :a"), {"a": action}
            ).scalar_one()
        )


@pytest.mark.slow
def test_a_holiday_from_declaration_to_everyone_accounted_for(db: Engine) -> None:
    college = build_college(db, 2_000)
    students = college.students
    monitor_no = next(s.student_no for s in students if s.roles == ("班长",))
    monitor = next(s for s in students if s.student_no == monitor_no)
    classmates = [s for s in students if s.class_name == monitor.class_name]
    as_monitor = actor(Role.GRID_MEMBER, person=monitor_no, campus=CAMPUS)
    # Before anyone declares the monitor sees exactly their class as undeclared.
    undeclared = wb.missing(db, CAMPUS, H, what="undeclared", actor=as_monitor, at=BEFORE)
    assert {r["student_no"] for r in undeclared} == {s.student_no for s in classmates}

    risky, staying, own = classmates[1], classmates[2], classmates[3]
    for s in students:
        if s in (risky, staying, own):
            continue
        wb.declare(db, CAMPUS, H, student_no=s.student_no, actor=ADMIN, at=BEFORE,
                   declaration=declaration("home", return_on=date(2026, 2, 21)))  # fmt: skip
    flags = wb.declare(
        db, CAMPUS, H, student_no=risky.student_no, actor=as_monitor, at=BEFORE,
        declaration=declaration("travelling", destination="=香港 HYPERLINK", contact="139",
                                return_on=date(2026, 2, 25)),
    )  # fmt: skip
    assert flags == ("alone", "destination", "late")
    wb.declare(db, CAMPUS, H, student_no=staying.student_no, actor=as_monitor, at=BEFORE,
               declaration=declaration("staying"))  # fmt: skip
    me = actor(Role.STUDENT, person=own.student_no, campus=CAMPUS)
    wb.declare(db, CAMPUS, H, student_no=own.student_no, actor=me, at=BEFORE,
               declaration=declaration("travelling", destination="云南大理", contact="138",
                                       companions="父母"))  # fmt: skip
    assert wb.missing(db, CAMPUS, H, what="undeclared", actor=as_monitor, at=BEFORE) == []
    assert _audits(db, "whereabouts.declare") == len(students)

    # The risky plan reaches the class's counsellor, not another counsellor.
    mine = counsellor_of(college, monitor.class_name)
    flagged = wb.missing(db, CAMPUS, H, what="flagged", actor=mine, at=BEFORE)
    assert [(r["student_no"], r["flags"]) for r in flagged] == [
        (risky.student_no, ["alone", "destination", "late"])
    ]
    other_class = next(s.class_name for s in students if s.class_name != monitor.class_name
                       and counsellor_of(college, s.class_name).person != mine.person)  # fmt: skip
    other = counsellor_of(college, other_class)
    assert wb.missing(db, CAMPUS, H, what="flagged", actor=other, at=BEFORE) == []

    # The dorm grid member verifies their building's students only, never themselves.
    member_no = student_with(college, "网格员", DORM1)
    as_member = actor(Role.GRID_MEMBER, person=member_no, campus=CAMPUS)
    in_dorm1 = next(s for s in students if s.building == DORM1 and s.student_no != member_no)
    in_dorm2 = next(s for s in students if s.building == DORM2 and s.class_name != "x")
    wb.verify(db, CAMPUS, H, student_no=in_dorm1.student_no, actor=as_member, at=BEFORE)
    with pytest.raises(PermissionDenied, match="not in your part"):
        wb.verify(db, CAMPUS, H, student_no=in_dorm2.student_no, actor=as_member, at=BEFORE)
    with pytest.raises(PermissionDenied, match="nobody does that for themselves"):
        wb.verify(db, CAMPUS, H, student_no=member_no, actor=as_member, at=BEFORE)
    unverified = wb.missing(db, CAMPUS, H, what="unverified", actor=as_member, at=BEFORE)
    assert in_dorm1.student_no not in {r["student_no"] for r in unverified}
    me_member = next(s for s in students if s.student_no == member_no)
    part = {  # their building, and their class as its monitor (the generator makes both)
        s.student_no
        for s in students
        if s.building == DORM1
        or ("班长" in me_member.roles and s.class_name == me_member.class_name)
    }
    assert {r["student_no"] for r in unverified} == part - {in_dorm1.student_no}

    # After the holiday: everyone back but the risky traveller and two others.
    late = [risky, classmates[4], classmates[5]]
    for s in students:
        if s not in late and s is not staying:
            wb.mark_returned(db, CAMPUS, H, student_no=s.student_no, actor=ADMIN, at=BACK)
    with pytest.raises(InvalidInput, match="already marked back"):
        wb.mark_returned(db, CAMPUS, H, student_no=own.student_no, actor=ADMIN, at=BACK)
    board = wb.returns_board(db, CAMPUS, H, actor=ADMIN, at=AFTER)
    assert board["total"]["expected"] == len(students)
    assert board["total"]["returned"] == len(students) - 4
    assert board["total"]["staying"] == 1
    assert board["total"]["not_back"] == board["total"]["unaccounted"] == 3
    assert not board["all_accounted"]
    row = next(c for c in board["classes"] if c["class"].endswith(monitor.class_name))
    assert (row["not_back"], row["flagged"], row["staying"]) == (3, 1, 1)
    overdue = wb.missing(db, CAMPUS, H, actor=as_monitor, at=AFTER)
    assert {(r["student_no"], r["status"]) for r in overdue} == {
        (s.student_no, "overdue") for s in late
    }
    escalated = wb.missing(db, CAMPUS, H, actor=mine, at=LATER)
    assert {r["status"] for r in escalated} == {"escalated"}

    # Follow-ups, one escalated to the counsellor, until everyone is accounted for.
    for index, s in enumerate(late):
        wb.follow_up(
            db, CAMPUS, H, student_no=s.student_no, contacted="母亲（电话）", reason="航班取消",
            expected_return=date(2026, 2, 26), escalate=index == 0, actor=as_monitor, at=AFTER,
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="is back"):
        wb.follow_up(db, CAMPUS, H, student_no=own.student_no, contacted="x", reason="y",
                     expected_return=None, actor=ADMIN, at=AFTER)  # fmt: skip
    done = wb.returns_board(db, CAMPUS, H, actor=ADMIN, at=LATER)
    assert done["all_accounted"] and done["total"]["followed_up"] == 3
    statuses = {r["student_no"]: r for r in wb.missing(db, CAMPUS, H, actor=mine, at=LATER)}
    assert statuses[risky.student_no]["status"] == "escalated"
    assert statuses[late[1].student_no]["status"] == "accounted"
    assert statuses[late[1].student_no]["last_note"] == "母亲（电话）: 航班取消"

    # The college's workbook: Chinese headers, a formula-looking destination kept as text.
    book = load_workbook(io.BytesIO(wb.export_workbook(db, CAMPUS, H, actor=ADMIN, at=LATER)))
    assert book.sheetnames == ["去向", "返校统计", "跟进"]
    sheet = book["去向"]
    header_row = next(
        i for i, r in enumerate(sheet.iter_rows(values_only=True), 1) if r[0] == "学号"
    )
    headers = [c.value for c in sheet[header_row]]
    assert headers[:3] == ["学号", "姓名", "学院"] and "目的地" in headers
    cells = [c for r in sheet.iter_rows() for c in r if c.value == "=香港 HYPERLINK"]
    assert len(cells) == 1 and cells[0].data_type == "s"
    assert sheet.max_row - header_row == len(students)
    assert book["跟进"].max_row >= 3 and _audits(db, "whereabouts.export") == 1


def test_holiday_refusals(db: Engine) -> None:
    college = build_college(db, 60)
    no = college.students[0].student_no
    with pytest.raises(InvalidInput, match="already has a holiday"):
        wb.add_holiday(db, CAMPUS, HOLIDAY, actor=ADMIN)
    with pytest.raises(NotFound, match="no holiday named '暑假'"):
        wb.missing(db, CAMPUS, "暑假", actor=ADMIN)
    with pytest.raises(InvalidInput, match="has not declared"):
        wb.verify(db, CAMPUS, H, student_no=no, actor=ADMIN, at=BEFORE)
    with pytest.raises(InvalidInput, match="nobody is back yet"):
        wb.mark_returned(db, CAMPUS, H, student_no=no, actor=ADMIN, at=BEFORE)
    with pytest.raises(InvalidInput, match="is over"):
        wb.declare(db, CAMPUS, H, student_no=no, actor=ADMIN, at=LATER,
                   declaration=declaration("home"))  # fmt: skip
    viewer = actor(Role.VIEWER, campus=CAMPUS)
    with pytest.raises(PermissionDenied, match="view_students"):
        wb.missing(db, CAMPUS, H, actor=viewer)
    leadership = actor(Role.LEADERSHIP, campus=CAMPUS)
    counts = wb.returns_board(db, CAMPUS, H, actor=leadership, at=BEFORE)
    assert counts["total"]["expected"] == 60 and counts["total"]["declared"] == 0
