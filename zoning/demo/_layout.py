"""Boundary, main roads, blocks and quarters of the synthetic demo campus (private).

All geometry is in a local metric frame (metres, origin at the campus centre, x east,
y north, before the campus is turned by a small angle and moved to UTM 50N).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import LineString, Point, Polygon

from zoning.demo._geometry import FloatArray, share_nodes, wavy_line


@dataclass(frozen=True)
class Quarter:
    """One quarter (片区): its name, function and anchor points (in half-extents, [-1, 1])."""

    name: str
    kind: str  # dormitory, canteen, teaching, library, laboratory, sports, admin, gates
    anchors: tuple[tuple[float, float], ...]
    single: bool = False  # takes exactly one block (the largest of the three nearest)
    weight: float = 1.0  # a smaller weight makes the quarter smaller


@dataclass(frozen=True)
class Plan:
    """The knobs of one demo scale."""

    area_m2: float
    aspect: float
    ring_inset_m: float
    ring_round_m: float
    avenues_x: tuple[float, ...]  # N-S avenues, as fractions of the half width
    avenues_y: tuple[float, ...]  # E-W avenues, as fractions of the half height
    street_spacing_m: float
    service_min_width_m: float  # blocks narrower than this get no service road
    slot_scale: float  # < 1 packs smaller buildings closer together
    quarters: tuple[Quarter, ...]
    cameras: int  # how many cameras to keep


_SMALL_QUARTERS = (
    Quarter(
        "学生宿舍区",
        "dormitory",
        ((-0.75, 0.75), (-0.25, 0.75), (0.75, 0.75), (0.0, 1.0), (-0.8, -0.8)),
    ),
    Quarter("食堂片区", "canteen", ((0.25, 0.6),), single=True),
    Quarter("教学区", "teaching", ((-0.25, 0.25), (0.25, 0.25), (-0.25, -0.25))),
    Quarter("图书馆片区", "library", ((0.25, -0.25),), single=True),
    Quarter("实验区", "laboratory", ((0.75, 0.25), (0.75, -0.25), (1.0, 0.0)), weight=0.8),
    Quarter("体育运动区", "sports", ((-0.75, 0.25), (-0.75, -0.25), (-1.0, 0.0)), weight=0.8),
    Quarter("行政办公区", "admin", ((-0.25, -0.75), (0.25, -0.75), (0.0, -1.0)), weight=0.8),
)

_LARGE_QUARTERS = (
    Quarter("图书馆片区", "library", ((0.1, 0.05),), single=True),
    Quarter("第一食堂片区", "canteen", ((-0.1, 0.6),), single=True),
    Quarter("第二食堂片区", "canteen", ((0.6, 0.45),), single=True),
    Quarter("第三食堂片区", "canteen", ((-0.7, -0.35),), single=True),
    Quarter("第一教学区", "teaching", ((-0.3, 0.2),)),
    Quarter("第二教学区", "teaching", ((0.35, 0.25),)),
    Quarter("第三教学区", "teaching", ((-0.2, -0.3), (0.15, -0.25))),
    Quarter("行政办公区", "admin", ((0.25, -0.55), (0.0, -0.85))),
    Quarter("东区实验区", "laboratory", ((0.75, 0.0), (0.9, -0.35))),
    Quarter("西区实验区", "laboratory", ((-0.45, -0.7),)),
    Quarter("西区体育区", "sports", ((-0.8, 0.1),), weight=0.45),
    Quarter("东区体育区", "sports", ((0.6, -0.7),), weight=0.45),
    Quarter("北区宿舍", "dormitory", ((-0.4, 0.8), (0.15, 0.85))),
    Quarter("东北区宿舍", "dormitory", ((0.8, 0.75),)),
    Quarter("西南区宿舍", "dormitory", ((-0.85, -0.75),)),
    Quarter("东南区宿舍", "dormitory", ((0.9, -0.9),)),
)

PLANS: dict[str, Plan] = {
    "small": Plan(
        area_m2=1.5e6,
        aspect=1.3,
        ring_inset_m=68.0,
        ring_round_m=120.0,
        avenues_x=(0.0,),
        avenues_y=(0.0,),
        street_spacing_m=300.0,
        service_min_width_m=170.0,
        slot_scale=1.0,
        quarters=_SMALL_QUARTERS,
        cameras=400,
    ),
    "large": Plan(
        area_m2=11.5e6,
        aspect=1.3,
        ring_inset_m=80.0,
        ring_round_m=150.0,
        avenues_x=(-0.5, 0.0, 0.5),
        avenues_y=(-0.36, 0.36),
        street_spacing_m=330.0,
        service_min_width_m=130.0,
        slot_scale=0.72,
        quarters=_LARGE_QUARTERS,
        cameras=2400,
    ),
}

ROAD_NAMES = tuple(
    [
        "学府大道",
        "求是大道",
        "明德路",
        "至善路",
        "博学路",
        "笃行路",
        "厚德路",
        "致远路",
        "格物路",
        "弘毅路",
        "启智路",
        "思源路",
        "知行路",
        "崇德路",
        "尚美路",
        "敬业路",
        "乐群路",
        "修身路",
        "慎思路",
        "明辨路",
        "日新路",
        "立德路",
        "树人路",
        "创新路",
        "文华路",
        "理工路",
        "致知路",
        "诚意路",
        "正心路",
        "天工路",
        "聚贤路",
        "芳华路",
        "春晖路",
        "秋实路",
        "银杏路",
        "梧桐路",
    ]
)


@dataclass(frozen=True)
class Road:
    """One road: centreline (local metres), OSM highway class and name."""

    line: LineString
    road_class: str
    name: str | None


@dataclass(frozen=True)
class Gate:
    """A gate where an avenue meets the boundary; ``inward`` is a unit vector into campus."""

    point: Point
    name: str
    inward: tuple[float, float]


@dataclass(frozen=True)
class Layout:
    """Boundary, main roads, gates, blocks and the quarter of every block."""

    boundary: Polygon
    half_extent: tuple[float, float]
    roads: tuple[Road, ...]
    gates: tuple[Gate, ...]
    blocks: tuple[Polygon, ...]
    block_quarter: tuple[int, ...]
    quarters: tuple[Quarter, ...]


def make_boundary(plan: Plan, rng: np.random.Generator) -> Polygon:
    """Return an irregular, non-convex campus outline of ``plan.area_m2`` (± 2 %)."""
    area = plan.area_m2 * (1.0 + rng.uniform(-0.02, 0.02))
    w = math.sqrt(area * plan.aspect)
    h = area / w
    a, b = w / 2.0, h / 2.0
    nw, nh = rng.uniform(0.18, 0.26) * w, rng.uniform(0.14, 0.2) * h  # notch (a neighbour's lot)
    ch = rng.uniform(0.06, 0.1) * w  # chamfered corner (a street corner)
    corners = [
        (-a + ch, -b),
        (a, -b),
        (a, b - nh),
        (a - nw, b - nh),
        (a - nw, b),
        (-a, b),
        (-a, -b + ch),
    ]
    # walls are not ruler-straight: split long edges and push the new vertices sideways
    pts: list[tuple[float, float]] = []
    for p, q in zip(corners, corners[1:] + corners[:1], strict=True):
        pts.append(p)
        length = math.dist(p, q)
        pieces = max(1, round(length / 220.0))
        nx, ny = (q[1] - p[1]) / length, -(q[0] - p[0]) / length
        for k in range(1, pieces):
            t = k / pieces + rng.uniform(-0.08, 0.08) / pieces
            off = rng.uniform(-7.0, 7.0)
            pts.append((p[0] + t * (q[0] - p[0]) + off * nx, p[1] + t * (q[1] - p[1]) + off * ny))
    poly = Polygon(pts)
    xy = shapely.get_coordinates(poly) * math.sqrt(area / poly.area)
    return Polygon(xy)


def _gate_name(side: str, rank: int) -> str:
    return f"{side}门" if rank == 0 else f"{side}{'一二三四五六七八九'[rank]}门"


def _main_roads(
    boundary: Polygon, plan: Plan, rng: np.random.Generator
) -> tuple[list[Road], list[LineString], Polygon]:
    """Return the ring road, avenues and streets, the lines that cut blocks, and the ring area."""
    x0, y0, x1, y1 = boundary.bounds
    a, b = (x1 - x0) / 2.0, (y1 - y0) / 2.0
    ring_area = boundary.buffer(-(plan.ring_inset_m + plan.ring_round_m)).buffer(
        plan.ring_round_m, quad_segs=12
    )
    ring_area = Polygon(shapely.get_coordinates(ring_area.exterior.simplify(0.3)))
    names = iter(ROAD_NAMES)
    roads = [Road(ring_area.exterior, "secondary", "环校路")]
    cutters: list[LineString] = [boundary.exterior, ring_area.exterior]

    def axis(pos: float, vertical: bool, amplitude: float) -> LineString:
        ext = a if vertical else b
        span = b if vertical else a
        c = pos * ext + rng.uniform(-0.03, 0.03) * ext
        p, q = (
            ((c, -span - 120.0), (c, span + 120.0))
            if vertical
            else (
                (-span - 120.0, c),
                (span + 120.0, c),
            )
        )
        return wavy_line(
            p,
            q,
            amplitude_m=amplitude * rng.uniform(0.5, 1.0),
            waves=rng.uniform(1.0, 2.0),
            phase=rng.uniform(0.0, math.pi),
        )

    avenues = [axis(p, True, 60.0) for p in plan.avenues_x]
    avenues += [axis(p, False, 60.0) for p in plan.avenues_y]
    for line in avenues:
        cutters.append(line)
        inside = shapely.intersection(line, boundary)
        for part in shapely.get_parts(inside):
            roads.append(Road(part, "primary", next(names)))

    def streets(avenue_pos: tuple[float, ...], vertical: bool) -> list[LineString]:
        ext = a if vertical else b
        cuts = [-1.0, *sorted(avenue_pos), 1.0]
        out = []
        for lo, hi in itertools.pairwise(cuts):
            length_m = (hi - lo) * ext - (plan.ring_inset_m if lo == -1 or hi == 1 else 0.0)
            parts = max(1, round(length_m / plan.street_spacing_m))
            for k in range(1, parts):
                out.append(axis(lo + (hi - lo) * k / parts, vertical, 22.0))
        return out

    for line in streets(plan.avenues_x, True) + streets(plan.avenues_y, False):
        cut = shapely.get_parts(shapely.intersection(line, ring_area.buffer(3.0)))
        cutters += [p for p in cut if p.geom_type == "LineString"]
        for part in shapely.get_parts(shapely.intersection(line, ring_area)):
            if part.length > 30.0:
                roads.append(Road(part, "tertiary", next(names)))
    return roads, cutters, ring_area


def _gates(boundary: Polygon, roads: list[Road]) -> list[Gate]:
    x0, y0, x1, y1 = boundary.bounds
    a, b = (x1 - x0) / 2.0, (y1 - y0) / 2.0
    found: list[tuple[str, float, Point, tuple[float, float]]] = []
    edge = boundary.exterior
    for road in roads:
        if road.road_class != "primary":
            continue
        xy = shapely.get_coordinates(road.line)
        for end, nxt in ((xy[0], xy[1]), (xy[-1], xy[-2])):
            if edge.distance(Point(end)) > 0.5:
                continue
            nx, ny = end[0] / a, end[1] / b
            side = ("北" if ny > 0 else "南") if abs(ny) > abs(nx) else ("东" if nx > 0 else "西")
            d = nxt - end
            inward = (float(d[0] / np.hypot(*d)), float(d[1] / np.hypot(*d)))
            off_axis = abs(end[0]) if side in "南北" else abs(end[1])
            found.append((side, off_axis, Point(end), inward))
    found.sort(key=lambda g: ("南北东西".index(g[0]), g[1]))
    gates = []
    rank = {s: 0 for s in "南北东西"}
    for side, _, point, inward in found:
        gates.append(Gate(point, _gate_name(side, rank[side]), inward))
        rank[side] += 1
    return gates


def _assign(
    blocks: list[Polygon], plan: Plan, half: tuple[float, float], mirror: bool
) -> list[int]:
    """Return the quarter index of every block: single quarters first, then nearest anchor."""
    cent = shapely.get_coordinates(shapely.centroid(np.array(blocks, dtype=object)))
    norm = cent / np.array(half)
    sign = np.array([-1.0 if mirror else 1.0, 1.0])
    owner = np.full(len(blocks), -1)
    area = shapely.area(np.array(blocks, dtype=object))
    for qi, q in enumerate(plan.quarters):
        if q.single:
            d = np.hypot(*(norm - np.array(q.anchors[0]) * sign).T)
            d[(owner >= 0) | (area < 15000.0)] = np.inf
            near = np.argsort(d, kind="stable")[:3]
            near = near[np.isfinite(d[near])]
            owner[int(near[np.argmax(area[near])])] = qi
    anchors = [
        (qi, np.array(p) * sign)
        for qi, q in enumerate(plan.quarters)
        if not q.single
        for p in q.anchors
    ]
    anchor_xy = np.array([p for _, p in anchors])
    anchor_q = np.array([qi for qi, _ in anchors])
    for i in np.flatnonzero(owner < 0):
        owner[i] = anchor_q[int(np.argmin(np.hypot(*(anchor_xy - norm[i]).T)))]
    # a quarter left without a block takes the block nearest its first anchor
    for qi, q in enumerate(plan.quarters):
        if not (owner == qi).any():
            d = np.hypot(*(norm - np.array(q.anchors[0]) * sign).T)
            counts = np.bincount(owner, minlength=len(plan.quarters))
            d[(counts[owner] <= 1) | (area < 15000.0)] = np.inf
            owner[int(np.argmin(d))] = qi
    return owner.tolist()


def make_layout(plan: Plan, rng: np.random.Generator) -> Layout:
    """Return the boundary, main roads, gates, blocks and quarters of one demo campus."""
    boundary = make_boundary(plan, rng)
    roads, cutters, _ = _main_roads(boundary, plan, rng)
    lines = share_nodes([r.line for r in roads])
    roads = [Road(ln, r.road_class, r.name) for ln, r in zip(lines, roads, strict=True)]
    noded = shapely.node(shapely.multilinestrings(cutters))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[shapely.area(faces) > 0.0]
    faces = faces[shapely.contains(boundary, shapely.point_on_surface(faces))]
    order = np.lexsort(
        (shapely.get_x(shapely.centroid(faces)), -shapely.get_y(shapely.centroid(faces)))
    )
    blocks = [shapely.normalize(f) for f in faces[order]]
    x0, y0, x1, y1 = boundary.bounds
    half = ((x1 - x0) / 2.0, (y1 - y0) / 2.0)
    mirror = bool(rng.random() < 0.5)
    quarter_of = _assign(blocks, plan, half, mirror)
    return Layout(
        boundary=boundary,
        half_extent=half,
        roads=tuple(roads),
        gates=tuple(_gates(boundary, roads)),
        blocks=tuple(blocks),
        block_quarter=tuple(quarter_of),
        quarters=plan.quarters,
    )


def quarter_polygons(layout: Layout, gate_radius_m: float) -> list[Polygon]:
    """Return one polygon per quarter of ``layout`` plus the gates quarter last.

    The quarters tile the campus: gate areas (``gate_radius_m`` around each gate) are cut
    out of the other quarters.
    """
    grid = None  # exact: shared block edges stay shared
    circles = shapely.union_all([g.point.buffer(gate_radius_m) for g in layout.gates])
    polys = []
    gate_parts = []
    owner = np.array(layout.block_quarter)
    blocks = np.array(layout.blocks, dtype=object)
    for qi in range(len(layout.quarters)):
        merged = shapely.union_all(blocks[owner == qi], grid_size=grid)
        polys.append(shapely.difference(merged, circles, grid_size=grid))
        gate_parts.append(shapely.intersection(merged, circles, grid_size=grid))
    polys.append(shapely.union_all(gate_parts, grid_size=grid))
    return polys


def block_xy(layout: Layout) -> FloatArray:
    """Return the centroids of the blocks (n × 2, metres)."""
    out: FloatArray = shapely.get_coordinates(
        shapely.centroid(np.array(layout.blocks, dtype=object))
    )
    return out
