"""``campusgrid backup OUT`` and ``campusgrid restore IN``: the whole database, both
backends, with the photo store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoning.cli.common import (
    DbOption,
    JsonOption,
    acting,
    engine_for,
    print_json,
    progress,
    run,
)


def backup(
    out: Annotated[Path, typer.Argument(help="New backup file (it must not exist yet).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Back up the whole database (and the photo store) to OUT, while others keep working."""
    from zoning.services import backup as backups

    info = run(lambda: backups.backup(engine_for(db), out, actor=acting(db)))
    if as_json:
        print_json(info.to_json())
        return
    typer.echo(f"backed up the {info.backend} database to {info.path} ({info.taken_at})")


def restore(
    source: Annotated[Path, typer.Argument(help="A file written by `campusgrid backup`.")],
    db: DbOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the database's whole content without asking.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Replace the whole database (and the photo store) with a backup's content.

    The database as it was is backed up first (automatic backups, see the README).
    """
    from zoning.services import backup as backups

    if not yes:
        typer.echo(
            "error: restore replaces everything in the database with the backup's content: "
            "run it again with --yes to go ahead.",
            err=True,
        )
        raise typer.Exit(2)
    actor = acting(db)  # refused before anything is touched
    progress(f"restoring {source}")
    info = run(lambda: backups.restore(engine_for(db), source, actor=actor))
    if as_json:
        print_json(info.to_json())
        return
    typer.echo(f"restored the {info.backend} backup of {info.taken_at} from {info.path}")
