"""Real campuses from OpenStreetMap in ``../shared/data/campuses`` (never copied into the repo).

Tests that use them skip when the folder is absent (a user's clone); CI always has it, and
with ``CI=true`` a missing folder is an error rather than a skip.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import geopandas as gpd
import pytest

from zoning.campus.layers import CampusLayers
from zoning.geo.crs import to_metric

CAMPUSES_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "campuses"

#: Every real campus folder.
ALL = ("bupt", "cau", "cput", "hfut", "shu", "swjtu")
#: Campuses that come with a raw OSM XML extract.
WITH_OSM = ("bupt", "cau", "shu", "swjtu")


def campus_dir(name: str) -> Path:
    """Return the folder of real campus ``name``; skip the test when the data is absent."""
    folder = CAMPUSES_DIR / name
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            raise AssertionError(f"{folder} is missing: CI must have ../shared/data/campuses")
        pytest.skip(f"real campus data not available ({folder})")
    return folder


#: What ``--boundary-name`` each extract needs (None: the extract holds one university).
BOUNDARY_NAMES: dict[str, str | None] = {
    "bupt": "北京邮电大学",
    "cau": "中国农业大学东校区",
    "shu": "上海大学",
    "swjtu": None,
    "hfut": None,
    "cput": None,
}


@cache
def load_layers(name: str) -> CampusLayers:
    """Return real campus ``name`` as the product imports it (``read_campus``)."""
    from zoning.campus.io.files import read_campus

    return read_campus([campus_dir(name)], boundary_name=BOUNDARY_NAMES[name])


def load_metric(name: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, gpd.GeoDataFrame]:
    """Return (boundary, roads or None, buildings) of real campus ``name`` in its UTM zone."""
    layers = load_layers(name)
    boundary = to_metric(layers.boundary)
    roads = layers.roads.to_crs(boundary.crs) if len(layers.roads) else None
    return boundary, roads, layers.buildings.to_crs(boundary.crs)
