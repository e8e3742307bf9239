"""测试大学 stored for the safety tests: the small campus, its people, one plan of 20 square
cells (2 D × 2 D) in 3 zones, and its inspection schedule."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
from shapely import box
from sqlalchemy.engine import Engine

from tests.small_campus import LAT, LON, D, small_campus
from zoning.services import safety as ops
from zoning.store.campus import save_campus
from zoning.store.plans import save_plan

CAMPUS = "测试大学"
#: Leadership, the safety office, three zone leaders (quarters 甲 乙 丙) and four owners.
PEOPLE = pd.DataFrame(
    {
        "name": ["校长", "安全处", "甲组长", "乙组长", "丙组长", "张一", "李二", "王三", "赵四"],
        "role": [
            "leadership", "safety_office", "zone_leader", "zone_leader", "zone_leader",
            "owner", "owner", "owner", "owner",
        ],
        "quarter": [None, None, "甲", "乙", "丙", "甲", "乙", "丙", "丙"],
        "phone": [None] * 9,
    },
    dtype=object,
)  # fmt: skip


def cells_frame() -> gpd.GeoDataFrame:
    """20 square cells of 2D × 2D in 3 zones (columns 0-1, 2-3, 4); C-04-03 has no owner."""
    rows = []
    owners = {1: "张一", 2: "李二", 3: "王三"}
    for x in range(5):
        for y in range(4):
            zone = 1 if x < 2 else 2 if x < 4 else 3
            code = f"C-{x:02d}-{y:02d}"
            owner = None if (x, y) == (4, 3) else "赵四" if (x, y) == (4, 2) else owners[zone]
            geom = box(
                LON + 2 * x * D, LAT + 2 * y * D, LON + 2 * (x + 1) * D, LAT + 2 * (y + 1) * D
            )
            rows.append(
                {
                    "code": code,
                    "zone": zone,
                    "kind": "square",
                    "owner": owner,
                    "area_m2": 30_000.0,
                    "geometry": geom,
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def make_campus(engine: Engine, *, start: date = date(2026, 2, 1)) -> None:
    """Store the test campus, people, one plan, and its schedule from ``start`` on."""
    save_campus(engine, name=CAMPUS, layers=small_campus(), people=PEOPLE)
    save_plan(engine, campus=CAMPUS, cells=cells_frame(), method="square")
    ops.schedule(engine, CAMPUS, start=start, through=date(2026, 6, 30))


def centre(code: str) -> tuple[float, float]:
    """Return lon, lat of the middle of cell ``code``."""
    _, x, y = code.split("-")
    return LON + (2 * int(x) + 1) * D, LAT + (2 * int(y) + 1) * D
