"""Turn GeoDataFrames into the small records a deck.gl layer draws.

A record is a plain ``dict``: the geometry as nested lists of ``[lon, lat]`` rounded to
1e-6° (about 0.1 m), the precomputed colour, and only the few fields the tooltip or the
selection panel needs. Nothing else leaves the server.

User-written strings (names, owners) become plain text with :func:`plain_text`. Tooltips
are rendered as *text* (``innerText``), never as HTML, so a building called
``<img src=x onerror=alert(1)>`` shows exactly that. Where HTML is built in Python (the
legend, a panel), use :func:`escape_html`.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from zoning.errors import InvalidInput
from zoning.geo.crs import WGS84

#: Decimal places kept in longitude/latitude: 1e-6° ≈ 0.11 m.
COORD_DECIMALS = 6
#: Geometry is simplified by this much (m) before it is drawn: invisible up to zoom ~18
#: (0.3 m/px), while curved landcover and building outlines lose most of their vertices,
#: and a software renderer's frame time grows with the vertices drawn (bench/README.md).
DISPLAY_TOLERANCE_M = 0.2
#: Metres per degree of latitude.
M_PER_DEG = 111_320.0
#: User-written strings longer than this are cut (with an ellipsis) before leaving the server.
MAX_TEXT_CHARS = 120

Record = dict[str, Any]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def is_missing(value: object) -> bool:
    """Return True for None, NaN, pd.NA and NaT."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def plain_text(value: object, *, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Return ``value`` as one short line of plain text ("" when missing).

    Control characters are dropped and long strings cut to ``max_chars`` with "…".
    """
    if is_missing(value):
        return ""
    text = _CONTROL.sub("", str(value)).strip()
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def escape_html(value: object, *, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Return :func:`plain_text` of ``value`` escaped for HTML (``<`` → ``&lt;``, quotes too)."""
    return html.escape(plain_text(value, max_chars=max_chars), quote=True)


def require_wgs84(frame: gpd.GeoDataFrame, *, what: str) -> None:
    """Raise :class:`InvalidInput` unless ``frame`` is in EPSG:4326 (lon/lat)."""
    if frame.crs is None or not frame.crs.equals(WGS84):
        raise InvalidInput(
            f"The {what} layer must be in EPSG:4326 to be drawn, not {frame.crs}; "
            "reproject it with frame.to_crs('EPSG:4326')."
        )


def simplified(
    frame: gpd.GeoDataFrame, *, tolerance_m: float = DISPLAY_TOLERANCE_M
) -> gpd.GeoDataFrame:
    """Return a copy of ``frame`` (EPSG:4326) with each geometry simplified to within about
    ``tolerance_m`` metres (Douglas-Peucker, each feature stays valid; its neighbours are not
    considered, so use it for layers drawn on their own, not for a plan's shared edges)."""
    out = frame.copy()
    out[out.geometry.name] = shapely.simplify(
        frame.geometry.array, tolerance_m / M_PER_DEG, preserve_topology=True
    )
    return out


def round_coords(coords: np.ndarray) -> list[list[float]]:
    """Return an (n, 2|3) coordinate array as lists rounded to :data:`COORD_DECIMALS`."""
    rounded: list[list[float]] = np.round(coords[:, :2], COORD_DECIMALS).tolist()
    return rounded


def polygon_rings(geometry: BaseGeometry) -> list[list[list[list[float]]]]:
    """Return each polygon of ``geometry`` as ``[outer ring, hole, …]`` (empty parts dropped);
    see :func:`polygon_parts`, which does this for a whole array at once."""
    return polygon_parts(np.array([geometry], dtype=object))[0]


RowFields = Callable[[Mapping[str, Any]], Record]


def _rows(frame: gpd.GeoDataFrame) -> list[tuple[BaseGeometry | None, dict[str, Any]]]:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    attrs = frame[columns].to_dict(orient="records") if columns else [{} for _ in range(len(frame))]
    return list(zip(frame.geometry.array, attrs, strict=True))


def polygon_parts(geometries: np.ndarray) -> list[list[list[list[list[float]]]]]:
    """Return, for each geometry, its polygons as ``[outer ring, hole, …]`` (rings open:
    deck.gl closes them; coordinates rounded to :data:`COORD_DECIMALS`).

    Missing and empty geometries give ``[]``; parts that are not polygons are dropped. One
    vectorised pass over all coordinates instead of a GEOS call per ring: ~5× faster on the
    13,000 cells and 3,400 buildings of the large demo.
    """
    geoms = np.asarray(geometries, dtype=object)
    out: list[list[list[list[list[float]]]]] = [[] for _ in range(len(geoms))]
    parts, part_row = shapely.get_parts(geoms, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)  # 3: Polygon
    parts, part_row = parts[keep], part_row[keep]
    if not len(parts):
        return out
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    counts = np.bincount(coord_ring, minlength=len(rings))
    ends = np.cumsum(counts)
    starts = ends - counts
    # deck.gl closes rings itself: drop a last vertex equal to the first
    closed = (counts > 1) & np.all(
        coords[np.maximum(ends - 1, 0)] == coords[np.minimum(starts, len(coords) - 1)], axis=1
    )
    stops = np.where(closed, ends - 1, ends)
    flat = round_coords(coords)
    ring_lists = [flat[a:b] for a, b in zip(starts.tolist(), stops.tolist(), strict=True)]
    by_part: list[list[list[list[float]]]] = [[] for _ in range(len(parts))]
    for ring, part in zip(ring_lists, ring_part.tolist(), strict=True):
        by_part[part].append(ring)  # get_rings gives the shell first, then the holes
    for rings_of_part, row in zip(by_part, part_row.tolist(), strict=True):
        out[row].append(rings_of_part)
    return out


def polygon_records(frame: gpd.GeoDataFrame, fields: RowFields, *, what: str) -> list[Record]:
    """Return one record per polygon part: ``{"polygon": rings, **fields(row)}``.

    A MultiPolygon row gives one record per part, each with the row's fields.
    """
    require_wgs84(frame, what=what)
    records: list[Record] = []
    for (_, row), polygons in zip(_rows(frame), polygon_parts(frame.geometry.array), strict=True):
        if not polygons:
            continue
        extra = fields(row)
        for rings in polygons:
            records.append({"polygon": rings, **extra})
    return records


def point_records(frame: gpd.GeoDataFrame, fields: RowFields, *, what: str) -> list[Record]:
    """Return one record per point row: ``{"position": [lon, lat], **fields(row)}``.

    A record's ``fields`` may give ``"z"`` (m above ground): it becomes the third coordinate.
    """
    require_wgs84(frame, what=what)
    records: list[Record] = []
    for geometry, row in _rows(frame):
        if geometry is None or geometry.is_empty:
            continue
        extra = fields(row)
        lon, lat = round_coords(shapely.get_coordinates(geometry)[:1])[0]
        z = extra.pop("z", None)
        position = [lon, lat] if z is None else [lon, lat, round(float(z), 1)]
        records.append({"position": position, **extra})
    return records


def number(value: object, *, default: float, digits: int = 1) -> float:
    """Return ``value`` as a finite float rounded to ``digits`` (``default`` when missing)."""
    if is_missing(value):
        return default
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return round(out, digits) if math.isfinite(out) else default
