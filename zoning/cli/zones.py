"""``campusgrid zones import|list|rename|export``: the named zones (片区) of a campus.

A zone layer is imported from any file ``campusgrid import`` reads; ``split`` then gives
each cell the zone it lies in. Without one, ``split`` draws the zones from the people's
quarters, or ``split --zones N`` draws N zones named 片区1…N until renamed. To redraw zones,
export them, edit the GeoJSON in QGIS and import it again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoning.cli.common import CampusArg, DbOption, JsonOption, acting, engine_for, print_json, run

zones_app = typer.Typer(help="Named zones (片区): import, list, rename, export.")


def _show(rows: list[object], as_json: bool, *, campus: str) -> None:
    from zoning.services.zones import ZoneRow

    listed = [r for r in rows if isinstance(r, ZoneRow)]
    if as_json:
        print_json({"campus": campus, "zones": [r.to_json() for r in listed]})
        return
    if not listed:
        typer.echo(
            f"{campus} has no named zones yet: `campusgrid zones import {campus} FILE`, or "
            "split with people who have quarters, or with --zones N."
        )
        return
    for r in listed:
        leader = r.leader or "no zone leader"
        typer.echo(f"{r.number:>3}  {r.name}  ({r.source}, {r.area_m2 / 10_000:,.1f} ha, {leader})")


@zones_app.command("import")
def import_zones(
    campus: CampusArg,
    file: Annotated[
        Path, typer.Argument(help="Zone polygons with names: GeoJSON, GeoPackage, Shapefile…")
    ],
    name_field: Annotated[
        str | None,
        typer.Option(
            "--name-field", help="The attribute holding each zone's name (default: name, 片区…)."
        ),
    ] = None,
    crs: Annotated[
        str | None, typer.Option("--crs", help="The file's CRS when it names none (as import).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace the campus's zones with the named polygons of FILE."""
    from zoning.services import zones

    rows, warnings = run(
        lambda: zones.import_zones(
            engine_for(db), campus, file, name_field=name_field, crs=crs, actor=acting(db)
        )
    )
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    if not as_json:
        typer.echo(f"{campus}: {len(rows)} zones imported from {file.name}")
    _show(list(rows), as_json, campus=campus)


@zones_app.command("list")
def list_zones(campus: CampusArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the campus's zones: number, name, source, area and zone leader."""
    from zoning.services import zones

    rows = run(lambda: zones.list_zones(engine_for(db), campus, actor=acting(db)))
    _show(list(rows), as_json, campus=campus)


@zones_app.command("rename")
def rename_zone(
    campus: CampusArg,
    number: Annotated[int, typer.Argument(help="The zone's number (`zones list`).")],
    new_name: Annotated[str, typer.Argument(help="Its new name, e.g. 北区.")],
    db: DbOption = None,
) -> None:
    """Rename a zone; cells, hazards and accounts keep its number."""
    from zoning.services import zones

    old = run(lambda: zones.rename_zone(engine_for(db), campus, number, new_name, actor=acting(db)))
    typer.echo(f"{campus}: zone {number} {old} is now {' '.join(new_name.split())}")


@zones_app.command("export")
def export_zones(
    campus: CampusArg,
    file: Annotated[Path, typer.Argument(help="The GeoJSON file to write.")],
    db: DbOption = None,
) -> None:
    """Write the zones as GeoJSON (number, name, source) to edit in QGIS and import again."""
    from zoning.services import zones

    count = run(lambda: zones.export_zones(engine_for(db), campus, file, actor=acting(db)))
    typer.echo(f"{campus}: {count} zones written to {file}")
