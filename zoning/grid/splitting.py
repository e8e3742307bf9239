"""Split a campus into grid cells (实体网格) that exactly partition it.

:func:`split` is the entry point. Four methods:

- ``square``: square cells of ``cell_size_m`` on a grid aligned to whole multiples of the
  cell size (so the same campus always gets the same grid lines); only the cells that cross
  the boundary are clipped, interior cells are kept as they are. The boundary's crossings
  with the grid lines are computed once (the campus is noded), so neighbouring pieces share
  them bit for bit; the result is checked exactly, with GEOS overlay as the fallback.
- ``hex``: H3 cells (``h3_res``) covering the campus with *overlap* containment, projected
  back to the metric CRS and clipped.
- ``unit``: unit grids (GB/T 30428.1) bounded by barriers, see :mod:`zoning.grid.unit`.
- ``building``: each building footprint a cell, the open space split with the unit rules.

All geometry is in the campus's metric CRS. Tile corners are rounded to a 1 mm grid
(:data:`PRECISION_M`) and the campus boundary is kept exactly as given (its area is the
reference), so neighbouring cells share identical vertices and the cells form a valid
polygonal coverage (``shapely.coverage_is_valid``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from zoning.errors import InvalidInput
from zoning.geo.crs import WGS84, require_metric
from zoning.geo.rectclip import clip_rects
from zoning.grid.codes import assign_codes
from zoning.grid.named_zones import zones_from_areas
from zoning.grid.topology import SLIVER_THINNESS, thinness
from zoning.grid.unit import building_cells, dissolve, merge_crumbs, unit_cells
from zoning.grid.zones import assign_zones

Method = Literal["square", "hex", "unit", "building"]
METHODS: tuple[str, ...] = ("square", "hex", "unit", "building")

#: Vertices of square and hex cells are rounded to this grid (metres).
PRECISION_M = 1e-3
#: Default square cell side (metres): 100 m, i.e. 10,000 m² cells.
DEFAULT_CELL_SIZE_M = 100.0
#: Default H3 resolution (res 10: about 15,000 m² per hexagon).
DEFAULT_H3_RES = 10
#: No cell of any method is smaller than this (m²) unless it is a separate part of the
#: campus: a planner does not accept a grid cell the size of a desk or a guard booth.
MIN_CELL_M2 = 50.0

Geoms = NDArray[np.object_]


def campus_geometry(boundary: gpd.GeoDataFrame | gpd.GeoSeries) -> BaseGeometry:
    """Return the campus as one valid (Multi)Polygon in the boundary's metric CRS.

    Raises :class:`InvalidInput` for a geographic CRS or a boundary without polygon area.
    """
    require_metric(boundary, what="campus boundary")
    geoms = np.asarray(boundary.geometry.values, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    geoms = shapely.make_valid(geoms)
    polys = shapely.get_parts(shapely.get_parts(geoms))
    polys = polys[shapely.get_type_id(polys) == 3]
    campus = shapely.union_all(polys)
    if campus.is_empty or campus.area <= 0:
        raise InvalidInput(
            "The campus boundary has no polygon with an area: check the file.",
            zh="校区边界中没有有面积的多边形：请检查文件。",
        )
    return campus


def _round(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Round coordinates to the :data:`PRECISION_M` grid exactly as GEOS does."""
    scale = 1.0 / PRECISION_M
    out: NDArray[np.float64] = np.round(values * scale) / scale
    return out


def _pieces(clipped: Geoms) -> Geoms:
    """Return the polygon pieces of clipped tiles, with their shared edges made identical.

    Neighbouring pieces compute the same boundary crossings, which floating point almost
    always makes bit-identical; when it does not, ``coverage_clean`` matches them up.
    """
    parts = shapely.get_parts(clipped)
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]
    if len(parts) and not shapely.coverage_is_valid(parts):
        parts = shapely.get_parts(shapely.coverage_clean(parts, snapping_distance=0.0))
        parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]
    out: Geoms = parts
    return out


def clip_tiles(tiles: Geoms, campus: BaseGeometry) -> Geoms:
    """Return the pieces of ``tiles`` inside ``campus``, one Polygon per piece.

    Tiles properly inside the campus are returned untouched; only the tiles crossing the
    boundary are intersected. Zero-area pieces are dropped.
    """
    shapely.prepare(campus)
    inside = shapely.contains_properly(campus, tiles)
    crossing = ~inside & shapely.intersects(campus, tiles)
    parts = _pieces(shapely.intersection(tiles[crossing], campus))
    out: Geoms = np.concatenate([tiles[inside], parts])
    return out


def _polygonal(geoms: Geoms) -> Geoms:
    """Return ``geoms`` with the lines and points of any collection dropped."""
    out = geoms.copy()
    for k in np.flatnonzero(shapely.get_type_id(geoms) == 7):  # rare: a block edge touch
        parts = shapely.get_parts(geoms[k])
        out[k] = shapely.multipolygons(parts[shapely.get_type_id(parts) == 3])
    return out


