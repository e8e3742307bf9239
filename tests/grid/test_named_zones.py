"""Named zones, pure: a cell's zone is the polygon holding most of it, zones drawn from
quarters are matched to the quarter their name or their owners' cells point to."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely import box

from zoning.grid import split
from zoning.grid.named_zones import (
    direction_of,
    match_quarters,
    quarter_targets,
    zone_outlines,
    zones_from_areas,
)

METRIC = "EPSG:32650"


def _campus(width_m: float = 400.0, height_m: float = 1000.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[box(0, 0, width_m, height_m)], crs=METRIC)


def test_a_cell_takes_the_zone_holding_most_of_it() -> None:
    cells = np.array([box(0, 0, 10, 10), box(10, 0, 20, 10), box(100, 100, 110, 110)])
    # zone 7 covers x < 13, zone 4 x ≥ 13: the second cell is 30 % in 7, 70 % in 4
    zones = np.array([box(0, 0, 13, 10), box(13, 0, 30, 10)])
    labels = zones_from_areas(cells, zones, [7, 4])
    assert labels.tolist()[:2] == [7, 4]
    # a cell outside every zone takes the nearest
    assert labels.tolist()[2] == 4


def test_split_with_zone_areas_numbers_cells_by_the_zone_they_lie_in() -> None:
    campus = _campus()
    areas = gpd.GeoDataFrame(
        {"number": [5, 2]}, geometry=[box(0, 0, 400, 300), box(0, 300, 400, 1000)], crs=METRIC
    )
    cells = split(campus, method="square", cell_size_m=100, zone_areas=areas)
    north = cells.geometry.centroid.y > 300
    assert set(cells.loc[north, "zone"]) == {2}
    assert set(cells.loc[~north, "zone"]) == {5}
    assert all(
        c.split("-")[1] == f"{z:02d}" for c, z in zip(cells["code"], cells["zone"], strict=True)
    )


def test_names_point_north_south_east_west() -> None:
    assert direction_of("北区") == (0.0, 1.0)
    assert direction_of("South campus") == (0.0, -1.0)
    assert direction_of("西校区") == (-1.0, 0.0)
    assert direction_of("教学区") is None


def test_quarters_are_matched_by_the_direction_of_their_names() -> None:
    campus = _campus()
    cells = split(campus, method="square", cell_size_m=100, zones=2)
    outline = shapely.union_all(cells.geometry.values)
    targets = quarter_targets(["南区", "北区"], campus=outline)
    names = match_quarters(cells.geometry.values, cells["zone"], ["南区", "北区"], targets=targets)
    outlines = zone_outlines(cells).set_index("number")
    north = max(outlines.index, key=lambda n: outlines.geometry[n].centroid.y)
    assert names[north] == "北区"
    assert sorted(names.values()) == ["北区", "南区"]


def test_owners_cells_point_where_a_quarter_is_whatever_its_name() -> None:
    campus = _campus()
    cells = split(campus, method="square", cell_size_m=100, zones=2)
    outline = shapely.union_all(cells.geometry.values)
    # 教学区's owners held the north end before, 生活区's the south end: names say nothing
    held = {"教学区": box(0, 900, 400, 1000), "生活区": box(0, 0, 400, 100)}
    targets = quarter_targets(["教学区", "生活区"], campus=outline, held=held)
    names = match_quarters(
        cells.geometry.values, cells["zone"], ["生活区", "教学区"], targets=targets
    )
    outlines = zone_outlines(cells).set_index("number")
    north = max(outlines.index, key=lambda n: outlines.geometry[n].centroid.y)
    assert names[north] == "教学区"


def test_quarters_without_a_hint_still_get_one_zone_each() -> None:
    cells = split(_campus(), method="square", cell_size_m=100, zones=3)
    names = match_quarters(cells.geometry.values, cells["zone"], ["甲", "乙", "丙"], targets={})
    assert sorted(names.values()) == ["丙", "乙", "甲"] and sorted(names) == [1, 2, 3]
