"""Shadows that building footprints cast on the ground as seen from a camera (2D occlusion).

A ground point is hidden from camera ``c`` iff the segment from ``c`` to it crosses a
footprint edge. The region hidden by one edge ``(a, b)`` is the quadrilateral
``a, b, far(b), far(a)`` (``far`` projects a vertex away from ``c`` beyond the reach), so the
union over edges is exact for any footprint: concave, multi-part or with courtyards (holes).

Optimisations (``bench/coverage.py`` compares the whole against the plain method: every
edge of every building in range, one quad each, per-camera queries):

* **Range culling**: the edges near every camera come from one bulk
  ``STRtree.query(points, "dwithin", distance=reach)`` over all edges, not per camera.
* **Back-face culling**: rings are oriented (shells counter-clockwise, holes clockwise), so
  solid lies left of every edge; only edges with the camera on their right can be the first
  crossing of a ray, and the shadows of the others are covered by theirs. About half the
  edges go.
* **Sector culling**: edges whose angular span misses the field of view are dropped.
* Culling, cutting wide edges into ≤ 60° pieces and building the quads is numpy over all
  (camera, edge) pairs at once; the per-camera unions are one padded ``union_all(axis=1)``
  call (:func:`union_groups`), not a Python loop.
* :mod:`zoning.cameras.coverage` subtracts a shadow from a band's sector only when the shadow comes
  nearer than the band's radius.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely import STRtree

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
GeomArray = NDArray[np.object_]

#: Largest angle (radians) one shadow piece may subtend, so its far chord stays beyond reach.
_MAX_PIECE = math.pi / 3.0
_EMPTY = shapely.Polygon()
#: Arc step (degrees) of sector outlines: the chord sags 2.4 cm below a 40 m arc, 4.9 cm at
#: 80 m, and the vertices are pushed out so that areas stay exact (see sector_polygons).
ARC_STEP_DEG = 4.0


def polygonal(geoms: GeomArray) -> GeomArray:
    """Return ``geoms`` with the points and lines dropped from any geometry collection.

    Overlays of polygons that touch along an edge may return a collection with a stray line;
    feeding that to the next overlay can make GEOS fail.
    """
    out = np.array(geoms, dtype=object, copy=True)
    flat = out.reshape(-1)  # a view of the fresh copy, any shape
    for i in np.flatnonzero(shapely.get_type_id(flat) == 7):  # rare: a loop is fine
        parts = shapely.get_parts(shapely.get_parts(flat[i]))
        parts = parts[shapely.get_type_id(parts) == 3]
        flat[i] = shapely.union_all(parts) if parts.size else _EMPTY
    return out


@dataclass(frozen=True)
class Edges:
    """Every edge of every footprint ring, oriented so that solid lies to the left."""

    a: FloatArray  #: (n, 2) start points
    b: FloatArray  #: (n, 2) end points
    building: IntArray  #: (n,) index of the footprint the edge belongs to
    ring: IntArray  #: (n,) global ring number (consecutive edges of a ring are adjacent)
    tree: STRtree  #: over the edges as segments


def building_edges(footprints: GeomArray) -> Edges:
    """Return the oriented edges of ``footprints`` (Polygon / MultiPolygon array, metres)."""
    geoms = np.asarray(footprints, dtype=object)
    oriented = shapely.orient_polygons(geoms, exterior_cw=False)
    parts, part_building = shapely.get_parts(oriented, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    same = coord_ring[:-1] == coord_ring[1:]
    a = coords[:-1][same]
    b = coords[1:][same]
    ring = coord_ring[:-1][same].astype(np.int64)
    building = part_building[ring_part[ring]].astype(np.int64)
    keep = np.any(a != b, axis=1)
    a, b, ring, building = a[keep], b[keep], ring[keep], building[keep]
    segments = shapely.linestrings(np.stack([a, b], axis=1))
    return Edges(a=a, b=b, building=building, ring=ring, tree=STRtree(segments))


def sector_polygons(
    x: FloatArray,
    y: FloatArray,
    heading_deg: FloatArray,
    hfov_deg: FloatArray,
    radius_m: FloatArray,
    *,
    step_deg: float = ARC_STEP_DEG,
) -> GeomArray:
    """Return field-of-view sectors (compass heading, 0 = north, clockwise), one per camera.

    Arc vertices sit at ``r·sqrt(δ/sin δ)`` for an arc step ``δ`` so that every polygon has
    exactly the area of the true sector, ``(θ/2)·r²``. ``hfov_deg ≥ 360`` gives a full disc;
    a radius of 0 gives an empty polygon.
    """
    x, y = np.atleast_1d(x).astype(float), np.atleast_1d(y).astype(float)
    radius = np.broadcast_to(np.asarray(radius_m, dtype=float), x.shape)
    fov = np.radians(np.clip(np.broadcast_to(np.asarray(hfov_deg, dtype=float), x.shape), 0, 360))
    heading = np.broadcast_to(np.asarray(heading_deg, dtype=float), x.shape)
    out = np.full(x.shape, _EMPTY, dtype=object)
    ok = (radius > 0) & (fov > 0)
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    full = fov[idx] >= 2 * math.pi - 1e-12
    nseg = np.maximum(1, np.ceil(fov[idx] / math.radians(step_deg) - 1e-9)).astype(np.int64)
    delta = fov[idx] / nseg
    scale = np.sqrt(delta / np.sin(delta))
    start = np.radians(90.0 - heading[idx]) - fov[idx] / 2.0
    narc = np.where(full, nseg, nseg + 1)  # a full circle does not repeat its first vertex
    npts = narc + np.where(full, 0, 1)  # plus the apex
    owner = np.repeat(np.arange(idx.size), npts)
    first = np.cumsum(npts) - npts
    j = np.arange(owner.size) - first[owner]  # position within its ring
    apex = ~full[owner] & (j == 0)
    k = np.where(full[owner], j, j - 1)
    ang = start[owner] + k * delta[owner]
    r = radius[idx][owner] * scale[owner]
    px = np.where(apex, x[idx][owner], x[idx][owner] + r * np.cos(ang))
    py = np.where(apex, y[idx][owner], y[idx][owner] + r * np.sin(ang))
    rings = shapely.linearrings(np.column_stack([px, py]), indices=owner)
    out[idx] = shapely.polygons(rings)
    return out


@dataclass(frozen=True)
class EdgePairs:
    """Front-facing (camera, edge) pairs that may hide part of the camera's sector."""

    camera: IntArray
    edge: IntArray


