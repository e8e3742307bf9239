"""The incremental coverage index equals a full recompute after every kind of change."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import Point, affinity, box

from tests.shapes import COURTYARD_BUILDING, METRIC_CRS, U_BUILDING
from zoning.cameras.bands import BAND_NAMES
from zoning.cameras.coverage import campus_coverage
from zoning.cameras.index import Camera, CoverageIndex
from zoning.errors import InvalidInput, NotFound


def scene(seed: int = 0) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, shapely.Geometry]:
    rng = np.random.default_rng(seed)
    shapes = [box(0, 0, 25, 12), U_BUILDING, COURTYARD_BUILDING]
    footprints: list[shapely.Geometry] = []
    while len(footprints) < 25:
        g = affinity.rotate(shapes[int(rng.integers(3))], float(rng.uniform(0, 90)), origin=(0, 0))
        g = affinity.translate(g, *rng.uniform(0, 500, 2))
        if not any(g.distance(f) < 2 for f in footprints):
            footprints.append(g)
    blocked = shapely.union_all(footprints)
    xs: list[Point] = []
    while len(xs) < 40:
        p = Point(*rng.uniform(0, 500, 2))
        if blocked.distance(p) > 0.5:
            xs.append(p)
    cams = gpd.GeoDataFrame(
        {
            "heading_deg": rng.uniform(0, 360, 40),
            "hfov_deg": rng.choice([60.0, 90.0, 360.0], 40),
            "mount_height_m": np.full(40, 4.0),
            "resolution_px": np.full(40, 2560),
            "range_m": np.full(40, 60.0),
            "indoor": np.zeros(40, dtype=bool),
        },
        geometry=xs,
        crs=METRIC_CRS,
    )
    blds = gpd.GeoDataFrame(geometry=footprints, crs=METRIC_CRS)
    walkable = box(0, 0, 500, 500).difference(blocked)
    return cams, blds, walkable


def assert_same_as_full(
    index: CoverageIndex, cams: gpd.GeoDataFrame, blds: gpd.GeoDataFrame, walkable: shapely.Geometry
) -> None:
    full = campus_coverage(cams, blds, walkable=walkable)
    seen = index.seen_area_m2()
    for name in BAND_NAMES:
        want = full.band_unions[name]
        got = index.band_union(name)
        # The full result dissolves tiles on a 1 µm grid: allow a hair of difference.
        assert shapely.area(shapely.symmetric_difference(got, want)) < 1e-2, name
        assert seen[name] == pytest.approx(
            shapely.area(shapely.intersection(want, walkable)), abs=1e-3
        )
    assert index.result().summary() == full.summary()


def frame_with(cams: gpd.GeoDataFrame, key: object, camera: Camera) -> gpd.GeoDataFrame:
    row = {
        "heading_deg": camera.heading_deg,
        "hfov_deg": camera.hfov_deg,
        "mount_height_m": camera.mount_height_m,
        "resolution_px": camera.resolution_px,
        "range_m": camera.range_m,
        "indoor": camera.indoor,
    }
    new = gpd.GeoDataFrame([row], geometry=[Point(camera.x, camera.y)], crs=cams.crs, index=[key])
    return gpd.GeoDataFrame(
        __import__("pandas").concat([cams.drop(index=[key], errors="ignore"), new]), crs=cams.crs
    )


def test_fresh_index_equals_full_computation() -> None:
    cams, blds, walkable = scene()
    index = CoverageIndex(cams, blds, walkable=walkable, tile_m=120.0)
    assert len(index) == 40
    assert_same_as_full(index, cams, blds, walkable)


def test_move_add_remove_equal_full_recompute() -> None:
    cams, blds, walkable = scene(1)
    index = CoverageIndex(cams, blds, walkable=walkable, tile_m=120.0)
    # Move camera 3 across tile borders and turn it.
    moved = Camera(
        **{**index.camera(3).__dict__, "x": index.camera(3).x + 130, "heading_deg": 45.0}
    )
    index.move(3, x=moved.x, heading_deg=45.0)
    cams = frame_with(cams, 3, moved)
    assert_same_as_full(index, cams, blds, walkable)
    added = Camera(x=250.0, y=250.0, heading_deg=0.0, hfov_deg=360.0, range_m=40.0)
    if shapely.union_all(blds.geometry.to_numpy()).distance(Point(250, 250)) > 0:
        index.add("new", added)
        cams = frame_with(cams, "new", added)
        assert_same_as_full(index, cams, blds, walkable)
    index.remove(7)
    cams = cams.drop(index=[7])
    assert_same_as_full(index, cams, blds, walkable)
    assert 7 not in index


def test_coverage_of_one_camera_and_errors() -> None:
    cams, blds, walkable = scene(2)
    index = CoverageIndex(cams, blds, walkable=walkable)
    bands = index.coverage(0)
    assert list(bands) == list(BAND_NAMES)
    assert bands["detect"].area <= bands["monitor"].area
    with pytest.raises(NotFound):
        index.move("nope", x=1.0)
    with pytest.raises(InvalidInput):
        index.move(0, zoom=2.0)
    with pytest.raises(InvalidInput):
        index.add(0, Camera(x=1.0, y=1.0))
    with pytest.raises(InvalidInput):
        index.move(0, range_m=-5.0)
    without = CoverageIndex(cams, blds)
    with pytest.raises(InvalidInput):
        without.seen_area_m2()
