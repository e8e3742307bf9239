"""``campusgrid qr``: QR sheets to post at entrances, opening the public complaint form."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from zoning.cli.common import CampusArg, DbOption, acting, engine_for, fail, run


def qr(
    campus: CampusArg,
    out: Annotated[Path, typer.Option("--out", help="The PDF to write (A4, one page per place).")],
    per: Annotated[
        str, typer.Option("--per", help="building (one sheet per building) or cell.")
    ] = "building",
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="The server's public address the codes open (default: $CAMPUSGRID_PUBLIC_URL, "
            "else http://127.0.0.1:8501).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Print QR sheets (PDF): each opens the public complaint form at its building or cell."""
    from zoning.services import public

    if per not in ("building", "cell"):
        fail(f"unknown --per {per!r}: use building or cell")
    chosen: Literal["building", "cell"] = "building" if per == "building" else "cell"
    done = run(
        lambda: public.export_qr_sheets(
            engine_for(db), campus, actor=acting(db), out=out, per=chosen, base_url=base_url
        )
    )
    typer.echo(f"{done.path}: {done.pages} page(s), one per {chosen}")
