"""From tagged input features to the campus layers: classify, repair, keep what is on campus.

Rules (OSM tags; layer files are classified by their layer name first):

- buildings: ``building=*`` (not ``no``) polygons that intersect the campus, kept whole;
- roads: ``highway=*`` lines clipped to the campus buffered by :data:`ROAD_MARGIN_M`;
- POIs: named amenities, shops and tourism points, gates (``barrier=gate``, a name ending
  in 门 or containing "gate") and ``entrance=*`` nodes on campus (gates and entrances up to
  :data:`GATE_MARGIN_M` outside, as they sit on the fence);
- landcover: water, green, sport and parking polygons, clipped to the campus;
- cameras: ``man_made=surveillance`` nodes and camera layers within :data:`GATE_MARGIN_M`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from zoning.campus.heights import building_height
from zoning.campus.io._cameras import camera_record, is_osm_camera
from zoning.campus.io._osm import TaggedLayer
from zoning.campus.layers import conform
from zoning.geo.crs import WGS84

#: Roads are clipped to the campus buffered by this margin (m), so gate roads stay whole.
ROAD_MARGIN_M = 30.0
#: Gates, entrances and cameras up to this far (m) outside the boundary are kept.
GATE_MARGIN_M = 10.0
#: highway values that are not a way to walk or drive.
NOT_ROADS = frozenset(
    {"proposed", "abandoned", "razed", "disused", "platform", "bus_stop", "elevator", "no"}
)
_GATE_NAME = re.compile(r"(门|\bgate\b)\s*[A-Za-z0-9]*\s*$", re.IGNORECASE)
_GATE_BARRIERS = frozenset({"gate", "lift_gate", "entrance", "swing_gate", "sliding_gate"})
_POI_KIND_KEYS = (
    "amenity", "shop", "tourism", "leisure", "office", "public_transport", "highway",
    "building",
)  # fmt: skip
_GREEN = {
    "leisure": {"park", "garden", "nature_reserve", "common"},
    "landuse": {"grass", "forest", "meadow", "village_green", "recreation_ground", "orchard"},
    "natural": {"wood", "scrub", "grassland", "heath", "tree", "tree_row"},
}
_SPORT = frozenset(
    {"pitch", "track", "sports_centre", "stadium", "swimming_pool", "fitness_station"}
)
_VALID_REASON = re.compile(r"^(?P<what>.*?)\[(?P<x>\S+) (?P<y>\S+)\]$")
_LABEL = {"buildings": "building", "roads": "road", "pois": "POI", "landcover": "landcover"}
_LABEL["cameras"] = "camera"


@dataclass
class Collected:
    """Features gathered for one campus layer before repair and spatial filtering."""

    source_ids: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    geometry: list[Any] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)

    def add(self, source_id: str, tags: dict[str, str], geom: Any, **extra: Any) -> None:
        self.source_ids.append(source_id)
        self.tags.append(tags)
        self.geometry.append(geom)
        self.extra.append(extra)


def landcover_kind(tags: Mapping[str, str]) -> str | None:
    """Return water, green, sport or parking for a polygon's tags, or None.

    >>> landcover_kind({"natural": "water"}), landcover_kind({"leisure": "pitch"})
    ('water', 'sport')
    """
    if tags.get("kind") in ("water", "green", "sport", "parking"):
        return tags["kind"]
    if (
        tags.get("natural") == "water"
        or "water" in tags
        or tags.get("waterway") in ("riverbank", "dock")
        or tags.get("landuse") in ("reservoir", "basin")
    ):
        return "water"
    if tags.get("leisure") in _SPORT:
        return "sport"
    if any(tags.get(key) in values for key, values in _GREEN.items()):
        return "green"
    if tags.get("amenity") == "parking" or tags.get("parking") in ("surface", "multi-storey"):
        return "parking"
    return None


def poi_kind(tags: Mapping[str, str], *, fallback: str | None = None) -> str | None:
    """Return the POI kind (gate, entrance, the amenity value…) or None when not a POI kind."""
    if tags.get("kind"):
        return tags["kind"]
    if tags.get("barrier") in _GATE_BARRIERS:
        return "gate"
    if "entrance" in tags:
        return "entrance"
    if tags.get("amenity"):
        return tags["amenity"]
    if "shop" in tags:
        return "shop"
    if tags.get("tourism"):
        return tags["tourism"]
    if fallback:
        return fallback
    name = tags.get("name", "")
    if name and _GATE_NAME.search(name):
        return "gate"
    if tags.get("type") in ("gate", "entrance"):
        return tags["type"]
    return next((tags[k] for k in _POI_KIND_KEYS if tags.get(k)), None)


def _is_osm_poi(tags: Mapping[str, str]) -> bool:
    if tags.get("barrier") in _GATE_BARRIERS or "entrance" in tags:
        return True
    name = tags.get("name")
    if not name:
        return False
    return bool(
        tags.get("amenity") or "shop" in tags or tags.get("tourism") or _GATE_NAME.search(name)
    )


def collect(layers: list[TaggedLayer]) -> tuple[dict[str, Collected], list[str]]:
    """Sort every input feature into buildings, roads, pois, landcover and cameras.

    Raises :class:`~zoning.errors.ImportFailed` for an impossible camera value.
    """
    out = {name: Collected() for name in ("buildings", "roads", "pois", "landcover", "cameras")}
    stray_lines: list[str] = []
    unknown: dict[str, int] = {}
    for layer in layers:
        rows = zip(layer.source_ids, layer.tags, layer.geometry, strict=True)
        for source_id, tags, geom in rows:
            kind = layer.kind
            building = tags.get("building")
            if kind == "osm:multipolygons":
                if building and building != "no":
                    out["buildings"].add(source_id, tags, geom)
                elif tags.get("amenity") not in ("university", "college"):
                    cover = landcover_kind(tags)
                    if cover:
                        out["landcover"].add(source_id, tags, geom, kind=cover)
            elif kind == "osm:lines":
                highway = tags.get("highway")
                if highway and highway not in NOT_ROADS and tags.get("area") != "yes":
                    out["roads"].add(source_id, tags, geom)
                elif building and building != "no":
                    stray_lines.append(source_id)
                    out["buildings"].add(source_id, tags, geom)  # dropped, with a warning
            elif kind == "osm:points":
                if is_osm_camera(tags):
                    camera = camera_record(tags, feature=source_id, from_osm=True)
                    out["cameras"].add(source_id, tags, geom, camera=camera)
                elif _is_osm_poi(tags):
                    out["pois"].add(source_id, tags, geom, kind=poi_kind(tags))
            elif kind == "buildings" and building != "no":
                out["buildings"].add(source_id, tags, geom)
            elif kind == "roads":
                highway = tags.get("highway")
                plain = not any(k in tags for k in ("waterway", "railway", "barrier", "power"))
                if (highway and highway not in NOT_ROADS) or (not highway and plain):
                    out["roads"].add(source_id, tags, geom)
            elif kind == "pois":
                poi = poi_kind(tags, fallback=layer.fallback_kind)
                if tags.get("name") or poi:
                    out["pois"].add(source_id, tags, geom, kind=poi or "poi")
            elif kind == "landcover":
                cover = landcover_kind(tags) or layer.fallback_kind
                if cover:
                    out["landcover"].add(source_id, tags, geom, kind=cover)
                else:
                    unknown[layer.origin] = unknown.get(layer.origin, 0) + 1
            elif kind == "cameras":
                camera = camera_record(tags, feature=source_id, from_osm=layer.from_osm)
                out["cameras"].add(source_id, tags, geom, camera=camera)
    warnings = [
        f"{origin}: {count} feature(s) are not water, green, sport or parking (by their tags), "
        "skipped"
        for origin, count in unknown.items()
    ]
    return out, warnings


def repair(
    geometry: npt.NDArray[np.object_], source_ids: list[str], *, layer: str, dimension: int
) -> tuple[npt.NDArray[np.object_], list[str | None], npt.NDArray[np.bool_]]:
    """Return repaired geometries, one warning (or None) per feature, and the usable mask.

    ``dimension`` is 0 (points), 1 (lines) or 2 (polygons): invalid geometries are repaired
    with ``shapely.make_valid`` and keep their parts of that dimension; features of another
    dimension are dropped.
    """
    # Absurd coordinates (1e306) overflow inside GEOS: numpy would print a RuntimeWarning;
    # the CRS fit check refuses such a file with one clear line.
    with np.errstate(all="ignore"):
        return _repair(geometry, source_ids, layer=layer, dimension=dimension)


def _repair(
    geometry: npt.NDArray[np.object_], source_ids: list[str], *, layer: str, dimension: int
) -> tuple[npt.NDArray[np.object_], list[str | None], npt.NDArray[np.bool_]]:
    label = _LABEL[layer]
    result = geometry.copy()
    messages: list[str | None] = [None] * len(geometry)
    usable = np.ones(len(geometry), dtype=bool)
    if len(geometry) == 0:
        return result, messages, usable
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    # Coordinates no coordinate system has (NaN, 1e306): the feature cannot be placed.
    coords, at = shapely.get_coordinates(geometry, return_index=True)
    absurd = ~(np.isfinite(coords) & (np.abs(coords) < 1e9)).all(axis=1)
    missing |= np.bincount(at[absurd], minlength=len(geometry)) > 0
    dims = shapely.get_dimensions(geometry)
    valid = shapely.is_valid(geometry)
    # An empty part or ring (MULTIPOLYGON (EMPTY, ((…))), POLYGON ((…), EMPTY)) is valid,
    # but SpatiaLite cannot read it back from WKT: empty parts and rings are dropped.
    parts, owner = shapely.get_parts(geometry, return_index=True)
    rings, ring_owner = shapely.get_rings(parts, return_index=True)
    empty = np.concatenate(
        [owner[shapely.is_empty(parts)], owner[ring_owner[shapely.is_empty(rings)]]]
    )
    hollow = np.bincount(empty, minlength=len(geometry)) > 0
    for i in np.flatnonzero((dims != dimension) | ~valid | missing | hollow):  # few: a loop
        geom = geometry[i]
        if missing[i]:
            usable[i] = False
            messages[i] = (
                f"{label} {source_ids[i]}: no geometry (GDAL could not build it: a broken or "
                "unclosed ring, or members outside the exported area), skipped"
            )
            continue
        if dims[i] != dimension:
            usable[i] = False
            what = {0: "a point", 1: "a line", 2: "a polygon"}[dimension]
            messages[i] = f"{label} {source_ids[i]}: {geom.geom_type} is not {what}, dropped"
            continue
        if valid[i]:  # only empty parts or rings to drop
            result[i] = _parts_of_dimension(_without_empty_rings(geom), dimension)
            messages[i] = f"{label} {source_ids[i]}: an empty part, dropped"
            continue
        reason = shapely.is_valid_reason(geom)
        try:
            fixed = _parts_of_dimension(shapely.make_valid(geom), dimension)
        except shapely.errors.GEOSException:  # e.g. a ring collapsed to a point: "mixed-dimension"
            fixed = None
        match = _VALID_REASON.match(reason)
        where = f"{match['what']} at ({match['x']} {match['y']})" if match else reason
        if fixed is None:
            usable[i] = False
            messages[i] = f"{label} {source_ids[i]}: {where}, cannot be repaired, dropped"
        else:
            result[i] = fixed
            messages[i] = f"{label} {source_ids[i]}: {where}, repaired"
    return result, messages, usable


def _without_empty_rings(geom: Any) -> Any:
    """Return ``geom`` with the empty interior rings of its polygons dropped."""
    parts = shapely.get_parts(geom)
    kept = [
        shapely.Polygon(p.exterior, [r for r in p.interiors if not r.is_empty])
        if p.geom_type == "Polygon" and not p.is_empty
        else p
        for p in parts
    ]
    return shapely.geometrycollections(kept) if len(kept) != 1 else kept[0]


def _parts_of_dimension(geom: Any, dimension: int) -> Any:
    parts = shapely.get_parts(geom)
    parts = parts[shapely.get_dimensions(parts) == dimension]
    parts = parts[~shapely.is_empty(parts)]
    if len(parts) == 0:
        return None
    if len(parts) == 1:
        return parts[0]
    maker: Callable[[Any], Any] = {
        0: shapely.multipoints,
        1: shapely.multilinestrings,
        2: shapely.multipolygons,
    }[dimension]
    return maker(parts)


@dataclass(frozen=True)
class CampusArea:
    """The campus in EPSG:4326 and its buffered versions (margins in metres)."""

    shape: Any
    roads_zone: Any
    gates_zone: Any
    metric_crs: CRS

    @classmethod
    def of(cls, shape: Any, *, metric_crs: CRS) -> CampusArea:
        metric = gpd.GeoSeries([shape], crs=WGS84).to_crs(metric_crs)
        zones = gpd.GeoSeries(
            [metric.buffer(ROAD_MARGIN_M).iloc[0], metric.buffer(GATE_MARGIN_M).iloc[0]],
            crs=metric_crs,
        ).to_crs(WGS84)
        shapely.prepare(shape)
        return cls(shape, zones.iloc[0], zones.iloc[1], metric_crs)


def build_layer(
    name: str, found: Collected, campus: CampusArea
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return one conformed campus layer (EPSG:4326) and its warnings."""
    with np.errstate(all="ignore"):  # absurd coordinates overflow in GEOS (see repair)
        return _build_layer(name, found, campus)


