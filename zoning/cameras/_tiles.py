"""Square tiles for campus coverage: per-tile band unions and walkable parts.

Overlays on a whole campus (thousands of sectors against a walkable space with thousands of
holes) are cut into tiles, where each overlay is small; results are summed (areas) or
dissolved (blind spots) at the end. Shared by :func:`zoning.cameras.coverage.campus_coverage` and
:class:`zoning.cameras.index.CoverageIndex`.

* Per-tile unions overlay only the pieces that overlap (clusters, :func:`union_by_group`);
  disjoint clusters are gathered into a multipolygon, and a band capped by the range (the
  same object as the next wider band) is clipped once and reuses the wider cluster's union.
* The walkable space is cut into tiles by rectangle clipping (linear), not by one overlay
  per tile of the campus-wide polygon; an invalid clip falls back to the overlay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely import STRtree

from zoning.cameras.bands import BAND_NAMES
from zoning.cameras.occlusion import FloatArray, GeomArray, IntArray, polygonal, union_groups
from zoning.geo.rectclip import clip_rects

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

    Columns must be nested (each column contained in the last), as band geometries are. A
    camera whose column holds the very object of the next column (a band capped by the
    range, see :func:`zoning.cameras.coverage.band_geometries`) is clipped once, and a
    cluster of such pieces reuses the next column's union.
    """
    geoms = np.asarray(geoms, dtype=object)
    outer = geoms[:, -1]
    live = np.flatnonzero(~shapely.is_empty(outer))
    owner, ix, iy = tiles_of_bounds(shapely.bounds(outer[live]), tile_m)
    if owner.size == 0:
        return {}
    cam = live[owner]
    pieces = geoms[cam]
    last = pieces.shape[1] - 1
    ids = np.vectorize(id, otypes=[np.int64])(pieces)  # the same object has the same id
    same = np.zeros(pieces.shape, dtype=bool)
    same[:, :last] = ids[:, :-1] == ids[:, 1:]
    # Only coverage that spans several tiles needs clipping (most cameras sit in one tile).
    spans = np.bincount(owner, minlength=live.size)[owner] > 1
    boxes = shapely.box(ix * tile_m, iy * tile_m, (ix + 1) * tile_m, (iy + 1) * tile_m)
    for k in range(last, -1, -1):
        clip = spans & ~same[:, k]
        pieces[clip, k] = polygonal(shapely.intersection(pieces[clip, k], boxes[clip]))
        if k < last:
            pieces[same[:, k], k] = pieces[same[:, k], k + 1]
    tiles, tile_of = np.unique(np.column_stack([ix, iy]), axis=0, return_inverse=True)
    tile_of = tile_of.reshape(-1).astype(np.int64)
    stack = np.empty((len(tiles), last + 1), dtype=object)
    wider: _Clusters | None = None
    for k in range(last, -1, -1):
        stack[:, k], wider = union_by_group(
            pieces[:, k], tile_of, len(tiles), wider=wider, same=same[:, k]
        )
    return {(int(t[0]), int(t[1])): stack[i] for i, t in enumerate(tiles)}


@dataclass(frozen=True)
class _Clusters:
    """Clusters of one column: per piece its cluster (-1 when empty), per cluster its union."""

    label: IntArray
    size: IntArray
    union: GeomArray


def union_by_group(
    geoms: GeomArray,
    group: IntArray,
    n_groups: int,
    *,
    wider: _Clusters | None = None,
    same: NDArray[np.bool_] | None = None,
) -> tuple[GeomArray, _Clusters]:
    """Return per group the union of its polygonal ``geoms`` (empty polygon for none).

    Only overlay what overlaps: pieces are split into clusters that intersect (connected
    components of the "intersects" graph within a group), each cluster of two or more is
    unioned, and a group's result is the multipolygon of its clusters' parts, which are
    disjoint. On a campus about half the camera pieces overlap no other in their tile.

    With the clusters of the next wider column (``wider``) and, per piece, whether it is the
    same object there (``same``), a cluster whose pieces are all the same and make up a
    whole wider cluster takes that cluster's union.
    """
    out = np.full(n_groups, _EMPTY, dtype=object)
    label = np.full(len(geoms), -1, dtype=np.int64)
    idx = np.flatnonzero(~shapely.is_empty(geoms))
    if idx.size == 0:
        return out, _Clusters(label, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object))
    g, grp = geoms[idx], group[idx]
    a, b = STRtree(g).query(g, predicate="intersects")
    link = (a < b) & (grp[a] == grp[b])
    n = idx.size
    _, label[idx] = connected_components(
        coo_matrix((np.ones(int(link.sum())), (a[link], b[link])), shape=(n, n)), directed=False
    )
    order = np.argsort(label[idx], kind="stable")
    sizes = np.bincount(label[idx])
    first = np.cumsum(sizes) - sizes
    clusters = g[order[first]]
    todo = sizes > 1
    if wider is not None and same is not None and wider.size.size:
        # A cluster is a wider one when all its pieces are the same objects as there and
        # they all lie in one wider cluster of the same size.
        up = wider.label[idx][order]
        all_same = np.add.reduceat(same[idx][order].astype(np.int64), first) == sizes
        lo, hi = np.minimum.reduceat(up, first), np.maximum.reduceat(up, first)
        reuse = todo & all_same & (lo == hi) & (lo >= 0)
        reuse[reuse] &= wider.size[lo[reuse]] == sizes[reuse]
        clusters[reuse] = wider.union[lo[reuse]]
        todo &= ~reuse
    if todo.any():  # union the overlapping clusters only
        members = np.repeat(todo, sizes)  # in cluster order
        rank = np.cumsum(todo) - 1
        clusters[todo] = union_groups(
            g[order[members]], rank[label[idx][order[members]]], int(todo.sum())
        )
    parts, of = shapely.get_parts(clusters, return_index=True)
    part_group = grp[order[first]][of]
    keep = ~shapely.is_empty(parts)
    parts, part_group = parts[keep], part_group[keep]
    sort = np.argsort(part_group, kind="stable")
    parts, part_group = parts[sort], part_group[sort]
    used, count = np.unique(part_group, return_counts=True)
    out[used] = shapely.multipolygons(parts, indices=np.searchsorted(used, part_group))
    one = used[count == 1]
    out[one] = parts[np.searchsorted(part_group, one)]
    return out, _Clusters(label, sizes, clusters)


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
    # Rectangle clipping is linear in the part's size, an overlay is not (a campus-wide part
    # with thousands of holes, once per tile); its output is not guaranteed valid, so any
    # invalid piece is redone by the overlay.
    rect = shapely.bounds(boxes)[b]
    pieces = polygonal(clip_rects(parts[p], rect[:, 0], rect[:, 1], rect[:, 2], rect[:, 3]))
    pieces[~np.isin(shapely.get_type_id(pieces), (3, 6))] = _EMPTY  # a touching edge or corner
    bad = np.flatnonzero(~shapely.is_valid(pieces))
    if bad.size:
        pieces[bad] = polygonal(shapely.intersection(parts[p[bad]], boxes[b[bad]]))
    order = np.argsort(b, kind="stable")
    used, group = np.unique(b[order], return_inverse=True)
    merged = union_groups(pieces[order], group.reshape(-1).astype(np.int64), used.size)
    for k, geom in zip(used, merged, strict=True):
        out[tiles[int(k)]] = geom
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
