"""A small campus with two dormitory buildings and a teaching building, for roll-call tests.

``DORM1`` and ``DORM2`` are the buildings' names; ``inside``/``metres_north`` give lon/lat
points relative to 1号楼 (the footprint is its site: the campus has no plan).
"""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
from shapely import box

from zoning.campus.layers import CampusLayers, conform

LON, LAT = 117.70, 39.08
D = 0.001  # degrees: about 86 m east-west, 111 m north-south here
CAMPUS = "宿舍测试"
DORM1, DORM2, TEACHING = "1号楼", "2号楼", "教学楼"
#: 22:00 on 2 March 2026 in Beijing (inside the default window 21:30–23:00).
NIGHT_AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def dorm_campus() -> CampusLayers:
    """Return the layers: a boundary and three buildings."""
    boundary = gpd.GeoDataFrame(
        {"name": [CAMPUS]}, geometry=[box(LON, LAT, LON + 10 * D, LAT + 10 * D)], crs=4326
    )
    rows = [
        (DORM1, "dormitory", box(LON + D, LAT + D, LON + 2 * D, LAT + 2 * D)),
        (DORM2, "dormitory", box(LON + 5 * D, LAT + 5 * D, LON + 6 * D, LAT + 6 * D)),
        (TEACHING, "university", box(LON + 8 * D, LAT + D, LON + 9 * D, LAT + 2 * D)),
    ]
    buildings = gpd.GeoDataFrame(
        {
            "source_id": [f"way/{i}" for i in range(3)],
            "name": [r[0] for r in rows],
            "use": [r[1] for r in rows],
            "levels": [6, 6, 4],
            "height_m": [18.0, 18.0, 14.0],
            "height_source": ["levels"] * 3,
        },
        geometry=[r[2] for r in rows],
        crs=4326,
    )
    return CampusLayers(
        boundary=conform("boundary", boundary), buildings=conform("buildings", buildings)
    )


def inside() -> tuple[float, float]:
    """A point inside 1号楼."""
    return LON + 1.5 * D, LAT + 1.5 * D


def metres_north(m: float) -> tuple[float, float]:
    """A point ``m`` metres north of 1号楼's north wall (1e-3° of latitude ≈ 111 m)."""
    return LON + 1.5 * D, LAT + 2 * D + m / 111_000.0
