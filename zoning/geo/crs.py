"""Coordinate reference systems: storage is EPSG:4326, computation happens in a metric CRS.

The metric CRS of a campus is the UTM zone of its centroid unless one is configured.
:func:`likely_crs` says which systems coordinates of unknown CRS are probably in, from their
magnitude; :func:`fits` whether coordinates can be in a declared CRS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from zoning.errors import InvalidInput
from zoning.geo import chinacrs

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


@dataclass(frozen=True)
class CrsGuess:
    """A coordinate system the coordinates may be in: its ``--crs`` text and what it is."""

    code: str
    name: str

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


#: Web Mercator's extent (m): ± half the equator.
_MERCATOR_MAX_M = 20037508.35
#: Degrees a declared projected CRS may be used outside its EPSG area of use.
AREA_MARGIN_DEG = 5.0


def _lonlat(crs: CRS, x: float, y: float) -> tuple[float, float]:
    lon, lat = Transformer.from_crs(crs, WGS84, always_xy=True).transform(x, y)
    return float(lon), float(lat)


def _in_china(lon: float, lat: float) -> bool:
    return bool(~chinacrs.out_of_china(lon, lat))


def likely_crs(bounds: tuple[float, float, float, float]) -> list[CrsGuess]:
    """Return the coordinate systems coordinates within ``bounds`` (xmin, ymin, xmax, ymax)
    most likely are in, judged from their magnitude, those placing them in China first.

    >>> [g.code for g in likely_crs((39_512_000, 4_410_000, 39_514_000, 4_412_000))]
    ['EPSG:4527']
    >>> [g.code for g in likely_crs((116.3, 39.9, 116.31, 39.91))][:2]
    ['EPSG:4326', 'EPSG:4490']
    """
    xmin, ymin, xmax, ymax = bounds
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    if -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90:
        guesses = [
            CrsGuess("EPSG:4326", "WGS 84 longitude/latitude (GPS, OpenStreetMap)"),
            CrsGuess("EPSG:4490", "CGCS2000 longitude/latitude"),
        ]
        if _in_china(cx, cy):
            guesses += [
                CrsGuess("gcj02", "GCJ-02 longitude/latitude (Amap, Tencent)"),
                CrsGuess("bd09", "BD-09 longitude/latitude (Baidu)"),
            ]
        return guesses
    china: list[CrsGuess] = []
    elsewhere: list[CrsGuess] = []
    zone = int(cx // 1_000_000)
    same_zone = int(xmin // 1_000_000) == int(xmax // 1_000_000)
    for width in (3, 6):
        if same_zone and zone in chinacrs.GK_ZONES[width] and 0 < cy < 10_000_000:
            code = chinacrs.gauss_kruger_epsg(zone, width_deg=width, zone_in_easting=True)
            if _in_china(*_lonlat(CRS.from_epsg(code), cx, cy)):
                china.append(
                    CrsGuess(
                        f"EPSG:{code}",
                        f"CGCS2000 {width}-degree Gauss-Krüger zone {zone}, zone number in the "
                        "easting",
                    )
                )
    if xmin > 100_000 and xmax < 900_000 and ymin > 0 and ymax < 10_000_000:
        china.append(
            CrsGuess(
                "e.g. EPSG:4548 for 117° E, EPSG:32650 for UTM 50N",
                "a transverse Mercator zone without the zone number in the easting: CGCS2000 "
                "3-degree Gauss-Krüger by central meridian (EPSG:4534–4554) or WGS 84 UTM",
            )
        )
    if max(abs(xmin), abs(xmax)) <= _MERCATOR_MAX_M and max(abs(ymin), abs(ymax)) <= (
        _MERCATOR_MAX_M
    ):
        guess = CrsGuess("EPSG:3857", "Web Mercator (web maps, in metres)")
        lon, lat = _lonlat(CRS.from_epsg(3857), cx, cy)
        (china if _in_china(lon, lat) else elsewhere).append(guess)
    return china + elsewhere


def fits(crs: CRS, bounds: tuple[float, float, float, float]) -> bool:
    """Return True when coordinates within ``bounds`` can be in ``crs``.

    Geographic: within ±180°/±90°. Projected: not degree-sized values, and their centre lies
    within the CRS's area of use grown by :data:`AREA_MARGIN_DEG` (when it has one).
    """
    xmin, ymin, xmax, ymax = bounds
    degrees = -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90
    if crs.is_geographic:
        return degrees
    if degrees and max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)) > 0:
        return False  # metres that small: lon/lat read as a projection
    try:
        lon, lat = _lonlat(crs, (xmin + xmax) / 2, (ymin + ymax) / 2)
    except Exception:  # pyproj raises ProjError and others on coordinates it cannot place
        return False
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return False
    area = crs.area_of_use
    if area is None:
        return True
    west, south, east, north = area.bounds
    margin = AREA_MARGIN_DEG
    if west > east:  # crosses the antimeridian
        return True
    return west - margin <= lon <= east + margin and south - margin <= lat <= north + margin
