"""Zones (片区): contiguous groups of cells, labelled 1, 2, … in reading order.

By default zones are the areas between major roads (``road_class`` primary, secondary,
tertiary…); regions smaller than 5 % of the campus (at least 2 ha) join their neighbour.
Without major roads, or with ``zones=N``, the cells are split by recursive bisection across
the principal axis of their centroids, balanced by area, and any piece of a zone cut off
from the rest is handed to the neighbouring zone it touches most. Zones are numbered
north→south, west→east by their centroid (see :mod:`zoning.codes`).
"""

from __future__ import annotations

import math
from collections import Counter

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from zoning.codes import reading_order
from zoning.unitgrid import SNAP_M, barrier_lines, blocks, dissolve, merge_small

#: Target zone size when the number of zones is chosen automatically (m²): 25 ha.
ZONE_AREA_M2 = 250_000.0
#: Cells per zone at most when choosing automatically (keeps sequences to 3 digits).
MAX_CELLS_PER_ZONE = 999


def default_zone_count(campus_area_m2: float, n_cells: int) -> int:
    """Return about one zone per 25 ha, enough to keep each under 999 cells, ≥ 1."""
    wanted = max(round(campus_area_m2 / ZONE_AREA_M2), math.ceil(n_cells / MAX_CELLS_PER_ZONE))
    return max(1, min(n_cells, wanted))


def _bisect(
    x: NDArray[np.float64], y: NDArray[np.float64], w: NDArray[np.float64], n_zones: int
) -> NDArray[np.intp]:
    labels = np.zeros(len(x), dtype=np.intp)
    stack = [(np.arange(len(x)), n_zones, 0)]
    while stack:
        idx, k, first = stack.pop()
        k = min(k, len(idx))
        if k <= 1:
            labels[idx] = first
            continue
        px, py, pw = x[idx], y[idx], w[idx] + 1e-12
        cx, cy = np.average(px, weights=pw), np.average(py, weights=pw)
        cov = np.cov(np.vstack([px - cx, py - cy]), aweights=pw) if len(idx) > 1 else np.eye(2)
        axis = np.linalg.eigh(np.atleast_2d(cov))[1][:, -1]
        proj = (px - cx) * axis[0] + (py - cy) * axis[1]
        order = np.lexsort((np.arange(len(idx)), proj))
        cum = np.cumsum(pw[order])
        k1 = k // 2
        target = cum[-1] * k1 / k
        reach = int(np.searchsorted(cum, target))  # the first prefix reaching the target
        below = cum[reach - 1] if reach > 0 else 0.0
        cut = reach + 1 if cum[min(reach, len(cum) - 1)] - target <= target - below else reach
        cut = min(max(cut, k1), len(idx) - (k - k1))
        stack.append((idx[order[:cut]], k1, first))
        stack.append((idx[order[cut:]], k - k1, first + k1))
    return labels


