"""Suggest where to add cameras: greedy picks by uncovered walkable area and key areas.

Candidates are wall mounts (every ``wall_spacing_m`` along each exterior wall, 0.3 m outside
it, facing out and ±45°) and road-side posts (every ``road_spacing_m`` along each road, four
headings), all with one camera spec. Each round picks the candidate that adds the most
walkable area seen at ≥ detect, plus ``key_area_weight_m2`` for every key area it brings to
"covered" (≥ 50 % of its walkable part seen at ≥ recognise, as in the coverage report).
After a pick only the candidates whose coverage overlaps the pick are re-scored; the
others' gains cannot have changed.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely import STRtree

from zoning.cameras.bands import BANDS, band_index
from zoning.cameras.coverage import (
    DEFAULT_SPEC,
    Buildings,
    CameraArrays,
    CameraSpec,
    band_geometries,
)
from zoning.cameras.coverage import camera_arrays as _camera_arrays
from zoning.cameras.occlusion import FloatArray, GeomArray
from zoning.cameras.report import KEY_AREA_COVERED_SHARE, as_geometry
from zoning.errors import InvalidInput
from zoning.geo.crs import require_metric

#: How far outside its wall a suggested wall camera stands (m).
WALL_STANDOFF_M = 0.3
_DETECT = band_index("detect")
_RECOGNISE = band_index("recognise")
#: The two bands the greedy search needs, best first.
_BANDS = (BANDS[_RECOGNISE], BANDS[_DETECT])


def _wall_candidates(footprints: GeomArray, spacing_m: float) -> tuple[FloatArray, FloatArray]:
    """Return (points (n, 2), outward normals as compass headings) along exterior walls."""
    shells = shapely.get_exterior_ring(
        shapely.get_parts(shapely.orient_polygons(footprints, exterior_cw=False))
    )
    coords, ring = shapely.get_coordinates(shells, return_index=True)
    same = ring[:-1] == ring[1:]
    a, b = coords[:-1][same], coords[1:][same]
    length = np.hypot(*(b - a).T)
    keep = length >= 4.0
    a, b, length = a[keep], b[keep], length[keep]
    count = np.maximum(1, np.floor(length / spacing_m)).astype(np.int64)
    edge = np.repeat(np.arange(a.shape[0]), count)
    first = np.cumsum(count) - count
    t = (np.arange(edge.size) - first[edge] + 0.5) / count[edge]
    d = (b - a)[edge] / length[edge, None]
    normal = np.column_stack([d[:, 1], -d[:, 0]])  # right of a CCW shell edge: outside
    pts = a[edge] + (b - a)[edge] * t[:, None] + WALL_STANDOFF_M * normal
    heading = (90.0 - np.degrees(np.arctan2(normal[:, 1], normal[:, 0]))) % 360.0
    return pts, heading


def _road_candidates(roads: gpd.GeoDataFrame, spacing_m: float) -> tuple[FloatArray, FloatArray]:
    """Return points every ``spacing_m`` along roads and the road bearing there (degrees)."""
    lines = shapely.get_parts(shapely.line_merge(roads.geometry.to_numpy()))
    lines = lines[shapely.get_type_id(lines) == 1]
    if lines.size == 0:
        return np.zeros((0, 2)), np.zeros(0)
    length = shapely.length(lines)
    count = np.maximum(1, np.floor(length / spacing_m)).astype(np.int64)
    line = np.repeat(np.arange(lines.size), count)
    first = np.cumsum(count) - count
    at = (np.arange(line.size) - first[line] + 0.5) / count[line] * length[line]
    p = shapely.get_coordinates(shapely.line_interpolate_point(lines[line], at))
    q = shapely.get_coordinates(shapely.line_interpolate_point(lines[line], at + 1.0))
    bearing = (90.0 - np.degrees(np.arctan2(q[:, 1] - p[:, 1], q[:, 0] - p[:, 0]))) % 360.0
    return p, bearing


def _candidates(
    world: Buildings,
    roads: gpd.GeoDataFrame | None,
    *,
    spec: CameraSpec,
    wall_spacing_m: float,
    road_spacing_m: float,
) -> tuple[CameraArrays, np.ndarray]:  # type: ignore[type-arg]
    wall_xy, wall_out = _wall_candidates(world.footprints, wall_spacing_m)
    xy = [np.repeat(wall_xy, 3, axis=0)]
    heading = [(np.repeat(wall_out, 3) + np.tile([-45.0, 0.0, 45.0], wall_out.size)) % 360.0]
    site = [np.full(wall_out.size * 3, "wall", dtype=object)]
    if roads is not None and len(roads):
        road_xy, bearing = _road_candidates(roads, road_spacing_m)
        xy.append(np.repeat(road_xy, 4, axis=0))
        heading.append(
            (np.repeat(bearing, 4) + np.tile([0.0, 90.0, 180.0, 270.0], bearing.size)) % 360
        )
        site.append(np.full(bearing.size * 4, "road", dtype=object))
    pts = np.concatenate(xy)
    points = shapely.points(pts)
    inside = np.zeros(len(pts), dtype=bool)
    hit = world.tree.query(points, predicate="intersects")[0]
    inside[hit] = True
    pts, head, kind = pts[~inside], np.concatenate(heading)[~inside], np.concatenate(site)[~inside]
    n = len(pts)
    arrays = CameraArrays(
        x=pts[:, 0],
        y=pts[:, 1],
        heading_deg=head,
        hfov_deg=np.full(n, spec.hfov_deg),
        mount_height_m=np.full(n, spec.mount_height_m),
        resolution_px=np.full(n, float(spec.resolution_px)),
        range_m=np.full(n, spec.range_m),
        indoor=np.zeros(n, dtype=bool),
    )
    return arrays, kind


def _pieces(region: shapely.Geometry, *, tile_m: float = 100.0) -> GeomArray:
    """Cut ``region`` into polygons no larger than a tile, so area queries stay local."""
    parts: GeomArray = shapely.get_parts(region)
    parts = parts[~shapely.is_empty(parts)]
    if parts.size == 0:
        return parts
    xmin, ymin, xmax, ymax = shapely.total_bounds(parts)
    xs = np.arange(xmin, xmax + tile_m, tile_m)
    ys = np.arange(ymin, ymax + tile_m, tile_m)
    gx, gy = np.meshgrid(xs[:-1], ys[:-1])
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + tile_m, gy.ravel() + tile_m)
    part, box = STRtree(parts).query(boxes, predicate="intersects")[::-1]
    out = shapely.get_parts(shapely.intersection(parts[part], boxes[box]))
    polys: GeomArray = out[(shapely.get_type_id(out) == 3) & (shapely.area(out) > 1e-6)]
    return polys


def _gain(cover: GeomArray, idx: np.ndarray, pieces: GeomArray) -> FloatArray:  # type: ignore[type-arg]
    """Area (m²) of ``pieces`` inside each ``cover[idx]``."""
    out = np.zeros(idx.size)
    if pieces.size == 0 or idx.size == 0:
        return out
    i, j = STRtree(pieces).query(cover[idx], predicate="intersects")
    np.add.at(out, i, shapely.area(shapely.intersection(cover[idx][i], pieces[j])))
    return out


def suggest_sites(
    buildings: gpd.GeoDataFrame,
    walkable: shapely.Geometry | gpd.GeoSeries,
    *,
    count: int,
    cameras: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    key_areas: gpd.GeoDataFrame | None = None,
    spec: CameraSpec = DEFAULT_SPEC,
    wall_spacing_m: float = 25.0,
    road_spacing_m: float = 40.0,
    key_area_weight_m2: float = 500.0,
) -> gpd.GeoDataFrame:
    """Return up to ``count`` new camera sites, best first, as a cameras-like GeoDataFrame.

    Columns: ``rank``, ``site`` (wall/road), ``heading_deg``, ``hfov_deg``, ``tilt_deg``,
    ``mount_height_m``, ``resolution_px``, ``range_m``, ``indoor``, ``gain_m2`` (walkable area
    newly seen at ≥ detect) and ``key_areas_covered`` (names of the key areas this pick
    brings to covered, ``"; "``-joined). Fewer rows when nothing more can be gained.
    ``cameras`` are the existing ones. Raise :class:`InvalidInput` for ``count < 0`` or a
    geographic CRS.
    """
    if count < 0:
        raise InvalidInput("count must be ≥ 0 new cameras.")
    crs = require_metric(buildings, what="buildings layer")
    world = Buildings(buildings)
    walk = as_geometry(walkable)
    existing = np.zeros((0, 2), dtype=object)
    if cameras is not None and len(cameras):
        existing = band_geometries(_camera_arrays(cameras, spec=spec), world, bands=_BANDS)
    seen_rec = shapely.union_all(existing[:, 0]) if len(existing) else shapely.Polygon()
    seen_det = shapely.union_all(existing[:, 1]) if len(existing) else shapely.Polygon()
    pieces = _pieces(shapely.difference(walk, seen_det))

    cand, site = _candidates(
        world, roads, spec=spec, wall_spacing_m=wall_spacing_m, road_spacing_m=road_spacing_m
    )
    geoms = band_geometries(cand, world, bands=_BANDS)
    rec, det = geoms[:, 0], geoms[:, 1]
    gain = _gain(det, np.arange(len(cand)), pieces)
    det_tree = STRtree(det)

    # Key areas: the walkable part of each, how much of it is seen at ≥ recognise so far.
    names: list[str] = []
    key_rest = np.zeros(0, dtype=object)
    key_base = np.zeros(0)
    key_seen = np.zeros(0)
    if key_areas is not None and len(key_areas):
        geo = key_areas.geometry.to_numpy()
        base = shapely.intersection(geo, walk)
        base = np.where(shapely.area(base) > 1e-9, base, geo)
        key_base = shapely.area(base)
        key_seen = shapely.area(shapely.intersection(base, seen_rec))
        key_rest = shapely.difference(base, seen_rec)
        names = [str(n) for n in key_areas["name"]]

    rows: list[dict[str, object]] = []
    points: list[shapely.Point] = []
    for rank in range(1, count + 1):  # K rounds; each re-scores only what the pick touched
        newly = np.zeros((len(cand), key_base.size), dtype=bool)
        if key_base.size:
            open_key = key_seen < KEY_AREA_COVERED_SHARE * key_base
            ci, kj = STRtree(key_rest).query(rec, predicate="intersects")
            ok = open_key[kj]
            ci, kj = ci[ok], kj[ok]
            add = shapely.area(shapely.intersection(rec[ci], key_rest[kj]))
            newly[ci, kj] = key_seen[kj] + add >= KEY_AREA_COVERED_SHARE * key_base[kj]
        score = gain + key_area_weight_m2 * newly.sum(axis=1)
        best = int(np.argmax(score)) if len(cand) else -1
        if best < 0 or score[best] <= 1e-6:
            break
        won = [names[j] for j in np.flatnonzero(newly[best])]
        rows.append(
            {
                "rank": rank,
                "site": site[best],
                "heading_deg": float(cand.heading_deg[best]),
                "hfov_deg": spec.hfov_deg,
                "tilt_deg": spec.tilt_deg,
                "mount_height_m": spec.mount_height_m,
                "resolution_px": spec.resolution_px,
                "range_m": spec.range_m,
                "indoor": False,
                "gain_m2": float(gain[best]),
                "key_areas_covered": "; ".join(won),
            }
        )
        points.append(shapely.Point(cand.x[best], cand.y[best]))
        # Update what is left uncovered, then re-score the candidates that overlap the pick.
        hit = STRtree(pieces).query(det[best], predicate="intersects") if pieces.size else []
        if len(hit):
            cut = _pieces(shapely.union_all(shapely.difference(pieces[hit], det[best])))
            pieces = np.concatenate([np.delete(pieces, hit), cut])
        if key_base.size:
            key_seen = key_seen + shapely.area(shapely.intersection(key_rest, rec[best]))
            key_rest = shapely.difference(key_rest, rec[best])
        touched = det_tree.query(det[best], predicate="intersects")
        gain[touched] = _gain(det, touched, pieces)
    frame = gpd.GeoDataFrame(rows, geometry=points, crs=crs)
    if not rows:
        frame = gpd.GeoDataFrame(
            {c: [] for c in ("rank", "site", "heading_deg", "gain_m2", "key_areas_covered")},
            geometry=[],
            crs=crs,
        )
    return frame
