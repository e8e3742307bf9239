"""``campusgrid whereabouts holiday-add|declare|verify|missing|returned|followup|export``:
holiday whereabouts and returns (假期去向、返校) of the people grid."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from zoning.cli.common import (
    CampusArg,
    DbOption,
    JsonOption,
    acting,
    engine_for,
    fail,
    parse_day,
    parse_time,
    print_json,
    run,
)

whereabouts_app = typer.Typer(help="Holiday whereabouts and returns: declare, verify, follow up.")
HolidayArg = Annotated[str, typer.Argument(help="The holiday's name, as added.")]
StudentOption = Annotated[str, typer.Option("--student", help="The student number.")]
AtOption = Annotated[
    str | None, typer.Option("--at", help="The time (ISO, local when no offset; default now).")
]


def _day(text: str | None, what: str) -> Any:
    return run(lambda: parse_day(text, what=what))


@whereabouts_app.command("holiday-add")
def holiday_add(
    campus: CampusArg,
    name: Annotated[str, typer.Option("--name", help="The holiday's name, e.g. 2026寒假.")],
    starts: Annotated[str, typer.Option("--starts", help="Its first day (YYYY-MM-DD).")],
    ends: Annotated[str, typer.Option("--ends", help="Its last day.")],
    return_by: Annotated[str, typer.Option("--return-by", help="The day all must be back by.")],
    db: DbOption = None,
) -> None:
    """Add a holiday with its return deadline."""
    from zoning.people.whereabouts import Holiday
    from zoning.services import whereabouts

    holiday = run(
        lambda: Holiday(name.strip(), _day(starts, "--starts"), _day(ends, "--ends"),
                        _day(return_by, "--return-by"))
    )  # fmt: skip
    added = run(lambda: whereabouts.add_holiday(engine_for(db), campus, holiday, actor=acting(db)))
    typer.echo(
        f"{campus}: {added['holiday']} {added['starts']} – {added['ends']}, "
        f"back by {added['return_by']}"
    )


@whereabouts_app.command("declare")
def declare(
    campus: CampusArg,
    holiday: HolidayArg,
    student: StudentOption,
    plan: Annotated[str, typer.Option("--plan", help="staying, home or travelling.")],
    destination: Annotated[
        str | None, typer.Option("--destination", help="Where to (travelling).")
    ] = None,
    leave_on: Annotated[str | None, typer.Option("--leave-on", help="Leaving day.")] = None,
    return_on: Annotated[str | None, typer.Option("--return-on", help="Return day.")] = None,
    companions: Annotated[
        str | None, typer.Option("--companions", help="Who travels with them (none: alone).")
    ] = None,
    contact: Annotated[
        str | None, typer.Option("--contact", help="A phone or person to reach.")
    ] = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Declare a student's whereabouts; prints the risk flags the counsellor will see."""
    from zoning.people.whereabouts import FLAGS, declaration
    from zoning.services import whereabouts

    decl = run(
        lambda: declaration(
            plan, destination=destination, leave_on=_day(leave_on, "--leave-on"),
            return_on=_day(return_on, "--return-on"), companions=companions, contact=contact,
        )
    )  # fmt: skip
    when = run(lambda: parse_time(at, what="--at"))
    flags = run(
        lambda: whereabouts.declare(
            engine_for(db), campus, holiday, student_no=student, declaration=decl,
            actor=acting(db), at=when,
        )
    )  # fmt: skip
    flagged = "; ".join(FLAGS[f] for f in flags) or "no risk flagged"
    typer.echo(f"{student}: {decl.plan} ({flagged})")


@whereabouts_app.command("verify")
def verify(
    campus: CampusArg, holiday: HolidayArg, student: StudentOption, at: AtOption = None,
    db: DbOption = None,
) -> None:  # fmt: skip
    """Verify a student's declaration (their dorm grid member or class)."""
    from zoning.services import whereabouts

    when = run(lambda: parse_time(at, what="--at"))
    run(
        lambda: whereabouts.verify(
            engine_for(db), campus, holiday, student_no=student, actor=acting(db), at=when
        )
    )
    typer.echo(f"{student}: verified")


