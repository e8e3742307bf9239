"""``campusgrid split``: split a campus into grid cells, stored as a draft plan."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from zoning.cli.common import CampusArg, DbOption, JsonOption, engine_for, print_json, progress, run


def split(
    campus: CampusArg,
    method: Annotated[str, typer.Option("--method", help="square, hex, unit or building.")],
    cell_size_m: Annotated[
        float | None, typer.Option("--cell-size-m", help="Square cell side in metres.")
    ] = None,
    h3_res: Annotated[int | None, typer.Option("--h3-res", help="H3 resolution for hex.")] = None,
    min_area_m2: Annotated[
        float | None,
        typer.Option(
            "--min-area-m2", help="unit/building: blocks under this area (m²) merge (5000)."
        ),
    ] = None,
    max_area_m2: Annotated[float | None, typer.Option("--max-area-m2")] = None,
    zones: Annotated[int | None, typer.Option("--zones", help="Number of zones.")] = None,
    min_cell_m2: Annotated[
        float | None,
        typer.Option(
            "--min-cell-m2",
            help="Every method: no cell under this area (m², default 50; 0 turns it off); "
            "crumbs and small buildings join a neighbour.",
        ),
    ] = None,
    author: Annotated[str | None, typer.Option("--author")] = None,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Split a campus into grid cells and store them as a draft plan."""
    from zoning import services

    if method == "square" and cell_size_m is None:
        typer.echo("error: --method square needs --cell-size-m (e.g. 100)", err=True)
        raise typer.Exit(2)
    report = run(
        lambda: services.split_campus(
            engine_for(db),
            campus,
            method=method,
            cell_size_m=cell_size_m,
            h3_res=h3_res,
            min_area_m2=min_area_m2,
            max_area_m2=max_area_m2,
            zones=zones,
            min_cell_m2=min_cell_m2,
            author=author or os.environ.get("USER"),
            reason=reason,
            progress=progress,
        )
    )
    if as_json:
        print_json(report.to_json())
        return
    a = report.area_m2
    typer.echo(
        f"plan {report.plan.id}: {report.plan.cells} {method} cells covering "
        f"{report.cells_area_m2:,.0f} of {report.campus_area_m2:,.0f} m² "
        f"(cell area min {a['min']:,.0f}, median {a['median']:,.0f}, max {a['max']:,.0f} m²)"
    )
    for problem in report.problems:
        typer.echo(f"problem: {problem['message']}", err=True)