def _build_layer(
    name: str, found: Collected, campus: CampusArea
) -> tuple[gpd.GeoDataFrame, list[str]]:
    dimension = {"buildings": 2, "landcover": 2, "roads": 1, "pois": 0, "cameras": 0}[name]
    geometry = np.array(found.geometry, dtype=object)
    fixed, messages, usable = repair(geometry, found.source_ids, layer=name, dimension=dimension)
    zone = {"roads": campus.roads_zone, "pois": campus.gates_zone, "cameras": campus.gates_zone}
    area = zone.get(name, campus.shape)
    candidates = fixed.copy()
    candidates[~usable] = None
    inside = usable & shapely.intersects(candidates, area)
    if name == "pois":  # only gates and entrances may stand just outside the fence
        fence = np.array([e.get("kind") in ("gate", "entrance") for e in found.extra], dtype=bool)
        inside &= fence | shapely.intersects(candidates, campus.shape)
    # Warn about kept features, and about unusable ones near the campus.
    near = shapely.intersects(geometry, campus.roads_zone) | ~usable & shapely.is_missing(geometry)
    warnings = [m for m, keep, n in zip(messages, inside, near, strict=True) if m and (keep or n)]
    if name == "cameras":
        warnings += [
            f"camera {sid}: more than {GATE_MARGIN_M:g} m outside the campus, skipped"
            for sid, ok, keep in zip(found.source_ids, usable, inside, strict=True)
            if ok and not keep
        ]
    keep = np.flatnonzero(inside)
    seen: set[str] = set()
    unique = []
    for i in keep:
        sid = found.source_ids[i]
        if "/" in sid and "#" not in sid:
            if sid in seen:
                continue  # the same OSM feature read from two files
            seen.add(sid)
        unique.append(i)
    keep = np.array(unique, dtype=int)
    shapes = fixed[keep] if len(keep) else np.array([], dtype=object)
    if name == "roads" and len(shapes):
        shapes = shapely.intersection(shapes, campus.roads_zone)
    elif name == "landcover" and len(shapes):
        shapes = shapely.intersection(shapes, campus.shape)
    if name in ("roads", "landcover") and len(shapes):
        shapes = np.array([_parts_of_dimension(g, dimension) for g in shapes], dtype=object)
        present = ~shapely.is_missing(shapes)
        keep, shapes = keep[present], shapes[present]
    rows = [_attributes(name, found, int(i), warnings) for i in keep]
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows) if rows else pd.DataFrame(),
        geometry=gpd.GeoSeries(list(shapes), crs=WGS84),
        crs=WGS84,
    )
    return conform(name, frame), warnings


def _attributes(name: str, found: Collected, i: int, warnings: list[str]) -> dict[str, Any]:
    tags, sid, extra = found.tags[i], found.source_ids[i], found.extra[i]
    label = tags.get("name") or tags.get("name_en") or tags.get("name:en")
    row: dict[str, Any] = {"source_id": sid, "name": label}
    if name == "buildings":
        height = building_height(tags, feature=sid)
        if height.warning:
            warnings.append(height.warning)
        row.update(
            use=tags.get("use") or tags.get("building"),
            levels=height.levels,
            height_m=height.height_m,
            height_source=height.source,
        )
    elif name == "roads":
        row["road_class"] = tags.get("road_class") or tags.get("highway") or "road"
    elif name in ("pois", "landcover"):
        row["kind"] = extra.get("kind")
    elif name == "cameras":
        camera = dict(extra["camera"])
        defaulted = camera.pop("defaulted")
        if "heading_deg" in defaulted:
            warnings.append(f"camera {sid}: no heading (camera:direction); 0° (north) assumed")
        row.update(camera)
        row["name"] = camera["name"] or label
    return row
