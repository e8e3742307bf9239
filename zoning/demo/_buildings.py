"""Building footprints, service roads and landcover of the synthetic demo campus (private).

Each block is filled with a grid of slots turned to the block's main axis; a slot holds
one footprint (rectangle, L, U or courtyard) or stays open as a lawn, a court or parking.
Slots never overlap, so footprints never overlap; a footprint is kept only when it lies
inside the block minus the road setbacks, the gate squares and the reserved sites.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from zoning.demo._geometry import (
    blob,
    footprint_rings,
    main_axis_rad,
    place_rings,
    rotate_xy,
    stadium,
    wavy_line,
)
from zoning.demo._layout import Layout, Road

#: Setback of buildings from road centrelines by road class (m).
SETBACK_M = {"primary": 16.0, "secondary": 14.0, "tertiary": 11.0, "service": 8.0, "footway": 3.0}
BOUNDARY_SETBACK_M = 6.0
GATE_RADIUS_M = 45.0


@dataclass(frozen=True)
class Lot:
    """A placed footprint before naming: geometry, quarter index and role hint."""

    footprint: Polygon
    quarter: int
    role: str  # the quarter kind, or "library_main", "grandstand", "gatehouse:<gate name>"


@dataclass(frozen=True)
class Cover:
    """A landcover polygon (water, green, sport, parking) with its name."""

    polygon: Polygon
    kind: str
    name: str | None


@dataclass(frozen=True)
class SlotSpec:
    """How a quarter kind fills a block: slot size (m), gaps (m) and footprint shapes."""

    length_m: tuple[float, float]
    depth_m: tuple[float, float]
    gap_x_m: float
    gap_y_m: float
    shapes: tuple[tuple[str, float], ...]  # (shape, weight)
    open_share: float  # share of slots left open (lawn, court or parking)


SLOTS: dict[str, tuple[SlotSpec, ...]] = {
    "dormitory": (
        SlotSpec((52, 66), (13, 16), 14, 20, (("rect", 1.0),), 0.1),
        SlotSpec((52, 60), (40, 46), 16, 18, (("court", 0.5), ("U", 0.5)), 0.1),
    ),
    "teaching": (
        SlotSpec(
            (60, 80),
            (36, 48),
            22,
            24,
            (("U", 0.35), ("court", 0.2), ("L", 0.2), ("rect", 0.25)),
            0.2,
        ),
    ),
    "laboratory": (SlotSpec((44, 60), (22, 34), 16, 18, (("rect", 0.5), ("L", 0.5)), 0.12),),
    "canteen": (SlotSpec((44, 56), (30, 38), 22, 24, (("rect", 0.8), ("L", 0.2)), 0.2),),
    "admin": (
        SlotSpec((46, 64), (18, 40), 20, 22, (("rect", 0.5), ("U", 0.25), ("L", 0.25)), 0.25),
    ),
    "library": (SlotSpec((40, 56), (22, 30), 20, 22, (("rect", 0.6), ("L", 0.4)), 0.3),),
    "sports": (SlotSpec((56, 66), (36, 44), 24, 24, (("rect", 1.0),), 0.45),),
}


def _road_buffers(roads: list[Road]) -> tuple[np.ndarray, shapely.STRtree]:
    bufs = np.array(
        [r.line.buffer(SETBACK_M[r.road_class], quad_segs=4) for r in roads], dtype=object
    )
    return bufs, shapely.STRtree(bufs)


def buildable(
    block: Polygon, bufs: np.ndarray, tree: shapely.STRtree, forbidden: BaseGeometry
) -> BaseGeometry:
    """Return ``block`` minus road setbacks and ``forbidden`` (gate squares, campus edge)."""
    hits = tree.query(block, predicate="intersects")
    cut = shapely.union_all(np.append(bufs[hits], forbidden))
    return shapely.difference(block, cut)


def _frame(region: BaseGeometry, theta: float) -> tuple[np.ndarray, tuple[float, ...]]:
    """Return the region's centroid and its bounds in a frame turned by -theta about it."""
    c = np.array(shapely.get_coordinates(shapely.centroid(region))[0])
    xy = rotate_xy(shapely.get_coordinates(region) - c, -theta)
    return c, (xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max())


def _to_world(local: np.ndarray, c: np.ndarray, theta: float) -> np.ndarray:
    out: np.ndarray = rotate_xy(np.atleast_2d(local), theta) + c
    return out


