"""The people grid's figures for leadership (counts only) on a generated college, on
SpatiaLite and PostGIS: a night's roll call and a holiday's returns, per college, with no
student's name or number in the answer, and the reading audited."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.people_grid.college import HOLIDAY, build_college, noon
from tests.people_grid.dorms import CAMPUS, DORM1, DORM2, NIGHT_AT, inside, metres_north
from zoning.accounts import Role
from zoning.errors import InvalidInput, PermissionDenied
from zoning.people.whereabouts import declaration
from zoning.services import people_grid as grid
from zoning.services import whereabouts as wb
from zoning.services.people_figures import people_figures
from zoning.store.campus import save_campus

LEADER = actor(Role.LEADERSHIP, name="校领导")
BEFORE, BACK = noon(date(2026, 1, 10)), noon(date(2026, 2, 21))


def _audits(db: Engine, action: str) -> int:
    with db.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM audit_event WHERE action = :a"), {"a": action}
            ).scalar_one()
        )


def test_no_roster_gives_zero_students_and_no_figures(db: Engine) -> None:
    from tests.people_grid.dorms import dorm_campus

    save_campus(db, name=CAMPUS, layers=dorm_campus())
    found = people_figures(db, CAMPUS, actor=LEADER, at=NIGHT_AT)
    assert found == {"students": 0, "tonight": None, "holiday": None}


def test_a_night_and_a_holiday_counted_per_college_without_a_name(db: Engine) -> None:
    college = build_college(db, 120)
    students = college.students
    assert len({s.college for s in students}) >= 1
    # Nothing yet: students but no roll call; the holiday counts as current before it starts.
    first = people_figures(db, CAMPUS, actor=LEADER, at=NIGHT_AT.replace(month=1, day=2))
    assert first["students"] == 120 and first["tonight"] is None
    assert first["holiday"]["total"]["expected"] == 120
    assert first["holiday"]["total"]["declared"] == 0

    grid.open_rollcall(db, CAMPUS, actor=ADMIN, at=NIGHT_AT)
    codes = {b: grid.current_code(db, CAMPUS, building=b, actor=ADMIN, at=NIGHT_AT)
             for b in (DORM1, DORM2)}  # fmt: skip
    in1 = [s for s in students if s.building == DORM1]
    present = in1[:30]
    for s in present:
        grid.check_in(db, CAMPUS, student_no=s.student_no, lon=inside()[0], lat=inside()[1],
                      accuracy_m=10.0, code=codes[DORM1], actor=ADMIN, at=NIGHT_AT)  # fmt: skip
    with pytest.raises(InvalidInput, match="too far"):  # a refused check-in counts as not in
        lon, lat = metres_north(500)
        grid.check_in(db, CAMPUS, student_no=in1[30].student_no, lon=lon, lat=lat,
                      accuracy_m=10.0, code=codes[DORM1], actor=ADMIN, at=NIGHT_AT)  # fmt: skip
    leave, away = in1[31:34], in1[34:36]
    for s in leave:
        grid.mark_absence(db, CAMPUS, student_no=s.student_no, reason="病假", kind="leave",
                          until=date(2026, 3, 4), actor=ADMIN, at=NIGHT_AT)  # fmt: skip
    for s in away:
        grid.mark_absence(db, CAMPUS, student_no=s.student_no, reason="实习", kind="away",
                          until=date(2026, 3, 4), actor=ADMIN, at=NIGHT_AT)  # fmt: skip
    grid.close_rollcall(db, CAMPUS, actor=ADMIN, at=NIGHT_AT)

    before = _audits(db, "people.figures")
    night = people_figures(db, CAMPUS, actor=LEADER, at=NIGHT_AT)
    assert _audits(db, "people.figures") == before + 1
    tonight = night["tonight"]
    assert tonight["night"] == "2026-03-02" and tonight["closed"] is True
    want: dict[str, Counter[str]] = {}
    for s in students:
        c = want.setdefault(s.college, Counter())
        c["due"] += 1
        key = ("checked_in" if s in present else "on_leave" if s in leave
               else "away" if s in away else "missing")  # fmt: skip
        c[key] += 1
    got = {r["college"]: r for r in tonight["colleges"]}
    assert set(got) == set(want)
    for name, counts in want.items():
        assert {k: got[name][k] for k in counts} == dict(counts)
        assert got[name]["due"] == sum(got[name][k] for k in
                                       ("checked_in", "on_leave", "away", "missing"))  # fmt: skip
    assert tonight["total"] == {"due": 120, "checked_in": 30, "on_leave": 3, "away": 2,
                                "missing": 85}  # fmt: skip

    # The holiday: 100 declare (one travelling alone: flagged), 60 of them come back.
    h = HOLIDAY.name
    for s in students[:99]:
        wb.declare(db, CAMPUS, h, student_no=s.student_no, actor=ADMIN, at=BEFORE,
                   declaration=declaration("home", return_on=date(2026, 2, 21)))  # fmt: skip
    wb.declare(db, CAMPUS, h, student_no=students[99].student_no, actor=ADMIN, at=BEFORE,
               declaration=declaration("travelling", destination="云南大理",
                                       contact="13800000000"))  # fmt: skip
    for s in students[:60]:
        wb.mark_returned(db, CAMPUS, h, student_no=s.student_no, actor=ADMIN, at=BACK)
    back = people_figures(db, CAMPUS, actor=LEADER, at=BACK)["holiday"]
    assert back["holiday"] == h and back["return_by"] == "2026-02-22"
    assert back["total"] == {"expected": 120, "declared": 100, "flagged": 1, "returned": 60,
                             "not_back": 60}  # fmt: skip
    per = Counter(s.college for s in students[:60])
    assert {r["college"]: r["returned"] for r in back["colleges"]} == {
        c: per.get(c, 0) for c in {s.college for s in students}
    }
    # Counts only: no student's name or number anywhere in the answer.
    text = json.dumps([night, back], ensure_ascii=False)
    for s in students:
        assert s.name not in text
        assert f'"{s.student_no}"' not in text


def test_only_accounts_with_view_reports_see_the_figures(db: Engine) -> None:
    build_college(db, 20)
    with pytest.raises(PermissionDenied, match="view_reports"):
        people_figures(db, CAMPUS, actor=actor(Role.STUDENT, person="1"), at=NIGHT_AT)
    assert people_figures(db, CAMPUS, actor=ADMIN, at=NIGHT_AT)["students"] == 20
