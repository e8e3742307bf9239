"""Names, entrances, points of interest and cameras of the synthetic demo campus (private).

Works in the local metric frame of ``zoning.demo._layout``; headings are compass degrees
in that frame (0 = +y, clockwise).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import LineString, Point, Polygon

from zoning.demo._buildings import Cover, Lot
from zoning.demo._geometry import FloatArray, bearing_deg, main_axis_rad, rotate_xy
from zoning.demo._layout import Gate, Quarter, Road

STOREY_M = 3.3
LEVELS = {
    "dormitory": (5, 7),
    "university": (4, 6),
    "laboratory": (3, 5),
    "library": (6, 7),
    "canteen": (2, 3),
    "sports_hall": (2, 3),
    "grandstand": (1, 1),
    "office": (4, 7),
    "hospital": (3, 4),
    "retail": (1, 2),
    "public": (1, 2),
    "service": (1, 1),
    "gatehouse": (1, 1),
}
LAB_NAMES = tuple(
    [
        "化学实验楼",
        "物理实验楼",
        "生物实验楼",
        "材料实验楼",
        "电子信息实验楼",
        "机械工程实验楼",
        "计算机实验中心",
        "环境科学实验楼",
        "能源动力实验楼",
        "土木工程实验楼",
        "光电实验楼",
        "力学实验楼",
        "工程训练中心",
        "分析测试中心",
    ]
)
EXTRAS = {
    "dormitory": [("学生浴室", "public"), ("学生超市", "retail"), ("快递服务站", "retail")],
    "canteen": [("学生活动中心", "university"), ("学生超市", "retail"), ("学生浴室", "public")],
    "library": [("学术报告厅", "university"), ("档案馆", "office"), ("信息中心", "office")],
    "admin": [
        ("行政楼", "office"),
        ("校医院", "hospital"),
        ("学术交流中心", "office"),
        ("保卫处", "office"),
        ("后勤服务楼", "office"),
        ("校史馆", "office"),
    ],
    "sports": [("体育馆", "sports_hall"), ("游泳馆", "sports_hall"), ("风雨操场", "sports_hall")],
}
POI_KIND = {
    "canteen": "canteen",
    "library": "library",
    "hospital": "clinic",
    "保卫处": "police",
    "学生超市": "convenience",
}
ENTRANCE_USES = ("dormitory", "canteen", "library", "university", "hospital", "sports_hall")


def cn_number(n: int) -> str:
    """Return ``n`` in Chinese numerals: 3 → 三, 12 → 十二, 21 → 二十一 (from 100 on: digits)."""
    digits = "零一二三四五六七八九"
    if n >= 100:
        return str(n)
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


@dataclass(frozen=True)
class Building:
    """A named building with its main entrance (on the wall facing the nearest road)."""

    footprint: Polygon
    name: str
    use: str
    levels: int
    quarter: int
    entrance: tuple[float, float]
    outward: tuple[float, float]  # unit normal of the entrance wall, pointing outside


def _counter(start: int = 1) -> Iterator[int]:
    n = start
    while True:
        yield n
        n += 1


def name_buildings(
    lots: tuple[Lot, ...], quarters: tuple[Quarter, ...], rng: np.random.Generator
) -> list[tuple[str, str, int]]:
    """Return (name, use, levels) for every lot, numbered north→south, west→east."""
    xy = shapely.get_coordinates(shapely.centroid(np.array([lt.footprint for lt in lots])))
    order = np.lexsort((xy[:, 0], -np.round(xy[:, 1] / 60.0)))
    area = shapely.area(np.array([lt.footprint for lt in lots]))
    out: list[tuple[str, str] | None] = [None] * len(lots)
    dorm, canteen, teach, lab, other = _counter(), _counter(), _counter(), _counter(), _counter()
    by_quarter: dict[int, list[int]] = {}
    for i in order.tolist():
        by_quarter.setdefault(lots[i].quarter, []).append(i)
    pools = {k: list(v) for k, v in EXTRAS.items()}
    for qi in sorted(by_quarter):
        idx = by_quarter[qi]
        kind = quarters[qi].kind if qi < len(quarters) else "gates"
        big_first = sorted(idx, key=lambda i: -area[i])
        if kind == "dormitory":
            small = set(sorted(idx, key=lambda i: area[i])[: len(idx) // 12])
            for i in idx:
                if i in small and pools["dormitory"]:
                    out[i] = pools["dormitory"].pop(0)
                else:
                    out[i] = (f"学生宿舍{next(dorm)}号楼", "dormitory")
        elif kind == "canteen":
            for rank, i in enumerate(big_first):
                if rank < 4:
                    out[i] = (f"第{cn_number(next(canteen))}食堂", "canteen")
                elif pools["canteen"]:
                    out[i] = pools["canteen"].pop(0)
                else:
                    out[i] = (f"学生服务楼{next(other)}号", "office")
        elif kind == "teaching":
            for i in idx:
                out[i] = (f"第{cn_number(next(teach))}教学楼", "university")
        elif kind == "laboratory":
            for i in idx:
                k = next(lab)
                name = LAB_NAMES[k - 1] if k <= len(LAB_NAMES) else f"综合实验楼{k}号"
                out[i] = (name, "laboratory")
        else:
            for i in big_first:
                role = lots[i].role
                if role == "library_main":
                    out[i] = ("图书馆", "library")
                elif role == "grandstand":
                    out[i] = ("田径场看台", "grandstand")
                elif role.startswith("gatehouse:"):
                    out[i] = (f"{role.split(':', 1)[1]}门卫室", "gatehouse")
                elif pools.get(kind):
                    out[i] = pools[kind].pop(0)
                elif kind == "sports":
                    out[i] = (f"运动场馆{next(other)}号", "sports_hall")
                elif kind == "library":
                    out[i] = (f"第{cn_number(next(teach))}教学楼", "university")
                else:
                    out[i] = (f"综合办公楼{next(other)}号", "office")
    result = []
    for pair in out:
        assert pair is not None
        name, use = pair
        lo, hi = LEVELS[use]
        result.append((name, use, int(rng.integers(lo, hi + 1))))
    return result


def entrances(feet: list[Polygon], roads: list[Road]) -> tuple[FloatArray, FloatArray]:
    """Return the entrance point and outward unit normal (n × 2 each) of every footprint.

    The entrance is the middle of the longest-enough wall that faces the nearest road.
    """
    lines = np.array([r.line for r in roads if r.road_class != "footway"], dtype=object)
    tree = shapely.STRtree(lines)
    pts = np.zeros((len(feet), 2))
    normals = np.zeros((len(feet), 2))
    # a Python loop over a few thousand footprints is fine here (about 0.2 s for 3,000)
    for k, foot in enumerate(feet):
        ring = np.asarray(foot.exterior.coords)
        a, b = ring[:-1], ring[1:]
        d = b - a
        length = np.hypot(d[:, 0], d[:, 1])
        mid = (a + b) / 2.0
        ccw = foot.exterior.is_ccw
        n = np.column_stack([d[:, 1], -d[:, 0]]) / np.maximum(length, 1e-9)[:, None]
        if not ccw:
            n = -n
        mids = shapely.points(mid)
        _, nearest = tree.query_nearest(mids, return_distance=True, all_matches=False)
        dist = nearest + np.where(length < 6.0, 1e6, 0.0)
        e = int(np.argmin(dist))
        pts[k], normals[k] = mid[e], n[e]
    return pts, normals


def footway_spurs(
    buildings: list[Building], roads: list[Road], water: list[Polygon]
) -> list[LineString]:
    """Return short footpaths from building entrances to the nearest road (2.5 m off the wall)."""
    lines = np.array([r.line for r in roads if r.road_class != "footway"], dtype=object)
    tree = shapely.STRtree(lines)
    start = np.array([np.add(b.entrance, np.multiply(b.outward, 2.5)) for b in buildings])
    starts = shapely.points(start)
    idx = tree.query_nearest(starts, all_matches=False)[1]
    ends = shapely.line_interpolate_point(lines[idx], shapely.line_locate_point(lines[idx], starts))
    spurs = shapely.linestrings(np.stack([start, shapely.get_coordinates(ends)], axis=1))
    feet = np.array([b.footprint for b in buildings], dtype=object)
    blocked = np.zeros(len(spurs), dtype=bool)
    hit_s, _ = shapely.STRtree(feet).query(spurs, predicate="dwithin", distance=2.0)
    blocked[hit_s] = True
    if water:
        hit_w, _ = shapely.STRtree(np.array(water, dtype=object)).query(
            spurs, predicate="intersects"
        )
        blocked[hit_w] = True
    length = shapely.length(spurs)
    keep = ~blocked & (length > 3.0) & (length < 40.0)
    return list(spurs[keep])


@dataclass(frozen=True)
class CameraSpot:
    """A candidate camera: position, the vector it looks along, what it watches, its name."""

    x: float
    y: float
    dx: float
    dy: float
    group: str  # gate, indoor, key_entrance, main_crossing, area, entrance, crossing
    name: str

    @classmethod
    def at(cls, pos: FloatArray, look: FloatArray, group: str, name: str) -> CameraSpot:
        """Return a spot at ``pos`` looking along ``look`` (both x, y in metres)."""
        return cls(float(pos[0]), float(pos[1]), float(look[0]), float(look[1]), group, name)


def _unit(v: FloatArray) -> FloatArray:
    out: FloatArray = v / max(float(np.hypot(*v)), 1e-9)
    return out


def camera_spots(
    buildings: list[Building],
    roads: list[Road],
    gates: tuple[Gate, ...],
    covers: tuple[Cover, ...],
    fields: tuple[Polygon, ...],
) -> list[CameraSpot]:
    """Return every candidate camera: gates, crossings, entrances, indoor, fields, parking."""
    spots: list[CameraSpot] = []
    for g in gates:
        u = np.array(g.inward)
        p = np.array([-u[1], u[0]])
        gp = np.array([g.point.x, g.point.y])
        for k, side in enumerate((1.0, -1.0)):
            pos = gp + 18.0 * u + side * 7.5 * p
            spots.append(CameraSpot.at(pos, gp - pos, "gate", f"{g.name}-{k + 1}"))
        # one looks out through the gate, one up the avenue into the campus
        pos = gp + 10.0 * u + 7.5 * p
        spots.append(CameraSpot.at(pos, gp - 4.0 * u - pos, "gate", f"{g.name}-3"))
        pos = gp + 34.0 * u - 7.5 * p
        spots.append(CameraSpot.at(pos, gp + 50.0 * u - pos, "gate", f"{g.name}-4"))
    for b in buildings:
        e, n = np.array(b.entrance), np.array(b.outward)
        key = b.use in ("dormitory", "canteen", "library", "hospital")
        group = "key_entrance" if key else "entrance"
        t = np.array([-n[1], n[0]])
        offsets = (-6.0, 6.0) if b.use in ("canteen", "library") else (0.0,)
        for k, off in enumerate(offsets):
            pos = e + 9.0 * n + off * t
            spots.append(CameraSpot.at(pos, e - pos, group, f"{b.name}入口-{k + 1}"))
        if b.use in ("canteen", "library", "sports_hall", "hospital"):
            pos = e - 4.0 * n
            spots.append(CameraSpot.at(pos, n, "indoor", f"{b.name}大厅"))
    spots += _crossing_spots(roads)
    for f in fields:
        c = np.array(shapely.get_coordinates(f.centroid)[0])
        axis = rotate_xy(np.array([[1.0, 0.0]]), main_axis_rad(f))[0]
        half = float(np.max(np.abs((shapely.get_coordinates(f) - c) @ axis)))
        for k, side in enumerate((1.0, -1.0)):
            pos = c + side * (half + 4.0) * axis
            spots.append(CameraSpot.at(pos, c - pos, "area", f"田径场-{k + 1}"))
    for cov in covers:
        if cov.kind == "parking":
            c = np.array(shapely.get_coordinates(cov.polygon.centroid)[0])
            corner = shapely.get_coordinates(cov.polygon)[0]
            pos = corner + 1.5 * _unit(corner - c)
            spots.append(CameraSpot.at(pos, c - pos, "area", "停车场"))
    return spots


def _crossing_spots(roads: list[Road]) -> list[CameraSpot]:
    """Return cameras at every node shared by two or more roads, one per arm of the node."""
    main = [r for r in roads if r.road_class != "footway"]
    where: dict[tuple[float, float], list[int]] = {}
    for ri, r in enumerate(main):
        for xy in {(float(x), float(y)) for x, y in shapely.get_coordinates(r.line)}:
            where.setdefault(xy, []).append(ri)
    spots: list[CameraSpot] = []
    n_cross = 0
    for xy in sorted(where):
        owners = sorted(set(where[xy]))
        if len(owners) < 2:
            continue
        n_cross += 1
        node = np.array(xy)
        big = any(main[o].road_class in ("primary", "secondary") for o in owners)
        names = [str(main[o].name) for o in owners if main[o].name]
        label = "/".join(dict.fromkeys(names)) or "校内道路"
        arm = 0
        for o in owners:
            line = main[o].line
            s = float(shapely.line_locate_point(line, Point(node)))
            for ds in (-15.0, 15.0):
                if line.is_closed:
                    at = (s + ds) % line.length
                elif (ds < 0 and s < 1.0) or (ds > 0 and s > line.length - 1.0):
                    continue
                else:
                    at = min(max(s + ds, 0.0), line.length)
                far = np.array(shapely.get_coordinates(line.interpolate(at))[0])
                # on the kerb behind the node, looking across it down the arm
                d = _unit(far - node)
                pos = node - 6.0 * d + 7.0 * np.array([d[1], -d[0]])
                arm += 1
                group = "main_crossing" if big else "crossing"
                spots.append(CameraSpot.at(pos, far - pos, group, f"{label}路口{n_cross}-{arm}"))
    return spots


@dataclass(frozen=True)
class CameraRow:
    """One chosen camera: position (local metres), heading (local compass degrees), specs."""

    x: float
    y: float
    name: str
    heading_deg: float
    hfov_deg: float
    range_m: float
    mount_height_m: float
    tilt_deg: float
    resolution_px: int
    indoor: bool


GROUP_ORDER = ("gate", "indoor", "key_entrance", "main_crossing", "area", "entrance", "crossing")
SPECS = {  # hfov_deg, range_m, mount_height_m, tilt_deg (low, high); resolution_px choices
    "gate": ((60, 80), (35, 50), (4.0, 6.0), (15, 25), (3840,)),
    "indoor": ((90, 110), (20, 30), (3.0, 3.5), (20, 30), (1920, 2560)),
    "key_entrance": ((70, 100), (20, 35), (3.0, 4.5), (15, 30), (1920, 2560, 3840)),
    "entrance": ((70, 100), (20, 35), (3.0, 4.5), (15, 30), (1920, 2560)),
    "main_crossing": ((80, 110), (40, 60), (5.0, 6.0), (10, 20), (2560, 3840)),
    "crossing": ((80, 110), (30, 60), (4.5, 6.0), (10, 20), (1920, 2560)),
    "area": ((80, 110), (50, 60), (5.0, 6.0), (10, 20), (2560, 3840)),
}


def choose_cameras(
    spots: list[CameraSpot],
    feet: list[Polygon],
    *,
    target: int,
    rng: np.random.Generator,
) -> list[CameraRow]:
    """Return ``target`` cameras (x, y in metres, heading in compass degrees of the local frame).

    Outdoor spots inside a footprint and indoor spots outside one are dropped; gates and
    indoor cameras come first, then key entrances, main crossings, and so on.
    """
    pts = shapely.points([(s.x, s.y) for s in spots])
    tree = shapely.STRtree(np.array(feet, dtype=object))
    hit_p, _ = tree.query(pts, predicate="intersects")
    inside = np.zeros(len(spots), dtype=bool)
    inside[hit_p] = True
    near_p, _ = tree.query(pts, predicate="dwithin", distance=1.0)
    near = np.zeros(len(spots), dtype=bool)
    near[near_p] = True
    chosen: list[int] = []
    for group in GROUP_ORDER:
        idx = [
            i
            for i, s in enumerate(spots)
            if s.group == group and (inside[i] if group == "indoor" else not near[i])
        ]
        if group in ("entrance", "crossing", "main_crossing", "key_entrance"):
            idx = [idx[k] for k in rng.permutation(len(idx))]
        chosen += idx
    chosen = chosen[:target]
    rows: list[CameraRow] = []
    for i in chosen:
        s = spots[i]
        hfov, rng_m, mount, tilt, res = SPECS[s.group]
        rows.append(
            CameraRow(
                x=s.x,
                y=s.y,
                name=s.name,
                heading_deg=float(bearing_deg(np.array(s.dx), np.array(s.dy))),
                hfov_deg=round(float(rng.uniform(*hfov)), 1),
                range_m=round(float(rng.uniform(*rng_m)), 1),
                mount_height_m=round(float(rng.uniform(*mount)), 1),
                tilt_deg=round(float(rng.uniform(*tilt)), 1),
                resolution_px=int(res[int(rng.integers(0, len(res)))]),
                indoor=s.group == "indoor",
            )
        )
    return rows
