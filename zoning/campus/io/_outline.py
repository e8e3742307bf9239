"""The campus outline when the input has none, and how much of it the data covers.

- :func:`outline_from`: a concave hull of the buildings' and/or roads' vertices, buffered by
  :data:`OUTLINE_BUFFER_M` and with its holes filled (``--boundary-from``);
- :func:`osm_bounds`: the ``<bounds>`` an OSM XML export declares (the area its author drew);
- :func:`outside_share`: the share of the campus outside the area the data covers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from zoning.errors import ImportFailed
from zoning.geo.crs import WGS84, metric_crs_for

#: The outline built from features is buffered by this margin (m): walls stand off buildings.
OUTLINE_BUFFER_M = 5.0
#: Concave hull ratio (0: tightest, 1: convex hull) for outlines built from features.
HULL_RATIO = 0.3
#: What ``--boundary-from`` accepts, and the campus layers each one uses.
OUTLINE_SOURCES: dict[str, tuple[str, ...]] = {
    "buildings": ("buildings",),
    "roads": ("roads",),
    "all": ("buildings", "roads"),
}
#: Share of the campus outside the OSM ``<bounds>`` above which the import warns.
OUTSIDE_WARN_SHARE = 0.01
#: Layer files declare no extent: the box of their features, grown by this margin (m), is
#: the area they cover (a campus edge often has no building near it), and the import warns
#: above :data:`OUTSIDE_LAYERS_WARN_SHARE` only.
LAYERS_MARGIN_M = 100.0
OUTSIDE_LAYERS_WARN_SHARE = 0.1
_BOUNDS = re.compile(rb"<bounds\s+([^>]*?)/?>")
_ATTR = re.compile(rb'(minlat|minlon|maxlat|maxlon)\s*=\s*["\']([-0-9.eE+]+)["\']')


def outline_from(
    layers: dict[str, npt.NDArray[np.object_]], *, source: str, origin: str
) -> shapely.Polygon:
    """Return a campus outline (EPSG:4326) built from the features of ``source``'s layers.

    ``layers`` maps a campus layer name to its geometries in EPSG:4326. Raises
    :class:`ImportFailed` for an unknown ``source`` or fewer than 3 distinct vertices.
    """
    if source not in OUTLINE_SOURCES:
        raise ImportFailed(
            f"--boundary-from {source!r} is not a choice; use buildings, roads or all."
        )
    parts = [layers.get(name, np.empty(0, dtype=object)) for name in OUTLINE_SOURCES[source]]
    geoms = np.concatenate(parts) if parts else np.empty(0, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    coords = shapely.get_coordinates(geoms) if len(geoms) else np.empty((0, 2))
    if len(np.unique(coords, axis=0)) < 3:
        raise ImportFailed(
            f"{origin} holds too few {source.replace('all', 'buildings or roads')} to build a "
            "campus outline from; pass --boundary FILE with the outline instead."
        )
    points = shapely.multipoints(coords)
    crs = metric_crs_for(points)
    metric = gpd.GeoSeries([points], crs=WGS84).to_crs(crs).iloc[0]
    hull = shapely.concave_hull(metric, ratio=HULL_RATIO, allow_holes=False)
    buffered = shapely.buffer(hull, OUTLINE_BUFFER_M)
    outline = _fill_holes(buffered)
    result: shapely.Polygon = gpd.GeoSeries([outline], crs=crs).to_crs(WGS84).iloc[0]
    return result


def _fill_holes(geom: Any) -> Any:
    parts = [shapely.Polygon(p.exterior) for p in shapely.get_parts(geom) if p.area > 0]
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def osm_bounds(path: Path) -> shapely.Polygon | None:
    """Return the ``<bounds>`` box of an OSM XML file (EPSG:4326), or None when it has none."""
    if not path.name.lower().endswith(".osm"):
        return None  # PBF keeps its box in a binary header: the data extent is used instead
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError:
        return None
    match = _BOUNDS.search(head)
    if not match:
        return None
    values = {k.decode(): float(v) for k, v in _ATTR.findall(match.group(1))}
    if len(values) != 4:
        return None
    return shapely.box(values["minlon"], values["minlat"], values["maxlon"], values["maxlat"])


def data_extent(geoms: npt.NDArray[np.object_]) -> shapely.Polygon | None:
    """Return the bounding box (EPSG:4326) of the features read, or None when there are none."""
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if not len(geoms):
        return None
    return shapely.box(*shapely.total_bounds(geoms))


def outside_share(campus: Any, covered: Any, *, margin_m: float = 0.0) -> float:
    """Return the share (0–1) of the area of ``campus`` outside ``covered`` grown by
    ``margin_m`` metres (both EPSG:4326)."""
    crs = metric_crs_for(campus)
    metric = gpd.GeoSeries([campus, covered], crs=WGS84).to_crs(crs)
    area = float(metric.iloc[0].area)
    if area <= 0:
        return 0.0
    cover = metric.iloc[1]
    if margin_m > 0:
        cover = shapely.buffer(cover, margin_m, join_style="mitre")
    return float(shapely.difference(metric.iloc[0], cover).area) / area


def osm_campuses(path: Path) -> list[str]:
    """Return ``"relation/1 'name'"`` for each university/college way or relation in an OSM
    XML file (what GDAL could not build is missing from its layers); [] for PBF or bad XML.
    """
    if not path.name.lower().endswith(".osm"):
        return []
    from xml.etree.ElementTree import ParseError, iterparse

    found: list[str] = []
    try:
        # A streaming pass: only asked for when no campus polygon was built.
        for _, element in iterparse(path, events=("end",)):
            if element.tag in ("way", "relation"):
                tags = {t.get("k"): t.get("v") for t in element.iter("tag")}
                if tags.get("amenity") in ("university", "college"):
                    name = tags.get("name")
                    label = f"{element.tag}/{element.get('id')}"
                    found.append(f"{label} '{name}'" if name else label)
                element.clear()
            elif element.tag == "node":
                element.clear()
    except (ParseError, OSError):
        return found
    return found
