"""Unit grids bounded by barriers (GB/T 30428.1) and building cells.

A *block* is a face of the campus boundary noded with every barrier line (roads, paths,
walls, the outline of water). Real OSM roads stop short of the boundary or of each other
and cross without a shared node; :func:`close_gaps` extends each dangling end along its
direction (or to the nearest line) when it is within ``snap_m`` of another line, so those
gaps do not leave blocks unsplit. Blocks below ``min_area_m2`` merge into the neighbour
they share the longest edge with, preferring edges along minor roads (so blocks stay on
their side of a major road); blocks above ``max_area_m2`` are cut by straight lines across
their long axis (recursive bisection by area), preferring cut positions that cross no
building. Faces come from one polygonization, so neighbours share identical edges.
"""

from __future__ import annotations

import heapq
import math

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from zoning.errors import InvalidInput
from zoning.grid.topology import is_sliver

Geoms = NDArray[np.object_]

#: OSM highway values whose roads separate zones and are merged across last.
MAJOR_ROAD_CLASSES = frozenset(
    f"{base}{suffix}"
    for base in ("motorway", "trunk", "primary", "secondary", "tertiary")
    for suffix in ("", "_link")
)
DEFAULT_MIN_AREA_M2 = 5_000.0
DEFAULT_MAX_AREA_M2 = 20_000.0
#: Dangling barrier ends within this distance (m) of another line are joined to it.
SNAP_M = 15.0


def _lines_of(geoms: Geoms) -> Geoms:
    """Return the LineStrings of lines and polygon boundaries in ``geoms`` (one per part)."""
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    dims = shapely.get_dimensions(geoms)
    geoms = np.where(dims == 2, shapely.boundary(shapely.make_valid(geoms)), geoms)
    parts = shapely.get_parts(shapely.get_parts(geoms))
    parts = parts[shapely.get_dimensions(parts) == 1]
    # LinearRings become LineStrings so that every edge has the same type.
    lines: Geoms = shapely.linestrings(shapely.get_coordinates(parts), indices=_part_ids(parts))
    return lines


def _part_ids(parts: Geoms) -> NDArray[np.intp]:
    counts = shapely.get_num_coordinates(parts)
    ids: NDArray[np.intp] = np.repeat(np.arange(len(parts)), counts)
    return ids


def barrier_lines(
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None,
    *,
    near: BaseGeometry | None = None,
    margin_m: float = 2 * SNAP_M,
) -> tuple[Geoms, NDArray[np.bool_]]:
    """Return the barrier LineStrings and whether each lies on a major road.

    Polygon barriers count by their boundary. A ``road_class`` (or OSM ``highway``) column
    marks major roads (:data:`MAJOR_ROAD_CLASSES`). With ``near``, only lines within
    ``margin_m`` (m) of it are kept.
    """
    if barriers is None or len(barriers) == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=bool)
    geoms = np.asarray(barriers.geometry.values, dtype=object)
    classes = None
    if isinstance(barriers, gpd.GeoDataFrame):
        for column in ("road_class", "highway"):
            if column in barriers.columns:
                classes = barriers[column].astype(object).to_numpy()
                break
    major = (
        np.array([c in MAJOR_ROAD_CLASSES for c in classes], dtype=bool)
        if classes is not None
        else np.zeros(len(geoms), dtype=bool)
    )
    keep = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    geoms, major = geoms[keep], major[keep]
    if near is not None and len(geoms):
        zone = shapely.buffer(near, margin_m, quad_segs=2)
        shapely.prepare(zone)
        keep = shapely.intersects(zone, geoms)
        geoms, major = geoms[keep], major[keep]
    lines = np.empty(0, dtype=object)
    flags: list[NDArray[np.bool_]] = []
    pieces: list[Geoms] = []
    for flag in (False, True):
        part = _lines_of(geoms[major == flag])
        pieces.append(part)
        flags.append(np.full(len(part), flag))
    lines = np.concatenate(pieces)
    return lines, np.concatenate(flags)


def node(lines: Geoms) -> Geoms:
    """Return the noded LineStrings of ``lines`` (split at every crossing, duplicates merged)."""
    if len(lines) == 0:
        return np.empty(0, dtype=object)
    parts: Geoms = shapely.get_parts(shapely.union_all(lines))
    out: Geoms = parts[shapely.length(parts) > 0]
    return out


