"""Zones (片区): contiguous groups of cells, labelled 1, 2, … in reading order.

By default zones are the areas between major roads (``road_class`` primary, secondary,
tertiary…); regions smaller than 5 % of the campus (at least 2 ha) join their neighbour.
Without major roads, or with ``zones=N``, the cells are split by recursive bisection across
the principal axis of their centroids, balanced by area, and any piece of a zone cut off
from the rest is handed to the neighbouring zone it touches most. Zones are numbered
north→south, west→east by their centroid (see :mod:`zoning.grid.codes`).
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from zoning.grid.codes import reading_order
from zoning.grid.unit import SNAP_M, barrier_lines, blocks, dissolve, merge_small

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
    :func:`zoning.grid.splitting.split` result does): a shared edge is a segment found in
    both cells.
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
    n = np.int64(len(cells))
    key = np.unique(np.minimum(i, j).astype(np.int64) * n + np.maximum(i, j))
    return (key // n).astype(np.intp), (key % n).astype(np.intp)


def _components(
    labels: NDArray[np.intp], i: NDArray[np.intp], j: NDArray[np.intp]
) -> NDArray[np.intp]:
    """Return a component id per cell: cells of one zone joined by shared edges."""
    same = labels[i] == labels[j]
    n = len(labels)
    graph = coo_matrix((np.ones(int(same.sum())), (i[same], j[same])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    out: NDArray[np.intp] = comp.astype(np.intp)
    return out


def _make_contiguous(
    labels: NDArray[np.intp], i: NDArray[np.intp], j: NDArray[np.intp], area: NDArray[np.float64]
) -> NDArray[np.intp]:
    """Hand every detached piece of a zone to the neighbouring zone it touches most.

    Each zone keeps its largest piece; a smaller piece joins the other zone it shares the
    most cell edges with (lowest label on a tie). A few passes settle it.
    """
    labels = labels.copy()
    ii = np.concatenate([i, j])
    jj = np.concatenate([j, i])
    for _ in range(10):
        comp = _components(labels, i, j)
        comp_area = np.bincount(comp, weights=area)
        comp_zone = np.zeros(len(comp_area), dtype=np.intp)
        comp_zone[comp] = labels
        # The largest piece of each zone stays; the others are detached.
        order = np.lexsort((-comp_area, comp_zone))
        first = np.concatenate([[True], comp_zone[order][1:] != comp_zone[order][:-1]])
        detached = np.ones(len(comp_area), dtype=bool)
        detached[order[first]] = False
        if not detached.any():
            break
        # Edges from a detached piece to a cell of another zone, counted per (piece, zone).
        cross = detached[comp[ii]] & (labels[jj] != labels[ii])
        if not cross.any():
            break
        pair_piece, pair_zone = comp[ii[cross]], labels[jj[cross]]
        key, counts = np.unique(
            pair_piece.astype(np.int64) * (int(labels.max()) + 1) + pair_zone,
            return_counts=True,
        )
        piece, zone = key // (int(labels.max()) + 1), key % (int(labels.max()) + 1)
        best = np.lexsort((zone, -counts, piece))
        keep = np.concatenate([[True], piece[best][1:] != piece[best][:-1]])
        new_zone = np.full(len(comp_area), -1, dtype=np.intp)
        new_zone[piece[best][keep]] = zone[best][keep]
        moving = new_zone[comp] >= 0
        labels[moving] = new_zone[comp][moving]
    return labels


def _relabel(
    labels: NDArray[np.intp], geoms: NDArray[np.object_], centres: NDArray[np.object_] | None = None
) -> NDArray[np.int64]:
    """Return labels renumbered 1..N in reading order of the zones' area-weighted centroids."""
    uniq, inverse = np.unique(labels, return_inverse=True)
    area = shapely.area(geoms)
    centres = shapely.centroid(geoms) if centres is None else centres
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
    centres: NDArray[np.object_] | None = None,
) -> NDArray[np.int64]:
    """Return a 1-based zone label per cell (``centres``: their centroids, if known).

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
                return _relabel(raw, cells, centres)
    n_zones = default_zone_count(campus.area, len(cells)) if zones is None else zones
    if n_zones <= 1:
        return np.ones(len(cells), dtype=np.int64)
    if centres is None:
        centres = shapely.centroid(cells)
    area = shapely.area(cells)
    raw = _bisect(shapely.get_x(centres), shapely.get_y(centres), area, n_zones)
    i, j = cell_adjacency(cells)
    raw = _make_contiguous(raw, i, j, area)
    return _relabel(raw, cells, centres)