def _grid(bounds: Iterable[float], cell_size_m: float) -> tuple[NDArray[np.float64], ...]:
    """Return the grid lines (x west→east, y south→north) covering ``bounds``."""
    minx, miny, maxx, maxy = bounds
    x0 = math.floor(minx / cell_size_m)
    y0 = math.floor(miny / cell_size_m)
    nx = max(1, math.ceil(maxx / cell_size_m) - x0)
    ny = max(1, math.ceil(maxy / cell_size_m) - y0)
    xs = _round((x0 + np.arange(nx + 1, dtype=np.float64)) * cell_size_m)
    ys = _round((y0 + np.arange(ny + 1, dtype=np.float64)) * cell_size_m)
    return xs, ys


def square_tiles(bounds: Iterable[float], *, cell_size_m: float) -> Geoms:
    """Return the square tiles covering ``bounds`` on a grid aligned to multiples of the size."""
    xs, ys = _grid(bounds, cell_size_m)
    grid_i, grid_j = np.meshgrid(np.arange(len(xs) - 1), np.arange(len(ys) - 1))
    ii, jj = grid_i.ravel(), grid_j.ravel()
    tiles: Geoms = shapely.box(xs[ii], ys[jj], xs[ii + 1], ys[jj + 1])
    return tiles


#: Square tiles are first classified by blocks of BLOCK × BLOCK tiles.
BLOCK = 16
#: The clipped square grid must have the campus area to this share (noding moves the
#: boundary by rounding only: ~1e-13 of the area).
AREA_CHECK = 1e-9


def _blocks(nx: int, ny: int) -> tuple[NDArray[np.intp], ...]:
    """Return the first and past-the-last tile column and row of each block (row-major)."""
    bi, bj = (a.ravel() for a in np.meshgrid(np.arange(0, nx, BLOCK), np.arange(0, ny, BLOCK)))
    return bi, bj, np.minimum(bi + BLOCK, nx), np.minimum(bj + BLOCK, ny)