def fill_block(
    region: BaseGeometry,
    theta: float,
    spec: SlotSpec,
    rng: np.random.Generator,
    *,
    scale: float = 1.0,
) -> tuple[list[Polygon], list[Polygon]]:
    """Return (footprints, open slots) filling ``region`` with a slot grid turned by ``theta``.

    ``scale`` < 1 shrinks slots and gaps (a denser campus) and leaves fewer slots open.
    """
    if region.is_empty or region.area < 400.0:
        return [], []
    c, (x0, y0, x1, y1) = _frame(region, theta)
    length = rng.uniform(*spec.length_m) * scale
    depth = max(10.0, rng.uniform(*spec.depth_m) * scale)
    gap_x, gap_y = spec.gap_x_m * scale, spec.gap_y_m * scale
    open_share = spec.open_share * scale**2
    px, py = length + gap_x, depth + gap_y
    nx = max(1, int((x1 - x0 + gap_x) // px))
    ny = max(1, int((y1 - y0 + gap_y) // py))
    sx = x0 + (x1 - x0 - nx * px + gap_x) / 2.0 + length / 2.0
    sy = y0 + (y1 - y0 - ny * py + gap_y) / 2.0 + depth / 2.0
    shapely.prepare(region)
    names = [s for s, _ in spec.shapes]
    weights = np.array([w for _, w in spec.shapes])
    feet: list[Polygon] = []
    opens: list[Polygon] = []
    for j in range(ny):
        for i in range(nx):
            centre = _to_world(np.array([sx + i * px, sy + j * py]), c, theta)[0]
            if rng.random() < open_share:
                slot = place_rings(
                    footprint_rings("rect", length, depth, 0, flip=False), centre, theta
                )
                if region.contains(slot):
                    opens.append(slot)
                continue
            shape = names[int(rng.choice(len(names), p=weights / weights.sum()))]
            wing = rng.uniform(12.0, 17.0) * max(scale, 0.8)
            d = depth if shape != "rect" or depth < 24 else rng.uniform(16.0, 22.0) * scale
            flip = bool(rng.random() < 0.5)
            tries = [(shape, length, d), ("rect", length * 0.55, min(d, 18.0))]
            for shp, ln, dp in tries:
                foot = place_rings(footprint_rings(shp, ln, dp, wing, flip=flip), centre, theta)
                if region.contains(foot):
                    feet.append(foot)
                    break
    return feet, opens


def _place_stadium(region: BaseGeometry, theta: float) -> tuple[Polygon, Polygon, Polygon] | None:
    """Return (track, pitch, grandstand) placed inside ``region``, or None if it cannot fit."""
    c, (x0, y0, x1, y1) = _frame(region, theta)
    shapely.prepare(region)
    for shrink in (1.0, 0.85, 0.7):
        straight, inner_r, lanes = 84.39 * shrink, 36.5 * shrink, 9.76 * shrink
        outer_r = inner_r + lanes
        best = None
        for lx in np.arange(x0 + straight / 2 + outer_r, x1 - straight / 2 - outer_r + 1, 8.0):
            for ly in np.arange(y0 + outer_r, y1 - outer_r + 1, 8.0):
                centre = _to_world(np.array([lx, ly]), c, theta)[0]
                outer = stadium(centre, straight, outer_r, theta)
                if not region.contains(outer.buffer(6.0)):
                    continue
                score = lx * lx + ly * ly
                if best is None or score < best[0]:
                    best = (score, centre, outer)
        if best is None:
            continue
        _, centre, outer = best
        inner = stadium(centre, straight, inner_r, theta)
        track = shapely.difference(outer, inner)
        for side in (1.0, -1.0):
            off = _to_world(np.array([0.0, side * (outer_r + 12.0)]), np.zeros(2), theta)[0]
            stand = place_rings(
                footprint_rings("rect", straight, 9.0, 0, flip=False), centre + off, theta
            )
            if region.contains(stand):
                return track, inner, stand
        return track, inner, Polygon()
    return None


def _library_site(
    region: BaseGeometry, theta: float, rng: np.random.Generator
) -> tuple[Polygon, Polygon, Polygon] | None:
    """Return (library, lake, park) for the library block: library north, lake south."""
    c, (x0, y0, x1, y1) = _frame(region, theta)
    w, h = x1 - x0, y1 - y0
    shapely.prepare(region)
    half = Polygon(
        _to_world(np.array([(x0, y0), (x1, y0), (x1, y0 + h / 2), (x0, y0 + h / 2)]), c, theta)
    )
    park = shapely.intersection(region, half)
    if park.geom_type == "MultiPolygon":
        park = max(shapely.get_parts(park), key=lambda g: g.area)
    lake_c = np.array(shapely.get_coordinates(shapely.centroid(park))[0])
    for k in (1.0, 0.8, 0.6, 0.45):
        library = place_rings(
            footprint_rings("court", 76 * k + 8, 62 * k + 8, 20, flip=False),
            _to_world(np.array([(x0 + x1) / 2, y0 + 0.72 * h]), c, theta)[0],
            theta,
        )
        lake = blob(lake_c, 0.3 * w * k, 0.22 * h * k, theta, rng.uniform(-1, 1, 3))
        if region.contains(library) and park.contains(lake.buffer(8.0)):
            return library, lake, park
    return None


def service_roads(block: Polygon, *, min_width_m: float) -> list[LineString]:
    """Return service roads that cut a wide block along (and a long one across) its axis."""
    theta = main_axis_rad(block)
    c, (x0, y0, x1, y1) = _frame(block, theta)
    lines: list[LineString] = []
    if y1 - y0 > min_width_m:
        lines.append(LineString(_to_world(np.array([(x0 - 5, 0.0), (x1 + 5, 0.0)]), c, theta)))
    if x1 - x0 > 1.8 * min_width_m:
        mid = (x0 + x1) / 2
        lines.append(LineString(_to_world(np.array([(mid, y0 - 5), (mid, y1 + 5)]), c, theta)))
    out: list[LineString] = []
    for line in lines:
        for part in shapely.get_parts(shapely.intersection(line, block)):
            if part.geom_type == "LineString" and part.length > 60.0:
                out.append(part)
    return out


def lawn_path(lawn: Polygon, rng: np.random.Generator) -> LineString:
    """Return a gently curved footpath across a lawn from corner to corner."""
    xy = shapely.get_coordinates(lawn)[:4]
    k = int(rng.integers(0, 2))
    p, q = xy[k] + 0.15 * (xy[k + 2] - xy[k]), xy[k + 2] + 0.15 * (xy[k] - xy[k + 2])
    return wavy_line(tuple(p), tuple(q), amplitude_m=3.0, waves=1.0, phase=0.0, samples=12)


@dataclass(frozen=True)
class Site:
    """Everything placed in the blocks."""

    lots: tuple[Lot, ...]
    covers: tuple[Cover, ...]
    roads: tuple[Road, ...]  # main roads plus service roads and lawn paths
    fields: tuple[Polygon, ...]  # running tracks (outer shape), for the field cameras


def place_site(
    layout: Layout, rng: np.random.Generator, *, service_min_width_m: float, slot_scale: float
) -> Site:
    """Return the buildings, landcover and extra roads of ``layout``."""
    roads = list(layout.roads)
    kinds = [layout.quarters[q].kind for q in layout.block_quarter]
    gate_zone = shapely.union_all([g.point.buffer(GATE_RADIUS_M) for g in layout.gates])
    edge = layout.boundary.exterior.buffer(BOUNDARY_SETBACK_M)
    forbidden = shapely.union_all([gate_zone, edge])
    bufs, tree = _road_buffers(roads)
    lots: list[Lot] = []
    covers: list[Cover] = []
    fields: list[Polygon] = []
    reserved: dict[int, BaseGeometry] = {}
    # the running track: in the largest block of every sports quarter that can hold one
    for qi, q in enumerate(layout.quarters):
        if q.kind not in ("sports", "library"):
            continue
        idx = [i for i, b in enumerate(layout.block_quarter) if b == qi]
        for i in sorted(idx, key=lambda i: -layout.blocks[i].area):
            block = layout.blocks[i]
            region = buildable(block, bufs, tree, forbidden)
            theta = main_axis_rad(block)
            if q.kind == "sports":
                sports_site = _place_stadium(region, theta)
                if sports_site is None:
                    continue
                track, pitch, stand = sports_site
                fields.append(shapely.union(track, pitch))
                covers += [Cover(track, "sport", "田径场跑道"), Cover(pitch, "sport", "足球场")]
                if not stand.is_empty:
                    lots.append(Lot(stand, qi, "grandstand"))
                reserved[i] = shapely.union(track, pitch).buffer(10.0)
                if not stand.is_empty:
                    reserved[i] = shapely.union(reserved[i], stand.buffer(12.0))
            else:
                site = _library_site(region, theta, rng)
                if site is None:
                    continue
                library, lake, park = site
                lots.append(Lot(library, qi, "library_main"))
                covers += [
                    Cover(lake, "water", "镜湖"),
                    Cover(shapely.difference(park, lake), "green", "湖心公园"),
                ]
                roads.append(Road(lake.buffer(6.0).exterior, "footway", "环湖步道"))
                reserved[i] = shapely.union(park, library.buffer(14.0))
            break
    # service roads through the other wide blocks
    for i, block in enumerate(layout.blocks):
        if i in reserved:
            continue
        if block.intersects(layout.boundary.exterior):
            continue
        for line in service_roads(block, min_width_m=service_min_width_m):
            roads.append(Road(line, "service", None))
    bufs, tree = _road_buffers(roads)
    for i, block in enumerate(layout.blocks):
        qidx = layout.block_quarter[i]
        kind = kinds[i]
        spec_options = SLOTS[kind]
        spec = spec_options[int(rng.integers(0, len(spec_options)))]
        cut = forbidden if i not in reserved else shapely.union(forbidden, reserved[i])
        region = buildable(block, bufs, tree, cut)
        placed: list[Polygon] = []
        paved: list[Cover] = []
        for part, theta in _oriented_parts(region, block, layout):
            feet, opens = fill_block(part, theta, spec, rng, scale=slot_scale)
            placed += feet
            lots += [Lot(f, qidx, kind) for f in feet]
            for slot in opens:
                if kind == "sports":
                    court = slot.buffer(-4.0, join_style="mitre")
                    name = "篮球场" if rng.random() < 0.6 else "网球场"
                    paved.append(Cover(court, "sport", name))
                elif kind != "dormitory" and rng.random() < 0.3:
                    paved.append(Cover(slot.buffer(-2.0, join_style="mitre"), "parking", "停车场"))
                elif slot.area > 1500.0:
                    roads.append(
                        Road(lawn_path(slot.buffer(-2.0, join_style="mitre"), rng), "footway", None)
                    )
        covers += paved
        # the rest of the block, away from walls and paving, is planted
        if kind != "sports":
            taken = [c.polygon.buffer(2.0) for c in paved] + [f.buffer(6.0) for f in placed]
            if i in reserved:
                taken.append(reserved[i])
            green = shapely.difference(region.buffer(-3.0), shapely.union_all(taken))
            for piece in shapely.get_parts(green):
                if piece.area > 300.0:
                    covers.append(Cover(piece.simplify(0.5), "green", None))
    lots += _gatehouses(layout, roads)
    return Site(tuple(lots), tuple(covers), tuple(roads), tuple(fields))


def _oriented_parts(
    region: BaseGeometry, block: Polygon, layout: Layout
) -> list[tuple[BaseGeometry, float]]:
    """Return the parts of ``region`` with the direction their rows of buildings follow.

    Blocks on the campus edge are strips along the wall: their rows follow the wall.
    """
    if not block.intersects(layout.boundary.exterior):
        theta = main_axis_rad(block)
        return [(p, theta) for p in shapely.get_parts(region)]
    a, b = layout.half_extent
    depth = 0.3 * min(a, b)
    x0, y0, x1, y1 = layout.boundary.bounds
    horizontal = shapely.union(
        shapely.box(x0 - 1, y1 - depth, x1 + 1, y1 + 1),
        shapely.box(x0 - 1, y0 - 1, x1 + 1, y0 + depth),
    )
    out: list[tuple[BaseGeometry, float]] = []
    for p in shapely.get_parts(shapely.intersection(region, horizontal)):
        out.append((p, 0.0))
    for p in shapely.get_parts(shapely.difference(region, horizontal)):
        out.append((p, math.pi / 2))
    return out


def _gatehouses(layout: Layout, roads: list[Road]) -> list[Lot]:
    """Return a small gatehouse beside the road just inside every gate."""
    gates_q = len(layout.quarters)  # the gates quarter comes after the others
    lines = np.array([r.line for r in roads], dtype=object)
    inner = layout.boundary.buffer(-3.0)
    out = []
    for gate in layout.gates:
        u = np.array(gate.inward)
        theta = math.atan2(u[1], u[0])
        for side in (1.0, -1.0):
            centre = (
                np.array([gate.point.x, gate.point.y])
                + 22.0 * u
                + side * 16.5 * np.array([-u[1], u[0]])
            )
            foot = place_rings(footprint_rings("rect", 9.0, 5.0, 0, flip=False), centre, theta)
            near = shapely.dwithin(lines, foot, 7.0)
            if inner.contains(foot) and not near.any():
                out.append(Lot(foot, gates_q, f"gatehouse:{gate.name}"))
                break
    return out
