"""Coordinate reference systems: storage is EPSG:4326, computation happens in a metric CRS.

The metric CRS of a campus is the UTM zone of its centroid unless one is configured.
"""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoning.errors import InvalidInput

WGS84 = "EPSG:4326"


def utm_crs_for(lon: float, lat: float) -> CRS:
    """Return the WGS-84 UTM zone CRS that contains ``lon``/``lat`` (degrees)."""
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InvalidInput(f"({lon}, {lat}) is not a longitude/latitude pair in degrees.")
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    epsg = (32600 if lat >= 0 else 32700) + zone
    return CRS.from_epsg(epsg)


def metric_crs_for(geometry_4326: BaseGeometry) -> CRS:
    """Return the metric CRS (UTM zone of the centroid) for a geometry in EPSG:4326."""
    centre = geometry_4326.centroid
    return utm_crs_for(float(centre.x), float(centre.y))


def require_metric(frame: gpd.GeoDataFrame | gpd.GeoSeries, *, what: str = "input") -> CRS:
    """Return the CRS of ``frame``; raise :class:`InvalidInput` unless it is projected in metres."""
    crs = frame.crs
    if crs is None:
        raise InvalidInput(
            f"The {what} has no CRS. Set one (e.g. frame.set_crs('EPSG:4326')) and project it "
            "to a metric CRS with zoning.geo.crs.to_metric()."
        )
    crs = CRS.from_user_input(crs)
    unit = crs.axis_info[0].unit_name if crs.axis_info else None
    if crs.is_geographic or unit not in ("metre", "meter"):
        raise InvalidInput(
            f"The {what} is in {crs.name} ({crs.to_string()}), which is not a metric CRS: "
            "project it first, e.g. with zoning.geo.crs.to_metric()."
        )
    return crs


def to_metric(frame: gpd.GeoDataFrame, *, crs: CRS | str | None = None) -> gpd.GeoDataFrame:
    """Return a copy of ``frame`` in ``crs`` (default: the UTM zone of its centroid)."""
    if frame.crs is None:
        raise InvalidInput("The data has no CRS; campusgrid expects EPSG:4326 or a metric CRS.")
    if crs is None:
        geo = frame.to_crs(WGS84)
        crs = metric_crs_for(geo.geometry.union_all())
    return frame.to_crs(crs)
