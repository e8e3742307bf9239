"""分区大学: a tall campus (4 × 8 D, about 340 m × 890 m) whose people have quarters 北区
and 南区, for the named-zone tests; and zone layers (GeoJSON, GeoPackage) for it."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely import box
from sqlalchemy.engine import Engine

from zoning.campus.layers import CampusLayers, conform
from zoning.store.campus import save_campus

CAMPUS = "分区大学"
LON, LAT, D = 117.70, 39.08, 0.001  # degrees; D is about 86 m east-west, 111 m north-south
NX, NY = 4, 8  # the campus is NX × NY steps of D
#: The latitude between the north and south halves.
MID_LAT = LAT + NY * D / 2
#: Leadership, the safety office, a zone leader and two owners in each of 北区 and 南区.
PEOPLE = pd.DataFrame(
    {
        "name": ["校长", "安全处", "北组长", "南组长", "北一", "北二", "南一", "南二"],
        "role": [
            "leadership", "safety_office", "zone_leader", "zone_leader",
            "owner", "owner", "owner", "owner",
        ],
        "quarter": [None, None, "北区", "南区", "北区", "北区", "南区", "南区"],
        "phone": [None] * 8,
    },
    dtype=object,
)  # fmt: skip
NORTH_OWNERS = frozenset({"北一", "北二"})
SOUTH_OWNERS = frozenset({"南一", "南二"})


def outline() -> shapely.Polygon:
    """Return the campus polygon (lon/lat)."""
    return box(LON, LAT, LON + NX * D, LAT + NY * D)


def make_campus(engine: Engine, people: pd.DataFrame = PEOPLE) -> None:
    """Store the campus (boundary only) with ``people``."""
    boundary = conform(
        "boundary", gpd.GeoDataFrame({"name": [CAMPUS]}, geometry=[outline()], crs="EPSG:4326")
    )
    save_campus(engine, name=CAMPUS, layers=CampusLayers(boundary=boundary), people=people)


def west_east() -> gpd.GeoDataFrame:
    """Two zones, 西区 (west half) and 东区 (east half), named in a ``片区`` field."""
    half = LON + NX * D / 2
    return gpd.GeoDataFrame(
        {"片区": ["东区", "西区"], "备注": ["a", "b"]},
        geometry=[box(half, LAT, LON + NX * D, LAT + NY * D), box(LON, LAT, half, LAT + NY * D)],
        crs="EPSG:4326",
    )


def north_south() -> gpd.GeoDataFrame:
    """Two zones named like the quarters, 北区 (north half) and 南区 (south half)."""
    return gpd.GeoDataFrame(
        {"name": ["南区", "北区"]},
        geometry=[
            box(LON, LAT, LON + NX * D, MID_LAT),
            box(LON, MID_LAT, LON + NX * D, LAT + NY * D),
        ],
        crs="EPSG:4326",
    )


def write_layer(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write ``frame`` to ``path`` (GeoJSON or GeoPackage by suffix) and return the path."""
    driver = "GPKG" if path.suffix == ".gpkg" else "GeoJSON"
    frame.to_file(path, driver=driver, **({"layer": "zones"} if driver == "GPKG" else {}))
    return path


def make_campus_people(engine: Engine, people: pd.DataFrame) -> None:
    """Add ``people`` to the stored campus (those already there, by name, are updated)."""
    from zoning.store.campus import upsert_people

    upsert_people(engine, CAMPUS, people, actor="tests")
