"""The root ``campusgrid`` command and its entry point.

``app`` is the bare root; :mod:`zoning.cli` adds every command and group to it, in order.
``main`` runs it: every user error is one line on stderr and exit code 2, a bug one line and
exit code 3.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from zoning.cli.common import ACTING_AS

app = typer.Typer(
    name="campusgrid",
    help="Campus safety grid management (校园网格化管理): import campuses, split them into "
    "grid cells, and serve the 3D safety map.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    as_account: Annotated[
        str | None,
        typer.Option(
            "--as",
            envvar="CAMPUSGRID_USER",
            help="Act as this account: its role is enforced as on the web "
            "(default: the local operator, an admin recorded as user@host).",
        ),
    ] = None,
) -> None:
    """Campus safety grid management (校园网格化管理)."""
    ACTING_AS["name"] = as_account.strip() if as_account and as_account.strip() else None


#: Exit code of a failure that is campusgrid's fault, not the user's (those exit 2).
INTERNAL_ERROR = 3


def main() -> None:
    """Entry point of the ``campusgrid`` script and ``python -m zoning.cli``.

    A bug is one line too, saying it is a bug and how to see the traceback
    (``CAMPUSGRID_DEBUG=1``), with exit code 3; a database write in progress was rolled back
    by its transaction.
    """
    try:
        app()
    except Exception as exc:
        if os.environ.get("CAMPUSGRID_DEBUG"):
            raise
        detail = " ".join(str(exc).split())[:300]
        typer.echo(
            f"error: internal error ({type(exc).__name__}: {detail}). This is a bug in "
            "campusgrid: please report it with the command you ran; set CAMPUSGRID_DEBUG=1 "
            "to see the traceback. Nothing was half-written.",
            err=True,
        )
        raise SystemExit(INTERNAL_ERROR) from None
