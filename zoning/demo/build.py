"""A deterministic, synthetic demo campus near Tianjin (117.70 E, 39.08 N).

``build_demo()`` draws a believable campus from a seed: an irregular boundary, a ring road
and curved avenues ending at gates, quarters (片区) for dormitories, teaching, laboratories,
the library, canteens, sports and administration, buildings with Chinese names, a lake,
lawns, a running track, parking, points of interest, CCTV cameras and the people who own
the grid. Everything is computed in UTM 50N (EPSG:32650) and returned in EPSG:4326; the
same seed always gives byte-for-byte the same WKT.

>>> campus = build_demo(seed=0)
>>> campus.layers.counts()["cameras"] in range(350, 451)
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely import Point

from zoning.campus.layers import CampusLayers, conform
from zoning.demo._buildings import GATE_RADIUS_M, Site, place_site
from zoning.demo._features import (
    ENTRANCE_USES,
    POI_KIND,
    STOREY_M,
    Building,
    camera_spots,
    choose_cameras,
    entrances,
    footway_spurs,
    name_buildings,
)
from zoning.demo._geometry import rotate_xy, share_nodes
from zoning.demo._layout import PLANS, Layout, Road, make_layout, quarter_polygons
from zoning.errors import InvalidInput
from zoning.geo.crs import WGS84

__all__ = ["DEMO_CENTRE", "DEMO_CRS", "DemoCampus", "build_demo"]

#: Where the demo campus lies (lon, lat in degrees) and the metric CRS it is built in.
DEMO_CENTRE = (117.70, 39.08)
DEMO_CRS = "EPSG:32650"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝"
)
Columns = Mapping[str, Sequence[object]]

GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红"
    + "文斌玉兰海燕鹏飞浩宇欣怡晨阳思雨涵萱鸣嘉俊雅婷"
)


@dataclass(frozen=True)
class DemoCampus:
    """A synthetic campus: its layers (EPSG:4326), its quarters and the people of its grid.

    ``people`` has the columns name, role (leadership, safety_office, zone_leader, owner),
    quarter (the quarter name, None for leadership and safety office) and phone.
    ``quarters`` (name, kind, code, geometry in EPSG:4326) tile the campus.
    """

    name: str
    code: str
    layers: CampusLayers
    people: pd.DataFrame
    quarters: gpd.GeoDataFrame


def build_demo(*, scale: Literal["small", "large"] = "small", seed: int = 0) -> DemoCampus:
    """Return the demo campus for ``seed``: "small" (about 1.5 km², about 400 cameras) or
    "large" (about 11 km², more than 3,000 buildings and 2,000 cameras, for benchmarks).

    Raises :class:`InvalidInput` for an unknown scale or a negative seed.
    """
    if scale not in PLANS:
        raise InvalidInput(f"Unknown demo scale {scale!r}: use 'small' or 'large'.")
    if not isinstance(seed, int) or seed < 0:
        raise InvalidInput(f"The demo seed must be a non-negative integer, not {seed!r}.")
    plan = PLANS[scale]
    rng = np.random.default_rng(seed)
    turn_rad = float(rng.uniform(-0.12, 0.12))
    layout = make_layout(plan, rng)
    site = place_site(
        layout, rng, service_min_width_m=plan.service_min_width_m, slot_scale=plan.slot_scale
    )
    buildings = _buildings(layout, site, rng)
    water = [c.polygon for c in site.covers if c.kind == "water"]
    roads = list(site.roads)
    roads += [Road(s, "footway", None) for s in footway_spurs(buildings, roads, water)]
    lines = share_nodes([r.line for r in roads])
    roads = [Road(ln, r.road_class, r.name) for ln, r in zip(lines, roads, strict=True)]
    feet = [b.footprint for b in buildings]
    spots = camera_spots(buildings, roads, layout.gates, site.covers, site.fields)
    target = plan.cameras + int(rng.integers(-15, 16))
    cameras = choose_cameras(spots, feet, target=target, rng=rng)
    place = _Placer(turn_rad)
    quarter_geoms = quarter_polygons(layout, GATE_RADIUS_M)
    quarter_names = [q.name for q in layout.quarters] + ["校门片区"]
    quarter_kinds = [q.kind for q in layout.quarters] + ["gates"]
    suffix = "" if scale == "small" else "(大)"
    layers = CampusLayers(
        boundary=place.frame("boundary", [layout.boundary], {"name": [f"演示校区{suffix}"]}),
        buildings=place.frame(
            "buildings",
            feet,
            {
                "source_id": [f"demo-b-{i + 1:04d}" for i in range(len(buildings))],
                "name": [b.name for b in buildings],
                "use": [b.use for b in buildings],
                "levels": [b.levels for b in buildings],
                "height_m": [round(b.levels * STOREY_M, 1) for b in buildings],
                "height_source": ["levels"] * len(buildings),
            },
        ),
        roads=place.frame(
            "roads",
            [r.line for r in roads],
            {
                "source_id": [f"demo-r-{i + 1:04d}" for i in range(len(roads))],
                "name": [r.name for r in roads],
                "road_class": [r.road_class for r in roads],
            },
        ),
        pois=_pois(place, layout, site, buildings, roads),
        landcover=place.frame(
            "landcover",
            [c.polygon for c in site.covers],
            {
                "source_id": [f"demo-l-{i + 1:04d}" for i in range(len(site.covers))],
                "name": [c.name for c in site.covers],
                "kind": [c.kind for c in site.covers],
            },
        ),
        cameras=place.frame(
            "cameras",
            [Point(c.x, c.y) for c in cameras],
            {
                "source_id": [f"demo-cam-{i + 1:04d}" for i in range(len(cameras))],
                **{
                    col: [getattr(c, col) for c in cameras]
                    for col in (
                        "name",
                        "hfov_deg",
                        "tilt_deg",
                        "mount_height_m",
                        "resolution_px",
                        "range_m",
                        "indoor",
                    )
                },
                "heading_deg": [place.heading(c.heading_deg) for c in cameras],
            },
        ),
    )
    quarters = place.raw(
        quarter_geoms,
        {
            "name": quarter_names,
            "kind": quarter_kinds,
            "code": [f"Q{i + 1:02d}" for i in range(len(quarter_names))],
        },
    )
    return DemoCampus(
        name="demo" if scale == "small" else "demo-large",
        code="DEMO" if scale == "small" else "DEMOL",
        layers=layers,
        people=_people(quarter_names, rng, owners=(4, 5)),
        quarters=quarters,
    )


class _Placer:
    """Turns local metres into EPSG:4326 frames: rotate, move to UTM 50N, reproject."""

    def __init__(self, turn_rad: float) -> None:
        self.turn_rad = turn_rad
        e0, n0 = Transformer.from_crs(WGS84, DEMO_CRS, always_xy=True).transform(*DEMO_CENTRE)
        self.origin = np.array([e0, n0])

    def raw(self, geoms: list[shapely.Geometry], columns: Columns) -> gpd.GeoDataFrame:
        arr = np.array(geoms, dtype=object)
        moved = shapely.transform(arr, lambda xy: rotate_xy(xy, self.turn_rad) + self.origin)
        frame = gpd.GeoDataFrame(columns, geometry=list(moved), crs=DEMO_CRS)
        return frame.to_crs(WGS84)

    def frame(
        self, layer: str, geoms: list[shapely.Geometry], columns: Columns
    ) -> gpd.GeoDataFrame:
        return conform(layer, self.raw(geoms, columns))

    def heading(self, local_deg: float) -> float:
        """Return the compass heading after the campus is turned (grid north of UTM 50N)."""
        out = round((local_deg - math.degrees(self.turn_rad)) % 360.0, 2)
        return 0.0 if out >= 360.0 else out


def _buildings(layout: Layout, site: Site, rng: np.random.Generator) -> list[Building]:
    named = name_buildings(site.lots, layout.quarters, rng)
    feet = [lt.footprint for lt in site.lots]
    ent, normal = entrances(feet, list(site.roads))
    return [
        Building(
            footprint=lot.footprint,
            name=name,
            use=use,
            levels=levels,
            quarter=lot.quarter,
            entrance=(float(ent[i, 0]), float(ent[i, 1])),
            outward=(float(normal[i, 0]), float(normal[i, 1])),
        )
        for i, (lot, (name, use, levels)) in enumerate(zip(site.lots, named, strict=True))
    ]


def _pois(
    place: _Placer, layout: Layout, site: Site, buildings: list[Building], roads: list[Road]
) -> gpd.GeoDataFrame:
    geoms: list[shapely.Geometry] = []
    names: list[str | None] = []
    kinds: list[str] = []

    def add(geom: shapely.Geometry, name: str | None, kind: str) -> None:
        geoms.append(geom)
        names.append(name)
        kinds.append(kind)

    for g in layout.gates:
        add(g.point, g.name, "gate")
    for b in buildings:
        kind = POI_KIND.get(b.use) or POI_KIND.get(b.name)
        if kind:
            add(b.footprint.point_on_surface(), b.name, kind)
        if b.use in ENTRANCE_USES:
            add(Point(b.entrance), f"{b.name}入口", "entrance")
    for c in site.covers:
        if c.kind == "parking":
            add(c.polygon.centroid, c.name, "parking")
        elif c.name == "足球场":
            add(c.polygon.centroid, "应急避难场所", "assembly_point")
    # fire hydrants every 150 m along the roads, 5 m off the centreline
    feet = shapely.STRtree(np.array([b.footprint for b in buildings], dtype=object))
    n = 0
    for r in roads:
        if r.road_class == "footway" or r.line.length < 60.0:
            continue
        for s in np.arange(30.0, r.line.length - 20.0, 150.0):
            a = np.array(shapely.get_coordinates(r.line.interpolate(s))[0])
            ahead = np.array(shapely.get_coordinates(r.line.interpolate(s + 1.0))[0])
            d = (ahead - a) / max(float(np.hypot(*(ahead - a))), 1e-9)
            p = Point(a + 5.0 * np.array([d[1], -d[0]]))
            if len(feet.query(p, predicate="dwithin", distance=1.0)) == 0:
                n += 1
                add(p, f"消防栓{n}", "fire_hydrant")
    return place.frame(
        "pois",
        geoms,
        {
            "source_id": [f"demo-p-{i + 1:04d}" for i in range(len(geoms))],
            "name": names,
            "kind": kinds,
        },
    )


def _people(
    quarter_names: list[str], rng: np.random.Generator, *, owners: tuple[int, int]
) -> pd.DataFrame:
    """Return synthetic people: leadership, safety office, a leader and owners per quarter."""
    seen: set[str] = set()

    def person() -> str:
        while True:
            given = "".join(GIVEN[int(k)] for k in rng.integers(0, len(GIVEN), rng.integers(1, 3)))
            name = SURNAMES[int(rng.integers(0, len(SURNAMES)))] + given
            if name not in seen:
                seen.add(name)
                return name

    rows: list[tuple[str, str, str | None]] = []
    rows += [(person(), "leadership", None) for _ in range(int(rng.integers(1, 3)))]
    rows += [(person(), "safety_office", None) for _ in range(int(rng.integers(2, 4)))]
    for q in quarter_names:
        rows.append((person(), "zone_leader", q))
    for q in quarter_names:
        rows += [(person(), "owner", q) for _ in range(int(rng.integers(owners[0], owners[1] + 1)))]
    return pd.DataFrame(
        {
            "name": pd.Series([r[0] for r in rows], dtype=object),
            "role": pd.Series([r[1] for r in rows], dtype=object),
            "quarter": pd.Series([r[2] for r in rows], dtype=object),
            "phone": pd.Series([f"138-0000-{i + 1:04d}" for i in range(len(rows))], dtype=object),
        }
    )
