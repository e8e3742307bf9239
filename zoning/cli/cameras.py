"""``campusgrid coverage|suggest-cameras``: what the cameras see and where to add some."""

from __future__ import annotations

from typing import Annotated, Any

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


def coverage(
    campus: CampusArg,
    plan: Annotated[
        int | None,
        typer.Option("--plan", help="Plan whose cells get per-cell figures (default: current)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Camera coverage: walkable area seen per IEC 62676-4 band, blind spots, key areas."""
    from zoning.services import cameras

    summary = run(
        lambda: cameras.campus_coverage(
            engine_for(db), campus, actor=acting(db), plan_id=plan
        ).summary()
    )
    if as_json:
        print_json(summary)
        return
    walkable = float(summary["walkable_area_m2"])  # type: ignore[arg-type]
    covered = float(summary["covered_area_m2"])  # type: ignore[arg-type]
    share = covered / walkable * 100 if walkable else 0.0
    typer.echo(
        f"{summary['cameras']} cameras see {covered:,.0f} of {walkable:,.0f} m² walkable "
        f"space at ≥ detect ({share:.1f}%); blind spots {summary['blind_spot_area_m2']:,.0f} m²"
    )
    by_band: dict[str, float] = summary["by_band"]  # type: ignore[assignment]
    typer.echo("best band: " + ", ".join(f"{k} {v:,.0f} m²" for k, v in by_band.items()))
    keys: list[dict[str, Any]] = summary["key_areas"]  # type: ignore[assignment]
    missed = [k["name"] for k in keys if not k["covered"]]
    typer.echo(f"key areas covered at ≥ recognise: {len(keys) - len(missed)} of {len(keys)}")
    for name in missed[:10]:
        typer.echo(f"  not covered: {name}")
    if len(missed) > 10:
        typer.echo(f"  … and {len(missed) - 10} more (--json lists them all)")


def suggest_cameras(
    campus: CampusArg,
    count: Annotated[
        int, typer.Option("--count", help="How many new cameras to place (1–200).")
    ] = 5,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Suggest where to put the next cameras, greedily by uncovered walkable area gained."""
    from zoning.services import cameras

    rows = run(
        lambda: cameras.sites_to_json(
            cameras.suggest_cameras(engine_for(db), campus, actor=acting(db), count=count)
        )
    )
    if as_json:
        print_json(rows)
        return
    for r in rows:
        keys = f", covers {', '.join(r['key_areas_covered'])}" if r["key_areas_covered"] else ""
        typer.echo(
            f"{r['rank']}. {r['site']} camera at {r['lon']:.6f}, {r['lat']:.6f} heading "
            f"{r['heading_deg']:.0f}°: +{r['gain_m2']:,.0f} m²{keys}"
        )