def cell_adjacency(geoms: ArrayLike) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Return the pairs (i < j) of cells sharing an edge (not just a corner).

    The cells must form a valid coverage (shared edges have identical vertices, as every
    :func:`zoning.grid.split` result does): a shared edge is a segment found in both cells.
    """
    cells = np.asarray(geoms, dtype=object)
    rings = shapely.get_rings(cells, return_index=True)
    coords, ring_id = shapely.get_coordinates(rings[0], return_index=True)
    owner = rings[1][ring_id]
    same = ring_id[1:] == ring_id[:-1]  # consecutive vertices of one ring form a segment
    a, b = coords[:-1][same], coords[1:][same]
    cell = owner[:-1][same]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    lo = np.where(swap[:, None], b, a)
    hi = np.where(swap[:, None], a, b)
    seg = np.column_stack([lo, hi])
    order = np.lexsort(seg.T[::-1])
    seg, cell = seg[order], cell[order]
    dup = np.all(seg[1:] == seg[:-1], axis=1) & (cell[1:] != cell[:-1])
    i, j = cell[:-1][dup], cell[1:][dup]
    pairs = np.unique(np.column_stack([np.minimum(i, j), np.maximum(i, j)]), axis=0)
    if len(pairs) == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    return pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)


def _make_contiguous(
    labels: NDArray[np.intp], i: NDArray[np.intp], j: NDArray[np.intp], area: NDArray[np.float64]
) -> NDArray[np.intp]:
    """Hand every detached piece of a zone to the neighbouring zone it touches most."""
    labels = labels.copy()
    n = len(labels)
    nbrs: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        nbrs[a].append(b)
        nbrs[b].append(a)
    for _ in range(10):  # a few passes settle it; each pass is linear in the cells
        changed = False
        seen = np.zeros(n, dtype=bool)
        pieces: dict[int, list[list[int]]] = {}
        for start in range(n):
            if seen[start]:
                continue
            zone, comp, queue = labels[start], [], [start]
            seen[start] = True
            while queue:
                c = queue.pop()
                comp.append(c)
                for d in nbrs[c]:
                    if not seen[d] and labels[d] == zone:
                        seen[d] = True
                        queue.append(d)
            pieces.setdefault(int(zone), []).append(comp)
        for comps in pieces.values():
            if len(comps) < 2:
                continue
            comps.sort(key=lambda c: -float(area[c].sum()))
            for comp in comps[1:]:
                zone = labels[comp[0]]
                touching = Counter(int(labels[d]) for c in comp for d in nbrs[c])
                touching.pop(int(zone), None)
                if touching:
                    labels[comp] = max(touching, key=lambda z: (touching[z], -z))
                    changed = True
        if not changed:
            break
    return labels


def _relabel(labels: NDArray[np.intp], geoms: NDArray[np.object_]) -> NDArray[np.int64]:
    """Return labels renumbered 1..N in reading order of the zones' area-weighted centroids."""
    uniq, inverse = np.unique(labels, return_inverse=True)
    area = shapely.area(geoms)
    centres = shapely.centroid(geoms)
    w = np.bincount(inverse, weights=area) + 1e-12
    x = np.bincount(inverse, weights=area * shapely.get_x(centres)) / w
    y = np.bincount(inverse, weights=area * shapely.get_y(centres)) / w
    height = max(1.0, math.sqrt(float(area.sum()) / len(uniq)))
    order = reading_order(x, y, row_height_m=height)
    new = np.empty(len(uniq), dtype=np.int64)
    new[order] = np.arange(1, len(uniq) + 1)
    out: NDArray[np.int64] = new[inverse]
    return out


def _major_road_regions(campus: BaseGeometry, major: NDArray[np.object_]) -> NDArray[np.object_]:
    regions = blocks(campus, major, snap_m=SNAP_M)
    labels = merge_small(regions, min_area_m2=max(20_000.0, 0.05 * campus.area))
    merged, _ = dissolve(regions, labels)
    return merged


def assign_zones(
    geoms: ArrayLike,
    *,
    campus: BaseGeometry,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    zones: int | None = None,
) -> NDArray[np.int64]:
    """Return a 1-based zone label per cell.

    With ``zones=N``: N contiguous zones balanced by area. Otherwise zones between the
    major roads among ``barriers``, or :func:`default_zone_count` zones by bisection.
    """
    cells = np.asarray(geoms, dtype=object)
    if len(cells) == 0:
        return np.empty(0, dtype=np.int64)
    if zones is None and barriers is not None:
        lines, major = barrier_lines(barriers, near=campus)
        if major.any():
            regions = _major_road_regions(campus, lines[major])
            if len(regions) > 1:
                rep = shapely.point_on_surface(cells)
                tree = shapely.STRtree(regions)
                raw = np.asarray(tree.query_nearest(rep, all_matches=False)[1], dtype=np.intp)
                return _relabel(raw, cells)
    n_zones = default_zone_count(campus.area, len(cells)) if zones is None else zones
    if n_zones <= 1:
        return np.ones(len(cells), dtype=np.int64)
    centres = shapely.centroid(cells)
    area = shapely.area(cells)
    raw = _bisect(shapely.get_x(centres), shapely.get_y(centres), area, n_zones)
    i, j = cell_adjacency(cells)
    raw = _make_contiguous(raw, i, j, area)
    return _relabel(raw, cells)
