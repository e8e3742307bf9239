"""Geometry helpers of the synthetic demo campus (private to ``zoning.demo.build``).

Everything here works in a local metric frame (metres, x east, y north).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely import LineString, Polygon

FloatArray = NDArray[np.float64]


def rotate_xy(xy: FloatArray, angle_rad: float) -> FloatArray:
    """Return ``xy`` (n × 2, metres) rotated counter-clockwise by ``angle_rad`` about (0, 0)."""
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    out: FloatArray = xy @ np.array([[c, s], [-s, c]])
    return out


def bearing_deg(dx: FloatArray, dy: FloatArray) -> FloatArray:
    """Return the compass bearing (0 = north, clockwise, in [0, 360)) of vectors (dx, dy)."""
    out: FloatArray = np.mod(np.degrees(np.arctan2(dx, dy)), 360.0)
    return np.where(out >= 360.0, 0.0, out)


def footprint_rings(
    shape: str, length_m: float, depth_m: float, wing_m: float, *, flip: bool
) -> tuple[FloatArray, list[FloatArray]]:
    """Return (exterior, holes) of a footprint centred on (0, 0), long axis along x.

    ``shape`` is "rect", "L", "U" (courtyard open on one long side) or "court" (a hole).
    ``wing_m`` is the width of the wings of L, U and courtyard buildings; ``flip`` mirrors
    the shape in y (an L whose wing points south, a U open to the north).
    """
    a, b, w = length_m / 2.0, depth_m / 2.0, wing_m
    holes: list[FloatArray] = []
    if shape == "rect":
        ext = [(-a, -b), (a, -b), (a, b), (-a, b)]
    elif shape == "L":
        ext = [(-a, -b), (a, -b), (a, b), (a - w, b), (a - w, -b + w), (-a, -b + w)]
    elif shape == "U":
        ext = [(-a, -b), (-a + w, -b), (-a + w, b - w), (a - w, b - w), (a - w, -b)]
        ext += [(a, -b), (a, b), (-a, b)]
    elif shape == "court":
        ext = [(-a, -b), (a, -b), (a, b), (-a, b)]
        holes = [np.array([(-a + w, -b + w), (-a + w, b - w), (a - w, b - w), (a - w, -b + w)])]
    else:
        raise ValueError(shape)
    exterior = np.array(ext, dtype=float)
    if flip:
        exterior[:, 1] *= -1.0
        exterior = exterior[::-1]
        holes = [h * np.array([1.0, -1.0]) for h in holes]
    return exterior, holes


def place_rings(
    rings: tuple[FloatArray, list[FloatArray]], centre: FloatArray, theta_rad: float
) -> Polygon:
    """Return the footprint ``rings`` rotated by ``theta_rad`` and moved to ``centre`` (x, y)."""
    shift = np.asarray(centre, dtype=float)
    exterior, holes = rings
    return Polygon(
        rotate_xy(exterior, theta_rad) + shift, [rotate_xy(h, theta_rad) + shift for h in holes]
    )


def wavy_line(
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    amplitude_m: float,
    waves: float,
    phase: float,
    samples: int = 64,
) -> LineString:
    """Return a smooth curve from ``start`` to ``end`` that bends sideways by a sine wave."""
    p0, p1 = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    d = p1 - p0
    normal = np.array([-d[1], d[0]]) / float(np.hypot(*d))
    t = np.linspace(0.0, 1.0, samples)
    offset = amplitude_m * np.sin(np.pi * waves * t + phase)
    pts = p0 + t[:, None] * d + offset[:, None] * normal
    return LineString(pts)


def blob(
    centre: FloatArray, a_m: float, b_m: float, theta_rad: float, noise: FloatArray
) -> Polygon:
    """Return a smooth irregular blob (a lake): an ellipse with semi-axes ``a_m``, ``b_m``.

    ``noise`` (3 values in [-1, 1]) sets the amplitude of three low-frequency wobbles.
    """
    t = np.linspace(0.0, 2.0 * np.pi, 73)[:-1]
    r = 1.0 + 0.10 * noise[0] * np.sin(2 * t + 1.3) + 0.07 * noise[1] * np.sin(3 * t + 0.4)
    r += 0.04 * noise[2] * np.cos(5 * t)
    xy = np.column_stack([a_m * r * np.cos(t), b_m * r * np.sin(t)])
    return Polygon(rotate_xy(xy, theta_rad) + np.asarray(centre, dtype=float))


def stadium(centre: FloatArray, straight_m: float, radius_m: float, theta_rad: float) -> Polygon:
    """Return a running-track shape: two straights of ``straight_m`` joined by half circles."""
    half = straight_m / 2.0
    t1 = np.linspace(-np.pi / 2, np.pi / 2, 25)
    t2 = t1 + np.pi
    right = np.column_stack([half + radius_m * np.cos(t1), radius_m * np.sin(t1)])
    left = np.column_stack([-half + radius_m * np.cos(t2), radius_m * np.sin(t2)])
    xy = np.vstack([right, left])
    return Polygon(rotate_xy(xy, theta_rad) + np.asarray(centre, dtype=float))


def main_axis_rad(poly: Polygon) -> float:
    """Return the direction (radians, within ±45° of east) of the polygon's rotated bounding box."""
    mrr = shapely.minimum_rotated_rectangle(poly)
    xy = shapely.get_coordinates(mrr)
    if len(xy) < 3:
        return 0.0
    d = xy[1] - xy[0]
    angle = math.atan2(d[1], d[0])
    # fold into (-45°, 45°]: rows of buildings run roughly east-west (Chinese buildings face south)
    angle = (angle + math.pi / 4) % (math.pi / 2) - math.pi / 4
    return angle


