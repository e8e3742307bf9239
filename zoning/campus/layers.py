"""The in-memory form of one campus: a GeoDataFrame per layer, all in EPSG:4326.

Importers (``zoning.campus.io.files``, ``zoning.demo.build``) return a
:class:`CampusLayers`; ``zoning.store`` writes it in one transaction and reads it back;
``maps`` draws it. Every layer has exactly the columns listed in :data:`COLUMNS` (plus
``geometry``), in that order, so that each step can rely on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import geopandas as gpd
import pandas as pd

from zoning.geo.crs import WGS84

#: Columns of each layer besides ``geometry``; values are pandas dtypes.
COLUMNS: dict[str, dict[str, str]] = {
    # One row per campus polygon (a campus may be several disjoint polygons).
    "boundary": {"name": "object"},
    # height_source: "height" (tag or attribute), "levels" (levels × 3.3 m), "z" (the Z of a
    # 3-D footprint) or "default" (by use).
    "buildings": {
        "source_id": "object",
        "name": "object",
        "use": "object",
        "levels": "Int64",
        "height_m": "float64",
        "height_source": "object",
    },
    # road_class: the OSM highway value (primary, residential, service, footway…) or "road".
    "roads": {"source_id": "object", "name": "object", "road_class": "object"},
    # kind: gate, entrance, canteen, library, … (OSM amenity / entrance / barrier value).
    "pois": {"source_id": "object", "name": "object", "kind": "object"},
    # kind: water, green, sport, parking (drawn under the buildings on the map).
    "landcover": {"source_id": "object", "name": "object", "kind": "object"},
    "cameras": {
        "source_id": "object",
        "name": "object",
        "heading_deg": "float64",
        "hfov_deg": "float64",
        "tilt_deg": "float64",
        "mount_height_m": "float64",
        "resolution_px": "int64",
        "range_m": "float64",
        "indoor": "bool",
    },
}

GEOMETRY_TYPES: dict[str, tuple[str, ...]] = {
    "boundary": ("Polygon", "MultiPolygon"),
    "buildings": ("Polygon", "MultiPolygon"),
    "roads": ("LineString", "MultiLineString"),
    "pois": ("Point",),
    "landcover": ("Polygon", "MultiPolygon"),
    "cameras": ("Point",),
}

LAYER_NAMES: tuple[str, ...] = tuple(COLUMNS)

OSM_ATTRIBUTION = "© OpenStreetMap contributors, Open Database License (ODbL) 1.0"


def empty_layer(layer: str) -> gpd.GeoDataFrame:
    """Return an empty GeoDataFrame with the columns and dtypes of ``layer`` in EPSG:4326."""
    frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in COLUMNS[layer].items()})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)


def conform(layer: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of ``frame`` with exactly the columns of ``layer`` (missing ones as NA).

    The frame must already be in EPSG:4326.
    """
    data: dict[str, pd.Series] = {}
    for col, dtype in COLUMNS[layer].items():
        if col in frame.columns:
            values = pd.Series(frame[col].to_numpy(dtype=object), dtype=object)
        else:
            values = pd.Series([None] * len(frame), dtype=object)
        if dtype == "object":
            data[col] = values.where(values.notna(), None)
        elif dtype == "Int64":
            data[col] = pd.to_numeric(values, errors="coerce").round().astype("Int64")
        elif dtype == "float64":
            data[col] = pd.to_numeric(values, errors="coerce").astype("float64")
        elif dtype == "bool":
            data[col] = pd.Series([bool(v) if pd.notna(v) else False for v in values], dtype=bool)
        else:
            numbers = pd.to_numeric(values, errors="coerce")
            data[col] = numbers.where(numbers.notna(), 0).round().astype("int64")
    return gpd.GeoDataFrame(data, geometry=list(frame.geometry.values), crs=frame.crs)


@dataclass(frozen=True)
class CampusLayers:
    """Every layer of one campus in EPSG:4326, plus what the importer wants the user to know."""

    boundary: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame = field(default_factory=lambda: empty_layer("buildings"))
    roads: gpd.GeoDataFrame = field(default_factory=lambda: empty_layer("roads"))
    pois: gpd.GeoDataFrame = field(default_factory=lambda: empty_layer("pois"))
    landcover: gpd.GeoDataFrame = field(default_factory=lambda: empty_layer("landcover"))
    cameras: gpd.GeoDataFrame = field(default_factory=lambda: empty_layer("cameras"))
    #: One line per repaired geometry, dropped feature or defaulted value (shown to the user).
    warnings: tuple[str, ...] = ()
    #: Licence text that exports must carry (OSM data: :data:`OSM_ATTRIBUTION`).
    attribution: str | None = None

    def layer(self, name: str) -> gpd.GeoDataFrame:
        """Return the layer called ``name`` (one of :data:`LAYER_NAMES`)."""
        if name not in LAYER_NAMES:
            raise KeyError(name)
        frame: gpd.GeoDataFrame = getattr(self, name)
        return frame

    def with_layer(self, name: str, frame: gpd.GeoDataFrame) -> CampusLayers:
        """Return a new CampusLayers with ``name`` replaced by ``frame``."""
        return replace(self, **{name: frame})

    def counts(self) -> dict[str, int]:
        """Return the number of features in every layer."""
        return {name: len(self.layer(name)) for name in LAYER_NAMES}