@whereabouts_app.command("returned")
def returned(
    campus: CampusArg, holiday: HolidayArg, student: StudentOption, at: AtOption = None,
    db: DbOption = None,
) -> None:  # fmt: skip
    """Mark a student back on campus after the holiday."""
    from zoning.services import whereabouts

    when = run(lambda: parse_time(at, what="--at"))
    run(
        lambda: whereabouts.mark_returned(
            engine_for(db), campus, holiday, student_no=student, actor=acting(db), at=when
        )
    )
    typer.echo(f"{student}: back")


@whereabouts_app.command("missing")
def missing(
    campus: CampusArg,
    holiday: HolidayArg,
    what: Annotated[
        str,
        typer.Option("--what", help="undeclared, unverified, flagged or not_back."),
    ] = "not_back",
    at: AtOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the students of your part who have not declared, are unverified, are flagged or
    are not back (with their status and the last follow-up); then the class counts."""
    from zoning.services import whereabouts

    when = run(lambda: parse_time(at, what="--at"))
    engine = engine_for(db)
    rows = run(
        lambda: whereabouts.missing(
            engine, campus, holiday, what=what.replace("-", "_"), actor=acting(db), at=when
        )
    )
    board = run(
        lambda: whereabouts.returns_board(engine, campus, holiday, actor=acting(db), at=when)
    )
    if as_json:
        print_json({"students": rows, "returns": board})
        return
    for r in rows:
        extra = ", ".join(r["flags"]) if what == "flagged" else (r["last_note"] or "")
        typer.echo(
            f"{r['student_no']}\t{r['name']}\t{r['class']}\t{r['building']}\t"
            f"{r['counsellor']}\t{r['status']}\t{extra}".rstrip()
        )
    total = board["total"]
    typer.echo(
        f"{len(rows)} listed; {total['returned']} back, {total['staying']} stayed, "
        f"{total['not_back']} not back, {total['unaccounted']} unaccounted of "
        f"{total['expected']}" + (" — everyone accounted for" if board["all_accounted"] else "")
    )


@whereabouts_app.command("followup")
def followup(
    campus: CampusArg,
    holiday: HolidayArg,
    student: StudentOption,
    contacted: Annotated[
        str, typer.Option("--contacted", help="Who was contacted (e.g. 母亲, by phone).")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why they are not back.")],
    expected_return: Annotated[
        str | None, typer.Option("--expected-return", help="When they expect to be back.")
    ] = None,
    escalate: Annotated[
        bool, typer.Option("--escalate", help="Hand the student to the counsellor.")
    ] = False,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Note a contact about a student not back (and escalate to the counsellor)."""
    from zoning.services import whereabouts

    day = _day(expected_return, "--expected-return")
    when = run(lambda: parse_time(at, what="--at"))
    run(
        lambda: whereabouts.follow_up(
            engine_for(db), campus, holiday, student_no=student, contacted=contacted,
            reason=reason, expected_return=day, escalate=escalate, actor=acting(db), at=when,
        )
    )  # fmt: skip
    typer.echo(f"{student}: followed up" + (", escalated to the counsellor" if escalate else ""))


@whereabouts_app.command("export")
def export(
    campus: CampusArg,
    holiday: HolidayArg,
    out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Write the college's workbook (去向, 返校统计, 跟进; Chinese headers)."""
    from zoning.services import whereabouts

    if out.suffix.lower() != ".xlsx":
        fail(f"--out {out} must end in .xlsx.")
    when = run(lambda: parse_time(at, what="--at"))
    data = run(
        lambda: whereabouts.export_workbook(
            engine_for(db), campus, holiday, actor=acting(db), at=when
        )
    )
    try:
        out.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}.")
    typer.echo(f"wrote {out}")
