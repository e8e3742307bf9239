"""规划大学 stored for the planner tests: a 4 × 3 grid of 2 × 2 D cells in 2 zones, activated
at ``T0``, with people, and open complaints and due inspections on demand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import geopandas as gpd
import pandas as pd
import shapely
from shapely import box
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from zoning.campus.layers import CampusLayers, conform
from zoning.grid.codes import format_code
from zoning.services import ledger as ledger_ops
from zoning.services import plans as planner
from zoning.services import safety as ops
from zoning.store.campus import save_campus
from zoning.store.plans import save_plan

CAMPUS = "规划大学"
CODE = "C"  # campus_code("规划大学"): no Latin letters
LON, LAT, D = 117.70, 39.08, 0.002  # cells of 2 × 2 D: about 170 m × 220 m
NX, NY = 4, 3  # grid columns (west→east) and rows (south→north)
#: When the first plan is activated: Monday 2 March 2026, 09:00 in Beijing.
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
#: Leadership, the safety office, two zone leaders and three owners.
PEOPLE = pd.DataFrame(
    {
        "name": ["校长", "安全处", "甲组长", "乙组长", "张一", "李二", "王三"],
        "role": [
            "leadership", "safety_office", "zone_leader", "zone_leader", "owner", "owner", "owner",
        ],
        "quarter": [None, None, "甲", "乙", "甲", "乙", "乙"],
        "phone": [None] * 7,
    },
    dtype=object,
)  # fmt: skip


def cell_box(x: int, y: int) -> shapely.Polygon:
    """Return the lon/lat box of grid position x (west→east), y (south→north)."""
    return box(LON + x * D, LAT + y * D, LON + (x + 1) * D, LAT + (y + 1) * D)


def code_at(x: int, y: int) -> str:
    """Return the code of grid position x, y: zone 1 west (x < 2), zone 2 east."""
    zone = 1 if x < 2 else 2
    seq = (NY - 1 - y) * 2 + (x % 2) + 1  # north→south rows, west→east
    return format_code(CODE, zone, seq)


def centre(x: float, y: float) -> tuple[float, float]:
    """Return lon/lat of the point at grid position x, y (fractions allowed)."""
    return LON + x * D, LAT + y * D


def cells_frame() -> gpd.GeoDataFrame:
    """The 4 × 3 grid in 2 zones; zone 1 owned by 张一, zone 2 by 李二 and 王三."""
    rows = []
    for x in range(NX):
        for y in range(NY):
            owner = "张一" if x < 2 else ("李二" if y < 2 else "王三")
            rows.append(
                {"code": code_at(x, y), "zone": 1 if x < 2 else 2, "kind": "square",
                 "owner": owner, "geometry": cell_box(x, y)}
            )  # fmt: skip
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    frame["area_m2"] = frame.to_crs("EPSG:32650").area
    return frame


def make_campus(engine: Engine) -> int:
    """Store the campus and its first plan, activated at T0; return the plan id."""
    # the union of the cells keeps their vertices on the outline (a 4-vertex box would not
    # project onto the same metric line as the cells' edges)
    outline = shapely.coverage_union_all(cells_frame().geometry.values)
    boundary = conform(
        "boundary", gpd.GeoDataFrame({"name": [CAMPUS]}, geometry=[outline], crs="EPSG:4326")
    )
    save_campus(engine, name=CAMPUS, layers=CampusLayers(boundary=boundary), people=PEOPLE)
    plan = save_plan(engine, campus=CAMPUS, cells=cells_frame(), method="square")
    planner.activate_plan(
        engine, CAMPUS, plan.id, by="校长", reason="first plan", at=T0, actor=ADMIN
    )
    return plan.id


def add_items(engine: Engine) -> None:
    """Open complaints (each with its hazard) in many cells, and a week of due inspections."""
    for x, y in [(0.5, 0.5), (1.5, 0.5), (1.25, 1.5), (1.75, 1.5), (2.5, 2.5), (3.5, 0.2)]:
        lon, lat = centre(x, y)
        ledger_ops.add_complaint(
            engine, CAMPUS, lon=lon, lat=lat, category="repairs", text=f"灯坏了 {x},{y}",
            at=T0 + timedelta(hours=1), duplicate_distance_m=1.0, actor=ADMIN,
        )  # fmt: skip
    ops.schedule(engine, CAMPUS, start=date(2026, 3, 2), through=date(2026, 3, 8))
