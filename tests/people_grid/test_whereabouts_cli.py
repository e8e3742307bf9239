"""``campusgrid whereabouts``, ``attention`` and ``duty`` on a real SpatiaLite file: a
holiday from the command line, the workbook written, a refusal as one line and exit 2."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.people_grid.college import build_college
from tests.people_grid.dorms import CAMPUS
from zoning.cli import app
from zoning.store.engine import open_engine

runner = CliRunner()


def test_a_holiday_and_key_students_from_the_command_line(tmp_path: Path, sqlite_url: str) -> None:
    college = build_college(open_engine(sqlite_url), 40)
    first, second = college.students[0].student_no, college.students[1].student_no
    db = ["--db", sqlite_url]
    h = ["whereabouts"]

    def ok(*args: str) -> str:
        done = runner.invoke(app, [*args, *db])
        assert done.exit_code == 0, done.output
        return done.output

    added = ok(*h, "holiday-add", CAMPUS, "--name", "国庆", "--starts", "2026-10-01",
               "--ends", "2026-10-07", "--return-by", "2026-10-07")  # fmt: skip
    assert "国庆 2026-10-01 – 2026-10-07, back by 2026-10-07" in added
    declared = ok(*h, "declare", CAMPUS, "国庆", "--student", first, "--plan", "travelling",
                  "--destination", "国外", "--contact", "139",
                  "--at", "2026-09-20T10:00")  # fmt: skip
    assert f"{first}: travelling (travelling alone; destination outside" in declared
    ok(*h, "declare", CAMPUS, "国庆", "--student", second, "--plan", "home",
       "--at", "2026-09-20T10:00")  # fmt: skip
    ok(*h, "verify", CAMPUS, "国庆", "--student", first, "--at", "2026-09-21T10:00")
    ok(*h, "returned", CAMPUS, "国庆", "--student", second, "--at", "2026-10-07T18:00")
    missing = ok(*h, "missing", CAMPUS, "国庆", "--at", "2026-10-08T09:00")
    assert (
        missing.splitlines()[-1] == "39 listed; 1 back, 0 stayed, 39 not back, 39 unaccounted of 40"
    )
    ok(*h, "followup", CAMPUS, "国庆", "--student", first, "--contacted", "父亲", "--reason",
       "航班延误", "--expected-return", "2026-10-09", "--escalate",
       "--at", "2026-10-08T10:00")  # fmt: skip
    flagged = ok(*h, "missing", CAMPUS, "国庆", "--what", "flagged", "--at", "2026-10-08T11:00")
    assert flagged.splitlines()[0].startswith(f"{first}\t") and "escalated" in flagged
    out = tmp_path / "国庆.xlsx"
    ok(*h, "export", CAMPUS, "国庆", "--out", str(out))
    assert load_workbook(out).sheetnames == ["去向", "返校统计", "跟进"]
    # A refusal is one line and exit code 2.
    refused = runner.invoke(app, [*h, "verify", CAMPUS, "国庆", "--student", "nobody", *db])
    assert refused.exit_code == 2
    assert refused.output.strip() == (
        "error: No student numbered 'nobody': check the number, or import them."
    )
    late = runner.invoke(app, [*h, "returned", CAMPUS, "国庆", "--student", first, "--at",
                               "2026-09-30T10:00", *db])  # fmt: skip
    assert late.exit_code == 2
    assert late.output.strip() == "error: 国庆 starts on 2026-10-01: nobody is back yet."

    ok("attention", "add", CAMPUS, "--student", first, "--reason", "假期未按时返校",
       "--at", "2026-10-08T12:00")  # fmt: skip
    ok("attention", "visit", CAMPUS, "--student", first, "--note", "已返校谈话", "--on",
       "2026-10-09", "--at", "2026-10-09T12:00")  # fmt: skip
    listed = ok("attention", "list", CAMPUS, "--at", "2026-10-09T13:00")
    assert "last visit 2026-10-09" in listed and listed.splitlines()[-1] == "1 key student(s)"
    due = ok("attention", "due", CAMPUS, "--days", "7", "--at", "2026-10-20T12:00")
    assert "no visit for 11 days" in due
    sheet = tmp_path / "duty.xlsx"
    assert "wrote" in ok("duty", CAMPUS, "--since", "2026-09-01", "--until", "2027-01-31",
                         "--out", str(sheet))  # fmt: skip
    assert load_workbook(sheet).sheetnames == ["网格员履职"]
