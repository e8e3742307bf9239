"""Accounts linked to the roster: ``users add --role student --student NO`` (and a counsellor
by their staff name) on a real SpatiaLite file; an unknown link is one line and exit 2; a
student account sees and does only its own rows."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.actors import ADMIN
from tests.people_grid.dorms import CAMPUS, DORM1, NIGHT_AT, dorm_campus, inside
from zoning.cli import app
from zoning.errors import InvalidInput, PermissionDenied
from zoning.people import StaffRecord, parse_roster
from zoning.services import accounts, whereabouts
from zoning.services import people_grid as grid
from zoning.store.campus import save_campus
from zoning.store.engine import open_engine

runner = CliRunner()
PASSWORD = "a-long-student-password-1\n"
ROSTER = (
    "student_no,name,college,grade,class,building,room,bed,phone,roles\n"
    f"1,王一,理学院,2024,数1,{DORM1},101,1,,网格员\n2,王二,理学院,2024,数1,{DORM1},101,2,,\n"
    f"3,王三,理学院,2024,数1,{DORM1},102,1,,\n"
)


@pytest.fixture
def url(sqlite_url: str) -> str:
    engine = open_engine(sqlite_url)
    save_campus(engine, name=CAMPUS, layers=dorm_campus())
    staff = [StaffRecord("李老师", "counsellor", "理学院", ("数1",))]
    grid.import_roster(engine, CAMPUS, parse_roster(ROSTER), staff=staff, actor=ADMIN)
    engine.dispose()
    return sqlite_url


def add(url: str, *args: str) -> tuple[int, str]:
    done = runner.invoke(
        app,
        ["users", "add", *args, "--password-stdin", "--db", url],
        input=PASSWORD,
    )
    return done.exit_code, done.output.strip()


def test_student_and_staff_accounts_link_to_the_roster(url: str) -> None:
    assert add(url, "s2", "--role", "student", "--campus", CAMPUS, "--student", "2")[0] == 0
    assert add(url, "li", "--role", "counsellor", "--campus", CAMPUS, "--person", "李老师")[0] == 0
    code, out = add(url, "s9", "--role", "student", "--campus", CAMPUS, "--student", "9")
    assert code == 2 and out.splitlines() == [
        f"error: '9' is not a student number of campus '{CAMPUS}': check it "
        f"(`campusgrid students list {CAMPUS}`)."
    ]
    code, out = add(url, "zz", "--role", "counsellor", "--campus", CAMPUS, "--person", "王一")
    assert code == 2 and "is not a counsellor of campus" in out and len(out.splitlines()) == 1
    code, out = add(url, "s0", "--role", "student")
    assert code == 2 and out == (
        "error: A student account stands for someone of the roster: pass --campus and "
        "--student NUMBER."
    )
    code, out = add(url, "s1", "--role", "planner", "--campus", CAMPUS, "--student", "1")
    assert code == 2 and "--student belongs to a student or grid_member account" in out


def test_a_student_account_acts_only_for_itself(url: str) -> None:
    assert add(url, "s2", "--role", "student", "--campus", CAMPUS, "--student", "2")[0] == 0
    engine = open_engine(url)
    me = accounts.actor_named(engine, "s2")
    grid.open_rollcall(engine, CAMPUS, actor=ADMIN, at=NIGHT_AT)
    code = grid.current_code(engine, CAMPUS, building=DORM1, actor=ADMIN, at=NIGHT_AT)
    lon, lat = inside()
    with pytest.raises(PermissionDenied):
        grid.check_in(
            engine, CAMPUS, student_no="3", lon=lon, lat=lat, accuracy_m=10.0, code=code,
            actor=me, at=NIGHT_AT,
        )  # fmt: skip
    verdict = grid.check_in(
        engine, CAMPUS, student_no="2", lon=lon, lat=lat, accuracy_m=10.0, code=code,
        actor=me, at=NIGHT_AT,
    )  # fmt: skip
    assert verdict.passed
    with pytest.raises(PermissionDenied):
        grid.list_students(engine, CAMPUS, actor=me)
    with pytest.raises(PermissionDenied):
        grid.rollcall_board(engine, CAMPUS, actor=me)
    with pytest.raises((PermissionDenied, InvalidInput)):
        whereabouts.missing(engine, CAMPUS, "none", actor=me)
    engine.dispose()


def test_the_help_names_the_roster_roles() -> None:
    shown = runner.invoke(app, ["users", "add", "--help"], env={"COLUMNS": "200"})
    assert "--student" in shown.output and "counsellor" in shown.output
