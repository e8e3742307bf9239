"""``campusgrid import|export|demo|campuses``: campuses in and out of the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

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


def import_(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="OSM XML/PBF, GeoJSON, GeoPackage, Shapefile, DXF, CSV (cameras) files or folders."
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
            help="CRS of the input; overrides what the files say: EPSG:xxxx (EPSG:4490 "
            "CGCS2000, EPSG:4548 its 3° Gauss-Krüger CM 117E, …), or gcj02 / bd09 for Chinese "
            "web-map coordinates (converted to WGS-84).",
        ),
    ] = None,
    boundary: Annotated[
        Path | None,
        typer.Option(
            "--boundary",
            help="Take the campus outline from this file (its polygons), e.g. when the "
            "layers have none or the extract cuts the campus relation.",
        ),
    ] = None,
    boundary_from: Annotated[
        str | None,
        typer.Option(
            "--boundary-from",
            help="No outline in the files: build one from buildings, roads or all "
            "(concave hull, 5 m margin, holes filled; its area is reported).",
        ),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            help="FIELD=COLUMN: read COLUMN as the model field FIELD (name, use, levels, "
            "height_m, code, …), e.g. --field name=楼栋名称; repeatable.",
        ),
    ] = None,
    layer_map: Annotated[
        list[str] | None,
        typer.Option(
            "--layer-map",
            help="LAYER=KIND,…: read a CAD layer, GeoPackage layer or file name as boundary, "
            "buildings, roads, pois, gates, cameras, water, green, sport or parking, e.g. "
            "--layer-map 围墙=boundary,建筑=buildings,道路=roads.",
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Replace an existing campus's map; its plans and history are kept "
            "(backed up first).",
        ),
    ] = False,
    discard_history: Annotated[
        bool,
        typer.Option(
            "--discard-history",
            help="With --replace: also delete the campus's plans, inspections, hazards and "
            "complaints (after an automatic backup; the audit trail stays).",
        ),
    ] = False,
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
            boundary_file=boundary,
            boundary_from=boundary_from,
            fields=field or [],
            layer_map=layer_map or [],
            replace=replace,
            discard_history=discard_history,
            progress=progress,
            actor=acting(db),
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


def export(
    campus: CampusArg,
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
        lambda: services.export_campus(
            engine_for(db), campus, fmt=chosen, out=out, plan_id=plan, actor=acting(db)
        )
    )
    for path in written:
        typer.echo(str(path))


#: Students of the demo's generated college unless ``--students`` says otherwise.
DEMO_STUDENTS = 2_000


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
    students: Annotated[
        int,
        typer.Option(
            "--students",
            help="Students of the generated college in the dormitories, with tonight's roll "
            "call and a holiday (0: no people grid).",
        ),
    ] = DEMO_STUDENTS,
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
    if students < 0:
        typer.echo(f"error: --students {students} is negative: use 0 (none) or more", err=True)
        raise typer.Exit(2)
    chosen: Literal["small", "large"] = "small" if scale == "small" else "large"
    summary = run(
        lambda: services.seed_demo(
            engine_for(db),
            scale=chosen,
            seed=seed,
            progress=progress,
            actor=acting(db),
            students=students,
        )
    )
    if as_json:
        print_json(summary.to_json())
    else:
        typer.echo(
            f"demo campus ready: {summary.area_m2 / 1e6:.2f} km², "
            + ", ".join(f"{n} {k}" for k, n in summary.counts.items())
        )


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