def _block_tiles(
    sel: NDArray[np.bool_], blocks: tuple[NDArray[np.intp], ...]
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """Return the column, row and block of the tiles of the ``sel`` blocks, block by block
    (row-major within a block)."""
    bi, bj, bi1, bj1 = blocks
    sizes = ((bi1[sel] - bi[sel]) * (bj1[sel] - bj[sel])).astype(np.intp)
    block_id = np.repeat(np.flatnonzero(sel), sizes)
    offset = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    width = (bi1 - bi)[block_id]
    return bi[block_id] + offset % width, bj[block_id] + offset // width, block_id


def _boxes(
    xs: NDArray[np.float64], ys: NDArray[np.float64], ii: NDArray[np.intp], jj: NDArray[np.intp]
) -> Geoms:
    """Return the tiles in columns ``ii``, rows ``jj`` of the grid lines ``xs``/``ys`` (m)."""
    tiles: Geoms = shapely.box(xs[ii], ys[jj], xs[ii + 1], ys[jj + 1])
    return tiles


def _node(
    campus: BaseGeometry, xs: NDArray[np.float64], ys: NDArray[np.float64]
) -> tuple[BaseGeometry, NDArray[np.float64], NDArray[np.float64]]:
    """Return ``campus`` with a vertex wherever its boundary crosses a grid line, and the
    start and end points (m, shape (n, 2) each) of its noded segments.

    Each crossing is computed once, on its campus segment, so the clips of the tiles on both
    sides of the line share it bit for bit (a clip would compute it again from the end of
    the segment outside its tile, which rounds differently on each side). A crossing is kept
    within the tile the segment is in at that point, by the order of the crossings along
    the segment, so every noded segment lies in one closed tile: clipping the noded campus
    to a tile computes no new coordinate.
    """
    kind, coords, offsets = shapely.to_ragged_array([campus])
    coords = np.asarray(coords, dtype=np.float64)
    ring_offsets = np.asarray(offsets[0], dtype=np.intp)
    n = len(coords)
    is_last = np.zeros(n, dtype=bool)
    is_last[ring_offsets[1:] - 1] = True  # a ring's closing vertex starts no segment
    seg = np.flatnonzero(~is_last)
    p, d = coords[seg], coords[seg + 1] - coords[seg]
    first_cell: list[NDArray[np.intp]] = []  # the tile column / row each segment starts in
    found: list[tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]] = []
    for axis, lines in ((0, xs), (1, ys)):
        a, b = coords[seg, axis], coords[seg + 1, axis]
        lo = np.searchsorted(lines, np.minimum(a, b), side="right")
        count = np.maximum(np.searchsorted(lines, np.maximum(a, b), side="left") - lo, 0)
        which = np.repeat(np.arange(len(seg)), count)
        k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count) + lo[which]
        found.append((which, (lines[k] - a[which]) / (b - a)[which], lines[k]))
        cell = np.where(
            b < a,
            np.searchsorted(lines, a, side="left") - 1,
            np.searchsorted(lines, a, side="right") - 1,
        )
        first_cell.append(np.clip(cell, 0, len(lines) - 2))
    which, t, line = (np.concatenate([fx, fy]) for fx, fy in zip(*found, strict=True))
    on_x = np.arange(len(which)) < len(found[0][0])  # crossing a line x = const
    order = np.lexsort((~on_x, t, which))
    which, t, line, on_x = which[order], t[order], line[order], on_x[order]
    # The crossing's tile along the other axis: the segment's first one, moved by the
    # crossings of the other axis's lines before it on the segment.
    seg_first = np.searchsorted(which, which, side="left")
    x_before: NDArray[np.intp] = np.cumsum(on_x) - on_x
    y_before: NDArray[np.intp] = np.cumsum(~on_x) - ~on_x
    x_before -= x_before[seg_first]
    y_before -= y_before[seg_first]
    dx, dy = d[which, 0], d[which, 1]
    col = np.clip(first_cell[0][which] + np.sign(dx).astype(np.intp) * x_before, 0, len(xs) - 2)
    row = np.clip(first_cell[1][which] + np.sign(dy).astype(np.intp) * y_before, 0, len(ys) - 2)
    cx = np.where(on_x, line, np.clip(p[which, 0] + t * dx, xs[col], xs[col + 1]))
    cy = np.where(on_x, np.clip(p[which, 1] + t * dy, ys[row], ys[row + 1]), line)
    # Insert the crossings after the first vertex of their segment.
    added = np.bincount(seg[which], minlength=n)
    at = np.arange(n) + np.cumsum(added) - added
    out = np.empty((n + len(which), 2))
    out[at] = coords
    out[at[seg[which]] + 1 + np.arange(len(which)) - seg_first] = np.column_stack([cx, cy])
    ring_sizes = np.diff(ring_offsets) + np.add.reduceat(added, ring_offsets[:-1])
    ring = np.repeat(np.arange(len(ring_sizes)), ring_sizes)
    # Crossings of both lines through a grid corner can round to one point: keep it once.
    keep = np.ones(len(out), dtype=bool)
    keep[1:] = (ring[1:] != ring[:-1]) | (out[1:] != out[:-1]).any(axis=1)
    out, ring = out[keep], ring[keep]
    sizes = np.bincount(ring, minlength=len(ring_sizes))
    new_offsets = np.concatenate([[0], np.cumsum(sizes)])
    noded = shapely.from_ragged_array(kind, out, (new_offsets, *offsets[1:]))[0]
    starts = np.ones(len(out), dtype=bool)
    starts[new_offsets[1:] - 1] = False
    s = np.flatnonzero(starts)
    return noded, out[s], out[s + 1]


