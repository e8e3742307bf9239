"""Convert between GeoDataFrames (EPSG:4326) and table rows, at the edge of the store."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from geoalchemy2 import WKBElement
from shapely.geometry.base import BaseGeometry

from zoning.geo.crs import WGS84

SRID = 4326


def to_multi(geometries: Sequence[BaseGeometry] | np.ndarray, kind: str) -> np.ndarray:
    """Return ``geometries`` promoted to the multi type ``kind`` (MULTIPOLYGON, …)."""
    arr = np.asarray(geometries, dtype=object)
    out = arr.copy()
    single = {"MULTIPOLYGON": "Polygon", "MULTILINESTRING": "LineString"}[kind]
    maker = shapely.multipolygons if kind == "MULTIPOLYGON" else shapely.multilinestrings
    types = shapely.get_type_id(arr)
    single_id = {"Polygon": 3, "LineString": 1}[single]
    mask = types == single_id
    if mask.any():
        out[mask] = [maker([g]) for g in arr[mask]]
    return out


def simplify_multi(geometries: np.ndarray) -> np.ndarray:
    """Return single-part multi geometries as their one part (how users expect to see them)."""
    out = geometries.copy()
    parts = shapely.get_num_geometries(geometries)
    multi = np.isin(shapely.get_type_id(geometries), (4, 5, 6)) & (parts == 1)
    if multi.any():
        out[multi] = shapely.get_geometry(geometries[multi], 0)
    return out


def wkb_elements(geometries: Iterable[BaseGeometry]) -> list[WKBElement]:
    """Return bind values for a geometry column (EPSG:4326) from shapely geometries.

    The columns are 2-D: a Z (or M) coordinate, as CAD, survey and 3-D GIS files carry, is
    dropped here, at the one edge every geometry written to the database passes.
    """
    return [WKBElement(shapely.to_wkb(g, output_dimension=2), srid=SRID) for g in geometries]


def clean_value(value: Any) -> Any:
    """Return ``value`` as a plain Python scalar, with NA/NaN as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def frame_rows(
    frame: gpd.GeoDataFrame,
    columns: Sequence[str],
    *,
    geometry_kind: str | None = None,
    **fixed: Any,
) -> list[dict[str, Any]]:
    """Return insert rows for ``frame``: its ``columns``, its geometry and ``fixed`` values."""
    geoms = frame.geometry.to_crs(WGS84).to_numpy() if len(frame) else np.array([], dtype=object)
    if geometry_kind in ("MULTIPOLYGON", "MULTILINESTRING"):
        geoms = to_multi(geoms, geometry_kind)
    records = frame[list(columns)].to_dict("records") if len(frame) else []
    rows = []
    for record, wkb in zip(records, wkb_elements(geoms), strict=True):
        row = {k: clean_value(v) for k, v in record.items()}
        row.update(fixed)
        row["geometry"] = wkb
        rows.append(row)
    return rows


def read_frame(
    conn: sa.Connection, table: sa.Table, columns: Sequence[str], where: Any
) -> gpd.GeoDataFrame:
    """Return the rows of ``table`` matching ``where`` as a GeoDataFrame in EPSG:4326."""
    stmt = (
        sa.select(
            *[table.c[c] for c in columns], sa.func.ST_AsBinary(table.c.geometry).label("_wkb")
        )
        .where(where)
        .order_by(table.c.id)
    )
    result = conn.execute(stmt).fetchall()
    data = pd.DataFrame([tuple(r)[:-1] for r in result], columns=list(columns))
    geoms = shapely.from_wkb([r[-1] for r in result]) if result else np.array([], dtype=object)
    return gpd.GeoDataFrame(
        data, geometry=gpd.GeoSeries(simplify_multi(np.asarray(geoms)), crs=WGS84)
    )
