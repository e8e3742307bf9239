"""The roster and the nightly roll call through the services, on SpatiaLite and PostGIS."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.people_grid.dorms import (
    CAMPUS,
    DORM1,
    DORM2,
    NIGHT_AT,
    dorm_campus,
    inside,
    metres_north,
)
from zoning.accounts import Role
from zoning.errors import InvalidInput, PermissionDenied
from zoning.people import StaffRecord, generate_college, parse_roster
from zoning.services import people_grid as grid
from zoning.store.campus import save_campus

ROSTER = (
    "学号,姓名,学院,年级,班级,楼栋,房间,床位,电话,角色\n"
    f"1,王一,理学院,2024,数1,{DORM1},101,1,13800000001,网格员\n"
    f"2,王二,理学院,2024,数1,{DORM1},101,2,13800000002,\n"
    f"3,王三,理学院,2024,数2,{DORM2},201,1,,班长\n"
    f"4,王四,文学院,2024,文1,{DORM2},202,1,,\n"
)
STAFF = [
    StaffRecord("李老师", "counsellor", "理学院", ("数1", "数2")),
    StaffRecord("张书记", "deputy_secretary", "理学院"),
]


@pytest.fixture
def dorms(db: Engine) -> Engine:
    save_campus(db, name=CAMPUS, layers=dorm_campus())
    grid.import_roster(db, CAMPUS, parse_roster(ROSTER), staff=STAFF, actor=ADMIN)
    return db


def _code(db: Engine, building: str = DORM1) -> str:
    return grid.current_code(db, CAMPUS, building=building, actor=ADMIN, at=NIGHT_AT)


def _checkin(db: Engine, no: str, where: tuple[float, float], **kw: object) -> object:
    lon, lat = where
    args: dict[str, object] = dict(student_no=no, lon=lon, lat=lat, accuracy_m=10.0, at=NIGHT_AT)
    args.update(kw)
    args.setdefault("code", _code(db))
    args.setdefault("actor", ADMIN)
    return grid.check_in(db, CAMPUS, **args)  # type: ignore[arg-type]


def test_roster_updates_by_number_and_marks_leavers_without_deleting(dorms: Engine) -> None:
    again = ROSTER.replace("王二", "王贰").rsplit("\n", 2)[0] + "\n"  # 4 leaves, 2 renamed
    report = grid.import_roster(dorms, CAMPUS, parse_roster(again), mark_left=True, actor=ADMIN)
    assert (report.added, report.updated, report.left) == (0, 1, 1)
    with dorms.connect() as conn:
        rows = conn.execute(sa.text("SELECT student_no, name, active FROM student")).all()
    assert sorted((r[0], r[1], bool(r[2])) for r in rows) == [
        ("1", "王一", True), ("2", "王贰", True), ("3", "王三", True), ("4", "王四", False),
    ]  # fmt: skip
    listed = grid.list_students(dorms, CAMPUS, actor=ADMIN)
    assert [s["student_no"] for s in listed] == ["1", "2", "3"]


def test_an_unknown_building_names_its_line_and_nothing_is_written(dorms: Engine) -> None:
    bad = ROSTER + "5,赵五,理学院,2024,数1,9号楼,1,1,,\n"
    with pytest.raises(InvalidInput, match=r"(?s)1 roster line.*line 6: the building '9号楼'"):
        grid.import_roster(dorms, CAMPUS, parse_roster(bad), actor=ADMIN)
    assert len(grid.list_students(dorms, CAMPUS, actor=ADMIN)) == 4


def test_the_list_is_scoped_and_phones_need_view_phones(dorms: Engine) -> None:
    def seen(who: object) -> list[tuple[str, str | None]]:
        rows = grid.list_students(dorms, CAMPUS, actor=who)  # type: ignore[arg-type]
        return [(r["student_no"], r["phone"]) for r in rows]

    counsellor = actor(Role.COUNSELLOR, person="李老师", campus=CAMPUS)
    assert seen(counsellor) == [("1", "13800000001"), ("2", "13800000002"), ("3", None)]
    deputy = actor(Role.DEPUTY_SECRETARY, person="张书记", campus=CAMPUS)
    assert [n for n, _ in seen(deputy)] == ["1", "2", "3"]
    member = actor(Role.GRID_MEMBER, person="1", campus=CAMPUS)
    assert seen(member) == [("1", None), ("2", None)]  # their building, no phones
    monitor = actor(Role.GRID_MEMBER, person="3", campus=CAMPUS)
    assert seen(monitor) == [("3", None)]  # class 数2 has only them
    with pytest.raises(PermissionDenied, match="view_students"):
        grid.list_students(dorms, CAMPUS, actor=actor(Role.STUDENT, person="2", campus=CAMPUS))


def test_checkin_refusals_each_say_why(dorms: Engine) -> None:
    with pytest.raises(InvalidInput, match="No roll call is open"):
        _checkin(dorms, "2", inside())
    grid.open_rollcall(dorms, CAMPUS, actor=ADMIN, at=NIGHT_AT)
    early = NIGHT_AT - timedelta(hours=1)
    with pytest.raises(InvalidInput, match="outside the roll-call window 21:30–23:00"):
        _checkin(dorms, "2", inside(), at=early)
    with pytest.raises(InvalidInput, match="the code is wrong or expired"):
        _checkin(dorms, "2", inside(), code=_code(dorms, DORM2))
    with pytest.raises(InvalidInput, match=r"too far from the dormitory \(≤200 m; at most 50 m"):
        _checkin(dorms, "2", metres_north(120))
    with pytest.raises(InvalidInput, match="too imprecise"):
        _checkin(dorms, "2", inside(), accuracy_m=300.0)
    other = actor(Role.STUDENT, person="4", campus=CAMPUS)
    with pytest.raises(PermissionDenied, match="only the student or their dormitory's grid"):
        _checkin(dorms, "2", inside(), actor=other)
    verdict = _checkin(dorms, "2", metres_north(30), actor=actor(Role.STUDENT, person="2"))
    assert (verdict.passed, verdict.band) == (True, "≤50 m")  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput, match="already checked in"):
        _checkin(dorms, "2", inside())
    member = actor(Role.GRID_MEMBER, person="1", campus=CAMPUS, name="gm")
    _checkin(dorms, "1", inside(), actor=member)  # the grid member themselves
    with pytest.raises(PermissionDenied, match="see the roll-call code of 2号楼"):
        grid.current_code(dorms, CAMPUS, building=DORM2, actor=member, at=NIGHT_AT)
    assert grid.current_code(dorms, CAMPUS, building=DORM1, actor=member, at=NIGHT_AT) == _code(
        dorms
    )


def test_no_coordinates_are_stored_anywhere(dorms: Engine) -> None:
    grid.open_rollcall(dorms, CAMPUS, actor=ADMIN, at=NIGHT_AT)
    lon, lat = metres_north(20)
    _checkin(dorms, "2", (lon, lat))
    columns = {c["name"] for c in sa.inspect(dorms).get_columns("rollcall_mark")}
    assert columns == {"id", "rollcall_id", "student_id", "state", "at", "band", "accuracy_m", "by"}
    with dorms.connect() as conn:
        details = (
            conn.execute(
                sa.text("SELECT detail FROM audit_event WHERE action = 'rollcall.checkin'")
            )
            .scalars()
            .all()
        )
        dumped = json.dumps(
            [list(r) for r in conn.execute(sa.text("SELECT * FROM rollcall_mark"))], default=str
        )
    assert [json.loads(d) for d in details] == [
        {"student_no": "2", "band": "≤50 m", "accuracy_m": 10.0, "on_behalf": "2"}
    ]
    for value in (f"{lon:.4f}", f"{lat:.4f}", f"{lat:.3f}"[:6] + "2"):
        assert value not in dumped + " ".join(details)


def test_the_board_counts_per_level_and_shows_lists_to_the_chain(dorms: Engine) -> None:
    grid.open_rollcall(dorms, CAMPUS, actor=ADMIN, at=NIGHT_AT)
    _checkin(dorms, "1", inside())
    grid.mark_absence(
        dorms, CAMPUS, student_no="4", reason="回家", until=date(2026, 3, 4), actor=ADMIN,
        at=NIGHT_AT,
    )  # fmt: skip
    board = grid.close_rollcall(dorms, CAMPUS, actor=ADMIN, at=NIGHT_AT + timedelta(hours=1))
    counts = {
        (r["level"], r["group"]): (r["expected"], r["present"], r["on_leave"], r["missing"])
        for rows in board["levels"].values()
        for r in rows
    }
    assert counts == {
        ("dormitory", DORM1): (2, 1, 0, 1), ("dormitory", DORM2): (2, 0, 1, 1),
        ("class", "理学院/数1"): (2, 1, 0, 1), ("class", "理学院/数2"): (1, 0, 0, 1),
        ("class", "文学院/文1"): (1, 0, 1, 0),
        ("counsellor", "李老师"): (3, 1, 0, 2), ("counsellor", "未指定"): (1, 0, 1, 0),
        ("college", "理学院"): (3, 1, 0, 2), ("college", "文学院"): (1, 0, 1, 0),
    }  # fmt: skip

    def lists(who: object) -> dict[tuple[str, str], list[str]]:
        seen = grid.rollcall_board(dorms, CAMPUS, actor=who)  # type: ignore[arg-type]
        return {
            (r["level"], r["group"]): r["missing_students"]
            for rows in seen["levels"].values()
            for r in rows
            if "missing_students" in r
        }

    member = actor(Role.GRID_MEMBER, person="1", campus=CAMPUS)
    assert lists(member) == {("dormitory", DORM1): ["2"]}
    counsellor = actor(Role.COUNSELLOR, person="李老师", campus=CAMPUS)
    assert lists(counsellor) == {
        ("class", "理学院/数1"): ["2"], ("class", "理学院/数2"): ["3"],
        ("counsellor", "李老师"): ["2", "3"],
    }  # fmt: skip
    assert lists(actor(Role.LEADERSHIP)) == {}  # counts only
    with pytest.raises(PermissionDenied):
        grid.rollcall_board(dorms, CAMPUS, actor=actor(Role.STUDENT, person="2"))
    with pytest.raises(InvalidInput, match="is closed"):
        _checkin(dorms, "2", inside())


def test_only_the_safety_office_opens_and_a_holiday_has_no_roll_call(dorms: Engine) -> None:
    from zoning.people import Rules

    counsellor = actor(Role.COUNSELLOR, person="李老师", campus=CAMPUS)
    with pytest.raises(PermissionDenied, match="belongs to the safety office"):
        grid.open_rollcall(dorms, CAMPUS, actor=counsellor, at=NIGHT_AT)
    holiday = Rules(holidays=frozenset({date(2026, 3, 2)}))
    with pytest.raises(InvalidInput, match="2026-03-02 is a holiday"):
        grid.open_rollcall(dorms, CAMPUS, actor=ADMIN, rules=holiday, at=NIGHT_AT)
    grid.open_rollcall(dorms, CAMPUS, actor=actor(Role.SAFETY_OFFICER), at=NIGHT_AT)
    with pytest.raises(InvalidInput, match="already open"):
        grid.open_rollcall(dorms, CAMPUS, actor=ADMIN, at=NIGHT_AT)


def test_a_generated_college_runs_a_night_end_to_end(db: Engine) -> None:
    save_campus(db, name=CAMPUS, layers=dorm_campus())
    report = grid.demo_roster(db, CAMPUS, students=3_000, actor=ADMIN)
    assert (report.added, report.left) == (3_000, 0)
    college = generate_college([DORM1, DORM2], students=3_000)
    grid.open_rollcall(db, CAMPUS, actor=ADMIN, at=NIGHT_AT)
    codes = {b: _code(db, b) for b in (DORM1, DORM2)}
    here = {DORM1: inside(), DORM2: (inside()[0] + 0.004, inside()[1] + 0.004)}
    away = college.students[::50]  # 60 on leave
    for s in away:
        grid.mark_absence(
            db, CAMPUS, student_no=s.student_no, reason="实习", until=date(2026, 3, 9),
            actor=ADMIN, at=NIGHT_AT,
        )  # fmt: skip
    absent = {s.student_no for s in away}
    for i, s in enumerate(college.students[:600]):  # every 7th one does not check in
        if i % 7 and s.student_no not in absent:
            _checkin(db, s.student_no, here[s.building], code=codes[s.building])
    board = grid.close_rollcall(db, CAMPUS, actor=ADMIN, at=NIGHT_AT + timedelta(minutes=50))
    for level, rows in board["levels"].items():
        total = [sum(r[k] for r in rows) for k in ("expected", "present", "on_leave", "missing")]
        present = sum(
            1 for i, s in enumerate(college.students[:600]) if i % 7 and s.student_no not in absent
        )
        assert total == [3_000, present, 60, 3_000 - present - 60], level
        assert all(r["expected"] == r["present"] + r["on_leave"] + r["missing"] for r in rows)
    counsellors = {r.name for r in college.staff if r.role == "counsellor"}
    assert {r["group"] for r in board["levels"]["counsellor"]} == counsellors