def facing_pairs(
    x: FloatArray,
    y: FloatArray,
    heading_deg: FloatArray,
    hfov_deg: FloatArray,
    reach_m: FloatArray,
    edges: Edges,
    *,
    cull: bool = True,
) -> EdgePairs:
    """Return the edges within ``reach_m`` of each camera that face it and cross its view.

    With ``cull=False`` every edge within reach is returned (the unoptimised method).
    """
    points = shapely.points(x, y)
    cam, edge = edges.tree.query(points, predicate="dwithin", distance=np.maximum(reach_m, 0.0))
    cam = cam.astype(np.int64)
    edge = edge.astype(np.int64)
    ok = reach_m[cam] > 0
    cam, edge = cam[ok], edge[ok]
    if not cull:
        return EdgePairs(camera=cam, edge=edge)
    ux = edges.a[edge, 0] - x[cam]
    uy = edges.a[edge, 1] - y[cam]
    vx = edges.b[edge, 0] - x[cam]
    vy = edges.b[edge, 1] - y[cam]
    cross = ux * vy - uy * vx
    front = cross < 0.0
    span = np.arctan2(-cross, ux * vx + uy * vy)
    mid = np.arctan2(vy, vx) + span / 2.0
    centre = np.radians(90.0 - heading_deg[cam])
    half = np.radians(hfov_deg[cam]) / 2.0
    off = np.abs((mid - centre + math.pi) % (2 * math.pi) - math.pi)
    seen = (half >= math.pi) | (off <= span / 2.0 + half + 1e-9)
    keep = front & seen
    return EdgePairs(camera=cam[keep], edge=edge[keep])


