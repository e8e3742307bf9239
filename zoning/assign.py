"""Locate points (complaints, hazards, cameras) in the grid cells that own them.

:func:`locate` returns the row of the cell holding each point, ``-1`` outside the campus.
A point on an edge or a vertex shared by several cells goes to the one with the lowest row
index, so the answer is deterministic.

How it is fast: :class:`CellIndex` lays a grid of buckets (about 10 per cell side) over the
cells. A scanline pass over the cells' edges labels every bucket that no edge touches with
the one cell holding it (or none), so most points are answered by index arithmetic; a point
in a bucket an edge runs through is tested with prepared ``intersects_xy`` against only the
cells owning those edges. Where cells overlap (an invalid plan) the affected rows fall back to
an STRtree query. :func:`locate_square` is pure index arithmetic for an unclipped regular grid.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from zoning.errors import InvalidInput

Coords = NDArray[np.float64]


def _xy(points: gpd.GeoSeries | gpd.GeoDataFrame | ArrayLike) -> Coords:
    """Return an (n, 2) float array of point coordinates."""
    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        geoms = np.asarray(points.geometry.values, dtype=object)
        if len(geoms) and not np.all(shapely.get_type_id(geoms) == 0):
            raise InvalidInput("locate() expects points only.")
        xy: Coords = np.column_stack([shapely.get_x(geoms), shapely.get_y(geoms)])
        return xy
    arr = np.asarray(points)
    if arr.dtype == object:
        if len(arr) and not np.all(shapely.get_type_id(arr) == 0):
            raise InvalidInput("locate() expects points only.")
        return np.column_stack([shapely.get_x(arr), shapely.get_y(arr)]).astype(np.float64)
    arr = arr.astype(np.float64).reshape(-1, 2)
    return arr


def _segments(geoms: NDArray[np.object_]) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Return every ring edge as (x1, y1, x2, y2), interior on its left, and its cell."""
    rings, ring_cell = shapely.get_rings(shapely.orient_polygons(geoms), return_index=True)
    coords, ring_id = shapely.get_coordinates(rings, return_index=True)
    same = ring_id[1:] == ring_id[:-1]
    seg = np.column_stack([coords[:-1][same], coords[1:][same]])
    cell: NDArray[np.intp] = ring_cell[ring_id[:-1][same]]
    return seg, cell


