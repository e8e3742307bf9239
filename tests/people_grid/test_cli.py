"""``campusgrid students`` and ``rollcall`` on a real SpatiaLite file: the code alone on the
last line, a refused check-in is one line and exit code 2, the board as JSON."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.people_grid.dorms import CAMPUS, DORM1, dorm_campus, inside
from zoning.cli import app
from zoning.store.campus import save_campus
from zoning.store.engine import open_engine

runner = CliRunner()
AT = "2026-03-02T22:00"


def test_a_night_from_the_command_line(tmp_path: Path, sqlite_url: str) -> None:
    save_campus(open_engine(sqlite_url), name=CAMPUS, layers=dorm_campus())
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "student_no,name,college,grade,class,building,room,bed,phone,roles\n"
        f"1,王一,理学院,2024,数1,{DORM1},101,1,,网格员\n2,王二,理学院,2024,数1,{DORM1},101,2,,\n",
        encoding="utf-8",
    )
    db = ["--db", sqlite_url]
    done = runner.invoke(app, ["students", "import", CAMPUS, str(roster), *db])
    assert done.exit_code == 0, done.output
    assert "2 students added, 0 updated, 0 marked left" in done.output
    assert runner.invoke(app, ["rollcall", "open", CAMPUS, "--at", AT, *db]).exit_code == 0
    shown = runner.invoke(app, ["rollcall", "code", CAMPUS, "--building", DORM1, "--at", AT, *db])
    code = shown.output.strip().splitlines()[-1]
    assert len(code) == 6 and code.isdigit()
    lon, lat = inside()
    base = ["rollcall", "checkin", CAMPUS, "--lon", str(lon), "--lat", str(lat), "--at", AT]
    wrong = "000000" if code != "000000" else "111111"
    refused = runner.invoke(
        app, [*base, "--student", "1", "--accuracy-m", "10", "--code", wrong, *db]
    )
    assert refused.exit_code == 2
    assert refused.output.strip() == (
        f"error: Check-in refused: the code is wrong or expired; read the current code from "
        f"the grid member of {DORM1}."
    )
    ok = runner.invoke(app, [*base, "--student", "1", "--accuracy-m", "10", "--code", code, *db])
    assert ok.exit_code == 0 and "1: present (in, accuracy 10 m)" in ok.output
    closed = runner.invoke(
        app, ["rollcall", "close", CAMPUS, "--at", "2026-03-02T23:05", "--json", *db]
    )
    assert closed.exit_code == 0, closed.output
    board = runner.invoke(app, ["rollcall", "board", CAMPUS, "--json", *db])
    assert '"missing_students": [\n' in board.output and '"2"' in board.output
