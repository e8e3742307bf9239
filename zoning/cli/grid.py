"""``campusgrid split``: split a campus into grid cells, stored as a draft plan."""

from __future__ import annotations

from typing import Annotated

import typer

from zoning.cli.common import (
    CampusArg,
    DbOption,
    JsonOption,
    acting,
    engine_for,
    print_json,
    progress,
    run,
)

#: What ``split`` accepts, (lowest, highest): wide enough for any campus, narrow enough that
#: one split cannot ask for millions of cells. Sizes in m, areas in m².
CELL_SIZE_M = (10.0, 5_000.0)
H3_RES = (6, 13)
MIN_AREA_M2 = (0.0, 1_000_000.0)
MAX_AREA_M2 = (100.0, 10_000_000.0)
ZONES = (1, 99)
MIN_CELL_M2 = (0.0, 100_000.0)


def _checked(
    *,
    cell_size_m: float | None,
    h3_res: int | None,
    min_area_m2: float | None,
    max_area_m2: float | None,
    zones: int | None,
    min_cell_m2: float | None,
) -> None:
    """Raise InvalidInput for a ``split`` number outside its bounds (see the constants)."""
    from zoning.safety.bounds import check_count, check_number

    for value, what, (low, high), unit in (
        (cell_size_m, "--cell-size-m", CELL_SIZE_M, "m"),
        (min_area_m2, "--min-area-m2", MIN_AREA_M2, "m²"),
        (max_area_m2, "--max-area-m2", MAX_AREA_M2, "m²"),
        (min_cell_m2, "--min-cell-m2", MIN_CELL_M2, "m²"),
    ):
        if value is not None:
            check_number(value, what=what, low=low, high=high, unit=unit)
    for count, what, (lowest, highest) in ((h3_res, "--h3-res", H3_RES), (zones, "--zones", ZONES)):
        if count is not None:
            check_count(count, what=what, low=lowest, high=highest)


def split(
    campus: CampusArg,
    method: Annotated[str, typer.Option("--method", help="square, hex, unit or building.")],
    cell_size_m: Annotated[
        float | None,
        typer.Option("--cell-size-m", help="Square cell side in metres (10 to 5000)."),
    ] = None,
    h3_res: Annotated[
        int | None, typer.Option("--h3-res", help="H3 resolution for hex (6 to 13).")
    ] = None,
    min_area_m2: Annotated[
        float | None,
        typer.Option(
            "--min-area-m2",
            help="unit/building: blocks under this area (m²) merge (default 5000; 0 to 1,000,000).",
        ),
    ] = None,
    max_area_m2: Annotated[
        float | None,
        typer.Option(
            "--max-area-m2",
            help="unit/building: blocks over this area (m²) are cut (default 20000; 100 to "
            "10,000,000).",
        ),
    ] = None,
    zones: Annotated[int | None, typer.Option("--zones", help="Number of zones (1 to 99).")] = None,
    min_cell_m2: Annotated[
        float | None,
        typer.Option(
            "--min-cell-m2",
            help="Every method: no cell under this area (m², default 50, at most 100,000; 0 "
            "turns it off); crumbs and small buildings join a neighbour.",
        ),
    ] = None,
    author: Annotated[
        str | None,
        typer.Option(
            "--author",
            help="A person of the campus who drew it on paper (default: the acting account).",
        ),
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Split a campus into grid cells and store them as a draft plan."""
    from zoning import services

    run(
        lambda: _checked(
            cell_size_m=cell_size_m,
            h3_res=h3_res,
            min_area_m2=min_area_m2,
            max_area_m2=max_area_m2,
            zones=zones,
            min_cell_m2=min_cell_m2,
        )
    )
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
            author=author,
            reason=reason,
            progress=progress,
            actor=acting(db),
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
