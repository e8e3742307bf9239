"""Square tiles for campus coverage: per-tile band unions and walkable parts.

Overlays on a whole campus (thousands of sectors against a walkable space with thousands of
holes) are cut into tiles, where each overlay is small; results are summed (areas) or
dissolved (blind spots) at the end. Shared by :func:`zoning.cameras.campus_coverage` and
:class:`zoning.coverage_index.CoverageIndex`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree

from zoning.bands import BAND_NAMES
from zoning.occlusion import FloatArray, GeomArray, IntArray, polygonal

_EMPTY = shapely.Polygon()

Tile = tuple[int, int]


def tiles_of_bounds(bounds: FloatArray, tile_m: float) -> tuple[IntArray, IntArray, IntArray]:
    """Return ``(owner, ix, iy)``: every tile of side ``tile_m`` each box in ``bounds`` touches."""
    if len(bounds) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    lo = np.floor(bounds[:, :2] / tile_m).astype(np.int64)
    hi = np.floor(bounds[:, 2:] / tile_m).astype(np.int64)
    nx, ny = hi[:, 0] - lo[:, 0] + 1, hi[:, 1] - lo[:, 1] + 1
    count = nx * ny
    owner = np.repeat(np.arange(len(bounds)), count)
    k = np.arange(owner.size) - (np.cumsum(count) - count)[owner]
    return owner, lo[owner, 0] + k % nx[owner], lo[owner, 1] + k // nx[owner]


def tile_box(tile: Tile, tile_m: float) -> shapely.Geometry:
    """Return the square of ``tile``."""
    return shapely.box(
        tile[0] * tile_m, tile[1] * tile_m, (tile[0] + 1) * tile_m, (tile[1] + 1) * tile_m
    )


def tile_unions(geoms: GeomArray, tile_m: float) -> dict[Tile, GeomArray]:
    """Return per tile the union, per column (band), of ``geoms`` (n, bands) clipped to it.

    Columns must be nested (each column contained in the last), as band geometries are.
    """
    geoms = np.asarray(geoms, dtype=object)
    outer = geoms[:, -1]
    live = np.flatnonzero(~shapely.is_empty(outer))
    owner, ix, iy = tiles_of_bounds(shapely.bounds(outer[live]), tile_m)
    if owner.size == 0:
        return {}
    cam = live[owner]
    pieces = geoms[cam]
    # Only coverage that spans several tiles needs clipping (most cameras sit in one tile).
    spans = np.bincount(owner, minlength=live.size)[owner] > 1
    boxes = shapely.box(ix * tile_m, iy * tile_m, (ix + 1) * tile_m, (iy + 1) * tile_m)
    pieces[spans] = polygonal(shapely.intersection(pieces[spans], boxes[spans, None]))
    order = np.lexsort((iy, ix))
    ix, iy, pieces = ix[order], iy[order], pieces[order]
    cut = np.flatnonzero((np.diff(ix) != 0) | (np.diff(iy) != 0)) + 1
    out: dict[Tile, GeomArray] = {}
    for lo, hi in zip(np.r_[0, cut], np.r_[cut, ix.size], strict=True):  # loop over tiles
        group = pieces[lo:hi]
        out[(int(ix[lo]), int(iy[lo]))] = np.array(
            [
                group[0, k] if hi - lo == 1 else shapely.union_all(group[:, k])
                for k in range(group.shape[1])
            ],
            dtype=object,
        )
    return out


def walkable_tiles(
    walkable: shapely.Geometry, tiles: list[Tile], tile_m: float
) -> dict[Tile, shapely.Geometry]:
    """Return the walkable part of each tile."""
    out: dict[Tile, shapely.Geometry] = dict.fromkeys(tiles, _EMPTY)
    parts = shapely.get_parts(walkable)
    parts = parts[~shapely.is_empty(parts)]
    if not tiles or parts.size == 0:
        return out
    boxes = np.array([tile_box(t, tile_m) for t in tiles], dtype=object)
    b, p = STRtree(parts).query(boxes, predicate="intersects")
    pieces = polygonal(shapely.intersection(parts[p], boxes[b]))
    for k in np.unique(b):  # loop over tiles
        mine = pieces[b == k]
        out[tiles[k]] = mine[0] if mine.size == 1 else shapely.union_all(mine)
    return out


@dataclass(frozen=True)
class TiledCoverage:
    """Coverage cut into square tiles: per tile the union at each band and its walkable part."""

    tile_m: float
    tiles: list[Tile]
    unions: GeomArray  #: (tiles, bands), what is seen at each band or better
    walk: GeomArray  #: (tiles,)

    @classmethod
    def build(
        cls,
        tile_m: float,
        unions: dict[Tile, GeomArray],
        walk: dict[Tile, shapely.Geometry],
    ) -> TiledCoverage:
        """Assemble from per-tile dicts; tiles with walkable space but no camera get empty
        unions, so that the tiles cover the whole walkable space."""
        tiles = sorted(set(unions) | {t for t, g in walk.items() if not shapely.is_empty(g)})
        nothing = np.full(len(BAND_NAMES), _EMPTY, dtype=object)
        stack = (
            np.stack([unions.get(t, nothing) for t in tiles])
            if tiles
            else np.zeros((0, len(BAND_NAMES)), dtype=object)
        )
        return cls(
            tile_m, tiles, stack, np.array([walk.get(t, _EMPTY) for t in tiles], dtype=object)
        )


def walkable_tiles_all(walkable: shapely.Geometry, tile_m: float) -> dict[Tile, shapely.Geometry]:
    """Return the walkable part of every tile that the walkable space's bounds touch."""
    if shapely.is_empty(walkable):
        return {}
    _, ix, iy = tiles_of_bounds(np.asarray([shapely.bounds(walkable)]), tile_m)
    tiles = [(int(i), int(j)) for i, j in zip(ix, iy, strict=True)]
    return walkable_tiles(walkable, tiles, tile_m)


def merge_tiles(pieces: GeomArray) -> shapely.Geometry:
    """Dissolve polygons that meet along tile borders.

    Neighbouring tiles cut a shared border at points computed separately, so the pieces are
    snapped to a 1 µm grid first; then a coverage union (which only drops shared edges) does
    in about a third of the time what a full overlay union does. If that still fails or
    comes out invalid, the full overlay union is used.
    """
    pieces = pieces[~shapely.is_empty(pieces)]
    if pieces.size == 0:
        return _EMPTY
    try:
        merged = shapely.coverage_union_all(shapely.set_precision(pieces, 1e-6))
        if shapely.is_valid(merged):
            return merged
    except shapely.errors.GEOSException:
        pass
    return shapely.union_all(pieces)
