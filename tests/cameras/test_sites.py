"""Greedy camera-site suggestions: reported gains are real and key areas are honoured."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import LineString, Point, box

from tests.shapes import METRIC_CRS
from zoning.cameras.coverage import camera_coverage, campus_coverage
from zoning.cameras.sites import WALL_STANDOFF_M, suggest_sites
from zoning.errors import InvalidInput

BUILDINGS = gpd.GeoDataFrame(
    geometry=[box(40, 40, 70, 60), box(120, 30, 140, 90), box(20, 120, 90, 135)], crs=METRIC_CRS
)
CAMPUS = box(0, 0, 160, 160)
WALKABLE = CAMPUS.difference(shapely.union_all(BUILDINGS.geometry.to_numpy()))
ROADS = gpd.GeoDataFrame(geometry=[LineString([(0, 100), (160, 100)])], crs=METRIC_CRS)


def detect_union(sites: gpd.GeoDataFrame) -> shapely.Geometry:
    return shapely.union_all(camera_coverage(sites, BUILDINGS)["detect"].to_numpy())


def test_gains_are_the_walkable_area_each_pick_adds() -> None:
    sites = suggest_sites(BUILDINGS, WALKABLE, count=4, roads=ROADS)
    assert len(sites) == 4
    assert list(sites["rank"]) == [1, 2, 3, 4]
    gains = sites["gain_m2"].to_numpy()
    assert np.all(gains > 0)
    assert np.all(np.diff(gains) <= 1e-6)  # without key areas the gain can only shrink
    for k in range(1, 5):  # cumulative gain = what the first k picks see together
        seen = shapely.intersection(detect_union(sites.iloc[:k]), WALKABLE).area
        assert gains[:k].sum() == pytest.approx(seen, rel=1e-6)
    # Wall sites stand 0.3 m off a wall, outside every building.
    walls = sites[sites["site"] == "wall"]
    dist = shapely.distance(
        walls.geometry.to_numpy(), shapely.union_all(BUILDINGS.geometry.to_numpy())
    )
    np.testing.assert_allclose(dist, WALL_STANDOFF_M, atol=1e-6)


def test_existing_cameras_are_not_covered_twice() -> None:
    existing = gpd.GeoDataFrame(
        {"heading_deg": [0.0], "hfov_deg": [360.0], "range_m": [60.0]},
        geometry=[Point(100, 20)],
        crs=METRIC_CRS,
    )
    before = campus_coverage(existing, BUILDINGS, walkable=WALKABLE)
    sites = suggest_sites(BUILDINGS, WALKABLE, count=2, cameras=existing)
    both = shapely.union_all([before.band_unions["detect"], detect_union(sites)])
    new = shapely.intersection(both, WALKABLE).area - before.covered_area_m2
    assert sites["gain_m2"].sum() == pytest.approx(new, rel=1e-6)


def test_an_uncovered_key_area_draws_the_first_pick() -> None:
    # A gate by the east wall of the first building: only a wall camera right there sees it
    # at ≥ recognise (about 6.6 m for the default 1920 px, 90°, 4 m high camera).
    gate = gpd.GeoDataFrame(
        {"name": ["east door"], "kind": ["gate"]},
        geometry=[Point(74, 50).buffer(3)],
        crs=METRIC_CRS,
    )
    plain = suggest_sites(BUILDINGS, WALKABLE, count=1)
    before = campus_coverage(plain, BUILDINGS, walkable=WALKABLE, key_areas=gate)
    assert not bool(before.key_areas["covered"].iloc[0])
    sites = suggest_sites(BUILDINGS, WALKABLE, count=1, key_areas=gate, key_area_weight_m2=1e6)
    assert sites["key_areas_covered"].iloc[0] == "east door"
    after = campus_coverage(sites, BUILDINGS, walkable=WALKABLE, key_areas=gate)
    assert bool(after.key_areas["covered"].iloc[0])


def test_nothing_left_to_gain_returns_fewer_sites() -> None:
    tiny = box(0, 0, 160, 160).difference(box(1, 1, 159, 159))  # a 1 m strip, all reachable
    everywhere = gpd.GeoDataFrame(
        {"hfov_deg": [360.0] * 4, "range_m": [300.0] * 4, "resolution_px": [100_000] * 4},
        geometry=[Point(0.5, 0.5), Point(159.5, 159.5), Point(0.5, 159.5), Point(159.5, 0.5)],
        crs=METRIC_CRS,
    )
    no_buildings = BUILDINGS.iloc[:0]
    sites = suggest_sites(no_buildings, tiny, count=3, cameras=everywhere, roads=ROADS)
    assert len(sites) < 3
    assert suggest_sites(BUILDINGS, WALKABLE, count=0).empty
    with pytest.raises(InvalidInput):
        suggest_sites(BUILDINGS, WALKABLE, count=-1)