def _insert_points(coords: FloatArray, pts: FloatArray) -> FloatArray:
    """Return ``coords`` with ``pts`` (points on the line) inserted in order along the line."""
    if len(pts) == 0:
        return coords
    a, b = coords[:-1], coords[1:]
    ab = b - a
    len2 = np.maximum((ab**2).sum(axis=1), 1e-18)
    ap = pts[:, None, :] - a[None, :, :]
    t = np.clip((ap * ab[None]).sum(axis=2) / len2[None], 0.0, 1.0)
    proj = a[None] + t[..., None] * ab[None]
    dist = np.hypot(*(pts[:, None, :] - proj).transpose(2, 0, 1))
    seg = np.argmin(dist, axis=1)
    key_new = seg + t[np.arange(len(pts)), seg]
    keys = np.concatenate([np.arange(len(coords), dtype=float), key_new])
    allpts = np.vstack([coords, pts])
    # original vertices sort before inserted points with the same key
    order = np.lexsort((np.r_[np.zeros(len(coords)), np.ones(len(pts))], keys))
    merged = allpts[order]
    keep = np.r_[True, np.hypot(*np.diff(merged, axis=0).T) > 1e-9]
    out: FloatArray = merged[keep]
    return out


def share_nodes(lines: list[LineString], *, snap_m: float = 0.5) -> list[LineString]:
    """Return ``lines`` with a common vertex wherever two of them cross or one ends on another.

    An open line whose end lies within ``snap_m`` of another line is moved onto it, and the
    meeting point becomes a vertex of both. Crossings become a vertex of both lines.
    """
    n = len(lines)
    coords = [np.array(shapely.get_coordinates(g), dtype=float) for g in lines]
    inserts: list[list[FloatArray]] = [[] for _ in range(n)]
    arr = np.array(lines, dtype=object)
    tree = shapely.STRtree(arr)
    closed = shapely.is_closed(arr)
    ends = shapely.points(np.vstack([c[[0, -1]] for c in coords]))
    owner = np.repeat(np.arange(n), 2)
    e_idx, l_idx = tree.query(ends, predicate="dwithin", distance=snap_m)
    ok = (owner[e_idx] != l_idx) & ~closed[owner[e_idx]]
    e_idx, l_idx = e_idx[ok], l_idx[ok]
    dist = shapely.distance(ends[e_idx], arr[l_idx])
    best: dict[int, tuple[float, int]] = {}
    for e, ln, d in zip(e_idx.tolist(), l_idx.tolist(), dist.tolist(), strict=True):
        if e not in best or d < best[e][0]:
            best[e] = (d, ln)
    for e, (_, ln) in sorted(best.items()):
        target = arr[ln]
        p = shapely.get_coordinates(
            shapely.line_interpolate_point(target, shapely.line_locate_point(target, ends[e]))
        )[0]
        coords[owner[e]][0 if e % 2 == 0 else -1] = p
        inserts[ln].append(p)
    coords = [
        _insert_points(c, np.array(extra)) if extra else c
        for c, extra in zip(coords, inserts, strict=True)
    ]
    arr = np.array([LineString(c) for c in coords], dtype=object)
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    crossing = shapely.intersection(arr[left], arr[right])
    inserts = [[] for _ in range(n)]
    for i, j, geom in zip(left.tolist(), right.tolist(), crossing, strict=True):
        pts = shapely.get_coordinates(geom)
        if len(pts):
            inserts[i].append(pts)
            inserts[j].append(pts)
    return [
        LineString(_insert_points(c, np.vstack(extra)) if extra else c)
        for c, extra in zip(coords, inserts, strict=True)
    ]
