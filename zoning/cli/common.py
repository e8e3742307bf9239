"""What every ``campusgrid`` sub-command shares: the campus argument, the --db and --json
options, the engine, turning a CampusgridError into one line on stderr with exit code 2,
progress lines on stderr, and JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from zoning.clock import local_instant
from zoning.errors import CampusgridError, InvalidInput

if TYPE_CHECKING:  # the services load when a command runs, not for --help
    from zoning.accounts import Actor
    from zoning.services.database import Engine

T = TypeVar("T")


def _campus_name(value: str) -> str:
    """Check a campus name as it is typed (no control characters, at most 200 characters)."""
    from zoning.safety.bounds import check_text  # loads the safety package: not for --help

    return run(lambda: check_text(value, what="The campus name", limit=200, empty=False))


CampusArg = Annotated[str, typer.Argument(help="Campus name.", callback=_campus_name)]

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
    """Return the migrated engine for ``db`` (see :func:`zoning.services.database.open_engine`).

    A SpatiaLite file that does not exist yet is created, and the user is told so on stderr:
    a mistyped ``--db`` must not pass for an empty campus list.
    """
    from zoning.services.database import new_database_file, open_engine

    created = new_database_file(db)
    engine = open_engine(db)
    if created is not None:
        typer.echo(f"note: {created} did not exist: created a new, empty database there", err=True)
    return engine


#: The account named by ``campusgrid --as NAME`` (or ``$CAMPUSGRID_USER``); None: the local
#: operator. Set by the root command's callback before any sub-command runs.
ACTING_AS: dict[str, str | None] = {"name": None}


def acting(db: str | None) -> Actor:
    """Return who runs this command: the account ``--as`` names (its role enforced by the
    services exactly as on the web), else the local operator (an admin, ``user@host``).
    ``db`` is the command's ``--db``."""
    from zoning.accounts import local_operator
    from zoning.services.accounts import actor_named

    name = ACTING_AS["name"]
    if not name:
        return local_operator()
    return run(lambda: actor_named(engine_for(db), name))


def run(action: Callable[[], T]) -> T:
    """Run ``action``; turn a CampusgridError into one line on stderr and exit code 2."""
    try:
        return action()
    except CampusgridError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit with code 2 (the user's mistake)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def progress(message: str) -> None:
    """Print one progress line (``… message``) on stderr, keeping stdout for the result."""
    typer.echo(f"… {message}", err=True)


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON, Chinese kept readable, dates as ISO text."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def parse_time(text: str | None, *, what: str) -> datetime | None:
    """Return an ISO time as UTC; a time without offset is local (Asia/Shanghai).

    Raises InvalidInput for a text that is not an ISO time or a day outside 2000–2100.
    """
    from zoning.safety.bounds import check_day, check_time

    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{what} {text!r} is not an ISO time like 2026-03-02T09:00.") from None
    check_day(when.date(), what=what)  # as typed, before any shift to UTC
    if when.tzinfo is None:
        when = local_instant(when.date(), when.time())
    return check_time(when, what=what).astimezone(UTC)


def parse_day(text: str | None, *, what: str) -> date | None:
    """Return a YYYY-MM-DD date within 2000-01-01 … 2100-12-31, or None; else InvalidInput."""
    from zoning.safety.bounds import check_day

    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{what} {text!r} is not a date like 2026-03-02.") from None
    return check_day(day, what=what)