def close_gaps(edges: Geoms, *, snap_m: float, within: BaseGeometry | None = None) -> Geoms:
    """Return connector segments that join dangling ends of noded ``edges`` to other lines.

    A dangling end is extended along its last segment by up to ``snap_m`` (m) to the first
    line it meets; failing that it is joined to the nearest line within ``snap_m`` that does
    not touch its own edge. With ``within``, only ends inside that area are considered.
    """
    if len(edges) == 0 or snap_m <= 0:
        return np.empty(0, dtype=object)
    n = len(edges)
    ends = np.concatenate([shapely.get_point(edges, 0), shapely.get_point(edges, -1)])
    inner = np.concatenate([shapely.get_point(edges, 1), shapely.get_point(edges, -2)])
    own = np.concatenate([np.arange(n), np.arange(n)])
    xy = shapely.get_coordinates(ends)
    _, inverse, counts = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    dangling = counts[inverse.ravel()] == 1
    if within is not None:
        shapely.prepare(within)
        dangling &= shapely.contains_xy(within, xy[:, 0], xy[:, 1])
    idx = np.flatnonzero(dangling)
    if len(idx) == 0:
        return np.empty(0, dtype=object)
    p = xy[idx]
    q = shapely.get_coordinates(inner[idx])
    direction = p - q
    norm = np.hypot(direction[:, 0], direction[:, 1])
    ok = norm > 0
    direction[ok] /= norm[ok, None]
    tree = shapely.STRtree(edges)
    points = shapely.points(p)
    connectors: list[BaseGeometry] = []
    # Extension along the road's direction.
    rays = shapely.linestrings(
        np.stack([p, p + direction * snap_m], axis=1).reshape(-1, 2),
        indices=np.repeat(np.arange(len(p)), 2),
    )
    ri, ei = tree.query(rays, predicate="intersects")
    sel = ok[ri] & (ei != own[idx][ri])
    ri, ei = ri[sel], ei[sel]
    hits = shapely.intersection(rays[ri], edges[ei])
    dist = shapely.distance(points[ri], hits)
    found = np.zeros(len(p), dtype=bool)
    if len(ri):
        order = np.lexsort((dist, ri))
        ri, hits, dist = ri[order], hits[order], dist[order]
        first = np.concatenate([[True], ri[1:] != ri[:-1]])
        for k, hit, d in zip(ri[first], hits[first], dist[first], strict=True):
            if d > 0:
                connectors.append(shapely.shortest_line(points[k], hit))
                found[k] = True
    # Nearest line that is not the dangling edge or one of its neighbours.
    rest = np.flatnonzero(~found)
    if len(rest):
        pi, ei = tree.query(points[rest], predicate="dwithin", distance=snap_m)
        own_edges = edges[own[idx][rest][pi]]
        sel = ~shapely.intersects(own_edges, edges[ei])
        pi, ei = pi[sel], ei[sel]
        if len(pi):
            dist = shapely.distance(points[rest][pi], edges[ei])
            order = np.lexsort((dist, pi))
            pi, ei, dist = pi[order], ei[order], dist[order]
            first = np.concatenate([[True], pi[1:] != pi[:-1]])
            for k, e, d in zip(pi[first], ei[first], dist[first], strict=True):
                if d > 0:
                    connectors.append(shapely.shortest_line(points[rest][k], edges[e]))
    return np.array(connectors, dtype=object)


def blocks(campus: BaseGeometry, lines: Geoms, *, snap_m: float = SNAP_M) -> Geoms:
    """Return the faces of ``campus`` cut by barrier ``lines`` (gaps up to ``snap_m`` closed)."""
    rings = _lines_of(np.asarray(shapely.get_parts(campus), dtype=object))
    if len(lines) == 0:
        parts: Geoms = np.asarray(shapely.get_parts(campus), dtype=object)
        return parts
    edges = node(np.concatenate([rings, lines]))
    connectors = close_gaps(edges, snap_m=snap_m, within=shapely.buffer(campus, snap_m))
    if len(connectors):
        edges = node(np.concatenate([edges, connectors]))
    faces = shapely.get_parts(shapely.polygonize(edges))
    inside = shapely.point_on_surface(faces)
    shapely.prepare(campus)
    keep = shapely.contains(campus, inside) & (shapely.area(faces) > 0)
    out: Geoms = faces[keep]
    return out


