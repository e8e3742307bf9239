"""Locate points (complaints, hazards, cameras) in the grid cells that own them.

:func:`locate` returns the row of the cell holding each point, ``-1`` outside the campus.
A point on an edge or a vertex shared by several cells goes to the one with the lowest row
index (closed cells, ``intersects``), so the answer is deterministic.

How it is fast: :class:`CellIndex` answers most points by index arithmetic and tests only
the rest exactly. Two layouts:

- a clipped square grid (``split(method="square")``: boxes of one size on common grid
  lines, boundary tiles cut into pieces), detected from the cells or given as
  ``grid=(origin_x, origin_y, cell_size_m)``: the buckets are the tiles themselves. Every
  cell is registered in each open tile its bounding box meets, so a point strictly inside
  a tile can only be in that tile's cells: a tile whose lowest cell is a box covering it
  answers directly, the other tiles' points are tested with prepared ``intersects_xy``,
  and points exactly on a tile line go through an STRtree. The grid choice only affects
  speed, never the answer.
- any other cells: a grid of buckets (about 10 per cell side) labelled by a scanline pass
  over the cells' edges; a point in a bucket an edge runs through is tested against only
  the cells owning those edges. Where cells overlap (an invalid plan) the affected rows
  fall back to an STRtree query.

:func:`locate_square` is pure index arithmetic for an unclipped regular grid.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from zoning.errors import InvalidInput

Coords = NDArray[np.float64]
Rows = NDArray[np.int64]
Grid = tuple[float, float, float]

#: Slack (m) when matching cell edges to grid lines: zoning.grid rounds corners to 1 mm.
_SNAP_M = 2e-3


def _xy(points: gpd.GeoSeries | gpd.GeoDataFrame | ArrayLike) -> tuple[Coords, Coords]:
    """Return the x and y coordinates of ``points`` (NaN for an empty point)."""
    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        arr = np.asarray(points.geometry.values, dtype=object)
    else:
        arr = np.asarray(points)
    if arr.dtype != object:
        flat = arr.astype(np.float64).reshape(-1, 2)
        return np.ascontiguousarray(flat[:, 0]), np.ascontiguousarray(flat[:, 1])
    try:  # one pass per axis; anything but a non-empty point gives NaN or raises
        x, y = shapely.get_x(arr), shapely.get_y(arr)
    except shapely.errors.GEOSException:  # an empty point
        x = y = np.full(len(arr), np.nan)
    odd = np.flatnonzero(np.isnan(x))
    if len(odd):
        if not np.all(shapely.get_type_id(arr[odd]) == 0):
            raise InvalidInput("locate() expects points only.")
        full = odd[~shapely.is_empty(arr[odd])]
        x, y = x.copy(), y.copy()
        x[odd] = y[odd] = np.nan
        x[full], y[full] = shapely.get_x(arr[full]), shapely.get_y(arr[full])
    return x, y


def _expand(start: NDArray[np.int64], count: NDArray[np.int64]) -> NDArray[np.int64]:
    """Return ``start[k] + 0, 1, … count[k] - 1`` for every k, concatenated."""
    total = int(count.sum())
    offset = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    out: NDArray[np.int64] = np.repeat(start, count) + offset
    return out


def _lowest_hit(
    geoms: NDArray[np.object_], x: Coords, y: Coords, pi: NDArray[np.intp], ci: NDArray[np.intp]
) -> Rows:
    """Return, per point, the lowest candidate cell that holds it (closed), else -1."""
    hit = shapely.intersects_xy(geoms[ci], x[pi], y[pi])
    big = np.iinfo(np.int64).max
    best = np.full(len(x), big, dtype=np.int64)
    np.minimum.at(best, pi[hit], ci[hit])
    out: Rows = np.where(best < big, best, -1)
    return out


def _first_hit(
    geoms: NDArray[np.object_],
    x: Coords,
    y: Coords,
    first: NDArray[np.int64],
    count: NDArray[np.int64],
    candidate: NDArray[np.int64],
) -> Rows:
    """Return, per point, the first of its candidates that holds it (closed), else -1.

    Point k's candidates are ``candidate[first[k]:first[k] + count[k]]``, in increasing
    row order, so the first hit is the lowest row; each round tests one more candidate of
    the points still unanswered (a few rounds: a bucket has a few candidates).
    """
    result = np.full(len(x), -1, dtype=np.int64)
    todo = np.flatnonzero(count > 0)
    rank = 0
    while len(todo):
        cell = candidate[first[todo] + rank]
        hit = shapely.intersects_xy(geoms[cell], x[todo], y[todo])
        result[todo[hit]] = cell[hit]
        rank += 1
        todo = todo[~hit & (count[todo] > rank)]
    return result


def _rectangles(geoms: NDArray[np.object_], bounds: Coords) -> NDArray[np.bool_]:
    """Return which cells are exactly their bounding box (axis-aligned, non-degenerate)."""
    rect: NDArray[np.bool_] = shapely.get_type_id(geoms) == 3
    rect &= shapely.get_num_coordinates(geoms) == 5
    rect &= shapely.get_num_interior_rings(geoms) == 0
    which = np.flatnonzero(rect)
    ring = shapely.get_coordinates(geoms[which]).reshape(-1, 5, 2)
    x, y = np.ascontiguousarray(ring[:, :, 0].T), np.ascontiguousarray(ring[:, :, 1].T)
    minx, miny, maxx, maxy = bounds[which].T
    corner = ((x == minx) | (x == maxx)).all(axis=0) & ((y == miny) | (y == maxy)).all(axis=0)
    # Each edge moves along one axis, the axes alternate and the ring closes: 4 corners.
    move_x, move_y = x[1:] != x[:-1], y[1:] != y[:-1]
    ok = corner & (move_x != move_y).all(axis=0) & (move_x[1:] != move_x[:-1]).all(axis=0)
    ok &= (x[0] == x[4]) & (y[0] == y[4]) & (minx < maxx) & (miny < maxy)
    rect[which] = ok
    return rect


def _tile_lines(
    lo: Coords,
    hi: Coords,
    full: NDArray[np.bool_],
    may_span: NDArray[np.bool_],
    origin: float,
    size: float,
) -> Coords | None:
    """Return the grid lines along one axis, or None if the cells do not sit on the grid.

    Lines are ``origin + k * size``, replaced by the exact edges of the full tiles (``full``)
    so that those tiles are buckets of their own; full tiles in a column must agree on their
    edges, and a box cell must lie within one tile; other cells (``may_span``: clipped pieces,
    boundary slivers merged into a neighbour by zoning.grid) may span tiles: they are
    registered in every tile their bounding box meets and tested exactly there.
    """
    tol = 1e-3 * size + _SNAP_M
    if full.any():  # the size from the full tiles furthest apart, not from one tile
        span = float(lo[full].max()) - origin
        if round(span / size) > 0:
            size = span / round(span / size)
    k0 = np.floor((lo - origin + tol) / size)
    if np.any((hi > origin + (k0 + 1) * size + tol) & ~may_span):
        return None  # a box spans two tiles: not this grid
    # A clipped cell may span tiles (a boundary sliver merged into its neighbour): it is
    # registered in every tile its bounding box meets, so the lines need only reach it.
    k1 = np.maximum(np.ceil((hi - origin - tol) / size), k0 + 1)
    kmin = int(k0.min())
    count = int(k1.max()) - kmin
    if count > 100_000:
        return None
    lines: Coords = origin + (np.arange(count + 1, dtype=np.float64) + kmin) * size
    kf = (k0[full] - kmin).astype(np.intp)
    lines[kf], lines[kf + 1] = lo[full], hi[full]
    agree = np.array_equal(lines[kf], lo[full]) and np.array_equal(lines[kf + 1], hi[full])
    if not agree or not np.all(np.diff(lines) > 0):
        return None
    return lines


class _Axis:
    """Bucket arithmetic along one axis of a grid with ``lines`` (increasing, n + 1 of them).

    Bucket 0 is west of ``lines[0]``, bucket b is ``(lines[b - 1], lines[b])``, bucket n + 1
    east of ``lines[n]``. ``g(v) = (v - origin) * scale`` is computed in floating point, which
    rounds monotonically: ``g(v) > g(lines[k])`` implies ``v > lines[k]``. ``g`` puts line k
    within ``slack`` of k + 1, so a value whose ``g`` lies more than ``slack`` inside
    ``(b, b + 1)`` is strictly inside bucket b; any other value (near or on a line, NaN) is
    flagged unsure.
    """

    def __init__(self, lines: Coords):
        self.lines = lines
        self.last = float(len(lines))  # the east outer bucket
        self.scale = (len(lines) - 1) / float(lines[-1] - lines[0])
        self.origin = float(lines[0]) - 1.0 / self.scale
        at = self.g(lines)
        self.slack = float(np.max(np.abs(at - np.arange(1, len(lines) + 1)))) + 1e-9

    def g(self, v: Coords) -> Coords:
        out = np.subtract(v, self.origin)
        out *= self.scale
        return out

    def buckets(self, v: Coords) -> tuple[Coords, NDArray[np.bool_]]:
        """Return each value's bucket (as float) and whether it is sure."""
        g = self.g(v)
        bucket = np.floor(g)
        with np.errstate(invalid="ignore"):  # inf - inf: NaN, unsure
            g -= bucket  # exact: the fractional part
        sure = g > self.slack
        sure &= g < 1.0 - self.slack
        np.fmin(bucket, self.last, out=bucket)  # fmin/fmax also map NaN to a bucket
        np.fmax(bucket, 0.0, out=bucket)
        return bucket, sure


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


