"""The demo has a people grid: a generated college in the demo's dormitories, tonight's
roll call about 80 % checked in and a holiday with declarations (both backends); the CLI's
``--students 0`` seeds none."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from tests.actors import ADMIN
from zoning.cli import app
from zoning.people import Rules, generate_college
from zoning.people.demo_activity import demo_holiday, draw_declarations, draw_night
from zoning.services import demo, people_grid, whereabouts
from zoning.store import people_grid as repo
from zoning.store.campus import campus_id

N = 300
#: 15:00 in Beijing: tonight's window has not opened, so the roll call is last night's.
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def test_the_small_demo_has_a_people_grid(db: Engine) -> None:
    summary = demo.seed_demo(db, actor=ADMIN, history_days=0, students=N, now=NOW)
    with db.connect() as conn:
        dorms = repo.dormitory_names(conn, campus_id(conn, summary.name))
    assert len(dorms) >= 2
    roster = people_grid.list_students(db, summary.name, actor=ADMIN)
    assert len(roster) == N
    assert {r["building"] for r in roster} <= set(dorms)
    assert all(r["counsellor"] for r in roster)  # every class has its counsellor
    roles = Counter(role for r in roster for role in r["roles"])
    assert roles["网格员"] == len({r["building"] for r in roster})  # one per building used

    college = generate_college(dorms, students=N, seed=20)
    night = draw_night(college.students, seed=20)
    board = people_grid.rollcall_board(db, summary.name, actor=ADMIN)
    assert board["night"] == "2026-03-01" and not board["closed"]  # last night, still open
    totals = {
        k: sum(int(r[k]) for r in board["levels"]["college"])
        for k in ("expected", "present", "on_leave", "missing")
    }
    assert totals == {
        "expected": N,
        "present": len(night.present),
        "on_leave": len(night.on_leave),
        "missing": N - len(night.present) - len(night.on_leave),
    }
    assert 0.7 < totals["present"] / N < 0.9

    (holiday,) = whereabouts.holidays(db, summary.name, actor=ADMIN)
    expected_holiday = demo_holiday(datetime(2026, 3, 2).date())
    assert holiday["starts"] == expected_holiday.starts.isoformat()
    declared = draw_declarations(college.students, expected_holiday, seed=20)
    counts = whereabouts.returns_board(db, summary.name, holiday["name"], actor=ADMIN, at=NOW)
    assert counts["total"]["expected"] == N
    assert counts["total"]["declared"] == len(declared)
    assert counts["total"]["staying"] == sum(d.plan == "staying" for _, d in declared)
    assert counts["total"]["flagged"] > 0  # some travel alone or come back late


def test_the_roll_call_is_tonights_once_the_window_opened(db: Engine) -> None:
    evening = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 22:00 in Beijing
    summary = demo.seed_demo(db, actor=ADMIN, history_days=0, students=40, now=evening)
    board = people_grid.rollcall_board(db, summary.name, actor=ADMIN)
    assert board["night"] == Rules().night_of(evening).isoformat() == "2026-03-02"


def test_demo_students_0_seeds_none(sqlite_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["demo", "--students", "0", "--db", sqlite_url])
    assert done.exit_code == 0, done.output
    listed = runner.invoke(app, ["students", "list", "demo", "--json", "--db", sqlite_url])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.strip() == "[]"


def test_demo_refuses_a_negative_number_of_students(sqlite_url: str) -> None:
    done = CliRunner().invoke(app, ["demo", "--students", "-1", "--db", sqlite_url])
    assert done.exit_code == 2
    assert "--students -1 is negative" in done.output
