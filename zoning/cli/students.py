"""``campusgrid students import|list|demo``: the people grid's roster (学生网格).

The roster and staff CSV formats are in :mod:`zoning.people.roster`; the README's "People
grid" section shows them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoning.cli.common import CampusArg, DbOption, JsonOption, acting, engine_for, print_json, run

students_app = typer.Typer(help="The students of the people grid: import, list, demo.")


def _report(campus: str, report: object, as_json: bool) -> None:
    from dataclasses import asdict

    data = {"campus": campus, **asdict(report)}  # type: ignore[call-overload]
    if as_json:
        print_json(data)
        return
    staff = "" if data["staff_links"] is None else f", {data['staff_links']} staff links"
    typer.echo(
        f"{campus}: {data['added']} students added, {data['updated']} updated, "
        f"{data['left']} marked left{staff}"
    )


@students_app.command("import")
def import_students(
    campus: CampusArg,
    roster: Annotated[Path, typer.Argument(help="Roster CSV (学号,姓名,学院,年级,班级,楼栋…).")],
    staff: Annotated[
        Path | None, typer.Option("--staff", help="Staff CSV: name,role,college,classes.")
    ] = None,
    mark_left: Annotated[
        bool, typer.Option("--mark-left", help="Mark students missing from the file as left.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import the roster in one transaction: update by student number, never delete."""
    from zoning.people import read_roster, read_staff
    from zoning.services import people_grid

    students = run(lambda: read_roster(roster))
    links = run(lambda: read_staff(staff)) if staff else None
    report = run(
        lambda: people_grid.import_roster(
            engine_for(db), campus, students, staff=links, mark_left=mark_left, actor=acting(db)
        )
    )
    _report(campus, report, as_json)


@students_app.command("demo")
def demo_students(
    campus: CampusArg,
    students: Annotated[int, typer.Option("--students", help="How many students.")] = 2_000,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fill the campus's dormitory buildings with a generated college (classes of ~30,
    counsellors of ~8 classes, a grid member per building, a monitor per class)."""
    from zoning.services import people_grid

    report = run(
        lambda: people_grid.demo_roster(engine_for(db), campus, students=students, actor=acting(db))
    )
    _report(campus, report, as_json)


@students_app.command("list")
def list_students(campus: CampusArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the students you answer for (phones only with view_phones)."""
    from zoning.services import people_grid

    rows = run(lambda: people_grid.list_students(engine_for(db), campus, actor=acting(db)))
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"{campus}: no students you answer for (import with `students import`).")
    for r in rows:
        typer.echo(
            f"{r['student_no']}\t{r['name']}\t{r['college']}\t{r['class']}\t"
            f"{r['building']} {r['room'] or ''}\t{r['counsellor']}"
        )
