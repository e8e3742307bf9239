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
- any other cells (MultiPolygons too): a grid of buckets (about 10 per cell side, 2 empty
  ones round the edge). An edge shared by two cells is kept once. A walk along each bucket
  row's centre line, crossing edges in order, gives the cell at every bucket's west side;
  a bucket no edge comes near is that cell. A point in a bucket an edge comes near is
  located without GEOS, against that bucket's edges only: one edge runs right across the
  bucket, so the side of it the point is on decides (one cross product); with several, a
  walk from the point to the bucket's west side counts crossings per cell (odd: inside).
  Points within rounding distance (``tol``, ~1e-6 of a bucket) of an edge are tested
  exactly with ``intersects_xy`` against the bucket's cells, so edges and vertices follow
  the lowest-row rule. Rows whose walk is inconsistent (overlapping cells, or edges that
  overlap without sharing vertices) fall back to an STRtree query, exactly but slowly.

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

#: Slack (m) when matching cell edges to grid lines: zoning.grid.splitting rounds corners to 1 mm.
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
    boundary slivers merged into a neighbour by zoning.grid.splitting) may span tiles: they are
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
    """Return every ring edge of the (Multi)Polygons as (x1, y1, x2, y2) and its cell."""
    parts, cell = geoms, np.arange(len(geoms))
    if np.any(shapely.get_type_id(geoms) == 6):
        parts, cell = shapely.get_parts(geoms, return_index=True)
    if np.any(shapely.get_num_interior_rings(parts) > 0):
        parts, ring_of = shapely.get_rings(parts, return_index=True)
        cell = cell[ring_of]
    coords, which = shapely.get_coordinates(parts, return_index=True)
    same = which[1:] == which[:-1]
    seg = np.column_stack([coords[:-1][same], coords[1:][same]])
    keep = (seg[:, 0] != seg[:, 2]) | (seg[:, 1] != seg[:, 3])  # drop repeated vertices
    out: NDArray[np.intp] = cell[which[:-1][same]][keep]
    return seg[keep], out


