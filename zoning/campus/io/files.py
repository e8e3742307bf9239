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
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from zoning.campus.io._boundary import choose_campus, find_candidates
from zoning.campus.io._fields import parse_field_map, parse_layer_map
from zoning.campus.io._layers import CampusArea, build_layer, collect, repair
from zoning.campus.io._osm import TaggedLayer
from zoning.campus.io._outline import (
    LAYERS_MARGIN_M,
    OUTLINE_BUFFER_M,
    OUTSIDE_LAYERS_WARN_SHARE,
    OUTSIDE_WARN_SHARE,
    data_extent,
    osm_bounds,
    osm_campuses,
    outline_from,
    outside_share,
)
from zoning.campus.io._read import expand_paths, read_inputs, resolve_crs
from zoning.campus.layers import OSM_ATTRIBUTION, CampusLayers, conform
from zoning.errors import ImportFailed, InvalidInput, StorageError
from zoning.geo.chinacrs import ChineseCrs
from zoning.geo.crs import WGS84, metric_crs_for

__all__ = [
    "CELL_COLUMNS",
    "EXPORT_LAYERS",
    "PLAN_ID_KEY",
    "PLAN_VERSION_KEY",
    "export_campus",
    "read_campus",
]

#: GeoPackage dataset metadata naming the plan whose cells were exported (id, version):
#: ``import-plan`` compares the edited file with that plan.
PLAN_ID_KEY = "CAMPUSGRID_PLAN_ID"
PLAN_VERSION_KEY = "CAMPUSGRID_PLAN_VERSION"
#: The GeoPackage version written: 1.2 opens without warnings in GDAL ≤ 3.6 (QGIS 3.22).
GPKG_VERSION = "1.2"

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
    paths: Sequence[str | Path],
    *,
    boundary_name: str | None = None,
    crs: str | None = None,
    boundary_file: str | Path | None = None,
    boundary_from: str | None = None,
    fields: Sequence[str] = (),
    layer_map: Sequence[str] = (),
) -> CampusLayers:
    """Read a campus from OSM XML/PBF, GeoJSON, GeoPackage, Shapefile, DXF or cameras CSVs.

    ``paths`` may name files or folders (every supported file in it). ``boundary_name``
    picks the campus when the data holds several universities. ``crs`` overrides the files'
    CRS: "EPSG:xxxx", or "gcj02"/"bd09" for Chinese web-map lon/lat (converted to WGS-84).
    ``boundary_file`` takes the campus outline from another file (all its polygons);
    ``boundary_from`` ("buildings", "roads" or "all") builds one from the features (see
    :func:`zoning.campus.io._outline.outline_from`). A campus reaching past the area the
    data covers is kept, with a warning giving the share outside. ``fields`` are
    ``FIELD=COLUMN`` texts (``name=楼栋名称``) naming attributes the alias table
    (:data:`zoning.campus.io._fields.FIELD_ALIASES`) does not know; ``layer_map`` are
    ``LAYER=campus layer`` texts (``围墙=boundary,建筑=buildings``) for CAD layers, GeoPackage
    layers or file names. Returns every layer in EPSG:4326, conformed to
    :data:`zoning.campus.layers.COLUMNS`.

    Raises :class:`ImportFailed` (unreadable or unsupported file, no or ambiguous boundary,
    a campus cut by the extract, nothing on campus, impossible camera value) or
    :class:`InvalidInput` (bad ``crs``, ``fields`` or ``layer_map``, both ``boundary_file``
    and ``boundary_from``).
    """
    if boundary_file is not None and boundary_from is not None:
        raise InvalidInput("Pass either --boundary FILE or --boundary-from, not both.")
    files, warnings = expand_paths(paths)
    target_crs = resolve_crs(crs)
    layers, read_warnings = read_inputs(
        files,
        crs=target_crs,
        fields=parse_field_map(fields),
        layer_map=parse_layer_map(layer_map),
    )
    warnings += read_warnings
    source = files[0].name if len(files) == 1 else f"the files {', '.join(f.name for f in files)}"
    found, collect_warnings = collect(layers)
    warnings += collect_warnings
    all_buildings = np.array(found["buildings"].geometry, dtype=object)
    if boundary_file is not None:
        chosen = _boundary_from_file(Path(boundary_file), crs=target_crs)
        warnings += [f"boundary: {w}" for w in chosen[1]]
        boundary_names, boundary_shapes = chosen[0]
    elif boundary_from is not None:
        geoms = {name: np.array(found[name].geometry, dtype=object) for name in found}
        outline = outline_from(geoms, source=boundary_from, origin=source)
        area_ha = _area_m2(outline) / 1e4
        warnings.append(
            f"campus outline built from the {boundary_from.replace('all', 'buildings and roads')}"
            f" (concave hull, {OUTLINE_BUFFER_M:g} m margin, holes filled): {area_ha:.1f} ha; "
            "check it on the map, and if needed export it (campusgrid export), edit it in QGIS "
            "and import again with --boundary FILE"
        )
        boundary_names, boundary_shapes = [None], np.array([outline], dtype=object)
    else:
        candidates, boundary_warnings = find_candidates(layers)
        warnings += boundary_warnings
        if not candidates:
            _refuse_cut_campus(files, source)
        picked = choose_campus(
            candidates, boundary_name=boundary_name, buildings=all_buildings, source=source
        )
        boundary_names = [c.name for c in picked]
        boundary_shapes = np.array([c.geometry for c in picked], dtype=object)
    shapes, messages, usable = repair(
        boundary_shapes,
        [str(n or "outline") for n in boundary_names],
        layer="landcover",  # only the label differs: fixed below
        dimension=2,
    )
    warnings += [m.replace("landcover", "boundary", 1) for m in messages if m]
    if not usable.any():
        raise ImportFailed(f"The campus boundary in {source} is not a usable polygon.")
    boundary = gpd.GeoDataFrame(
        {"name": [n for n, ok in zip(boundary_names, usable, strict=True) if ok]},
        geometry=list(shapes[usable]),
        crs=WGS84,
    )
    campus_shape = shapely.union_all(shapes[usable])
    warnings += _coverage_warnings(files, layers, campus_shape)
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
            f"campus '{boundary_names[0]}'; check that the files cover the same place (and "
            "--crs)."
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


