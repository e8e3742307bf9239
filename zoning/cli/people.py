"""``campusgrid people import|list``: the chain of responsibility of a campus.

A campus imported from OpenStreetMap has nobody in it; these commands add the grid owners
(网格员), zone leaders, the safety office and leadership from a CSV (see
:mod:`zoning.campus.people`), so that ``assign-owners`` and escalation have people to work with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from zoning.cli.common import (
    CampusArg,
    DbOption,
    JsonOption,
    acting,
    engine_for,
    print_json,
    run,
)

people_app = typer.Typer(help="People of the chain of responsibility: import and list.")


@people_app.command("import")
def import_people(
    campus: CampusArg,
    csv_file: Annotated[
        Path, typer.Argument(help="CSV with columns name,role[,quarter,phone] (UTF-8).")
    ],
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="A person of the campus (or of the file) whose paper list it is (audited on "
            "their behalf; default: the acting account).",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add people from a CSV (roles: owner/网格员, zone_leader/片区负责人, safety_office/安全办,
    leadership/校领导); people already there (same name) are updated, nobody is removed."""
    from zoning import services
    from zoning.campus.people import read_people_csv

    people = run(lambda: read_people_csv(csv_file))
    added, updated = run(
        lambda: services.upsert_people(engine_for(db), campus, people, by=by, actor=acting(db))
    )
    counts = people["role"].value_counts().to_dict()
    if as_json:
        print_json({"campus": campus, "added": added, "updated": updated, "roles": counts})
        return
    roles = ", ".join(f"{n} {role}" for role, n in sorted(counts.items()))
    typer.echo(f"{campus}: {added} people added, {updated} updated ({roles})")


@people_app.command("list")
def list_people(campus: CampusArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the campus's people with their role, quarter (片区) and phone (the phone only for
    accounts that may see phone numbers: view_phones)."""
    from zoning import services

    people = run(lambda: services.load_people(engine_for(db), campus, actor=acting(db)))
    records = [
        {k: (None if pd.isna(v) else v) for k, v in r.items() if k != "id"}
        for r in people.to_dict("records")
    ]
    if as_json:
        print_json(records)
        return
    if not records:
        typer.echo(f"{campus} has nobody yet: add people with `campusgrid people import`.")
    for r in records:
        extra = ", ".join(str(r[k]) for k in ("quarter", "phone") if r.get(k))
        typer.echo(f"{r['name']}\t{r['role']}" + (f"\t{extra}" if extra else ""))
