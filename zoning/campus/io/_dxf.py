"""CAD site plans (总平面图, DXF) through GDAL's DXF driver.

GDAL gives every entity with its CAD layer (``Layer``) and handle (``EntityHandle``):
LWPOLYLINE and POLYLINE as lines, HATCH as polygons, TEXT and INSERT as points. Each CAD layer
is read as the campus layer ``--layer-map`` names (``围墙=boundary,建筑=buildings``), else
the one its name suggests (:func:`zoning.campus.io._fields.chinese_layer_kind`, or English
names such as ``buildings``). On polygon layers (boundary, buildings, landcover) closed
polylines become polygons; a HATCH is kept where no closed polyline already outlines it;
open polylines are reported (on the boundary layer, they are joined into a ring when they
close one). A drawing has no CRS: ``--crs`` is required.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely

from zoning.campus.io._encoding import dxf_encoding
from zoning.campus.io._fields import chinese_layer_kind
from zoning.campus.io._gdal import read_frame

#: Campus layers whose features are areas.
POLYGON_LAYERS = frozenset({"boundary", "buildings", "landcover"})
#: A HATCH overlapping a closed polyline's polygon by this share of either is the same area.
SAME_AREA_SHARE = 0.9
#: Open polylines listed by handle in one warning, at most.
LISTED_HANDLES = 5

Kind = tuple[str, str | None]
#: DXF before 2007 writes non-ASCII text as ``\U+XXXX``; GDAL leaves it so in layer names.
_UNICODE_ESCAPE = re.compile(r"\\U\+([0-9A-Fa-f]{4})")


def cad_text(text: str) -> str:
    r"""Return ``text`` with DXF ``\U+XXXX`` escapes decoded.

    >>> cad_text(r"\U+56f4\U+5899")
    '围墙'
    """
    return _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def read_dxf(
    path: Path,
    *,
    layer_map: Mapping[str, Kind],
    english_kind: Any,
) -> tuple[list[tuple[str, Kind, gpd.GeoDataFrame]], list[str], list[str]]:
    """Return (CAD layer, campus layer kind, features) for each mapped CAD layer, the
    warnings and the names of all CAD layers.

    ``english_kind`` is the name → kind function for non-Chinese layer names. The frames have
    ``source_id`` (``layer#handle``) and ``name`` (a TEXT's text) columns and no CRS. Raises
    what GDAL raises for an unreadable file (the caller turns it into ImportFailed).
    """
    encoding, note = dxf_encoding(path)
    warnings = [f"{path.name}: {note}"] if note else []
    pyogrio.set_gdal_config_options({"DXF_ENCODING": encoding})
    try:
        frame, read_warnings = read_frame(path, origin=path.name, on_invalid="ignore")
    finally:
        pyogrio.set_gdal_config_options({"DXF_ENCODING": None})
    warnings += read_warnings
    if len(frame):
        frame["Layer"] = [cad_text(str(v)) for v in frame["Layer"]]
        if "Text" in frame.columns:
            frame["Text"] = [cad_text(v) if isinstance(v, str) else v for v in frame["Text"]]
    layers = [str(v) for v in pd.unique(frame["Layer"])] if len(frame) else []
    result: list[tuple[str, Kind, gpd.GeoDataFrame]] = []
    unmapped: list[str] = []
    for cad_layer in layers:
        kind = layer_map.get(cad_layer) or chinese_layer_kind(cad_layer)
        kind = kind or english_kind(cad_layer)
        if kind is None:
            unmapped.append(cad_layer)
            continue
        rows = frame.loc[frame["Layer"] == cad_layer]
        features, layer_warnings = _layer_features(rows, cad_layer=cad_layer, kind=kind[0])
        warnings += [f"{path.name}: {w}" for w in layer_warnings]
        if len(features):
            result.append((cad_layer, kind, features))
    if unmapped:
        warnings.append(
            f"{path.name}: CAD layer(s) {', '.join(unmapped)} not read (not a campus layer by "
            "name); map them with --layer-map LAYER=buildings|roads|boundary|…"
        )
    return result, warnings, layers


def _layer_features(
    rows: pd.DataFrame, *, cad_layer: str, kind: str
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return the features of one CAD layer as ``kind`` wants them, and warnings."""
    geometry = np.asarray(shapely.force_2d(np.asarray(rows.geometry.values)), dtype=object)
    handles = [str(h) for h in rows["EntityHandle"]]
    texts = [t if isinstance(t, str) and t else None for t in rows.get("Text", [None] * len(rows))]
    types = shapely.get_type_id(geometry)
    lines = np.isin(types, (1, 5))
    warnings: list[str] = []
    if kind in POLYGON_LAYERS:
        closed = lines & _closed(geometry)
        shapes = _closed_polygons(geometry[closed])
        ids = [f"{cad_layer}#{h}" for h, ok in zip(handles, closed, strict=True) if ok]
        hatches = np.isin(types, (3, 6))
        hatch_ids = [h for h, ok in zip(handles, hatches, strict=True) if ok]
        kept = _new_areas(geometry[hatches], np.array(shapes, dtype=object))
        shapes += list(geometry[hatches][kept])
        ids += [f"{cad_layer}#{h}" for h, ok in zip(hatch_ids, kept, strict=True) if ok]
        open_lines = lines & ~closed
        if open_lines.any():
            opened = [h for h, ok in zip(handles, open_lines, strict=True) if ok]
            rings = _rings_from(geometry[open_lines]) if kind == "boundary" else []
            if rings:
                shapes += rings
                ids += [f"{cad_layer}#joined{i + 1}" for i in range(len(rings))]
                warnings.append(
                    f"CAD layer {cad_layer}: {len(opened)} open polyline(s) joined into "
                    f"{len(rings)} closed outline(s); check the boundary on the map"
                )
            else:
                listed = ", ".join(opened[:LISTED_HANDLES]) + (
                    "…" if len(opened) > LISTED_HANDLES else ""
                )
                warnings.append(
                    f"CAD layer {cad_layer} ({kind}): {len(opened)} open polyline(s) are not "
                    f"areas and were not read (handles {listed}); close them in CAD (PEDIT, "
                    "Close) and export again"
                )
        names: list[str | None] = [None] * len(shapes)
    elif kind == "roads":
        shapes = list(geometry[lines])
        ids = [f"{cad_layer}#{h}" for h, ok in zip(handles, lines, strict=True) if ok]
        names = [None] * len(shapes)
    else:  # pois, cameras: TEXT and block INSERT points
        points = types == 0
        shapes = list(geometry[points])
        ids = [f"{cad_layer}#{h}" for h, ok in zip(handles, points, strict=True) if ok]
        names = [t for t, ok in zip(texts, points, strict=True) if ok]
    frame = gpd.GeoDataFrame(
        {"source_id": ids, "name": names}, geometry=gpd.GeoSeries(shapes, crs=None)
    )
    return frame, warnings


def _closed(geometry: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """Return True for lines whose ends meet and that enclose an area (≥ 3 distinct points)."""
    result = np.zeros(len(geometry), dtype=bool)
    for i, geom in enumerate(geometry):  # CAD layers hold hundreds of entities: a plain loop
        if shapely.get_type_id(geom) != 1:
            continue
        coords = shapely.get_coordinates(geom)
        distinct = len(np.unique(coords, axis=0))
        result[i] = bool(len(coords) >= 4 and (coords[0] == coords[-1]).all() and distinct >= 3)
    return result


def _closed_polygons(lines: npt.NDArray[np.object_]) -> list[Any]:
    return [shapely.Polygon(shapely.get_coordinates(line)) for line in lines]


def _new_areas(hatches: npt.NDArray[np.object_], outlines: npt.NDArray[np.object_]) -> Any:
    """Return a mask of the hatches that no polyline outline already covers."""
    keep = np.ones(len(hatches), dtype=bool)
    if not len(hatches) or not len(outlines):
        return keep
    tree = shapely.STRtree(outlines)
    for i, hatch in enumerate(hatches):
        for j in tree.query(hatch, predicate="intersects"):
            shared = shapely.intersection(hatch, outlines[j]).area
            if shared >= SAME_AREA_SHARE * max(hatch.area, outlines[j].area):
                keep[i] = False
                break
    return keep


def _rings_from(lines: npt.NDArray[np.object_]) -> list[Any]:
    """Return the polygons the open lines enclose once noded (a wall drawn in pieces)."""
    noded = shapely.node(shapely.multilinestrings(list(shapely.get_parts(lines))))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    if not len(faces):
        return []
    return [shapely.union_all(faces)]
