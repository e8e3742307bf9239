"""The ``campusgrid`` command (Typer). Every user error is one line on stderr and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from zoning.cli.common import DbOption, JsonOption, engine_for, print_json, run

app = typer.Typer(
    name="campusgrid",
    help="Campus safety grid management (校园网格化管理): import campuses, split them into "
    "grid cells, and serve the 3D safety map.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _progress(message: str) -> None:
    typer.echo(f"… {message}", err=True)


@app.command("import")
def import_(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="OSM XML/PBF, GeoJSON, GeoPackage, Shapefile, CSV (cameras) files or folders."
        ),
    ],
    campus: Annotated[str, typer.Option("--campus", help="Name to store the campus under.")],
    boundary_name: Annotated[
        str | None,
        typer.Option(
            "--boundary-name",
            help="Which university polygon to use when the "
            "files hold several (matches name or name:en).",
        ),
    ] = None,
    crs: Annotated[
        str | None,
        typer.Option(
            "--crs",
            help="CRS of the input when the files do not say: EPSG:xxxx, "
            "or gcj02 / bd09 for Chinese web-map coordinates (converted to WGS-84).",
        ),
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace an existing campus.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import a campus: boundary, buildings, roads, POIs, landcover and cameras."""
    from zoning import services

    report = run(
        lambda: services.import_campus(
            engine_for(db),
            paths,
            campus=campus,
            boundary_name=boundary_name,
            crs=crs,
            replace=replace,
            progress=_progress,
        )
    )
    if as_json:
        print_json(report.to_json())
        return
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    s = report.campus
    typer.echo(
        f"imported {s.name}: {s.area_m2 / 10_000:.1f} ha, "
        + ", ".join(f"{n} {k}" for k, n in s.counts.items() if k != "plans")
        + f" in {report.seconds:.1f} s"
    )


