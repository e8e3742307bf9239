"""Split a campus into grid cells (实体网格) that exactly partition it.

:func:`split` is the entry point. Four methods:

- ``square``: square cells of ``cell_size_m`` on a grid aligned to whole multiples of the
  cell size (so the same campus always gets the same grid lines); only the cells that cross
  the boundary are intersected, interior cells are kept as they are.
- ``hex``: H3 cells (``h3_res``) covering the campus with *overlap* containment, projected
  back to the metric CRS and clipped.
- ``unit``: unit grids (GB/T 30428.1) bounded by barriers, see :mod:`zoning.unitgrid`.
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

from zoning.codes import assign_codes
from zoning.crs import WGS84, require_metric
from zoning.errors import InvalidInput
from zoning.topology import SLIVER_THINNESS, thinness
from zoning.unitgrid import building_cells, dissolve, unit_cells
from zoning.zones import assign_zones

Method = Literal["square", "hex", "unit", "building"]
METHODS: tuple[str, ...] = ("square", "hex", "unit", "building")

#: Vertices of square and hex cells are rounded to this grid (metres).
PRECISION_M = 1e-3
#: Default square cell side (metres): 100 m, i.e. 10,000 m² cells.
DEFAULT_CELL_SIZE_M = 100.0
#: Default H3 resolution (res 10: about 15,000 m² per hexagon).
DEFAULT_H3_RES = 10

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
        raise InvalidInput("The campus boundary has no polygon with an area: check the file.")
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


def square_cells(campus: BaseGeometry, *, cell_size_m: float) -> Geoms:
    """Return square cells of ``cell_size_m`` (m) clipped to ``campus``.

    Tiles are classified by blocks of 16 × 16 first: blocks properly inside the campus give
    their tiles untouched, blocks outside give none, and only the tiles of the blocks that
    cross the boundary are tested, against the campus clipped to their block (a small
    polygon, so each clip is cheap). Raises :class:`InvalidInput` for a non-positive size or
    an absurd number of cells.
    """
    if not cell_size_m > 0:
        raise InvalidInput(f"cell_size_m must be a positive number of metres, not {cell_size_m}.")
    minx, miny, maxx, maxy = campus.bounds
    count = math.ceil((maxx - minx) / cell_size_m + 1) * math.ceil((maxy - miny) / cell_size_m + 1)
    if count > 20_000_000:
        raise InvalidInput(
            f"cell_size_m={cell_size_m} would make about {count:,} cells: choose a larger size."
        )
    xs, ys = _grid(campus.bounds, cell_size_m)
    nx, ny = len(xs) - 1, len(ys) - 1
    bx = np.arange(0, nx, BLOCK)
    by = np.arange(0, ny, BLOCK)
    bi, bj = (a.ravel() for a in np.meshgrid(bx, by))
    bi1, bj1 = np.minimum(bi + BLOCK, nx), np.minimum(bj + BLOCK, ny)
    blocks = shapely.box(xs[bi], ys[bj], xs[bi1], ys[bj1])
    shapely.prepare(campus)
    inside = shapely.contains_properly(campus, blocks)
    crossing = ~inside & shapely.intersects(campus, blocks)

    def tiles_of(sel: NDArray[np.bool_]) -> tuple[Geoms, NDArray[np.intp]]:
        sizes = ((bi1[sel] - bi[sel]) * (bj1[sel] - bj[sel])).astype(np.intp)
        block_id = np.repeat(np.flatnonzero(sel), sizes)
        offset = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        width = (bi1 - bi)[block_id]
        ii = bi[block_id] + offset % width
        jj = bj[block_id] + offset // width
        tiles: Geoms = shapely.box(xs[ii], ys[jj], xs[ii + 1], ys[jj + 1])
        return tiles, block_id

    interior, _ = tiles_of(inside)
    edge_tiles, block_id = tiles_of(crossing)
    local = np.empty(len(blocks), dtype=object)
    local[crossing] = _polygonal(shapely.intersection(campus, blocks[crossing]))
    shapely.prepare(local[crossing])
    owner = local[block_id]
    whole = shapely.contains_properly(owner, edge_tiles)
    cut = ~whole & shapely.intersects(owner, edge_tiles)
    parts = _pieces(shapely.intersection(edge_tiles[cut], owner[cut]))
    out: Geoms = np.concatenate([interior, edge_tiles[whole], parts])
    return out


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
        raise InvalidInput(f"h3_res must be between 0 and 15, not {h3_res}.")
    return clip_tiles(hex_tiles(campus, crs=crs, h3_res=res), campus)


def _same_crs(
    frame: gpd.GeoDataFrame | gpd.GeoSeries | None, crs: CRS, *, what: str
) -> gpd.GeoDataFrame | gpd.GeoSeries | None:
    """Return ``frame`` in ``crs`` (reprojected when needed); ``None`` stays ``None``."""
    if frame is None or len(frame) == 0:
        return None
    if frame.crs is None:
        raise InvalidInput(f"The {what} have no CRS: set one before splitting.")
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
) -> gpd.GeoDataFrame:
    """Split the campus ``boundary`` into cells that exactly partition it.

    ``boundary`` is one or more polygons in a projected metric CRS. Returns a GeoDataFrame
    in that CRS with columns ``code``, ``zone`` (1-based int), ``kind`` (square, hex, unit,
    building, open), ``area_m2`` and ``geometry`` (one Polygon per row), sorted by code.
    ``barriers`` (lines or polygons, optional ``road_class`` column) bound unit grids and
    define the default zones (cells between major roads); ``zones=N`` asks for N contiguous
    zones balanced by area instead. Raises :class:`InvalidInput` for a geographic CRS, an
    unknown method or impossible sizes.
    """
    crs = require_metric(boundary, what="campus boundary")
    if method not in METHODS:
        raise InvalidInput(f"Unknown split method {method!r}: use one of {', '.join(METHODS)}.")
    if zones is not None and zones < 1:
        raise InvalidInput(f"zones must be a positive number of zones, not {zones}.")
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
            raise InvalidInput("The building method needs the buildings layer.")
        geoms, kinds = building_cells(
            campus,
            buildings=buildings,
            barriers=barriers,
            min_area_m2=min_area_m2,
            max_area_m2=max_area_m2,
        )
    centres = shapely.centroid(geoms)  # computed once: zones and codes both read them
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