def _on_line(values: NDArray[np.float64], lines: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Return which ``values`` are exactly one of the (increasing) ``lines``."""
    at = np.clip(np.searchsorted(lines, values), 0, len(lines) - 1)
    on: NDArray[np.bool_] = lines[at] == values
    return on


def _along_grid_line(
    p: NDArray[np.float64], q: NDArray[np.float64], xs: NDArray[np.float64], ys: NDArray[np.float64]
) -> bool:
    """Return True if a segment from ``p`` to ``q`` (m, (n, 2)) lies on a grid line."""
    vertical = (p[:, 0] == q[:, 0]) & _on_line(p[:, 0], xs)
    horizontal = (p[:, 1] == q[:, 1]) & _on_line(p[:, 1], ys)
    return bool(np.any((vertical | horizontal) & (p != q).any(axis=1)))


def _touched(
    p: NDArray[np.float64], q: NDArray[np.float64], xs: NDArray[np.float64], ys: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Return which tiles (rows × columns) hold a noded segment from ``p`` to ``q`` (m).

    Each noded segment lies in one closed tile: the one its midpoint is in, or both tiles
    when the midpoint is on the line between them.
    """
    nx, ny = len(xs) - 1, len(ys) - 1
    mids = 0.5 * (p + q)
    col = np.clip(np.searchsorted(xs, mids[:, 0], side="right") - 1, 0, nx - 1)
    row = np.clip(np.searchsorted(ys, mids[:, 1], side="right") - 1, 0, ny - 1)
    on_x = (xs[col] == mids[:, 0]) & (col > 0)
    on_y = (ys[row] == mids[:, 1]) & (row > 0)
    touched = np.zeros((ny, nx), dtype=bool)
    touched[row, col] = True
    touched[row[on_x], col[on_x] - 1] = True
    touched[row[on_y] - 1, col[on_y]] = True
    touched[row[on_x & on_y] - 1, col[on_x & on_y] - 1] = True
    return touched


def _shared_edges_match(
    xy: NDArray[np.float64],
    cell: tuple[NDArray[np.intp], NDArray[np.intp]],
    edge: NDArray[np.intp],
    xs: NDArray[np.float64],
    ys: NDArray[np.float64],
) -> bool:
    """Return True if the pieces with vertices ``xy`` (m; in tile column, row ``cell``;
    each within its tile; edges from ``xy[edge]`` to ``xy[edge + 1]``) meet their
    neighbours across every interior grid line with identical vertices.

    Along each interior line, the non-corner vertices of the pieces on one side must be
    exactly those of the pieces on the other side (a whole tile has none), and no vertex
    on the line may lie inside an edge along it: the edges along the line are then the same
    elementary segments on both sides, vertex for vertex.
    """
    for axis, lines, others in ((0, xs, ys), (1, ys, xs)):
        u, v = xy[:, axis], xy[:, 1 - axis]
        k = np.clip(np.searchsorted(lines, u), 0, len(lines) - 1)
        on = (lines[k] == u) & (k > 0) & (k < len(lines) - 1)
        key = k + 1j * v  # complex numbers sort by line, then by position along it
        before = k == cell[axis] + 1  # the piece is west / south of the line
        side = on & ~_on_line(v, others)
        if not np.array_equal(np.unique(key[side & before]), np.unique(key[side & ~before])):
            return False
        along = edge[on[edge] & on[edge + 1] & (k[edge] == k[edge + 1])]
        lo, hi = np.minimum(key[along], key[along + 1]), np.maximum(key[along], key[along + 1])
        points = np.unique(key[on])
        if np.any(np.searchsorted(points, hi, side="left") > np.searchsorted(points, lo, "right")):
            return False
    return True


def _campus_edges_match(
    xy: NDArray[np.float64],
    edge: NDArray[np.intp],
    p: NDArray[np.float64],
    q: NDArray[np.float64],
    xs: NDArray[np.float64],
    ys: NDArray[np.float64],
) -> bool:
    """Return True if the piece edges from ``xy[edge]`` to ``xy[edge + 1]`` that do not run
    along a grid line are exactly the noded campus segments ``p`` → ``q`` (m), in the same
    direction (pieces and campus oriented alike).

    Then the pieces of each tile have the campus boundary inside that tile as their
    boundary there, on the same side, so they are the campus's part of the tile (not, say,
    its complement).
    """
    a, b = xy[edge], xy[edge + 1]
    on_grid = ((a[:, 0] == b[:, 0]) & _on_line(a[:, 0], xs)) | (
        (a[:, 1] == b[:, 1]) & _on_line(a[:, 1], ys)
    )
    ours = np.hstack([a, b])[~on_grid]
    theirs = np.hstack([p, q])[(p != q).any(axis=1)]
    if len(ours) != len(theirs):
        return False
    ours = ours[np.lexsort(ours.T[::-1])]
    theirs = theirs[np.lexsort(theirs.T[::-1])]
    return bool(np.array_equal(ours, theirs))


def _noded_pieces_ok(
    pieces: Geoms,
    cell: tuple[NDArray[np.intp], NDArray[np.intp]],
    tile: NDArray[np.intp],
    segments: tuple[NDArray[np.float64], NDArray[np.float64]],
    xs: NDArray[np.float64],
    ys: NDArray[np.float64],
) -> bool:
    """Return True if the clipped ``pieces`` (of tiles in column, row ``cell``, piece k
    from tile ``tile[k]``) are the campus's parts of their tiles and, with the whole tiles,
    form a valid coverage.

    The pieces and the noded campus segments (``segments``: start and end points, m) must
    be oriented alike. Checks that each piece is valid and within its tile, that the pieces
    of a tile form a coverage, that their edges off the grid lines are the campus segments
    (:func:`_campus_edges_match`) and that neighbouring tiles share their edges vertex for
    vertex (:func:`_shared_edges_match`). Exact comparisons: no tolerance.
    """
    if not len(pieces):
        return not len(segments[0])
    if not shapely.is_valid(pieces).all():
        return False
    col, row = cell[0][tile], cell[1][tile]
    minx, miny, maxx, maxy = shapely.bounds(pieces).T
    if np.any((minx < xs[col]) | (maxx > xs[col + 1]) | (miny < ys[row]) | (maxy > ys[row + 1])):
        return False
    shared = np.bincount(tile)[tile] > 1  # a tile cut into several pieces
    if shared.any() and not shapely.coverage_is_valid(pieces[shared]):
        return False
    rings, ring_piece = shapely.get_rings(pieces, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    edge = np.flatnonzero(ring_of[1:] == ring_of[:-1])  # edges from xy[edge] to xy[edge + 1]
    piece_of = ring_piece[ring_of]
    return _campus_edges_match(xy, edge, *segments, xs, ys) and _shared_edges_match(
        xy, (col[piece_of], row[piece_of]), edge, xs, ys
    )


def _square_cells_noded(
    campus: BaseGeometry, xs: NDArray[np.float64], ys: NDArray[np.float64]
) -> Geoms | None:
    """Return the tiles of the grid ``xs``/``ys`` clipped to ``campus``, or None when the
    campus boundary runs along a grid line or the result fails the exact check of
    :func:`_noded_pieces_ok` (the caller then uses :func:`_square_cells_overlay`).

    The campus is noded at the grid lines (:func:`_node`); the tiles its noded segments
    lie in are clipped with ``clip_by_rect`` (to the campus clipped to their block, so each
    clip reads a small polygon); the other tiles are whole or outside, by their centre.
    Same order as :func:`_square_cells_overlay`: whole tiles, then pieces, block by block.
    """
    nx, ny = len(xs) - 1, len(ys) - 1
    noded, p, q = _node(shapely.orient_polygons(campus, exterior_cw=True), xs, ys)
    if _along_grid_line(p, q, xs, ys):
        # GEOS RectangleIntersection can mistake which side is inside when the boundary
        # runs along the rectangle (a campus drawn on the grid lines): leave it to overlay.
        return None
    touched = _touched(p, q, xs, ys)
    blocks = _blocks(nx, ny)
    bi, bj, bi1, bj1 = blocks
    pad = np.zeros((-(-ny // BLOCK) * BLOCK, -(-nx // BLOCK) * BLOCK), dtype=bool)
    pad[:ny, :nx] = touched
    crossing = pad.reshape(len(pad) // BLOCK, BLOCK, -1, BLOCK).any(axis=(1, 3)).ravel()
    shapely.prepare(campus)
    open_blocks = np.flatnonzero(~crossing)
    inside = np.zeros(len(bi), dtype=bool)
    inside[open_blocks] = shapely.contains_xy(
        campus,
        0.5 * (xs[bi[open_blocks]] + xs[bi1[open_blocks]]),
        0.5 * (ys[bj[open_blocks]] + ys[bj1[open_blocks]]),
    )
    ki, kj, _ = _block_tiles(inside, blocks)
    ii, jj, block_id = _block_tiles(crossing, blocks)
    cut = touched[jj, ii]
    whole = ~cut
    whole[whole] = shapely.contains_xy(
        campus, 0.5 * (xs[ii[whole]] + xs[ii[whole] + 1]), 0.5 * (ys[jj[whole]] + ys[jj[whole] + 1])
    )
    # Each block's part of the campus, clipped half a tile beyond the block so that none of
    # its edges runs along the edge of a tile in the block (see above).
    owner = np.empty(len(bi), dtype=object)
    half = 0.5 * float(xs[1] - xs[0])
    owner[crossing] = clip_rects(
        noded,
        xs[bi[crossing]] - half,
        ys[bj[crossing]] - half,
        xs[bi1[crossing]] + half,
        ys[bj1[crossing]] + half,
    )
    ci, cj = ii[cut], jj[cut]
    clipped = clip_rects(owner[block_id[cut]], xs[ci], ys[cj], xs[ci + 1], ys[cj + 1])
    parts, tile = shapely.get_parts(clipped, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    parts, tile = parts[keep], tile[keep]
    whole_area = np.sum((xs[ki + 1] - xs[ki]) * (ys[kj + 1] - ys[kj])) + np.sum(
        (xs[ii[whole] + 1] - xs[ii[whole]]) * (ys[jj[whole] + 1] - ys[jj[whole]])
    )
    # Shells clockwise, holes counter-clockwise, as GEOS overlay gives them and as the
    # noded campus is: the check compares edge directions.
    parts = shapely.orient_polygons(parts, exterior_cw=True)
    area_error = abs(whole_area + shapely.area(parts).sum() - campus.area)
    if area_error > AREA_CHECK * campus.area or not _noded_pieces_ok(
        parts, (ci, cj), tile, (p, q), xs, ys
    ):
        return None
    out: Geoms = np.concatenate(
        [_boxes(xs, ys, ki, kj), _boxes(xs, ys, ii[whole], jj[whole]), parts]
    )
    return out


def _square_cells_overlay(
    campus: BaseGeometry, xs: NDArray[np.float64], ys: NDArray[np.float64]
) -> Geoms:
    """Return the tiles of the grid ``xs``/``ys`` clipped to ``campus`` by GEOS overlay.

    Blocks properly inside the campus give their tiles untouched, blocks outside give none,
    and only the tiles of the blocks that cross the boundary are tested, against the campus
    clipped to their block; shared edges are made identical by :func:`_pieces`.
    """
    blocks = _blocks(len(xs) - 1, len(ys) - 1)
    bi, bj, bi1, bj1 = blocks
    boxes = shapely.box(xs[bi], ys[bj], xs[bi1], ys[bj1])
    shapely.prepare(campus)
    inside = shapely.contains_properly(campus, boxes)
    crossing = ~inside & shapely.intersects(campus, boxes)
    ki, kj, _ = _block_tiles(inside, blocks)
    ii, jj, block_id = _block_tiles(crossing, blocks)
    edge_tiles = _boxes(xs, ys, ii, jj)
    local = np.empty(len(boxes), dtype=object)
    local[crossing] = _polygonal(shapely.intersection(campus, boxes[crossing]))
    shapely.prepare(local[crossing])
    owner = local[block_id]
    whole = shapely.contains_properly(owner, edge_tiles)
    cut = ~whole & shapely.intersects(owner, edge_tiles)
    parts = _pieces(shapely.intersection(edge_tiles[cut], owner[cut]))
    out: Geoms = np.concatenate([_boxes(xs, ys, ki, kj), edge_tiles[whole], parts])
    return out


def square_cells(campus: BaseGeometry, *, cell_size_m: float) -> Geoms:
    """Return square cells of ``cell_size_m`` (m) clipped to ``campus``.

    Whole tiles first (those of 16 × 16 blocks inside the campus, then the others, block by
    block), then the clipped pieces, one Polygon each. The campus is noded at the grid
    lines and the tiles its boundary crosses are clipped with ``clip_by_rect``; the result
    is checked to be a valid coverage, else the tiles are clipped by GEOS overlay instead.
    Raises :class:`InvalidInput` for a non-positive size or an absurd number of cells.
    """
    if not cell_size_m > 0:
        raise InvalidInput(
            f"cell_size_m must be a positive number of metres, not {cell_size_m}.",
            zh=f"网格边长（cell_size_m）须为正的米数，而不是 {cell_size_m}。",
        )
    minx, miny, maxx, maxy = campus.bounds
    count = math.ceil((maxx - minx) / cell_size_m + 1) * math.ceil((maxy - miny) / cell_size_m + 1)
    if count > 20_000_000:
        raise InvalidInput(
            f"cell_size_m={cell_size_m} would make about {count:,} cells: choose a larger size.",
            zh=f"网格边长 {cell_size_m} 米会产生约 {count:,} 个网格：请选更大的边长。",
        )
    xs, ys = _grid(campus.bounds, cell_size_m)
    cells = _square_cells_noded(campus, xs, ys)
    return _square_cells_overlay(campus, xs, ys) if cells is None else cells


def default_h3_res(campus_area_m2: float) -> int:
    """Return res 10, or a finer one so that the campus gets at least about 20 cells."""
    res = DEFAULT_H3_RES
    while res < 15 and campus_area_m2 / h3.average_hexagon_area(res, unit="m^2") < 20:
        res += 1
    return res


def hex_tiles(campus: BaseGeometry, *, crs: CRS, h3_res: int) -> Geoms:
    """Return the H3 hexagons at ``h3_res`` overlapping ``campus``, in the metric ``crs``."""
    to_ll = Transformer.from_crs(crs, WGS84, always_xy=True)
    to_m = Transformer.from_crs(WGS84, crs, always_xy=True)

    def project(coords: NDArray[np.float64], tr: Transformer) -> NDArray[np.float64]:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    # A 2 m margin makes sure no sliver of the campus misses its hexagon because of the
    # projection; hexagons that end up outside the campus are dropped by the clip.
    margin = shapely.buffer(campus, 2.0, quad_segs=2)
    margin_ll = shapely.transform(margin, lambda c: project(c, to_ll))
    shape = h3.geo_to_h3shape(margin_ll.__geo_interface__)
    found = h3.h3shape_to_cells_experimental(shape, h3_res, contain="overlap")
    if not found:
        return np.empty(0, dtype=object)
    # H3's overlap test misses a hexagon that holds a whole hole (a lake) but no vertex or
    # edge of the outer ring: add the ring of neighbours; the clip drops those outside.
    cells = set(found)
    for cell in found:
        cells.update(h3.grid_disk(cell, 1))
    rings = [h3.cell_to_boundary(c) for c in sorted(cells)]  # (lat, lng) tuples
    sizes = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    latlng = np.array([p for r in rings for p in r], dtype=np.float64)
    x, y = to_m.transform(latlng[:, 1], latlng[:, 0])
    coords = _round(np.column_stack([x, y]))
    # Close every ring: repeat its first vertex.
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    ring_ids = np.repeat(np.arange(len(rings)), sizes + 1)
    order = np.concatenate(
        [np.append(np.arange(s, s + n), s) for s, n in zip(starts, sizes, strict=True)]
    )
    linearrings = shapely.linearrings(coords[order], indices=ring_ids)
    tiles: Geoms = shapely.orient_polygons(shapely.polygons(linearrings))
    return tiles


def hex_cells(campus: BaseGeometry, *, crs: CRS, h3_res: int | None = None) -> Geoms:
    """Return H3 cells at ``h3_res`` (default from the campus size) clipped to ``campus``."""
    res = default_h3_res(campus.area) if h3_res is None else h3_res
    if not 0 <= res <= 15:
        raise InvalidInput(
            f"h3_res must be between 0 and 15, not {h3_res}.",
            zh=f"h3_res 须在 0 到 15 之间，而不是 {h3_res}。",
        )
    return clip_tiles(hex_tiles(campus, crs=crs, h3_res=res), campus)


def _same_crs(
    frame: gpd.GeoDataFrame | gpd.GeoSeries | None, crs: CRS, *, what: str
) -> gpd.GeoDataFrame | gpd.GeoSeries | None:
    """Return ``frame`` in ``crs`` (reprojected when needed); ``None`` stays ``None``."""
    if frame is None or len(frame) == 0:
        return None
    if frame.crs is None:
        raise InvalidInput(
            f"The {what} have no CRS: set one before splitting.",
            zh=f"图层（{what}）没有坐标系：请先设置坐标系再划分网格。",
        )
    if CRS.from_user_input(frame.crs) != crs:
        return frame.to_crs(crs)
    return frame


#: A clipped square or hexagon smaller than this share of a whole one joins a neighbour.
SMALL_PIECE_SHARE = 0.1


def absorb_slivers(geoms: Geoms) -> Geoms:
    """Return clipped tiles with boundary slivers and crumbs merged into a neighbour.

    A piece is merged when its thinness 4πA/P² is below the validation threshold or its
    area is under :data:`SMALL_PIECE_SHARE` of a median tile; it joins the sound neighbour
    it shares the longest edge with (another flagged piece only when it has no sound one),
    so the result still partitions the campus and validates. A piece with no neighbour (a
    tiny detached part of the campus) stays as it is.
    """
    if len(geoms) < 2:
        return geoms
    areas = shapely.area(geoms)
    full = float(np.median(areas))
    flagged = (thinness(geoms) < SLIVER_THINNESS) | (areas < SMALL_PIECE_SHARE * full)
    if not flagged.any():
        return geoms
    small = np.flatnonzero(flagged)
    pair_small, pair_other = shapely.STRtree(geoms).query(geoms[small], predicate="intersects")
    a, b = small[pair_small], pair_other
    keep = a != b
    a, b = a[keep], b[keep]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))
    )
    # Best target per flagged piece among the neighbours it shares an edge with (not just a
    # corner): sound neighbours first, then the longest shared edge.
    edge = shared > 0
    a, b, shared = a[edge], b[edge], shared[edge]
    order = np.lexsort((-shared, flagged[b], a))
    a, b = a[order], b[order]
    first = np.concatenate([[True], a[1:] != a[:-1]]) if len(a) else np.empty(0, dtype=bool)
    target = np.arange(len(geoms))
    target[a[first]] = b[first]
    # Two flagged pieces with no sound neighbour may pick each other: the lower index is
    # the root. Then follow chains (a crumb joining a sliver that joins a square) to roots.
    mutual = (target[target] == np.arange(len(geoms))) & (target != np.arange(len(geoms)))
    target[mutual & (np.arange(len(geoms)) < target)] = np.flatnonzero(
        mutual & (np.arange(len(geoms)) < target)
    )
    for _ in range(len(small) + 1):
        nxt = target[target]
        if np.array_equal(nxt, target):
            break
        target = nxt
    merged, _ = dissolve(geoms, target)
    out: Geoms = shapely.get_parts(merged)
    return out


def split(
    boundary: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    method: Method,
    cell_size_m: float | None = None,
    h3_res: int | None = None,
    min_area_m2: float | None = None,
    max_area_m2: float | None = None,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    buildings: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    campus_code: str = "CAMPUS",
    zones: int | None = None,
    retired_codes: frozenset[str] = frozenset(),
    min_cell_m2: float = MIN_CELL_M2,
    zone_areas: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Split the campus ``boundary`` into cells that exactly partition it.

    ``boundary`` is one or more polygons in a projected metric CRS. Returns a GeoDataFrame
    in that CRS with columns ``code``, ``zone`` (1-based int), ``kind`` (square, hex, unit,
    building, open), ``area_m2`` and ``geometry`` (one Polygon per row), sorted by code.
    ``barriers`` (lines or polygons, optional ``road_class`` column) bound unit grids and
    define the default zones (cells between major roads); ``zones=N`` asks for N contiguous
    zones balanced by area instead. No cell is smaller than ``min_cell_m2`` (m², default
    :data:`MIN_CELL_M2`) unless it is a separate part of the campus: crumbs and small
    buildings join a neighbour (see :func:`zoning.grid.unit.merge_crumbs`); 0 turns the floor
    off. ``zone_areas`` (named zones: polygons with a ``number`` column) decide the zones
    instead: each cell takes the zone holding most of it
    (:func:`zoning.grid.named_zones.zones_from_areas`). Raises :class:`InvalidInput` for a
    geographic CRS, an unknown method or impossible sizes.
    """
    crs = require_metric(boundary, what="campus boundary")
    if method not in METHODS:
        raise InvalidInput(
            f"Unknown split method {method!r}: use one of {', '.join(METHODS)}.",
            zh=f"未知的划分方法 {method!r}：请用 {', '.join(METHODS)} 之一。",
        )
    if zones is not None and zones < 1:
        raise InvalidInput(
            f"zones must be a positive number of zones, not {zones}.",
            zh=f"片区数（--zones）须为正整数，而不是 {zones}。",
        )
    if not math.isfinite(min_cell_m2) or min_cell_m2 < 0:
        raise InvalidInput(
            f"The minimum cell area must be 0 m² or more, not {min_cell_m2}; e.g. 50.",
            zh=f"最小网格面积须不小于 0 平方米，而不是 {min_cell_m2}；例如 50。",
        )
    campus = campus_geometry(boundary)
    barriers = _same_crs(barriers, crs, what="barriers")
    buildings = _same_crs(buildings, crs, what="buildings")
    row_height_m: float | None = None
    if method == "square":
        size = DEFAULT_CELL_SIZE_M if cell_size_m is None else float(cell_size_m)
        geoms = absorb_slivers(square_cells(campus, cell_size_m=size))
        kinds = np.full(len(geoms), "square", dtype=object)
        row_height_m = size
    elif method == "hex":
        geoms = absorb_slivers(hex_cells(campus, crs=crs, h3_res=h3_res))
        kinds = np.full(len(geoms), "hex", dtype=object)
    elif method == "unit":
        geoms, kinds = unit_cells(
            campus,
            barriers=barriers,
            buildings=buildings,
            min_area_m2=min_area_m2,
            max_area_m2=max_area_m2,
        )
    else:
        if buildings is None:
            raise InvalidInput(
                "The building method needs the buildings layer.",
                zh="按建筑划分（building）需要建筑图层：请先导入建筑。",
            )
        geoms, kinds = building_cells(
            campus,
            buildings=buildings,
            barriers=barriers,
            min_area_m2=min_area_m2,
            max_area_m2=max_area_m2,
        )
    geoms, kinds = merge_crumbs(geoms, kinds, min_cell_m2=min_cell_m2)
    centres = shapely.centroid(geoms)  # computed once: zones and codes both read them
    if zone_areas is not None and len(zone_areas):
        areas = _same_crs(zone_areas, crs, what="zone polygons")
        assert isinstance(areas, gpd.GeoDataFrame)  # a non-empty frame stays one
        zone_labels = zones_from_areas(geoms, areas.geometry.values, areas["number"])
    else:
        zone_labels = assign_zones(
            geoms, campus=campus, barriers=barriers, zones=zones, centres=centres
        )
    codes = assign_codes(
        geoms,
        zone_labels,
        campus_code=campus_code,
        retired_codes=retired_codes,
        row_height_m=row_height_m,
        centres=centres,
    )
    frame = gpd.GeoDataFrame(
        {
            "code": pd.Series(codes, dtype=object),
            "zone": pd.Series(zone_labels, dtype="int64"),
            "kind": pd.Series(kinds, dtype=object),
            "area_m2": shapely.area(geoms),
        },
        geometry=gpd.GeoSeries(geoms, crs=crs),
        crs=crs,
    )
    return frame.sort_values("code", kind="stable").reset_index(drop=True)


def split_summary(
    cells: gpd.GeoDataFrame, campus: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry
) -> dict[str, Any]:
    """Return counts and areas (m²) of a split: cells, campus_area_m2, cells_area_m2, area_m2."""
    if isinstance(campus, BaseGeometry):
        campus_area = float(campus.area)
    else:
        campus_area = float(campus_geometry(campus).area)
    areas = shapely.area(np.asarray(cells.geometry.values, dtype=object))
    stats = (
        {
            "min": float(np.min(areas)),
            "median": float(np.median(areas)),
            "max": float(np.max(areas)),
        }
        if len(areas)
        else {"min": 0.0, "median": 0.0, "max": 0.0}
    )
    return {
        "cells": len(cells),
        "campus_area_m2": campus_area,
        "cells_area_m2": float(np.sum(areas)),
        "area_m2": stats,
    }