def _neighbours(
    polys: Geoms, major_lines: Geoms
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]:
    """Return pairs (i < j) of polygons sharing an edge, its length and its minor-road part."""
    tree = shapely.STRtree(polys)
    i, j = tree.query(polys, predicate="intersects")
    sel = i < j
    i, j = i[sel], j[sel]
    shared = shapely.intersection(shapely.boundary(polys[i]), shapely.boundary(polys[j]))
    length = shapely.length(shared)
    sel = length > 0
    i, j, shared, length = i[sel], j[sel], shared[sel], length[sel]
    minor = length.copy()
    if len(major_lines) and len(shared):
        major_zone = shapely.buffer(shapely.union_all(major_lines), 0.5, quad_segs=1)
        minor = np.maximum(length - shapely.length(shapely.intersection(shared, major_zone)), 0)
    return i, j, length, minor


def merge_small(
    polys: Geoms,
    *,
    min_area_m2: float,
    movable: NDArray[np.bool_] | None = None,
    major_lines: Geoms | None = None,
    only: NDArray[np.bool_] | None = None,
) -> NDArray[np.intp]:
    """Return a group label per polygon after merging the small ones into neighbours.

    A movable polygon (all by default) below ``min_area_m2`` (m²) merges into the neighbour
    it shares the longest edge with: movable neighbours first, then the longest edge off
    ``major_lines``, then the longest edge. Smallest first; repeats until no movable group is
    small or a small one has no neighbour. With ``only``, exactly the flagged polygons merge,
    whatever their area. Labels are the index of the group's root polygon.
    """
    n = len(polys)
    parent = np.arange(n)
    if n < 2:
        return parent
    mov = np.ones(n, dtype=bool) if movable is None else movable.copy()
    area = shapely.area(polys).astype(float)
    lines = np.empty(0, dtype=object) if major_lines is None else major_lines
    i, j, length, minor = _neighbours(polys, lines)
    adj: list[dict[int, list[float]]] = [{} for _ in range(n)]
    for a, b, total, off_major in zip(i.tolist(), j.tolist(), length, minor, strict=True):
        adj[a][b] = [float(total), float(off_major)]
        adj[b][a] = [float(total), float(off_major)]
    merging = mov & (area < min_area_m2) if only is None else only.copy()
    heap = [(area[k], k) for k in np.flatnonzero(merging).tolist()]
    heapq.heapify(heap)
    # A Python loop over blocks: a campus has hundreds to a few thousand of them.
    while heap:
        size, g = heapq.heappop(heap)
        if parent[g] != g or size != area[g] or not adj[g]:
            continue
        h = max(adj[g], key=lambda k: (mov[k], adj[g][k][1], adj[g][k][0], -k))
        parent[g] = h
        area[h] += area[g]
        for k, (total, off_major) in adj[g].items():
            adj[k].pop(g, None)
            if k == h:
                continue
            edge = adj[h].setdefault(k, [0.0, 0.0])
            edge[0] += total
            edge[1] += off_major
            adj[k][h] = edge
        adj[g] = {}
        # h grew, so its heap entry is stale: requeue it while it still has to merge
        still = merging[h] if only is not None else mov[h] and area[h] < min_area_m2
        if still:
            heapq.heappush(heap, (area[h], h))
    # Resolve chains g -> h -> root.
    while True:
        nxt = parent[parent]
        if np.array_equal(nxt, parent):
            return parent
        parent = nxt


def merge_crumbs(
    cells: Geoms, kinds: NDArray[np.object_], *, min_cell_m2: float
) -> tuple[Geoms, NDArray[np.object_]]:
    """Return the cells with every cell under ``min_cell_m2`` (m²) merged into a neighbour.

    A crumb joins the neighbour it shares the longest edge with, preferring cells that are
    not buildings; a building smaller than the floor (a guard booth, a kiosk) becomes part
    of the open space around it (it stays a building in the building layer). A cell with no
    neighbour sharing an edge (a whole separate part of the campus) stays as it is. The
    cells must form a valid coverage; returns new arrays of cells and kinds.
    """
    if min_cell_m2 <= 0 or len(cells) < 2:
        return cells, kinds
    area = shapely.area(cells)
    if not (area < min_cell_m2).any():
        return cells, kinds
    movable = (kinds != "building") | (area < min_cell_m2)
    labels = merge_small(cells, min_area_m2=min_cell_m2, movable=movable)
    groups, roots = dissolve(cells, labels)
    merged: Geoms = groups
    return merged, kinds[roots]