class _SquareLookup:
    """Point location in a clipped square grid: the tiles are the buckets (see the module)."""

    def __init__(
        self,
        geoms: NDArray[np.object_],
        bounds: Coords,
        rect: NDArray[np.bool_],
        xs: Coords,
        ys: Coords,
    ):
        minx, miny, maxx, maxy = bounds.T
        inf = np.array([np.inf])
        self.px = np.concatenate([-inf, xs, inf])
        self.py = np.concatenate([-inf, ys, inf])
        self.ax, self.ay = _Axis(xs), _Axis(ys)
        self.stride = len(xs) + 1  # buckets per row, the two outer ones included
        n_buckets = self.stride * (len(ys) + 1)
        # The open buckets each cell's closed bounding box meets.
        bx0 = np.searchsorted(self.px, minx, side="right") - 1
        bx1 = np.searchsorted(self.px, maxx, side="left") - 1
        by0 = np.searchsorted(self.py, miny, side="right") - 1
        by1 = np.searchsorted(self.py, maxy, side="left") - 1
        width = np.maximum(bx1 - bx0 + 1, 0)
        count = width * np.maximum(by1 - by0 + 1, 0)
        cell = np.repeat(np.arange(len(geoms)), count)
        offset = _expand(np.zeros(len(geoms), dtype=np.int64), count)
        bucket = (
            (by0[cell] + offset // width[cell]) * self.stride + bx0[cell] + offset % width[cell]
        )
        order = np.lexsort((cell, bucket))
        self.candidate = cell[order]
        self.start = np.zeros(n_buckets + 1, dtype=np.int64)
        np.cumsum(np.bincount(bucket, minlength=n_buckets), out=self.start[1:])
        # Label: the cell answering every point of the bucket, -1 none, -2 test candidates.
        size = np.diff(self.start)
        first = self.candidate[np.minimum(self.start[:-1], max(len(cell) - 1, 0))]
        bi, bj = np.arange(n_buckets) % self.stride, np.arange(n_buckets) // self.stride
        covers = rect[first] & (minx[first] <= self.px[bi]) & (maxx[first] >= self.px[bi + 1])
        covers &= (miny[first] <= self.py[bj]) & (maxy[first] >= self.py[bj + 1])
        self.labels = np.where(size == 0, -1, np.where(covers & (size > 0), first, -2))
        tested = self.labels == -2
        shapely.prepare(
            geoms[np.unique(self.candidate[_expand(self.start[:-1][tested], size[tested])])]
        )

    def codes(self, x: Coords, y: Coords) -> tuple[Rows, NDArray[np.intp]]:
        """Return each point's bucket label (-3: unsure, near a tile line) and its bucket."""
        bx, sure_x = self.ax.buckets(x)
        by, sure_y = self.ay.buckets(y)
        by *= self.stride
        by += bx
        bucket = by.astype(np.intp)
        code: Rows = np.take(self.labels, bucket)
        sure_x &= sure_y
        code[np.flatnonzero(~sure_x)] = -3
        return code, bucket


def _square_grid(
    bounds: Coords, rect: NDArray[np.bool_], grid: Grid | None
) -> tuple[Grid, Coords, Coords] | None:
    """Return the square grid the cells sit on and its lines, or None if they do not.

    Without ``grid``, the size is the median width of the square cells and the origin
    the south-west corner of the full tiles (cells that are boxes of that size). Either way
    the full tiles must share their edges exactly and box cells must lie within one tile.
    """
    minx, miny, maxx, maxy = bounds.T
    if grid is None:
        width, height = maxx - minx, maxy - miny
        square = rect & (np.abs(width - height) <= 1e-3 * width + _SNAP_M)
        if not square.any():
            return None
        size = float(np.median(width[square]))
    else:
        size = float(grid[2])
        if not (size > 0 and math.isfinite(size)):
            raise InvalidInput(f"grid cell size must be a positive number of metres, not {size}.")
    tol = 1e-3 * size + _SNAP_M
    full = rect & (np.abs(maxx - minx - size) <= tol) & (np.abs(maxy - miny - size) <= tol)
    if grid is None:
        if not full.any():
            return None
        grid = (float(minx[full].min()), float(miny[full].min()), size)
    xs = _tile_lines(minx, maxx, full, ~rect, grid[0], size)
    ys = _tile_lines(miny, maxy, full, ~rect, grid[1], size)
    if xs is None or ys is None:
        return None
    return grid, xs, ys


class CellIndex:
    """A reusable point-location index over cells (metric CRS); build once, query often.

    ``grid=(origin_x, origin_y, cell_size_m)`` says the cells are a (clipped) square grid
    with lines at ``origin + k * cell_size_m``; without it such a grid is detected. The
    grid in use, if any, is :attr:`grid`. Raises :class:`InvalidInput` for a ``grid`` the
    cells do not sit on.
    """

    #: Buckets per cell side (about) and the most buckets an index may hold.
    PER_SIDE = 10
    MAX_BUCKETS = 4_000_000

    def __init__(
        self,
        cells: gpd.GeoDataFrame | gpd.GeoSeries | ArrayLike,
        *,
        grid: Grid | None = None,
    ):
        """Index ``cells`` (Polygons; a valid coverage gets the most out of the lookup grid)."""
        if isinstance(cells, gpd.GeoDataFrame | gpd.GeoSeries):
            geoms = np.asarray(cells.geometry.values, dtype=object)
        else:
            geoms = np.asarray(cells, dtype=object)
        self.geoms = geoms
        self.grid: Grid | None = None
        self._tree: shapely.STRtree | None = None
        self._square: _SquareLookup | None = None
        self.bounds = (0.0, 0.0, 0.0, 0.0)
        self.step, self.nx, self.ny = 1.0, 0, 0
        self.lookup = np.empty(0, dtype=np.int64)
        self.touched = self.candidate = np.empty(0, dtype=np.int64)
        self.start = np.zeros(1, dtype=np.int64)
        polygonal = len(geoms) > 0 and bool(np.all(np.isin(shapely.get_type_id(geoms), (3, 6))))
        if not polygonal:
            if grid is not None and len(geoms):
                raise InvalidInput("grid= needs polygon cells.")
            shapely.prepare(geoms)
            return
        cell_bounds = shapely.bounds(geoms)
        rect = _rectangles(geoms, cell_bounds)
        found = _square_grid(cell_bounds, rect, grid)
        if found is not None:
            self.grid, xs, ys = found
            if len(xs) * len(ys) <= self.MAX_BUCKETS:
                self._square = _SquareLookup(geoms, cell_bounds, rect, xs, ys)
                return
        if grid is not None:
            raise InvalidInput(
                f"The cells do not sit on the square grid {grid}: leave grid= out to locate "
                "points in any cells."
            )
        self.grid = None
        shapely.prepare(geoms)
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
        # Candidates of bucket b: candidate[start[b]:start[b + 1]] (touched is sorted).
        self.start = np.zeros(self.nx * self.ny + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.touched, minlength=self.nx * self.ny), out=self.start[1:])

    @property
    def tree(self) -> shapely.STRtree:
        """An STRtree over the cells, built on first use."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
        return self._tree

    def locate(self, points: gpd.GeoSeries | gpd.GeoDataFrame | ArrayLike) -> Rows:
        """Return the cell row of each point, -1 outside every cell."""
        x, y = _xy(points)
        n = len(x)
        if n == 0 or len(self.geoms) == 0:
            return np.full(n, -1, dtype=np.int64)
        if self._square is not None:
            return self._locate_square(x, y, self._square)
        finite = np.isfinite(x) & np.isfinite(y)
        if not finite.all():  # NaN (empty points) and infinities are in no cell
            keep = np.flatnonzero(finite)
            result = np.full(n, -1, dtype=np.int64)
            result[keep] = self._locate_buckets(x[keep], y[keep])
            return result
        return self._locate_buckets(x, y)

    def _locate_square(self, x: Coords, y: Coords, square: _SquareLookup) -> Rows:
        result, bucket = square.codes(x, y)
        pick = np.flatnonzero(result == -2)
        if len(pick):
            start = square.start[bucket[pick]]
            count = square.start[bucket[pick] + 1] - start
            result[pick] = _first_hit(self.geoms, x[pick], y[pick], start, count, square.candidate)
        on_line = np.flatnonzero(result == -3)
        if len(on_line):
            result[on_line] = self._locate_tree(x[on_line], y[on_line])
        return result

    def _locate_tree(self, x: Coords, y: Coords) -> Rows:
        result = np.full(len(x), -1, dtype=np.int64)
        keep = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        x, y = x[keep], y[keep]
        pi, ci = self.tree.query(shapely.points(x, y))  # bounding boxes only
        result[keep] = _lowest_hit(self.geoms, x, y, pi, ci)
        return result

    def _locate_buckets(self, x: Coords, y: Coords) -> Rows:
        if not self.nx:  # cells that are not all polygons: no lookup grid
            return self._locate_tree(x, y)
        minx, miny, maxx, maxy = self.bounds
        fx = np.floor((x - minx) / self.step)
        fy = np.floor((y - miny) / self.step)
        inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        bucket = np.where(inside, fy * self.nx + fx, 0).astype(np.int64)
        result = np.where(inside, self.lookup[bucket], -1)
        # Candidates of the buckets an edge runs through.
        pick = np.flatnonzero(result == -2)
        if len(pick):
            first = self.start[bucket[pick]]
            count = self.start[bucket[pick] + 1] - first
            result[pick] = _first_hit(self.geoms, x[pick], y[pick], first, count, self.candidate)
        # Rows with overlapping cells, and points on the lookup grid's far edges.
        edge = ~inside & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
        todo = np.flatnonzero((result == -4) | edge)
        if len(todo):
            result[todo] = self._locate_tree(x[todo], y[todo])
        return result


def locate(
    points: gpd.GeoSeries | gpd.GeoDataFrame | ArrayLike,
    cells: gpd.GeoDataFrame | gpd.GeoSeries | ArrayLike,
    *,
    grid: Grid | None = None,
) -> Rows:
    """Return, for each point, the row (position) of the cell holding it, -1 outside.

    ``points`` are point geometries or an (n, 2) array of coordinates in the cells' CRS.
    A point on a shared edge or vertex goes to the cell with the lowest row. ``grid`` is
    an optional square-grid hint, see :class:`CellIndex`. To locate several batches in the
    same cells, build a :class:`CellIndex` once.
    """
    return CellIndex(cells, grid=grid).locate(points)


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
    x, y = _xy(points)
    col = np.floor((x - origin[0]) / cell_size_m)
    row = np.floor((y - origin[1]) / cell_size_m)
    nrows, ncols = shape
    ok = (col >= 0) & (col < ncols) & (row >= 0) & (row < nrows)
    return np.where(ok, row * ncols + col, -1).astype(np.int64)