def _bucket_labels(
    seg: NDArray[np.float64], cell: NDArray[np.intp], nx: int, ny: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Label a grid of unit buckets: the cell holding it, -1 none, -2 test the candidates.

    Also returns the (bucket, candidate cell) pairs of the ``-2`` buckets, sorted.

    ``seg`` is in bucket units (bucket (i, j) spans [i, i+1] × [j, j+1]). A bucket touched
    by any edge is undecided; every other bucket lies inside one cell or outside all, and
    its label is read on the scanline through its row's centre: crossing a downward edge
    enters the edge's cell, crossing an upward edge leaves it. A row whose crossings do not
    alternate enter/leave of the same cell (overlapping cells) is labelled -4: its points
    are tested against every cell whose bounding box holds them.
    """
    eps = 1e-9
    # Both copies of a shared edge (opposite directions) must give bit-identical crossings:
    # compute on the edge pointing up, remember whether it pointed down (enters its cell).
    down = seg[:, 3] < seg[:, 1]
    seg = np.where(down[:, None], seg[:, [2, 3, 0, 1]], seg)
    x1, y1, x2, y2 = seg.T
    lo, hi = y1, y2
    # 1. Scanline crossings at row centres j + 0.5 (half-open in y: lo <= yc < hi).
    r0 = np.maximum(np.ceil(lo - 0.5), 0).astype(np.int64)
    r1 = np.minimum(np.ceil(hi - 0.5) - 1, ny - 1).astype(np.int64)
    count = np.maximum(r1 - r0 + 1, 0)
    k = np.repeat(np.arange(len(seg)), count)
    row = r0[k] + np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    yc = row + 0.5
    xc = x1[k] + (yc - y1[k]) / (y2[k] - y1[k]) * (x2[k] - x1[k])
    enter = down[k].astype(np.int64)
    order = np.lexsort((enter, xc, row))
    row, xc, enter, owner = row[order], xc[order], enter[order], cell[k[order]]
    bad_rows = np.zeros(ny, dtype=bool)
    if len(row):
        # Within a row: enter, leave, enter, leave…, each leave of the cell just entered.
        first = np.concatenate([[True], row[1:] != row[:-1]])
        position = np.arange(len(row)) - np.maximum.accumulate(
            np.where(first, np.arange(len(row)), 0)
        )
        wrong = enter != (position % 2 == 0)
        pair = (position % 2 == 1) & ~first
        wrong |= pair & (np.concatenate([[0], owner[:-1]]) != owner)
        last = np.concatenate([row[1:] != row[:-1], [True]])
        wrong |= last & (position % 2 == 0)  # a row ending inside a cell
        bad_rows[row[wrong]] = True
    start = np.ceil(xc - 0.5).astype(np.int64)  # first bucket whose centre is at or after xc
    keep = start < nx
    flat = row[keep] * nx + np.maximum(start[keep], 0)
    value = np.where(enter[keep] == 1, owner[keep], -1)
    last_of = np.concatenate([flat[1:] != flat[:-1], [True]]) if len(flat) else flat.astype(bool)
    events = np.full(nx * ny, -3, dtype=np.int64)
    events[np.arange(ny) * nx] = -1
    events[flat[last_of]] = value[last_of]
    filled = np.maximum.accumulate(np.where(events != -3, np.arange(nx * ny), 0))
    labels = events[filled]
    # 2. Buckets touched by an edge (closed buckets, so a little padding) are undecided; the
    # cells owning those edges are the only candidates for a point in such a bucket.
    ra = np.clip(np.floor(lo - eps), 0, ny - 1).astype(np.int64)
    rb = np.clip(np.floor(hi + eps), 0, ny - 1).astype(np.int64)
    count = rb - ra + 1
    k = np.repeat(np.arange(len(seg)), count)
    band = ra[k] + np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    ya = np.maximum(band, lo[k])
    yb = np.minimum(band + 1, hi[k])
    dy = y2[k] - y1[k]
    flat_edge = dy == 0
    safe = np.where(flat_edge, 1.0, dy)
    xa = np.where(flat_edge, x1[k], x1[k] + (ya - y1[k]) / safe * (x2[k] - x1[k]))
    xb = np.where(flat_edge, x2[k], x1[k] + (yb - y1[k]) / safe * (x2[k] - x1[k]))
    ca = np.clip(np.floor(np.minimum(xa, xb) - eps), 0, nx - 1).astype(np.int64)
    cb = np.clip(np.floor(np.maximum(xa, xb) + eps), 0, nx - 1).astype(np.int64)
    count = cb - ca + 1
    j = np.repeat(np.arange(len(band)), count)
    col = ca[j] + np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    n_cells = int(cell.max()) + 1 if len(cell) else 1
    key = np.sort((band[j] * nx + col) * n_cells + cell[k[j]])
    key = key[np.concatenate([[True], key[1:] != key[:-1]])] if len(key) else key
    touched, candidate = key // n_cells, key % n_cells
    labels[touched] = -2
    labels.reshape(ny, nx)[bad_rows] = -4
    return labels, touched, candidate


class CellIndex:
    """A reusable point-location index over cells (metric CRS); build once, query often."""

    #: Buckets per cell side (about) and the most buckets an index may hold.
    PER_SIDE = 10
    MAX_BUCKETS = 4_000_000

    def __init__(self, cells: gpd.GeoDataFrame | gpd.GeoSeries | ArrayLike):
        """Index ``cells`` (Polygons; a valid coverage gets the most out of the lookup grid)."""
        if isinstance(cells, gpd.GeoDataFrame | gpd.GeoSeries):
            geoms = np.asarray(cells.geometry.values, dtype=object)
        else:
            geoms = np.asarray(cells, dtype=object)
        self.geoms = geoms
        self.tree = shapely.STRtree(geoms)
        shapely.prepare(geoms)
        polygonal = len(geoms) > 0 and bool(np.all(np.isin(shapely.get_type_id(geoms), (3, 6))))
        if not polygonal:
            self.bounds = (0.0, 0.0, 0.0, 0.0)
            self.step, self.nx, self.ny = 1.0, 0, 0
            self.lookup = np.empty(0, dtype=np.int64)
            self.touched = self.candidate = np.empty(0, dtype=np.int64)
            return
        minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geoms))
        side = math.sqrt(float(np.median(shapely.area(geoms)))) / self.PER_SIDE
        extent = max((maxx - minx) * (maxy - miny), 1e-12)
        step = max(side, math.sqrt(extent / self.MAX_BUCKETS), 1e-6)
        self.bounds = (minx, miny, maxx, maxy)
        self.step = step
        self.nx = max(1, math.ceil((maxx - minx) / step))
        self.ny = max(1, math.ceil((maxy - miny) / step))
        seg, cell = _segments(geoms)
        seg = (seg - np.array([minx, miny, minx, miny])) / step
        self.lookup, self.touched, self.candidate = _bucket_labels(seg, cell, self.nx, self.ny)

    def locate(self, points: gpd.GeoSeries | gpd.GeoDataFrame | ArrayLike) -> NDArray[np.int64]:
        """Return the cell row of each point, -1 outside every cell."""
        xy = _xy(points)
        n = len(xy)
        result = np.full(n, -1, dtype=np.int64)
        if n == 0 or len(self.geoms) == 0:
            return result
        todo = np.arange(n)
        if self.nx:
            minx, miny, maxx, maxy = self.bounds
            fx = np.floor((xy[:, 0] - minx) / self.step)
            fy = np.floor((xy[:, 1] - miny) / self.step)
            inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
            bucket = np.where(inside, fy * self.nx + fx, 0).astype(np.int64)
            code = np.where(inside, self.lookup[bucket], -1)
            result[code >= 0] = code[code >= 0]
            # Candidates of the buckets an edge runs through.
            pick = np.flatnonzero(code == -2)
            if len(pick):
                first = np.searchsorted(self.touched, bucket[pick], side="left")
                count = np.searchsorted(self.touched, bucket[pick], side="right") - first
                pi = np.repeat(np.arange(len(pick)), count)
                ci = self.candidate[
                    np.repeat(first, count)
                    + np.arange(int(count.sum()))
                    - np.repeat(np.cumsum(count) - count, count)
                ]
                result[pick] = self._lowest_hit(xy[pick], pi, ci)
            # Rows with overlapping cells, and points on the lookup grid's far edges.
            edge = ~inside & (xy[:, 0] >= minx) & (xy[:, 0] <= maxx)
            edge &= (xy[:, 1] >= miny) & (xy[:, 1] <= maxy)
            todo = np.flatnonzero((code == -4) | edge)
        if len(todo) == 0:
            return result
        sub = xy[todo]
        pi, ci = self.tree.query(shapely.points(sub))  # bounding boxes only
        result[todo] = self._lowest_hit(sub, pi, ci)
        return result

    def _lowest_hit(
        self, xy: Coords, pi: NDArray[np.intp], ci: NDArray[np.intp]
    ) -> NDArray[np.int64]:
        """Return, per point, the lowest candidate cell that holds it (closed), else -1."""
        hit = shapely.intersects_xy(self.geoms[ci], xy[pi, 0], xy[pi, 1])
        big = np.iinfo(np.int64).max
        best = np.full(len(xy), big, dtype=np.int64)
        np.minimum.at(best, pi[hit], ci[hit])
        out: NDArray[np.int64] = np.where(best < big, best, -1)
        return out


def locate(
    points: gpd.GeoSeries | gpd.GeoDataFrame | ArrayLike,
    cells: gpd.GeoDataFrame | gpd.GeoSeries | ArrayLike,
) -> NDArray[np.int64]:
    """Return, for each point, the row (position) of the cell holding it, -1 outside.

    ``points`` are point geometries or an (n, 2) array of coordinates in the cells' CRS.
    A point on a shared edge or vertex goes to the cell with the lowest row. To locate
    several batches in the same cells, build a :class:`CellIndex` once.
    """
    return CellIndex(cells).locate(points)


def locate_codes(
    points: gpd.GeoSeries | gpd.GeoDataFrame | ArrayLike, cells: gpd.GeoDataFrame
) -> NDArray[np.object_]:
    """Return the ``code`` of the cell holding each point, ``None`` outside the campus."""
    rows = locate(points, cells)
    codes = np.asarray(cells["code"].to_numpy(dtype=object))
    out: NDArray[np.object_] = np.where(rows >= 0, codes[np.maximum(rows, 0)], np.array(None))
    return out


def locate_square(
    points: gpd.GeoSeries | gpd.GeoDataFrame | ArrayLike,
    *,
    origin: tuple[float, float],
    cell_size_m: float,
    shape: tuple[int, int],
) -> NDArray[np.int64]:
    """Return the flat index ``row * ncols + col`` of each point in a regular square grid.

    The grid has ``shape = (nrows, ncols)`` cells of ``cell_size_m`` (m), rows counted from
    the south-west ``origin`` northwards. Cells are half-open ``[x0, x0 + size)``, so a point
    on a shared edge goes to the cell east/north of it (deterministic); points outside get
    -1. Raises :class:`InvalidInput` for a non-positive cell size.
    """
    if not cell_size_m > 0:
        raise InvalidInput(f"cell_size_m must be positive, not {cell_size_m}.")
    xy = _xy(points)
    col = np.floor((xy[:, 0] - origin[0]) / cell_size_m)
    row = np.floor((xy[:, 1] - origin[1]) / cell_size_m)
    nrows, ncols = shape
    ok = (col >= 0) & (col < ncols) & (row >= 0) & (row < nrows)
    return np.where(ok, row * ncols + col, -1).astype(np.int64)
