"""Campus import and export: the public entry points behind ``campusgrid import`` / ``export``.

>>> from zoning.campus.io.files import read_campus, export_campus          # doctest: +SKIP
>>> layers = read_campus(["map.osm"], boundary_name="北京邮电大学")  # doctest: +SKIP
>>> export_campus(layers, cells=None, out="bupt.gpkg", fmt="gpkg")  # doctest: +SKIP

Reading is pure (nothing is written); see :mod:`zoning.campus.io._read` for the formats,
:mod:`zoning.campus.io._boundary` for how the campus polygon is chosen and
:mod:`zoning.campus.io._layers` for what is kept. Exports carry the data's licence
(OpenStreetMap: ODbL).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from zoning.campus.io._boundary import choose_campus, find_candidates
from zoning.campus.io._layers import CampusArea, build_layer, collect, repair
from zoning.campus.io._read import expand_paths, read_inputs, resolve_crs
from zoning.campus.layers import OSM_ATTRIBUTION, CampusLayers, conform
from zoning.errors import ImportFailed, InvalidInput, StorageError
from zoning.geo.crs import WGS84, metric_crs_for

__all__ = ["CELL_COLUMNS", "EXPORT_LAYERS", "export_campus", "read_campus"]

#: Columns of the exported ``cells`` layer besides geometry, with their dtypes.
CELL_COLUMNS: dict[str, str] = {
    "code": "object",
    "zone": "object",
    "kind": "object",
    "owner": "object",
    "area_m2": "float64",
}
#: Exported layers, in order, and their GDAL geometry type (polygons/lines promoted to multi).
EXPORT_LAYERS: dict[str, str] = {
    "boundary": "MultiPolygon",
    "buildings": "MultiPolygon",
    "roads": "MultiLineString",
    "pois": "Point",
    "landcover": "MultiPolygon",
    "cameras": "Point",
    "cells": "MultiPolygon",
}
#: Name of the licence file written next to GeoJSON exports.
ATTRIBUTION_FILE = "ATTRIBUTION.txt"


def read_campus(
    paths: Sequence[str | Path], *, boundary_name: str | None = None, crs: str | None = None
) -> CampusLayers:
    """Read a campus from OSM XML/PBF, GeoJSON, GeoPackage, Shapefile or cameras CSV files.

    ``paths`` may name files or folders (every supported file in it). ``boundary_name``
    picks the campus when the data holds several universities. ``crs`` overrides the files'
    CRS: "EPSG:xxxx", or "gcj02"/"bd09" for Chinese web-map lon/lat (converted to WGS-84).
    Returns every layer in EPSG:4326, conformed to :data:`zoning.campus.layers.COLUMNS`.

    Raises :class:`ImportFailed` (unreadable or unsupported file, no or ambiguous boundary,
    nothing on campus, impossible camera value) or :class:`InvalidInput` (bad ``crs``).
    """
    files, warnings = expand_paths(paths)
    layers, read_warnings = read_inputs(files, crs=resolve_crs(crs))
    warnings += read_warnings
    source = files[0].name if len(files) == 1 else f"the files {', '.join(f.name for f in files)}"
    candidates, boundary_warnings = find_candidates(layers)
    warnings += boundary_warnings
    found, collect_warnings = collect(layers)
    warnings += collect_warnings
    all_buildings = np.array(found["buildings"].geometry, dtype=object)
    chosen = choose_campus(
        candidates, boundary_name=boundary_name, buildings=all_buildings, source=source
    )
    shapes, messages, usable = repair(
        np.array([c.geometry for c in chosen], dtype=object),
        [c.source_id for c in chosen],
        layer="landcover",  # only the label differs: fixed below
        dimension=2,
    )
    warnings += [m.replace("landcover", "boundary", 1) for m in messages if m]
    if not usable.any():
        raise ImportFailed(f"The campus boundary in {source} is not a usable polygon.")
    boundary = gpd.GeoDataFrame(
        {"name": [c.name for c, ok in zip(chosen, usable, strict=True) if ok]},
        geometry=list(shapes[usable]),
        crs=WGS84,
    )
    campus_shape = shapely.union_all(shapes[usable])
    campus = CampusArea.of(campus_shape, metric_crs=metric_crs_for(campus_shape))
    built: dict[str, gpd.GeoDataFrame] = {}
    for name in ("buildings", "roads", "pois", "landcover", "cameras"):
        built[name], layer_warnings = build_layer(name, found[name], campus)
        warnings += layer_warnings
    offered = sum(len(found[name].source_ids) for name in built)
    kept = sum(len(frame) for frame in built.values())
    if offered and not kept:
        raise ImportFailed(
            f"None of the {offered} buildings, roads, POIs or cameras in {source} lies on the "
            f"campus '{chosen[0].name}'; check that the files cover the same place (and --crs)."
        )
    if not offered:
        warnings.append(f"{source}: only a campus boundary, no buildings, roads or POIs")
    from_osm = any(layer.from_osm for layer in layers)
    return CampusLayers(
        boundary=conform("boundary", boundary),
        warnings=tuple(warnings),
        attribution=OSM_ATTRIBUTION if from_osm else None,
        **built,
    )


def export_campus(
    layers: CampusLayers,
    *,
    cells: gpd.GeoDataFrame | None,
    out: str | Path,
    fmt: Literal["gpkg", "geojson"],
) -> list[Path]:
    """Write the campus layers (and grid cells) to a GeoPackage or a folder of GeoJSON files.

    ``fmt="gpkg"``: one file ``out`` with one layer each; ``fmt="geojson"``: ``out`` is a
    folder with ``<layer>.geojson`` files and :data:`ATTRIBUTION_FILE`. The licence is in the
    GeoPackage metadata (dataset ``ATTRIBUTION``, each layer's description) and in each
    GeoJSON's top-level ``attribution`` member. The output is written next to ``out`` under a
    temporary name and renamed at the end: a failure leaves no half-written export.
    Returns the written files. Raises :class:`InvalidInput` for a bad format, a cells frame
    without CRS or an ``out`` that cannot be replaced, :class:`StorageError` when writing fails.
    """
    if fmt not in ("gpkg", "geojson"):
        raise InvalidInput(f"Unknown export format {fmt!r}; use gpkg or geojson.")
    target = Path(out).expanduser()
    if not target.parent.is_dir():
        raise InvalidInput(f"The folder {target.parent} does not exist; create it first.")
    frames = {name: _export_frame(layers.layer(name)) for name in EXPORT_LAYERS if name != "cells"}
    if cells is not None:
        frames["cells"] = _export_frame(_conform_cells(cells))
    attribution = layers.attribution or ""
    # The temporary name keeps the real suffix: GDAL checks it (GPKG must end in .gpkg).
    temp = target.parent / f".tmp-{uuid.uuid4().hex[:8]}-{target.name}"
    try:
        if fmt == "gpkg":
            _write_gpkg(frames, temp, attribution=attribution)
            os.replace(temp, target)
            return [target]
        written = _write_geojson_folder(frames, temp, attribution=attribution)
        _swap_folder(temp, target)
        return [target / path.name for path in written]
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise StorageError(
            f"Could not write {target}: {exc}; check the path and free space."
        ) from exc
    finally:
        if temp.is_dir():
            shutil.rmtree(temp, ignore_errors=True)
        elif temp.exists():
            temp.unlink()


def _conform_cells(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if cells.crs is None:
        raise InvalidInput("The cells have no CRS; set it (cells.set_crs(...)) before export.")
    cells = cells.to_crs(WGS84)
    data = {}
    for column, dtype in CELL_COLUMNS.items():
        values = cells[column] if column in cells.columns else pd.Series([None] * len(cells))
        values = pd.Series(values.to_numpy(dtype=object), dtype=object)
        if dtype == "float64":
            data[column] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            data[column] = values.where(values.notna(), None)
    return gpd.GeoDataFrame(data, geometry=list(cells.geometry.values), crs=WGS84)


def _export_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame.to_crs(WGS84) if frame.crs is not None else frame.set_crs(WGS84)
    return frame.reset_index(drop=True)


def _write_gpkg(frames: dict[str, gpd.GeoDataFrame], path: Path, *, attribution: str) -> None:
    for position, (name, frame) in enumerate(frames.items()):
        pyogrio.write_dataframe(
            frame,
            path,
            layer=name,
            driver="GPKG",
            geometry_type=EXPORT_LAYERS[name],
            promote_to_multi=EXPORT_LAYERS[name].startswith("Multi"),
            dataset_metadata={"ATTRIBUTION": attribution}
            if position == 0 and attribution
            else None,
            layer_metadata={"DESCRIPTION": f"campusgrid {name}. {attribution}".strip()},
        )


def _write_geojson_folder(
    frames: dict[str, gpd.GeoDataFrame], folder: Path, *, attribution: str
) -> list[Path]:
    folder.mkdir()
    written = []
    members = json.dumps({"attribution": attribution}) if attribution else None
    for name, frame in frames.items():
        path = folder / f"{name}.geojson"
        options = {"COORDINATE_PRECISION": "7"}
        if members:
            options["FOREIGN_MEMBERS_COLLECTION"] = members
        pyogrio.write_dataframe(
            frame,
            path,
            layer=name,
            driver="GeoJSON",
            geometry_type=EXPORT_LAYERS[name],
            promote_to_multi=EXPORT_LAYERS[name].startswith("Multi"),
            layer_options=options,
        )
        written.append(path)
    if attribution:
        note = folder / ATTRIBUTION_FILE
        note.write_text(f"Data: {attribution}\nExported by campusgrid.\n", encoding="utf-8")
        written.append(note)
    return written


def _swap_folder(new: Path, target: Path) -> None:
    """Put folder ``new`` at ``target``; an existing export there is replaced."""
    if target.exists():
        ours = {f"{name}.geojson" for name in EXPORT_LAYERS} | {ATTRIBUTION_FILE}
        if not target.is_dir() or any(p.name not in ours for p in target.iterdir()):
            raise InvalidInput(
                f"{target} exists and is not a campusgrid GeoJSON export; choose another folder."
            )
        old = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.old"
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)