def _far(
    cx: FloatArray, cy: FloatArray, px: FloatArray, py: FloatArray, dist: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Project points ``p`` away from ``c`` to distance ``dist``."""
    dx, dy = px - cx, py - cy
    norm = np.hypot(dx, dy)
    norm = np.where(norm > 0, norm, 1.0)
    return cx + dx * dist / norm, cy + dy * dist / norm


def _cut(
    ux: FloatArray, uy: FloatArray, ex: FloatArray, ey: FloatArray, turn: FloatArray
) -> FloatArray:
    """Return ``t`` where the ray from ``c``, ``turn`` off ``u = a − c``, meets ``a + t·e``."""
    cos, sin = np.cos(turn), np.sin(turn)
    dx, dy = ux * cos - uy * sin, ux * sin + uy * cos
    den = ex * dy - ey * dx
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -(ux * dy - uy * dx) / den
    out: FloatArray = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0)
    return out


def shadow_quads(
    x: FloatArray, y: FloatArray, reach_m: FloatArray, pairs: EdgePairs, edges: Edges
) -> tuple[FloatArray, IntArray]:
    """Return one quadrilateral per shadow piece ``(m, 4, 2)`` and the camera of each piece.

    An edge subtending more than 60° is cut into pieces so that the far side of each
    quadrilateral stays beyond the reach. Works for front- and back-facing edges alike.
    """
    cam = pairs.camera
    cx, cy = x[cam], y[cam]
    a, b = edges.a[pairs.edge], edges.b[pairs.edge]
    ux, uy = a[:, 0] - cx, a[:, 1] - cy
    vx, vy = b[:, 0] - cx, b[:, 1] - cy
    signed = np.arctan2(ux * vy - uy * vx, ux * vx + uy * vy)  # angle from a to b seen from c
    pieces = np.maximum(1, np.ceil(np.abs(signed) / _MAX_PIECE)).astype(np.int64)
    dist = np.maximum(
        reach_m[cam] / math.cos(_MAX_PIECE / 2.0),
        np.maximum(np.hypot(ux, uy), np.hypot(vx, vy)),
    )
    dist = dist * 1.001 + 1.0
    rep = np.repeat(np.arange(cam.size), pieces)
    first = np.cumsum(pieces) - pieces
    j = np.arange(rep.size) - first[rep]
    # Cut edges at equal angles (not equal lengths) as seen from the camera.
    t0 = _cut(ux[rep], uy[rep], vx[rep] - ux[rep], vy[rep] - uy[rep], signed[rep] * j / pieces[rep])
    t1 = _cut(
        ux[rep], uy[rep], vx[rep] - ux[rep], vy[rep] - uy[rep], signed[rep] * (j + 1) / pieces[rep]
    )
    t0 = np.where(j == 0, 0.0, t0)
    t1 = np.where(j + 1 == pieces[rep], 1.0, t1)
    ax, ay, bx, by = a[rep, 0], a[rep, 1], b[rep, 0], b[rep, 1]
    p0x, p0y = ax + (bx - ax) * t0, ay + (by - ay) * t0
    p1x, p1y = ax + (bx - ax) * t1, ay + (by - ay) * t1
    rx, ry, d = cx[rep], cy[rep], dist[rep]
    f1x, f1y = _far(rx, ry, p1x, p1y, d)
    f0x, f0y = _far(rx, ry, p0x, p0y, d)
    quads = np.empty((rep.size, 4, 2))
    quads[:, 0, 0], quads[:, 0, 1] = p0x, p0y
    quads[:, 1, 0], quads[:, 1, 1] = p1x, p1y
    quads[:, 2, 0], quads[:, 2, 1] = f1x, f1y
    quads[:, 3, 0], quads[:, 3, 1] = f0x, f0y
    return quads, cam[rep]


def union_by_camera(polygons: GeomArray, camera: IntArray, n_cameras: int) -> GeomArray:
    """Return, per camera, the union of its ``polygons`` (empty polygon when it has none).

    ``camera`` must be sorted. One vectorised :func:`union_groups` call: a few thousand
    small unions of a handful of polygons each.
    """
    return union_groups(polygons, camera, n_cameras)


def union_groups(geoms: GeomArray, group: IntArray, n_groups: int) -> GeomArray:
    """Return per group the union of its ``geoms`` (empty polygon for a group with none).

    ``group`` must be sorted. A group of one keeps its geometry; the others are laid out as
    the rows of a table padded with None and unioned row by row in one call (no Python loop
    over groups).
    """
    out = np.full(n_groups, _EMPTY, dtype=object)
    if group.size == 0:
        return out
    count = np.bincount(group, minlength=n_groups)
    first = np.cumsum(count) - count
    one = count == 1
    out[one] = geoms[first[one]]
    many = np.flatnonzero(count > 1)
    if many.size:
        table = np.full((n_groups, int(count.max())), None, dtype=object)
        table[group, np.arange(group.size) - first[group]] = geoms
        out[many] = shapely.union_all(table[many], axis=1)
    return out


def shadows(
    x: FloatArray,
    y: FloatArray,
    heading_deg: FloatArray,
    hfov_deg: FloatArray,
    reach_m: FloatArray,
    edges: Edges,
) -> GeomArray:
    """Return per camera the union of the shadows of every footprint within ``reach_m``.

    Only the part of a shadow inside the camera's sector of radius ``reach_m`` is meaningful.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    reach = np.asarray(reach_m, dtype=float)
    pairs = facing_pairs(
        x, y, np.asarray(heading_deg, float), np.asarray(hfov_deg, float), reach, edges
    )
    quads, cam = shadow_quads(x, y, reach, pairs, edges)
    polys = shapely.polygons(quads)
    return union_by_camera(polys, cam, x.size)
