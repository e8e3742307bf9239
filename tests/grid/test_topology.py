"""Plan validation: every problem kind is found, with the right cells and a location."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import Polygon, box

from tests.shapes import METRIC_CRS, RECTANGLE, SLIVER, WITH_LAKE
from zoning.errors import InvalidInput
from zoning.grid.splitting import split
from zoning.grid.topology import Problem, is_sliver, problems_to_json, validate


def cells_of(
    geoms: list[object], codes: list[str], owners: list[str | None] | None = None
) -> gpd.GeoDataFrame:
    owners = owners if owners is not None else ["Li"] * len(geoms)
    return gpd.GeoDataFrame({"code": codes, "owner": owners}, geometry=geoms, crs=METRIC_CRS)


CAMPUS = box(0, 0, 200, 100)


def kinds(problems: list[Problem]) -> list[str]:
    return sorted(p.kind for p in problems)


def test_a_clean_plan_has_no_problem() -> None:
    plan = cells_of([box(0, 0, 100, 100), box(100, 0, 200, 100)], ["D-01-001", "D-01-002"])
    assert validate(plan, campus=CAMPUS) == []


def test_split_output_is_valid_once_owned() -> None:
    cells = split(gpd.GeoSeries([WITH_LAKE], crs=METRIC_CRS), method="square", cell_size_m=100)
    cells["owner"] = "Wang"
    problems = validate(cells, campus=WITH_LAKE, sliver_thinness=0.0)
    assert problems == []


def test_overlap_is_reported_with_both_cells() -> None:
    plan = cells_of([box(0, 0, 105, 100), box(100, 0, 200, 100)], ["D-01-003", "D-01-004"])
    problems = validate(plan, campus=CAMPUS)
    assert kinds(problems) == ["overlap"]
    p = problems[0]
    assert p.cells == ("D-01-003", "D-01-004")
    assert p.location.area == pytest.approx(500)
    assert "overlap by 500.0 m²" in p.message and "near (" in p.message


def test_cell_inside_another_is_an_overlap() -> None:
    plan = cells_of([CAMPUS, box(10, 10, 20, 20)], ["A", "B"])
    problems = [p for p in validate(plan, campus=CAMPUS) if p.kind == "overlap"]
    assert len(problems) == 1 and problems[0].location.area == pytest.approx(100)


def test_gap_above_tolerance_is_reported() -> None:
    plan = cells_of([box(0, 0, 95, 100), box(100, 0, 200, 100)], ["G-01-001", "G-01-002"])
    problems = validate(plan, campus=CAMPUS)
    assert kinds(problems) == ["gap"]
    assert set(problems[0].cells) == {"G-01-001", "G-01-002"}
    assert problems[0].location.area == pytest.approx(500)
    # Below the tolerance it is not a problem.
    tiny = cells_of([box(0, 0, 99.999, 100), box(100, 0, 200, 100)], ["a", "b"])
    assert validate(tiny, campus=CAMPUS, gap_tolerance_m2=1.0) == []


def test_cell_outside_the_campus_is_reported() -> None:
    plan = cells_of([box(0, 0, 100, 100), box(100, 0, 230, 100)], ["O-1", "O-2"])
    problems = validate(plan, campus=CAMPUS)
    assert kinds(problems) == ["outside"]
    assert problems[0].cells == ("O-2",)
    assert problems[0].location.area == pytest.approx(3000)


def test_invalid_geometry_is_reported() -> None:
    bowtie = Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    plan = cells_of([bowtie, box(100, 0, 200, 100)], ["B-1", "B-2"])
    problems = validate(plan, campus=CAMPUS)
    bad = [p for p in problems if p.kind == "invalid_geometry"]
    assert len(bad) == 1 and bad[0].cells == ("B-1",)
    multi = cells_of([shapely.MultiPolygon([box(0, 0, 10, 10), box(20, 0, 30, 10)])], ["M"])
    assert [p.kind for p in validate(multi, campus=CAMPUS)].count("invalid_geometry") == 1


def test_sliver_small_and_large_cells() -> None:
    campus = box(0, 0, 200, 100.5)
    plan = cells_of(
        [box(0, 0, 100, 100), box(100, 0, 200, 100), shapely.affinity.translate(SLIVER, 0, 100)],
        ["S-1", "S-2", "S-3"],
    )
    problems = validate(plan, campus=campus, min_area_m2=200, max_area_m2=9_000)
    assert sorted((p.kind, p.cells) for p in problems) == [
        ("sliver", ("S-3",)),
        ("too_large", ("S-1",)),
        ("too_large", ("S-2",)),
        ("too_small", ("S-3",)),
    ]


def test_long_building_and_open_space_around_buildings_are_not_slivers() -> None:
    # A 300 m × 10 m teaching block (thinness 0.096) and the open space around nine
    # buildings (thinness 0.06, mean width 17 m): thin by 4πA/P², but no sliver.
    campus = box(0, 0, 300, 110)
    block = box(0, 100, 300, 110)
    holes = [box(20 + 30 * i, 40, 40 + 30 * i, 60).exterior.coords for i in range(9)]
    open_space = shapely.Polygon(box(0, 0, 300, 100).exterior.coords, holes)
    buildings = [box(20 + 30 * i, 40, 40 + 30 * i, 60) for i in range(9)]
    plan = cells_of([block, open_space, *buildings], [f"B-{i}" for i in range(11)], ["Li"] * 11)
    assert validate(plan, campus=campus) == []
    # a ring 0.5 m wide around a building is a sliver all the same
    ring = box(99.5, 49.5, 120.5, 70.5).difference(box(100, 50, 120, 70))
    assert bool(is_sliver(np.array([ring]))[0])
    assert not is_sliver(np.array([block, open_space]))[0:2].any()


def test_missing_owner_and_duplicate_code() -> None:
    plan = cells_of([box(0, 0, 100, 100), box(100, 0, 200, 100)], ["D-1", "D-1"], ["Li", None])
    problems = validate(plan, campus=CAMPUS)
    assert kinds(problems) == ["duplicate_code", "no_owner"]
    dup = next(p for p in problems if p.kind == "duplicate_code")
    assert dup.cells == ("D-1", "D-1")
    assert validate(plan.drop(columns="owner"), campus=CAMPUS, require_owner=False)[0].kind == (
        "duplicate_code"
    )
    assert len(validate(plan.drop(columns="owner"), campus=CAMPUS)) == 3


def test_problems_to_json_gives_wgs84_wkt() -> None:
    plan = cells_of([box(0, 0, 105, 100), box(100, 0, 200, 100)], ["J-1", "J-2"])
    payload = problems_to_json(validate(plan, campus=CAMPUS))
    assert payload[0]["kind"] == "overlap"
    assert payload[0]["cells"] == ["J-1", "J-2"]
    geom = shapely.from_wkt(payload[0]["location_wkt"])
    lon, lat = geom.centroid.x, geom.centroid.y
    assert 110 < lon < 120 and -1 < lat < 1  # UTM 50N near its origin


def test_validate_needs_a_metric_crs() -> None:
    plan = gpd.GeoDataFrame({"code": ["a"]}, geometry=[RECTANGLE], crs="EPSG:4326")
    with pytest.raises(InvalidInput):
        validate(plan, campus=RECTANGLE)
