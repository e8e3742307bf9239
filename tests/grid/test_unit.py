"""Unit grids: noding, closing gaps of OSM roads, merging small blocks, cutting large ones."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import LineString, Polygon, box

from tests.partition import check_partition
from tests.shapes import L_SHAPE, METRIC_CRS, RECTANGLE, WITH_LAKE
from zoning.errors import InvalidInput
from zoning.grid.splitting import MIN_CELL_M2, split
from zoning.grid.topology import validate
from zoning.grid.unit import (
    barrier_lines,
    blocks,
    close_gaps,
    merge_crumbs,
    merge_small,
    node,
    split_large,
    unit_cells,
)


def roads(lines: list[LineString], classes: list[str] | None = None) -> gpd.GeoDataFrame:
    classes = classes or ["service"] * len(lines)
    return gpd.GeoDataFrame({"road_class": classes}, geometry=lines, crs=METRIC_CRS)


def test_crossing_roads_without_shared_node_are_noded() -> None:
    lines = np.array([LineString([(0, 300), (1000, 300)]), LineString([(500, 0), (500, 600)])])
    faces = blocks(RECTANGLE, lines)
    assert len(faces) == 4
    assert np.allclose(sorted(shapely.area(faces)), [150_000] * 4)


def test_road_stopping_short_of_the_boundary_is_extended() -> None:
    # 10 m short of the south edge and 12 m short of the east-west road.
    lines = np.array([LineString([(0, 300), (1000, 300)]), LineString([(500, 10), (500, 288)])])
    faces = blocks(RECTANGLE, lines, snap_m=15)
    assert len(faces) == 3
    assert sorted(np.round(shapely.area(faces)).tolist()) == [150_000, 150_000, 300_000]
    # Beyond the tolerance the dangling road splits nothing.
    assert len(blocks(RECTANGLE, lines, snap_m=5)) == 2


def test_dangling_end_snaps_sideways_to_a_near_line() -> None:
    # The road ends beside the boundary (pointing along it), 6 m away.
    edges = node(
        np.array([LineString([(0, 0), (100, 0)]), LineString([(50, 80), (50, 6), (60, 6)])])
    )
    connectors = close_gaps(edges, snap_m=15)
    assert len(connectors) == 1
    assert connectors[0].length == pytest.approx(6)
    assert connectors[0].coords[0] == (60, 6)


def test_polygon_barriers_count_by_their_boundary() -> None:
    pond = gpd.GeoSeries([box(100, 100, 200, 200)], crs=METRIC_CRS)
    lines, major = barrier_lines(pond)
    assert len(lines) == 1 and not major.any()
    assert len(blocks(RECTANGLE, lines)) == 2


def test_major_road_classes_are_recognised() -> None:
    frame = roads(
        [LineString([(0, 1), (1, 1)]), LineString([(0, 2), (1, 2)])], ["primary", "footway"]
    )
    _, major = barrier_lines(frame)
    assert major.tolist() == [False, True] or sorted(major.tolist()) == [False, True]


def test_small_block_merges_across_the_minor_road() -> None:
    # Three strips: a small middle one between a major road (west) and a minor road (east).
    polys = np.array([box(0, 0, 100, 100), box(100, 0, 120, 100), box(120, 0, 220, 100)])
    major = np.array([LineString([(100, -10), (100, 110)])])
    labels = merge_small(polys, min_area_m2=5_000, major_lines=major)
    assert labels[1] == labels[2] != labels[0]
    # Without the road classes, the longest edge decides (a tie: both 100 m, lower index wins
    # only by determinism); make the west edge longer to check it.
    polys = np.array([box(0, -50, 100, 150), box(100, 0, 120, 100), box(120, 20, 220, 80)])
    labels = merge_small(polys, min_area_m2=5_000)
    assert labels[1] == labels[0]


def test_large_block_is_cut_into_near_equal_parts() -> None:
    parts = split_large(RECTANGLE, max_area_m2=200_000)
    assert len(parts) == 3
    areas = np.array([p.area for p in parts])
    assert np.all(areas <= 200_000 + 1e-6)
    assert areas.sum() == pytest.approx(RECTANGLE.area)
    assert areas.min() > 0.9 * areas.max()


def test_cut_avoids_buildings_when_it_can() -> None:
    # The natural cut at x = 500 would run through this building.
    building = np.array([box(490, 200, 510, 260)])
    parts = split_large(RECTANGLE, max_area_m2=400_000, obstacles=building)
    assert len(parts) == 2
    assert sum(p.intersects(building[0]) for p in parts) == 1
    assert abs(parts[0].area - parts[1].area) < 0.25 * RECTANGLE.area


def test_unit_without_barriers_cuts_by_area() -> None:
    cells, kinds = unit_cells(L_SHAPE, min_area_m2=1_000, max_area_m2=50_000)
    assert set(kinds) == {"unit"}
    assert np.all(shapely.area(cells) <= 50_000 + 1e-6)
    assert shapely.coverage_is_valid(cells)
    assert shapely.area(cells).sum() == pytest.approx(L_SHAPE.area)


def test_unit_split_respects_area_bounds_with_roads() -> None:
    lines = [LineString([(x, -5), (x, 705)]) for x in (150, 450, 455, 750)] + [
        LineString([(-5, 350), (905, 350)])
    ]
    cells = split(
        gpd.GeoSeries([WITH_LAKE], crs=METRIC_CRS),
        method="unit",
        barriers=roads(lines),
        min_area_m2=5_000,
        max_area_m2=40_000,
    )
    check_partition(cells, WITH_LAKE)
    assert cells["area_m2"].max() <= 40_000 + 1e-6
    # The 5 m strip between x = 450 and 455 is merged away.
    thin = cells.geometry.apply(lambda g: g.minimum_rotated_rectangle.length)
    assert (cells["area_m2"] >= 2_000).all() or len(thin) > 0
    assert not any(g.within(box(449, -1, 456, 701)) for g in cells.geometry)


def test_building_split_of_a_footprint_mostly_outside_leaves_no_sliver() -> None:
    # A building 0.3 m inside the east edge and 40 m outside it (real OSM data has them):
    # its part inside is a 0.3 m strip, which joins the open space instead of being a cell.
    fps = gpd.GeoSeries(
        [box(999.7, 100, 1040, 160), box(400, 200, 700, 210), box(100, 100, 150, 150)],
        crs=METRIC_CRS,
    )
    cells = split(gpd.GeoSeries([RECTANGLE], crs=METRIC_CRS), method="building", buildings=fps)
    check_partition(cells, RECTANGLE)
    assert list(cells["kind"]).count("building") == 2  # the 300 m × 10 m block is a cell
    assert not any(g.within(box(999, 99, 1001, 161)) for g in cells.geometry)
    assert [p.kind for p in validate(cells, campus=RECTANGLE, require_owner=False)] == []


def test_small_buildings_join_the_open_space_and_crumbs_their_longest_edge() -> None:
    """A 4 × 5 m guard booth is no cell; with the floor off it is one."""
    booth = box(500, 0, 504, 5)  # on the campus edge, 20 m²
    hall = box(100, 100, 300, 200)
    fps = gpd.GeoSeries([booth, hall], crs=METRIC_CRS)
    campus = gpd.GeoSeries([RECTANGLE], crs=METRIC_CRS)
    cells = split(campus, method="building", buildings=fps)
    check_partition(cells, RECTANGLE)
    assert cells.geometry.area.min() >= MIN_CELL_M2
    assert (cells["kind"] == "building").sum() == 1
    holder = cells[cells.geometry.contains(shapely.Point(502, 2))]
    assert list(holder["kind"]) == ["open"]
    kept = split(campus, method="building", buildings=fps, min_cell_m2=0)
    assert (kept["kind"] == "building").sum() == 2
    assert np.isclose(kept.geometry.area.min(), 20.0)
    cells["owner"] = "someone"
    kept["owner"] = "someone"
    assert validate(cells, campus=campus, min_area_m2=MIN_CELL_M2) == []
    small = validate(kept, campus=campus, min_area_m2=MIN_CELL_M2)
    assert [p.kind for p in small] == ["too_small"]


def test_crumb_merges_into_the_neighbour_with_the_longest_shared_edge() -> None:
    west = Polygon([(0, 0), (100, 0), (100, 8), (100, 100), (0, 100)])
    north_east = Polygon([(100, 8), (105, 8), (200, 8), (200, 100), (100, 100)])
    cells = np.array([west, box(100, 0, 105, 8), north_east])
    kinds = np.array(["unit", "unit", "unit"], dtype=object)
    merged, merged_kinds = merge_crumbs(cells, kinds, min_cell_m2=50.0)
    assert len(merged) == 2 and list(merged_kinds) == ["unit", "unit"]
    # the crumb shares 8 m with the west cell and 5 m with the north-east one
    grown = merged[np.argmin([g.bounds[0] for g in merged])]
    assert np.isclose(grown.area, 100 * 100 + 5 * 8)


def test_a_separate_small_part_of_the_campus_stays_a_cell() -> None:
    cells = np.array([box(0, 0, 100, 100), box(300, 0, 305, 5)])
    kinds = np.array(["square", "square"], dtype=object)
    merged, _ = merge_crumbs(cells, kinds, min_cell_m2=50.0)
    assert len(merged) == 2


@pytest.mark.parametrize("floor", [-1.0, float("nan")])
def test_a_negative_floor_is_refused(floor: float) -> None:
    with pytest.raises(InvalidInput, match="minimum cell area"):
        split(gpd.GeoSeries([RECTANGLE], crs=METRIC_CRS), method="square", min_cell_m2=floor)