def dissolve(polys: Geoms, labels: NDArray[np.intp]) -> tuple[Geoms, NDArray[np.intp]]:
    """Return the union of ``polys`` per label (faces must share exact edges) and the labels."""
    uniq, inverse = np.unique(labels, return_inverse=True)
    out = np.empty(len(uniq), dtype=object)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(uniq) + 1))
    for g in range(len(uniq)):
        members = polys[order[bounds[g] : bounds[g + 1]]]
        out[g] = members[0] if len(members) == 1 else shapely.coverage_union_all(members)
    return out, uniq


def _axis(poly: BaseGeometry) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the centre of the minimum rotated rectangle and its long-axis unit vector."""
    rect = shapely.minimum_rotated_rectangle(poly)
    c = shapely.get_coordinates(rect)[:4]
    e0, e1 = c[1] - c[0], c[2] - c[1]
    u = e0 if np.hypot(*e0) >= np.hypot(*e1) else e1
    norm = float(np.hypot(*u))
    u = np.array([1.0, 0.0]) if norm == 0 else u / norm
    return c.mean(axis=0), u


def _halfplanes(
    centre: NDArray[np.float64],
    u: NDArray[np.float64],
    t0: float,
    ts: NDArray[np.float64],
    r: float,
) -> Geoms:
    v = np.array([-u[1], u[0]])
    a = centre + t0 * u
    corners = np.stack(
        [
            np.broadcast_to(a - r * v, (len(ts), 2)),
            centre + ts[:, None] * u - r * v,
            centre + ts[:, None] * u + r * v,
            np.broadcast_to(a + r * v, (len(ts), 2)),
        ],
        axis=1,
    )
    planes: Geoms = shapely.polygons(corners)
    return planes


def _cut_position(
    poly: BaseGeometry, fraction: float, obstacles: shapely.STRtree | None, obstacle_geoms: Geoms
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float]:
    centre, u = _axis(poly)
    proj = (shapely.get_coordinates(poly) - centre) @ u
    tmin, tmax = float(proj.min()), float(proj.max())
    r = float(tmax - tmin) + float(np.ptp(shapely.get_coordinates(poly), axis=0).sum()) + 10.0
    target = poly.area * fraction
    lo, hi = tmin, tmax
    for _ in range(40):  # bisection on the area west of the cut
        mid = (lo + hi) / 2
        below = shapely.intersection(poly, _halfplanes(centre, u, tmin - 1, np.array([mid]), r)[0])
        if below.area < target:
            lo = mid
        else:
            hi = mid
    best = (lo + hi) / 2
    if obstacles is not None:
        step = (tmax - tmin) / 40
        for s in (0, 1, -1, 2, -2, 3, -3, 4, -4):
            t = best + s * step
            if not tmin < t < tmax:
                continue
            cut = shapely.intersection(_cut_line(centre, u, t, r), poly)
            hit = obstacles.query(cut, predicate="intersects")
            if not np.any(shapely.relate_pattern(cut, obstacle_geoms[hit], "T********")):
                best = t
                break
    return centre, u, best, r


def _cut_line(
    centre: NDArray[np.float64], u: NDArray[np.float64], t: float, r: float
) -> BaseGeometry:
    v = np.array([-u[1], u[0]])
    base = centre + t * u
    return shapely.LineString([base - r * v, base + r * v])


def split_large(
    poly: BaseGeometry, *, max_area_m2: float, obstacles: Geoms | None = None
) -> list[BaseGeometry]:
    """Return ``poly`` cut across its long axis into parts of at most ``max_area_m2`` (m²).

    Recursive bisection: a polygon needing ``k`` parts is cut at the area fraction
    ``floor(k/2)/k`` by a line across its minimum rotated rectangle's long axis; positions
    within ±10 % of the length that cross no ``obstacles`` (buildings) are preferred.
    """
    k = math.ceil(poly.area / max_area_m2 - 1e-9)
    if k <= 1:
        return [poly]
    tree = shapely.STRtree(obstacles) if obstacles is not None and len(obstacles) else None
    obstacle_geoms = obstacles if obstacles is not None else np.empty(0, dtype=object)
    centre, u, t, r = _cut_position(poly, (k // 2) / k, tree, obstacle_geoms)
    # The whole line (not its clipped part) so that noding finds the crossings exactly.
    cut = _cut_line(centre, u, t, r)
    edges = node(np.concatenate([_lines_of(np.array([poly], dtype=object)), [cut]]))
    faces = shapely.get_parts(shapely.polygonize(edges))
    faces = faces[shapely.contains(poly, shapely.point_on_surface(faces))]
    if len(faces) < 2:
        return [poly]
    out: list[BaseGeometry] = []
    for face in faces:
        out.extend(split_large(face, max_area_m2=max_area_m2, obstacles=obstacles))
    return out


def finish(geoms: Geoms) -> Geoms:
    """Return ``geoms`` as one valid Polygon per cell forming a clean coverage."""
    parts = shapely.get_parts(geoms)
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]
    if len(parts) and not shapely.coverage_is_valid(parts):
        parts = shapely.get_parts(shapely.coverage_clean(parts))
        parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]
    out: Geoms = parts
    return out


def absorb_slivers(cells: Geoms, movable: NDArray[np.bool_]) -> tuple[Geoms, NDArray[np.intp]]:
    """Return ``cells`` with each movable sliver merged into a neighbour, and each result's root.

    Cuts and merges can leave a narrow strip (a block's appendage between two roads cut off
    by a straight split): it joins the neighbour it shares the longest edge with, movable
    neighbours first. A sliver without a neighbour (a campus part that is itself a sliver)
    stays, and validation reports it.
    """
    flagged = movable & is_sliver(cells)
    if not flagged.any():
        return cells, np.arange(len(cells), dtype=np.intp)
    labels = merge_small(cells, min_area_m2=0.0, movable=movable, only=flagged)
    groups, roots = dissolve(cells, labels)
    return groups, roots.astype(np.intp)


def _area_range(min_area_m2: float | None, max_area_m2: float | None) -> tuple[float, float]:
    lo = DEFAULT_MIN_AREA_M2 if min_area_m2 is None else float(min_area_m2)
    hi = DEFAULT_MAX_AREA_M2 if max_area_m2 is None else float(max_area_m2)
    if lo < 0 or hi <= 0 or lo >= hi:
        raise InvalidInput(
            f"Need 0 ≤ min_area_m2 < max_area_m2, got min_area_m2={lo} and max_area_m2={hi}."
        )
    return lo, hi


def footprints(buildings: gpd.GeoDataFrame | gpd.GeoSeries | None, campus: BaseGeometry) -> Geoms:
    """Return the valid building polygons touching ``campus`` (one per part)."""
    if buildings is None or len(buildings) == 0:
        return np.empty(0, dtype=object)
    geoms = np.asarray(buildings.geometry.values, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    parts = shapely.get_parts(shapely.get_parts(shapely.make_valid(geoms)))
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]
    shapely.prepare(campus)
    out: Geoms = parts[shapely.intersects(campus, parts)]
    return out


def _split_all(
    groups: Geoms, splittable: NDArray[np.bool_], *, max_area_m2: float, obstacles: Geoms
) -> tuple[Geoms, NDArray[np.intp]]:
    """Return the groups with large splittable ones cut, and each piece's source group."""
    pieces: list[BaseGeometry] = []
    source: list[int] = []
    for g, poly in enumerate(groups):  # loop over blocks: at most a few thousand
        cut = (
            split_large(poly, max_area_m2=max_area_m2, obstacles=obstacles)
            if splittable[g] and poly.area > max_area_m2
            else [poly]
        )
        pieces.extend(cut)
        source.extend([g] * len(cut))
    return np.array(pieces, dtype=object), np.array(source, dtype=np.intp)