def _mix(v: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Return a well-mixed 64-bit hash of ``v`` (splitmix64's finaliser, wrapping)."""
    v = v ^ (v >> np.uint64(30))
    v *= np.uint64(0xBF58476D1CE4E5B9)
    v ^= v >> np.uint64(27)
    v *= np.uint64(0x94D049BB133111EB)
    v ^= v >> np.uint64(31)
    return v


def _merge_twins(
    seg: NDArray[np.float64], cell: NDArray[np.intp]
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Return the edges pointing up (or east if flat) with an edge shared by exactly two
    cells kept once, and the codes (row + 1, 0 for none) of the one or two cells it bounds.

    Crossing an edge toggles "inside" for both its cells, so a shared edge can be one segment;
    an edge drawn identically by three or more cells stays as several (an invalid plan).
    """
    flip = (seg[:, 3] < seg[:, 1]) | ((seg[:, 3] == seg[:, 1]) & (seg[:, 2] < seg[:, 0]))
    seg = np.ascontiguousarray(np.where(flip[:, None], seg[:, [2, 3, 0, 1]], seg))
    # Sort by a hash of the coordinates' bits, the position in its low bits: equal edges
    # (equal bits, up to -0.0) end up next to each other, hash collisions are checked below.
    bits = seg.view(np.uint64)
    h = _mix(bits[:, 0])
    for k in (1, 2, 3):
        h = _mix(h ^ bits[:, k])
    low = (1 << max(len(seg) - 1, 1).bit_length()) - 1
    order = (np.sort((h.view(np.int64) & ~low) | np.arange(len(seg))) & low).astype(np.intp)
    seg, code = seg[order], cell[order].astype(np.int64) + 1
    eq = np.concatenate([[False], (seg[1:] == seg[:-1]).all(axis=1), [False]])
    twin = np.flatnonzero(eq[1:-1] & ~eq[:-2] & ~eq[2:])  # k == k + 1, and only those two
    other = np.zeros(len(seg), dtype=np.int64)
    other[twin] = code[twin + 1]
    keep = np.ones(len(seg), dtype=bool)
    keep[twin + 1] = False
    return seg[keep], code[keep], other[keep]


def _register(
    seg: NDArray[np.float64], nx: int, ny: int, pad: float
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return the (bucket, edge) pairs, sorted, of every unit bucket each edge comes within
    ``pad`` of (``seg`` in bucket units, pointing up; bucket (i, j) is [i, i+1] × [j, j+1],
    flat index ``j * nx + i``)."""
    x1, y1, x2, y2 = seg.T
    ra = np.floor(y1 - pad).astype(np.int64)
    count = np.floor(y2 + pad).astype(np.int64) - ra + 1
    k = np.repeat(np.arange(len(seg)), count)
    band = _expand(ra, count)
    x1, y1, x2, y2 = x1[k], y1[k], x2[k], y2[k]
    dy = y2 - y1
    flat_edge = dy == 0
    slope = (x2 - x1) / np.where(flat_edge, 1.0, dy)
    xa = np.where(flat_edge, x1, x1 + (np.maximum(band, y1) - y1) * slope)
    xb = np.where(flat_edge, x2, x1 + (np.minimum(band + 1, y2) - y1) * slope)
    ca = np.floor(np.minimum(xa, xb) - pad).astype(np.int64)
    count = np.floor(np.maximum(xa, xb) + pad).astype(np.int64) - ca + 1
    # key = (bucket * n + edge) for buckets ca … ca + count - 1 of each band entry
    offset = np.cumsum(count) - count
    first = (band * nx + ca - offset) * len(seg) + k
    key = first[np.repeat(np.arange(len(band)), count)]
    key += np.arange(0, int(count.sum()) * len(seg), len(seg))
    key.sort()
    bucket = key // len(seg)
    return bucket, key - bucket * len(seg)


def _row_states(
    bucket: NDArray[np.int64],
    xc: Coords,
    slope: Coords,
    code_a: NDArray[np.int64],
    code_b: NDArray[np.int64],
    nx: int,
    ny: int,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Walk every row's centre line west to east; return the code of the cell (0: none) at
    each bucket's west side, and which rows are unusable.

    The crossings are ``xc`` (bucket units) in bucket ``bucket``, of an edge (``slope``:
    dx/dy) bounding the cells ``code_a`` and ``code_b``: the state before a crossing must be
    one of them and after it is the other (XOR). Edges are crossed by the half-open rule
    (lower end included), as if the line ran a hair north: crossings at one vertex are in
    the order of their slopes. A row breaking that (overlapping cells, edges overlapping
    along the line) or not ending outside is unusable.
    """
    order = np.argsort(bucket + (xc - bucket % nx))  # rounds: checked, else exactly
    b, x = bucket[order], xc[order]
    if np.any((b[1:] < b[:-1]) | ((b[1:] == b[:-1]) & ~(x[1:] > x[:-1]))):
        order = np.lexsort((slope, xc, bucket))
    bucket, xc, slope = bucket[order], xc[order], slope[order]
    flip = code_a[order] ^ code_b[order]
    code_a, code_b = code_a[order], code_b[order]
    row = bucket // nx
    after = np.bitwise_xor.accumulate(flip)
    before = np.concatenate([[0], after[:-1]])
    first = np.concatenate([[True], row[1:] != row[:-1]])
    base = before[np.maximum.accumulate(np.where(first, np.arange(len(row)), 0))]
    before ^= base
    after ^= base
    bad = (before != code_a) & (before != code_b)
    ahead = (xc[1:] > xc[:-1]) | ((xc[1:] == xc[:-1]) & (slope[1:] > slope[:-1]))
    bad[1:] |= ~first[1:] & ~ahead
    last = np.concatenate([first[1:], [True]])
    bad |= last & (after != 0)
    bad_rows = np.zeros(ny, dtype=bool)
    bad_rows[row[bad]] = True
    # The state west of bucket b is the state after the last crossing west of it; each row
    # starts outside (the grid's margin holds no edge, so b + 1 stays in the row): runs of
    # one state from each change on, sorted by position with the state in the low bits.
    end = np.concatenate([bucket[1:] != bucket[:-1], [True]])
    at = np.concatenate([bucket[end] + 1, np.arange(0, nx * ny, nx)])
    key = np.sort((at << 32) | np.concatenate([after[end], np.zeros(ny, dtype=np.int64)]))
    at = key >> 32
    state: NDArray[np.int64] = np.repeat(key & 0xFFFFFFFF, np.diff(at, append=nx * ny))
    return state, bad_rows


class _BucketLookup:
    """Point location in any polygon cells through a grid of square buckets (see the module).

    ``labels`` per bucket: a row when one cell holds it all, -1 none, -2 test its points
    against every cell (overlapping cells), ``-3 - t`` for the t-th bucket an edge comes
    near: its edges are ``edge[start[t]:start[t + 1]]``, with ``hx`` where they cross the
    bucket's centre line (+inf if they do not, or west of the bucket), and the cell at its
    west side on that line has the code ``west[t]`` (row + 1, 0 for none). The grid has an
    empty margin of two buckets all round.
    """

    def __init__(self, geoms: NDArray[np.object_], per_side: float, max_buckets: int):
        minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geoms))
        side = math.sqrt(float(np.median(shapely.area(geoms)))) / per_side
        extent = max((maxx - minx) * (maxy - miny), 1e-12)
        self.step = step = max(side, math.sqrt(extent / max_buckets), 1e-6)
        self.origin = (minx - 2 * step, miny - 2 * step)
        self.nx = nx = int((maxx - self.origin[0]) / step) + 3
        self.ny = ny = int((maxy - self.origin[1]) / step) + 3
        far = max(abs(minx), abs(maxx), abs(miny), abs(maxy)) / step
        #: Distance (bucket units) within which a point is located exactly: far above the
        #: rounding of the coordinates and of the tests in :meth:`_edge_rows`.
        self.tol = max(1e-9, 1e-12 * (far + nx + ny))
        seg, cell = _segments(geoms)
        seg = (seg - np.array([*self.origin, *self.origin])) / step
        seg, self.code_a, self.code_b = _merge_twins(seg, cell)
        x1, y1, x2, y2 = seg.T
        self.dx, self.dy = x2 - x1, y2 - y1
        self.c0 = self.dx * y1 - self.dy * x1
        self.xlo, self.xhi = np.minimum(x1, x2), np.maximum(x1, x2)
        self.tl = self.tol * (np.abs(self.dx) + np.abs(self.dy))
        bucket, edge = _register(seg, nx, ny, self.tol)
        self.edge = edge.astype(np.int32)
        # Each edge's crossing of the bucket's centre line, if it crosses it in or east of it.
        col, yc = bucket % nx, bucket // nx + 0.5
        edge_y1, edge_dy = y1[edge], self.dy[edge]
        cross = (edge_y1 <= yc) & (yc < edge_y1 + edge_dy)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = x1[edge] + (yc - edge_y1) / edge_dy * self.dx[edge]
        cross &= xc >= col
        self.hx = np.where(cross, xc, np.inf)
        here = np.flatnonzero(cross & (xc < col + 1))
        e = edge[here]
        state, bad_rows = _row_states(
            bucket[here],
            xc[here],
            self.dx[e] / self.dy[e],
            self.code_a[e],
            self.code_b[e],
            nx,
            ny,
        )
        first = np.flatnonzero(np.concatenate([[True], bucket[1:] != bucket[:-1]]))
        self.start = np.append(first, len(bucket))
        touched = bucket[first]
        self.west = state[touched]
        self.side = self._sides(touched, edge[first], np.diff(self.start) == 1)
        labels = state
        labels -= 1  # in place: a large array
        labels[touched] = -3 - np.arange(len(touched))
        labels.reshape(ny, nx)[bad_rows] = -2
        self.labels = labels

    def _sides(
        self, touched: NDArray[np.int64], edge: NDArray[np.int64], single: NDArray[np.bool_]
    ) -> NDArray[np.int8]:
        """Return per edge bucket 1 (0) when its one edge has the bucket's west point W on
        its left (right), -1 when it has several edges, or W is near the edge or in neither
        of its cells (an invalid plan).

        One edge in a bucket runs right across it (a vertex in the bucket would bring the
        next edge with it), so a point on W's side of it is in W's cell, one on the other
        side in the edge's other cell.
        """
        wy, wx = np.divmod(touched, self.nx)
        wy = wy + 0.5
        cross_w = self.dx[edge] * wy - self.dy[edge] * wx - self.c0[edge]
        west, a, b = self.west, self.code_a[edge], self.code_b[edge]
        ok = single & (np.abs(cross_w) > self.tl[edge]) & ((west == a) | (west == b))
        side: NDArray[np.int8] = np.where(ok, cross_w > 0, -1).astype(np.int8)
        return side

    def buckets(self, x: Coords, y: Coords) -> tuple[Coords, Coords, NDArray[np.intp]]:
        """Return the points in bucket units and their flat bucket (outside the grid or not
        finite: a margin bucket)."""
        fx = np.subtract(x, self.origin[0])
        fx /= self.step
        fy = np.subtract(y, self.origin[1])
        fy /= self.step
        # fmin/fmax also send NaN and infinities to a margin bucket (outside).
        bucket = np.fmax(np.fmin(fy, self.ny - 0.5), 0.0).astype(np.intp)
        bucket *= self.nx
        bucket += np.fmax(np.fmin(fx, self.nx - 0.5), 0.0).astype(np.intp)
        return fx, fy, bucket

    def locate(self, x: Coords, y: Coords) -> tuple[Rows, NDArray[np.intp]]:
        """Return each point's cell row (-1 none, -2 cells overlap: test all) and the points
        within ``tol`` of an edge, to be tested against :meth:`candidates`."""
        fx, fy, bucket = self.buckets(x, y)
        result = self.labels[bucket]
        near = np.flatnonzero(result <= -3)
        if not len(near):
            return result, near
        t = -3 - result[near]
        side = self.side[t]
        one = side >= 0
        if one.any():
            k, t1 = near[one], t[one]
            result[k] = self._side_rows(fx[k], fy[k], t1, side[one] == 1)
        if not one.all():
            k, t2 = near[~one], t[~one]
            first = self.start[t2]
            result[k] = self._edge_rows(
                fx[k], fy[k], self.west[t2], first, self.start[t2 + 1] - first
            )
        return result, near[result[near] == -3]

    def _side_rows(self, px: Coords, py: Coords, t: Rows, w_left: NDArray[np.bool_]) -> Rows:
        """Locate points in buckets one edge runs across (bucket units; see :meth:`_sides`):
        -3 for those within ``tol`` of the edge."""
        edge = self.edge[self.start[t]]
        cross = self.dx[edge] * py
        cross -= self.dy[edge] * px
        cross -= self.c0[edge]  # > 0: the point is left of the edge
        west = self.west[t]
        code = np.where((cross > 0) == w_left, west, west ^ self.code_a[edge] ^ self.code_b[edge])
        code -= 1
        code[np.abs(cross) <= self.tl[edge]] = -3
        return code

    def candidates(self, x: Coords, y: Coords) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Return (point, cell) pairs: every cell that may hold a point in an edge bucket.

        That is the cells of the bucket's edges, and the cell at its west side: any other
        cell holding a point of the bucket would hold all of it, and the west side too.
        """
        t = -3 - self.labels[self.buckets(x, y)[2]]
        first = self.start[t]
        count = self.start[t + 1] - first
        point = np.repeat(np.arange(len(x)), count)
        edge = self.edge[_expand(first, count)]
        pi = np.concatenate([point, point, np.arange(len(x))])
        code = np.concatenate([self.code_a[edge], self.code_b[edge], self.west[t]])
        return pi[code > 0], code[code > 0] - 1

    def _edge_rows(
        self, px: Coords, py: Coords, west: NDArray[np.int64], first: Rows, count: Rows
    ) -> Rows:
        """Locate points in buckets edges come near (bucket units): -3 for those within
        ``tol`` of an edge, to be located exactly.

        Walk from the point P straight north or south to the bucket's centre line (R), then
        west along it to the bucket's side, where the cell is ``west``: a cell holds P when
        the walk crosses its edges an odd number of times, counting ``west`` as one. Only
        the bucket's edges can cross the walk. Both legs count a vertex on them by half-open
        rules (as if moved a hair east and north), so only P, R or a crossing at R near an
        edge are ambiguous.
        """
        point = np.repeat(np.arange(len(px)), count)
        pair = _expand(first, count)
        edge = self.edge[pair]
        x = px[point]
        dx, dy = self.dx[edge], self.dy[edge]
        cross_p = dx * py[point]
        cross_p -= dy * x
        cross_p -= self.c0[edge]  # > 0: P left of the edge
        cross_r = (np.floor(py) + 0.5 - py)[point]
        cross_r *= dx
        cross_r += cross_p  # the same at R
        east, west_of = x - self.xlo[edge], self.xhi[edge] - x  # exact signs
        straddle = (east >= 0) & (west_of > 0)
        toggle = straddle & ((cross_p < 0) != (cross_r < 0))
        hx = self.hx[pair]
        toggle ^= hx <= x
        tl = self.tl[edge]
        unsure = np.abs(cross_p) <= tl
        unsure &= (east >= -self.tol) & (west_of >= -self.tol)
        unsure |= straddle & (np.abs(cross_r) <= tl)
        unsure |= np.abs(hx - x) <= self.tol
        hit = np.flatnonzero(toggle)
        return _odd_cell(
            west, point[hit], self.code_a[edge[hit]], self.code_b[edge[hit]], point[unsure]
        )


def _odd_cell(
    start: NDArray[np.int64],
    point: NDArray[np.int64],
    code_a: NDArray[np.int64],
    code_b: NDArray[np.int64],
    unsure: NDArray[np.int64],
) -> Rows:
    """Return per point the lowest cell toggled an odd number of times, -1 none, -3 unsure.

    Point k starts in the cell coded ``start[k]`` (row + 1, 0: none); each (``point``,
    ``code_a``, ``code_b``), sorted by point, toggles both cells. One toggle of an edge of
    the start cell, the common case, moves to its other cell; the rest is counted by sorting.
    """
    result = start.copy()
    alone = np.ones(len(point), dtype=bool)
    alone[1:] &= point[1:] != point[:-1]
    alone[:-1] &= point[1:] != point[:-1]
    s = start[point]
    simple = alone & ((s == code_a) | (s == code_b))
    result[point[simple]] = (s ^ code_a ^ code_b)[simple]
    mixed = ~simple
    if mixed.any():
        rest = np.unique(point[mixed])
        mine = np.flatnonzero(mixed)
        width = int(max(start.max(), code_a.max(), code_b.max())) + 1
        pts = np.concatenate([rest, point[mine], point[mine]])
        codes = np.concatenate([start[rest], code_a[mine], code_b[mine]])
        key = np.sort(pts[codes > 0] * width + codes[codes > 0])
        first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
        odd = np.diff(np.append(first, len(key))) % 2 == 1
        key = key[first[odd]]
        owner = key // width
        lowest = owner != np.concatenate([[-1], owner[:-1]])
        result[rest] = 0
        result[owner[lowest]] = key[lowest] - owner[lowest] * width
    result -= 1
    result[unsure] = -3
    return result


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
        self._buckets: _BucketLookup | None = None
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
        self._buckets = _BucketLookup(geoms, self.PER_SIDE, self.MAX_BUCKETS)

    @property
    def tree(self) -> shapely.STRtree:
        """An STRtree over the (prepared) cells, built on first use."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
            shapely.prepare(self.geoms)
        return self._tree

    def locate(self, points: gpd.GeoSeries | gpd.GeoDataFrame | ArrayLike) -> Rows:
        """Return the cell row of each point, -1 outside every cell."""
        x, y = _xy(points)
        n = len(x)
        if n == 0 or len(self.geoms) == 0:
            return np.full(n, -1, dtype=np.int64)
        if self._square is not None:
            return self._locate_square(x, y, self._square)
        if self._buckets is not None:  # NaN (empty points) and infinities land in no cell
            return self._locate_buckets(x, y, self._buckets)
        return self._locate_tree(x, y)  # cells that are not all polygons: no lookup grid

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

    def _locate_buckets(self, x: Coords, y: Coords, buckets: _BucketLookup) -> Rows:
        result, near = buckets.locate(x, y)
        if len(near):  # within rounding distance of an edge: the bucket's cells, exactly
            pi, ci = buckets.candidates(x[near], y[near])
            result[near] = _lowest_hit(self.geoms, x[near], y[near], pi, ci)
        todo = np.flatnonzero(result == -2)  # rows where cells overlap
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