def _boundary_from_file(
    path: Path, *, crs: CRS | ChineseCrs | None
) -> tuple[tuple[list[str | None], npt.NDArray[np.object_]], list[str]]:
    """Return (names, polygons) of every polygon in the ``--boundary`` file, and warnings."""
    files, warnings = expand_paths([path])
    layers, read_warnings = read_inputs(files, crs=crs, any_layer="boundary")
    names: list[str | None] = []
    shapes: list[object] = []
    for layer in layers:
        for tags, geom in zip(layer.tags, layer.geometry, strict=True):
            if shapely.get_type_id(geom) in (3, 6):
                names.append(tags.get("name"))
                shapes.append(geom)
    if not shapes:
        raise ImportFailed(
            f"--boundary {path.name} holds no polygon; give a file whose features are the "
            "campus outline (polygons)."
        )
    return (names, np.array(shapes, dtype=object)), warnings + read_warnings


def _refuse_cut_campus(files: list[Path], source: str) -> None:
    """Raise :class:`ImportFailed` naming campus ways/relations GDAL could not build."""
    cut = [found for path in files for found in osm_campuses(path)]
    if not cut:
        return  # choose_campus says there is no campus boundary at all
    raise ImportFailed(
        f"The campus {', '.join(cut)} in {source} is cut by the extract: its outline does not "
        "close inside the exported area. Export a larger area, or pass --boundary FILE with "
        "the outline, or --boundary-from buildings|roads|all to build one from the features."
    )


def _coverage_warnings(files: list[Path], layers: list[TaggedLayer], campus: object) -> list[str]:
    """Warn when the campus reaches past the area the data covers."""
    boxes = [b for b in (osm_bounds(p) for p in files) if b is not None]
    margin_m, limit = 0.0, OUTSIDE_WARN_SHARE
    if boxes:
        covered = shapely.union_all(boxes)
    else:
        others = [layer.geometry for layer in layers if layer.kind != "boundary"]
        others = [g for g in others if len(g)]
        covered = data_extent(np.concatenate(others)) if others else None
        margin_m, limit = LAYERS_MARGIN_M, OUTSIDE_LAYERS_WARN_SHARE
    if covered is None:
        return []
    share = outside_share(campus, covered, margin_m=margin_m)
    if share < limit:
        return []
    return [
        f"{share * 100:.0f} % of the campus lies outside the area this file covers; "
        "buildings and roads there are missing: export a larger area"
    ]


def _area_m2(shape: object) -> float:
    series = gpd.GeoSeries([shape], crs=WGS84)
    return float(series.to_crs(metric_crs_for(series.iloc[0])).area.iloc[0])


def export_campus(
    layers: CampusLayers,
    *,
    cells: gpd.GeoDataFrame | None,
    out: str | Path,
    fmt: Literal["gpkg", "geojson"],
    plan: tuple[int, int] | None = None,
) -> list[Path]:
    """Write the campus layers (and grid cells) to a GeoPackage or a folder of GeoJSON files.

    ``plan`` (id, version) of the exported cells is recorded in the GeoPackage's metadata
    (:data:`PLAN_ID_KEY`, :data:`PLAN_VERSION_KEY`); the GeoPackage is version 1.2.

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
            _write_gpkg(frames, temp, attribution=attribution, plan=plan)
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


def _write_gpkg(
    frames: dict[str, gpd.GeoDataFrame],
    path: Path,
    *,
    attribution: str,
    plan: tuple[int, int] | None,
) -> None:
    metadata = {"ATTRIBUTION": attribution} if attribution else {}
    if plan is not None:
        metadata |= {PLAN_ID_KEY: str(plan[0]), PLAN_VERSION_KEY: str(plan[1])}
    for position, (name, frame) in enumerate(frames.items()):
        pyogrio.write_dataframe(
            frame,
            path,
            layer=name,
            driver="GPKG",
            geometry_type=EXPORT_LAYERS[name],
            promote_to_multi=EXPORT_LAYERS[name].startswith("Multi"),
            dataset_metadata=metadata if position == 0 and metadata else None,
            dataset_options={"VERSION": GPKG_VERSION} if position == 0 else None,
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