@app.command()
def export(
    campus: Annotated[str, typer.Argument(help="Campus name.")],
    out: Annotated[Path, typer.Argument(help="Output .gpkg file, or folder for geojson.")],
    fmt: Annotated[str, typer.Option("--format", help="gpkg or geojson.")] = "gpkg",
    plan: Annotated[
        int | None,
        typer.Option("--plan", help="Plan id (default: the active plan, else the newest draft)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Export a campus and a plan's cells for GDAL/QGIS (layers boundary … cells)."""
    from zoning import services

    if fmt not in ("gpkg", "geojson"):
        typer.echo(f"error: unknown --format {fmt!r}: use gpkg or geojson", err=True)
        raise typer.Exit(2)
    chosen: Literal["gpkg", "geojson"] = "gpkg" if fmt == "gpkg" else "geojson"
    written = run(
        lambda: services.export_campus(engine_for(db), campus, fmt=chosen, out=out, plan_id=plan)
    )
    for path in written:
        typer.echo(str(path))


@app.command()
def demo(
    scale: Annotated[
        str,
        typer.Option(
            "--scale",
            help="small (about 1.5 km², 400 cameras) "
            "or large (≥ 3,000 buildings, ≥ 2,000 cameras).",
        ),
    ] = "small",
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same campus).")] = 0,
    if_missing: Annotated[
        bool, typer.Option("--if-missing", help="Do nothing when the demo campus exists.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Build the synthetic demo campus `demo` (replacing it if present) with a first plan."""
    from zoning import services

    if if_missing:
        existing = run(lambda: services.list_campuses(engine_for(db)))
        if any(c.name == "demo" for c in existing):
            typer.echo("demo campus already present (campusgrid demo rebuilds it)", err=True)
            return

    if scale not in ("small", "large"):
        typer.echo(f"error: unknown --scale {scale!r}: use small or large", err=True)
        raise typer.Exit(2)
    chosen: Literal["small", "large"] = "small" if scale == "small" else "large"
    summary = run(
        lambda: services.seed_demo(engine_for(db), scale=chosen, seed=seed, progress=_progress)
    )
    if as_json:
        print_json(summary.to_json())
    else:
        typer.echo(
            f"demo campus ready: {summary.area_m2 / 1e6:.2f} km², "
            + ", ".join(f"{n} {k}" for k, n in summary.counts.items())
        )


@app.command()
def campuses(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the campuses with their areas and feature counts."""
    from zoning import services

    found = run(lambda: services.list_campuses(engine_for(db)))
    if as_json:
        print_json([c.to_json() for c in found])
        return
    if not found:
        typer.echo("no campuses yet: run `campusgrid demo` or `campusgrid import`")
    for c in found:
        counts = ", ".join(f"{n} {k}" for k, n in c.counts.items())
        typer.echo(f"{c.name} ({c.code}): {c.area_m2 / 10_000:.1f} ha, {counts}")


@app.command()
def plans(
    campus: Annotated[str, typer.Argument(help="Campus name.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the grid plans of a campus, newest first."""
    from zoning import services

    found = run(lambda: services.list_plans(engine_for(db), campus))
    if as_json:
        print_json([p.to_json() for p in found])
        return
    for p in found:
        typer.echo(
            f"plan {p.id} v{p.version} {p.status}: {p.method}, {p.cells} cells, "
            f"{p.created_at:%Y-%m-%d %H:%M} by {p.author or '-'}"
        )


@app.command()
def split(
    campus: Annotated[str, typer.Argument(help="Campus name.")],
    method: Annotated[str, typer.Option("--method", help="square, hex, unit or building.")],
    cell_size_m: Annotated[
        float | None, typer.Option("--cell-size-m", help="Square cell side in metres.")
    ] = None,
    h3_res: Annotated[int | None, typer.Option("--h3-res", help="H3 resolution for hex.")] = None,
    min_area_m2: Annotated[float | None, typer.Option("--min-area-m2")] = None,
    max_area_m2: Annotated[float | None, typer.Option("--max-area-m2")] = None,
    zones: Annotated[int | None, typer.Option("--zones", help="Number of zones.")] = None,
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
            author=author or os.environ.get("USER"),
            reason=reason,
            progress=_progress,
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


@app.command()
def coverage(
    campus: Annotated[str, typer.Argument(help="Campus name.")],
    plan: Annotated[
        int | None,
        typer.Option("--plan", help="Plan whose cells get per-cell figures (default: current)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Camera coverage: walkable area seen per IEC 62676-4 band, blind spots, key areas."""
    from zoning.services.cameras import campus_coverage

    summary = run(lambda: campus_coverage(engine_for(db), campus, plan_id=plan).summary())
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


@app.command("suggest-cameras")
def suggest_cameras(
    campus: Annotated[str, typer.Argument(help="Campus name.")],
    count: Annotated[int, typer.Option("--count", help="How many new cameras to place.")] = 5,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Suggest where to put the next cameras, greedily by uncovered walkable area gained."""
    from zoning.services import cameras as coverage_service

    rows = run(
        lambda: coverage_service.sites_to_json(
            coverage_service.suggest_cameras(engine_for(db), campus, count=count)
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


@app.command()
def serve(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8501,
    db: DbOption = None,
) -> None:
    """Start the web app on http://127.0.0.1:PORT (nothing is requested from outside)."""
    app_py = Path(__file__).resolve().parents[1] / "app.py"
    if not app_py.exists():
        typer.echo(
            f"error: {app_py} not found: run `campusgrid serve` from a source checkout", err=True
        )
        raise typer.Exit(2)
    env = dict(os.environ)
    if db:
        env["CAMPUSGRID_DB"] = db
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_py),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    typer.echo(f"campusgrid on http://127.0.0.1:{port}", err=True)
    raise typer.Exit(subprocess.call(cmd, env=env))


from zoning.cli.safety import complaints_app, hazards_app, inspections_app  # noqa: E402

app.add_typer(inspections_app, name="inspections")
app.add_typer(hazards_app, name="hazards")
app.add_typer(complaints_app, name="complaints")

from zoning.cli.people import people_app  # noqa: E402

app.add_typer(people_app, name="people")

from zoning.cli.plans import register as register_plan_commands  # noqa: E402

register_plan_commands(app)


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
