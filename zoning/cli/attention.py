"""``campusgrid attention add|visit|list|due`` (key students, 重点关注) and ``campusgrid duty``
(the grid members' duty records per term)."""

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

attention_app = typer.Typer(help="Key students: the counsellor's list, visits, reminders.")
StudentOption = Annotated[str, typer.Option("--student", help="The student number.")]
AtOption = Annotated[
    str | None, typer.Option("--at", help="The time (ISO, local when no offset; default now).")
]


def _print(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print_json(rows)
        return
    for r in rows:
        due = f"\t{'; '.join(r['due'])}" if "due" in r else ""
        typer.echo(
            f"{r['student_no']}\t{r['name']}\t{r['class']}\t{r['counsellor']}\t{r['reason']}\t"
            f"last visit {r['last_visit'] or 'never'}{due}"
        )
    typer.echo(f"{len(rows)} key student(s)")


@attention_app.command("add")
def add(
    campus: CampusArg,
    student: StudentOption,
    reason: Annotated[str, typer.Option("--reason", help="Why they need attention.")],
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Put a student on the key-student list (their counsellor, deputy secretary, office)."""
    from zoning.services import attention

    when = run(lambda: parse_time(at, what="--at"))
    run(
        lambda: attention.add(
            engine_for(db), campus, student_no=student, reason=reason, actor=acting(db), at=when
        )
    )
    typer.echo(f"{student}: on the key-student list")


@attention_app.command("visit")
def visit(
    campus: CampusArg,
    student: StudentOption,
    note: Annotated[str, typer.Option("--note", help="What the visit found.")],
    on: Annotated[str | None, typer.Option("--on", help="The day (default today).")] = None,
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Log a visit (走访) to a key student."""
    from zoning.clock import local_day, utcnow
    from zoning.services import attention

    when = run(lambda: parse_time(at, what="--at"))
    day = run(lambda: parse_day(on, what="--on")) or local_day(when or utcnow())
    run(
        lambda: attention.visit(
            engine_for(db), campus, student_no=student, visited_on=day, note=note,
            actor=acting(db), at=when,
        )
    )  # fmt: skip
    typer.echo(f"{student}: visit of {day} logged")


@attention_app.command("list")
def list_(
    campus: CampusArg, at: AtOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """List the key students you may see (this view is audited)."""
    from zoning.services import attention

    when = run(lambda: parse_time(at, what="--at"))
    rows = run(lambda: attention.list_attention(engine_for(db), campus, actor=acting(db), at=when))
    _print(rows, as_json)


@attention_app.command("due")
def due(
    campus: CampusArg,
    days: Annotated[int, typer.Option("--days", help="Days without a visit before due.")] = 14,
    at: AtOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the key students due a visit: none for --days days, or a missed roll call."""
    from zoning.services import attention

    when = run(lambda: parse_time(at, what="--at"))
    rows = run(
        lambda: attention.due_for(engine_for(db), campus, actor=acting(db), at=when, days=days)
    )
    _print(rows, as_json)


def duty(
    campus: CampusArg,
    since: Annotated[str, typer.Option("--since", help="The term's first day (YYYY-MM-DD).")],
    until: Annotated[str, typer.Option("--until", help="The term's last day.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write an .xlsx workbook (Chinese headers).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The grid members' duty records for a term: roll-call nights, check-ins for others,
    leaves marked, whereabouts verified, returns marked."""
    from zoning.services import duty as records

    if out is not None and out.suffix.lower() != ".xlsx":
        fail(f"--out {out} must end in .xlsx.")
    first = run(lambda: parse_day(since, what="--since"))
    last = run(lambda: parse_day(until, what="--until"))
    assert first is not None and last is not None
    rows = run(
        lambda: records.duty_records(
            engine_for(db), campus, since=first, until=last, actor=acting(db)
        )
    )
    if out is not None:
        try:
            out.write_bytes(records.duty_workbook(rows, campus=campus, since=first, until=last))
        except OSError as exc:
            fail(f"cannot write {out}: {exc.strerror}.")
        typer.echo(f"wrote {out}")
    elif as_json:
        print_json(rows)
    else:
        for r in rows:
            typer.echo(
                f"{r['student_no']}\t{r['name']}\t{r['building']}\tnights {r['nights_complete']}"
                f"/{r['nights']} complete\tcheck-ins {r['checkins']}\tleaves {r['leaves']}\t"
                f"verified {r['verified']}\treturns {r['returned']}"
            )