def unit_cells(
    campus: BaseGeometry,
    *,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    buildings: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    min_area_m2: float | None = None,
    max_area_m2: float | None = None,
    snap_m: float = SNAP_M,
) -> tuple[Geoms, NDArray[np.object_]]:
    """Return unit-grid cells of ``campus`` and their kinds (all ``"unit"``).

    Defaults: ``min_area_m2`` 5,000 m², ``max_area_m2`` 20,000 m². Buildings only steer
    the cut positions of large blocks. Raises :class:`InvalidInput` for a bad area range.
    """
    lo, hi = _area_range(min_area_m2, max_area_m2)
    lines, major = barrier_lines(barriers, near=campus, margin_m=2 * snap_m)
    faces = blocks(campus, lines, snap_m=snap_m)
    labels = merge_small(faces, min_area_m2=lo, major_lines=lines[major])
    groups, _ = dissolve(faces, labels)
    obstacles = footprints(buildings, campus)
    pieces, _ = _split_all(
        groups, np.ones(len(groups), dtype=bool), max_area_m2=hi, obstacles=obstacles
    )
    cells, _ = absorb_slivers(finish(pieces), np.ones(len(pieces), dtype=bool))
    return cells, np.full(len(cells), "unit", dtype=object)


def building_cells(
    campus: BaseGeometry,
    *,
    buildings: gpd.GeoDataFrame | gpd.GeoSeries,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    min_area_m2: float | None = None,
    max_area_m2: float | None = None,
    snap_m: float = SNAP_M,
) -> tuple[Geoms, NDArray[np.object_]]:
    """Return building cells (kind ``"building"``) and open-space cells (kind ``"open"``).

    Every footprint, clipped to the campus, is a cell; where footprints overlap, the larger
    building keeps the overlap. The open space is cut by the barriers and the footprints and
    then merged/split with the unit rules; an open piece with no open neighbour (a closed
    courtyard) joins the building around it. Building cells are never merged or split; a
    building part that is a sliver (see :func:`zoning.grid.topology.is_sliver`) is open space.
    """
    lo, hi = _area_range(min_area_m2, max_area_m2)
    fps = footprints(buildings, campus)
    lines, major = barrier_lines(barriers, near=campus, margin_m=2 * snap_m)
    faces = blocks(campus, np.concatenate([lines, _lines_of(fps)]), snap_m=snap_m)
    owner = np.full(len(faces), -1, dtype=np.intp)
    if len(fps):
        # Larger footprints first, so that the larger building keeps an overlap.
        rank = np.argsort(-shapely.area(fps), kind="stable")
        fi, bi = shapely.STRtree(fps).query(shapely.point_on_surface(faces), predicate="within")
        best = np.full(len(faces), len(fps), dtype=np.intp)
        inv = np.empty(len(fps), dtype=np.intp)
        inv[rank] = np.arange(len(fps))
        np.minimum.at(best, fi, inv[bi])
        owner = np.where(best < len(fps), rank[np.minimum(best, len(fps) - 1)], -1)
    is_building = owner >= 0
    # Building faces dissolve per building (a road drawn through a building does not cut it).
    bfaces, bid = faces[is_building], owner[is_building]
    bgroups, _ = dissolve(bfaces, bid) if len(bfaces) else (np.empty(0, dtype=object), bid)
    bparts = shapely.get_parts(bgroups) if len(bgroups) else bgroups
    units = np.concatenate([bparts, faces[~is_building]])
    # A building part that is a sliver (a footprint crossing the campus boundary leaves a
    # thin strip inside) is not a building cell: it joins a neighbour like open space.
    movable = np.concatenate([is_sliver(bparts), np.ones(int((~is_building).sum()), bool)])
    labels = merge_small(units, min_area_m2=lo, movable=movable, major_lines=lines[major])
    groups, roots = dissolve(units, labels)
    open_group = movable[roots]
    pieces, source = _split_all(groups, open_group, max_area_m2=hi, obstacles=fps)
    kinds_of_pieces = np.where(open_group[source], "open", "building").astype(object)
    cells = finish(pieces)
    if len(cells) == len(pieces):
        kinds = kinds_of_pieces
    else:
        # finish() re-cleaned the coverage: recover each cell's kind from where it lies.
        hit = shapely.STRtree(pieces).query(shapely.point_on_surface(cells), predicate="within")
        kinds = np.full(len(cells), "open", dtype=object)
        kinds[hit[0]] = kinds_of_pieces[hit[1]]
    merged, roots = absorb_slivers(cells, kinds == "open")
    return merged, kinds[roots]
