"""Grid members' duty records per term on SpatiaLite and PostGIS: the nights of their
building, check-ins for others, leaves, verifications and returns, and the workbook."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.people_grid.college import HOLIDAY, build_college, noon, student_with
from tests.people_grid.dorms import CAMPUS, DORM1, NIGHT_AT, inside
from zoning.accounts import Role
from zoning.people.whereabouts import declaration
from zoning.services import duty
from zoning.services import people_grid as grid
from zoning.services import whereabouts as wb
from zoning.store.accounts import insert_account
from zoning.store.engine import writing


def test_duty_records_and_their_workbook(db: Engine) -> None:
    college = build_college(db, 40)
    member_no = student_with(college, "网格员", DORM1)
    with writing(db) as conn:  # `users add` links accounts to grid owners; a student's by hand
        insert_account(conn, dict(name="gm1", role="grid_member", campus=CAMPUS,
                                  person=member_no, created_at=NIGHT_AT))  # fmt: skip
    me = actor(Role.GRID_MEMBER, person=member_no, campus=CAMPUS, name="gm1")
    dorm1 = [s for s in college.students if s.building == DORM1 and s.student_no != member_no]
    grid.open_rollcall(db, CAMPUS, actor=ADMIN, at=NIGHT_AT)
    code = grid.current_code(db, CAMPUS, building=DORM1, actor=me, at=NIGHT_AT)
    lon, lat = inside()
    for s in dorm1[:2]:  # two check-ins for others, one for themselves (not counted)
        grid.check_in(db, CAMPUS, student_no=s.student_no, lon=lon, lat=lat, accuracy_m=10,
                      code=code, actor=me, at=NIGHT_AT)  # fmt: skip
    grid.check_in(db, CAMPUS, student_no=member_no, lon=lon, lat=lat, accuracy_m=10,
                  code=code, actor=me, at=NIGHT_AT)  # fmt: skip
    grid.mark_absence(db, CAMPUS, student_no=dorm1[2].student_no, reason="病假",
                      until=date(2026, 3, 3), actor=me, at=NIGHT_AT)  # fmt: skip
    grid.close_rollcall(db, CAMPUS, actor=ADMIN, at=NIGHT_AT + timedelta(hours=1, minutes=5))
    at = noon(date(2026, 1, 10))
    wb.declare(db, CAMPUS, HOLIDAY.name, student_no=dorm1[0].student_no, actor=ADMIN, at=at,
               declaration=declaration("home"))  # fmt: skip
    wb.verify(db, CAMPUS, HOLIDAY.name, student_no=dorm1[0].student_no, actor=me, at=at)
    wb.mark_returned(db, CAMPUS, HOLIDAY.name, student_no=dorm1[0].student_no, actor=me,
                     at=noon(date(2026, 2, 21)))  # fmt: skip
    rows = duty.duty_records(db, CAMPUS, since=date(2026, 1, 1), until=date(2026, 3, 31),
                             actor=ADMIN)  # fmt: skip
    row = next(r for r in rows if r["student_no"] == member_no)
    assert {k: row[k] for k in ("accounts", "nights", "nights_complete", "checkins", "leaves",
                                "verified", "returned")} == {
        "accounts": "gm1", "nights": 1, "nights_complete": 0, "checkins": 2, "leaves": 1,
        "verified": 1, "returned": 1,
    }  # fmt: skip
    before = duty.duty_records(db, CAMPUS, since=date(2025, 9, 1), until=date(2025, 12, 31),
                               actor=ADMIN)  # fmt: skip
    assert next(r for r in before if r["student_no"] == member_no)["checkins"] == 0
    book = load_workbook(io.BytesIO(duty.duty_workbook(rows, campus=CAMPUS,
                                                       since=date(2026, 1, 1),
                                                       until=date(2026, 3, 31))))  # fmt: skip
    values = [c.value for r in book["网格员履职"].iter_rows() for c in r]
    assert "全员到齐次数" in values and "gm1" in values
