"""What every ``campusgrid`` sub-command shares: the campus argument, the --db and --json
options, the engine, turning a CampusgridError into one line on stderr with exit code 2,
progress lines on stderr, and JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from zoning.errors import CampusgridError

if TYPE_CHECKING:  # the services load when a command runs, not for --help
    from zoning.services.database import Engine

T = TypeVar("T")

CampusArg = Annotated[str, typer.Argument(help="Campus name.")]

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default: $CAMPUSGRID_DB, else sqlite:///data/campusgrid.sqlite). "
        "PostGIS: postgresql+psycopg://user:pass@host:5432/db",
        envvar="CAMPUSGRID_DB",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def engine_for(db: str | None) -> Engine:
    """Return the migrated engine for ``db`` (see :func:`zoning.services.database.open_engine`)."""
    from zoning.services.database import open_engine

    return open_engine(db)


def run(action: Callable[[], T]) -> T:
    """Run ``action``; turn a CampusgridError into one line on stderr and exit code 2."""
    try:
        return action()
    except CampusgridError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def progress(message: str) -> None:
    """Print one progress line (``… message``) on stderr, keeping stdout for the result."""
    typer.echo(f"… {message}", err=True)


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON, Chinese kept readable, dates as ISO text."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
