"""``campusgrid rollcall open|code|checkin|leave|away|close|board``: the nightly roll call
(晚点名) of the people grid."""

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
    parse_day,
    parse_time,
    print_json,
    run,
)

rollcall_app = typer.Typer(help="The nightly roll call: open, codes, check-in, leave, board.")
AtOption = Annotated[
    str | None, typer.Option("--at", help="The time (ISO, local when no offset; default now).")
]


def _print_board(board: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(board)
        return
    state = "closed" if board["closed"] else "open"
    typer.echo(f"roll call of {board['night']} ({state})")
    for level, rows in board["levels"].items():
        for r in rows:
            missing = r.get("missing_students")
            names = f"\t{' '.join(missing)}" if missing else ""
            typer.echo(
                f"{level}\t{r['group']}\texpected {r['expected']}\tpresent {r['present']}\t"
                f"on leave {r['on_leave']}\tmissing {r['missing']}{names}"
            )


@rollcall_app.command("open")
def open_(
    campus: CampusArg,
    at: AtOption = None,
    window: Annotated[
        str, typer.Option("--window", help="The window, local HH:MM-HH:MM.")
    ] = "21:30-23:00",
    college_window: Annotated[
        list[str] | None,
        typer.Option("--college-window", help="A college's own window: COLLEGE=HH:MM-HH:MM."),
    ] = None,
    holidays: Annotated[
        Path | None,
        typer.Option("--holidays", help="A text file of holiday dates (YYYY-MM-DD, one a line)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open tonight's roll call (refused on a holiday or when already open)."""
    from datetime import date

    from zoning.errors import InvalidInput
    from zoning.people import Rules, Window
    from zoning.services import people_grid

    def rules() -> Rules:
        colleges = {}
        for item in college_window or []:
            name, _, text = item.partition("=")
            if not name.strip() or not text:
                raise InvalidInput(f"--college-window {item!r} is not COLLEGE=HH:MM-HH:MM.")
            colleges[name.strip()] = Window.parse(text, what="--college-window")
        days: set[date] = set()
        if holidays is not None:
            try:
                lines = holidays.read_text("utf-8-sig").splitlines()
            except OSError as exc:
                raise InvalidInput(f"--holidays {holidays}: {exc.strerror}.") from None
            for n, line in enumerate(lines, 1):
                if line.strip():
                    days.add(parse_day(line, what=f"{holidays.name} line {n}:") or date.min)
        return Rules(Window.parse(window), colleges, frozenset(days))

    when = run(lambda: parse_time(at, what="--at"))
    opened = run(
        lambda: people_grid.open_rollcall(
            engine_for(db), campus, actor=acting(db), rules=rules(), at=when
        )
    )
    if as_json:
        print_json(opened)
        return
    typer.echo(
        f"{campus}: roll call of {opened['night']} open, window {opened['window']}, "
        f"{opened['expected']} students expected"
    )


@rollcall_app.command("code")
def code(
    campus: CampusArg,
    building: Annotated[str, typer.Option("--building", help="The dormitory building's name.")],
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Print the building's current rotating code, alone on the last line."""
    from zoning.people.rollcall import CODE_STEP_S
    from zoning.services import people_grid

    when = run(lambda: parse_time(at, what="--at"))
    shown = run(
        lambda: people_grid.current_code(
            engine_for(db), campus, building=building, actor=acting(db), at=when
        )
    )
    typer.echo(f"{building}: changes every {CODE_STEP_S // 60} minutes")
    typer.echo(shown)


@rollcall_app.command("checkin")
def checkin(
    campus: CampusArg,
    student: Annotated[str, typer.Option("--student", help="The student number.")],
    lon: Annotated[float, typer.Option("--lon", help="Longitude (WGS 84).")],
    lat: Annotated[float, typer.Option("--lat", help="Latitude (WGS 84).")],
    accuracy_m: Annotated[float, typer.Option("--accuracy-m", help="The fix's accuracy (m).")],
    code: Annotated[str, typer.Option("--code", help="The building's rotating code.")],
    at: AtOption = None,
    db: DbOption = None,
) -> None:
    """Check a student in (exit 2 with the reason when refused)."""
    from zoning.services import people_grid

    when = run(lambda: parse_time(at, what="--at"))
    verdict = run(
        lambda: people_grid.check_in(
            engine_for(db), campus, student_no=student, lon=lon, lat=lat,
            accuracy_m=accuracy_m, code=code, actor=acting(db), at=when,
        )
    )  # fmt: skip
    typer.echo(f"{student}: present ({verdict.band}, accuracy {verdict.accuracy_m:.0f} m)")


def _absence(kind: str, campus: str, student: str, reason: str, until: str, db: str | None) -> None:
    from zoning.services import people_grid

    day = run(lambda: parse_day(until, what="--until"))
    assert day is not None
    run(
        lambda: people_grid.mark_absence(
            engine_for(db), campus, student_no=student, reason=reason, until=day, kind=kind,
            actor=acting(db),
        )
    )  # fmt: skip
    typer.echo(f"{student}: {kind} until {day}")


@rollcall_app.command("leave")
def leave(
    campus: CampusArg,
    student: Annotated[str, typer.Option("--student", help="The student number.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (请假事由).")],
    until: Annotated[str, typer.Option("--until", help="The last day of the leave.")],
    db: DbOption = None,
) -> None:
    """Mark a student on leave (请假) up to a date."""
    _absence("leave", campus, student, reason, until, db)


@rollcall_app.command("away")
def away(
    campus: CampusArg,
    student: Annotated[str, typer.Option("--student", help="The student number.")],
    reason: Annotated[str, typer.Option("--reason", help="Where and why (在外).")],
    until: Annotated[str, typer.Option("--until", help="The last day away.")],
    db: DbOption = None,
) -> None:
    """Mark a student away with approval (在外) up to a date."""
    _absence("away", campus, student, reason, until, db)


@rollcall_app.command("close")
def close(
    campus: CampusArg, at: AtOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Close tonight's roll call: the unmarked are missing; print the board."""
    from zoning.services import people_grid

    when = run(lambda: parse_time(at, what="--at"))
    board = run(
        lambda: people_grid.close_rollcall(engine_for(db), campus, actor=acting(db), at=when)
    )
    _print_board(board, as_json)


@rollcall_app.command("board")
def board(
    campus: CampusArg,
    night: Annotated[
        str | None, typer.Option("--night", help="The night (default: latest).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the night's counts per dormitory, class, counsellor and college."""
    from zoning.services import people_grid

    day = run(lambda: parse_day(night, what="--night"))
    result = run(
        lambda: people_grid.rollcall_board(engine_for(db), campus, actor=acting(db), night=day)
    )
    _print_board(result, as_json)
