"""The synthetic demo campus: deterministic, believable and geometrically clean."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from zoning.campus.layers import COLUMNS, GEOMETRY_TYPES, LAYER_NAMES
from zoning.demo.build import DemoCampus, build_demo
from zoning.errors import InvalidInput

METRIC = "EPSG:32650"
#: Minimum distance (m) from a building to a road centreline, by road class.
MIN_SETBACK_M = {
    "primary": 12.0,
    "secondary": 10.0,
    "tertiary": 8.0,
    "service": 5.0,
    "footway": 1.5,
}


@pytest.fixture(scope="module")
def small() -> DemoCampus:
    return build_demo(seed=0)


@pytest.fixture(scope="module")
def metric(small: DemoCampus) -> dict[str, gpd.GeoDataFrame]:
    return {name: small.layers.layer(name).to_crs(METRIC) for name in LAYER_NAMES}


def _pairs_overlapping(geoms: np.ndarray) -> list[tuple[int, int]]:
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    return [(int(i), int(j)) for i, j in zip(left, right, strict=True) if i < j]


def test_same_seed_gives_byte_identical_layers(small: DemoCampus) -> None:
    again = build_demo(seed=0)
    for name in LAYER_NAMES:
        ours, theirs = small.layers.layer(name), again.layers.layer(name)
        assert ours.geometry.to_wkt().tolist() == theirs.geometry.to_wkt().tolist()
        pd.testing.assert_frame_equal(
            pd.DataFrame(ours.drop(columns="geometry")),
            pd.DataFrame(theirs.drop(columns="geometry")),
        )
    pd.testing.assert_frame_equal(small.people, again.people)
    assert small.quarters.geometry.to_wkt().tolist() == again.quarters.geometry.to_wkt().tolist()


def test_another_seed_gives_another_campus(small: DemoCampus) -> None:
    other = build_demo(seed=1)
    assert not other.layers.boundary.geometry[0].equals(small.layers.boundary.geometry[0])
    assert other.layers.buildings.geometry.to_wkt().tolist() != (
        small.layers.buildings.geometry.to_wkt().tolist()
    )
    assert other.people["name"].tolist() != small.people["name"].tolist()


def test_every_layer_has_exactly_the_schema_columns(small: DemoCampus) -> None:
    for name in LAYER_NAMES:
        frame = small.layers.layer(name)
        assert list(frame.columns) == [*COLUMNS[name], "geometry"], name
        assert frame.crs is not None and frame.crs.to_epsg() == 4326
        for col, dtype in COLUMNS[name].items():
            assert str(frame[col].dtype) == dtype, (name, col)
        assert set(frame.geom_type) <= set(GEOMETRY_TYPES[name]), name


def test_boundary_is_an_irregular_1_5_km2_campus_near_tianjin(
    small: DemoCampus, metric: dict[str, gpd.GeoDataFrame]
) -> None:
    boundary = metric["boundary"].geometry.union_all()
    assert 1.4e6 <= boundary.area <= 1.6e6
    assert boundary.convex_hull.area > boundary.area * 1.01  # not convex
    centre = small.layers.boundary.geometry.union_all().centroid
    assert abs(centre.x - 117.70) < 0.01 and abs(centre.y - 39.08) < 0.01


def test_small_counts_are_in_range(small: DemoCampus) -> None:
    counts = small.layers.counts()
    assert 350 <= counts["cameras"] <= 450
    assert counts["buildings"] >= 120
    assert set(small.layers.roads["road_class"]) == {
        "primary",
        "secondary",
        "tertiary",
        "service",
        "footway",
    }
    assert set(small.layers.landcover["kind"]) == {"water", "green", "sport", "parking"}
    pois = small.layers.pois
    assert sorted(pois.loc[pois["kind"] == "gate", "name"]) == sorted(
        ["南门", "北门", "东门", "西门"]
    )
    assert {"entrance", "canteen", "library", "clinic", "parking"} <= set(pois["kind"])
    uses = set(small.layers.buildings["use"])
    assert {"dormitory", "university", "laboratory", "library", "canteen", "sports_hall"} <= uses
    assert "office" in uses
    assert small.layers.landcover["name"].eq("田径场跑道").any()


def test_all_geometries_are_valid(metric: dict[str, gpd.GeoDataFrame]) -> None:
    for name, frame in metric.items():
        geoms = frame.geometry.values
        assert shapely.is_valid(geoms).all(), name
        assert not shapely.is_empty(geoms).any(), name


def test_buildings_are_disjoint_inside_and_off_the_roads(
    metric: dict[str, gpd.GeoDataFrame],
) -> None:
    feet = np.asarray(metric["buildings"].geometry.values)
    assert _pairs_overlapping(feet) == []
    boundary = metric["boundary"].geometry.union_all()
    assert shapely.contains(boundary, feet).all()
    roads = metric["roads"]
    tree = shapely.STRtree(feet)
    for road_class, setback in MIN_SETBACK_M.items():
        lines = np.asarray(roads.loc[roads["road_class"] == road_class].geometry.values)
        too_close, _ = tree.query(lines, predicate="dwithin", distance=setback)
        assert len(too_close) == 0, road_class
    water = metric["landcover"].loc[metric["landcover"]["kind"] == "water"].geometry.union_all()
    assert not shapely.intersects(water, feet).any()


def test_buildings_look_like_a_campus(metric: dict[str, gpd.GeoDataFrame]) -> None:
    b = metric["buildings"]
    assert (b["height_source"] == "levels").all()
    assert np.allclose(b["height_m"], b["levels"].astype(float) * 3.3, atol=0.051)
    assert b["name"].str.contains(r"[\u4e00-\u9fff]").all()
    assert b["name"].str.fullmatch(r"学生宿舍\d+号楼").sum() >= 20
    assert (b["name"] == "图书馆").sum() == 1
    with_hole = shapely.get_num_interior_rings(b.geometry.values) > 0
    concave = shapely.area(b.geometry.convex_hull.values) > shapely.area(b.geometry.values) * 1.05
    assert with_hole.any() and (concave & ~with_hole).any()


def test_landcover_does_not_overlap_buildings(metric: dict[str, gpd.GeoDataFrame]) -> None:
    feet = np.asarray(metric["buildings"].geometry.values)
    cover = np.asarray(metric["landcover"].geometry.values)
    hits, _ = shapely.STRtree(feet).query(cover, predicate="overlaps")
    assert len(hits) == 0
    assert _pairs_overlapping(cover) == [] or all(
        shapely.intersection(cover[i], cover[j]).area < 1.0 for i, j in _pairs_overlapping(cover)
    )


def test_camera_attributes_are_in_range(small: DemoCampus) -> None:
    cams = small.layers.cameras
    assert cams["heading_deg"].between(0.0, 360.0, inclusive="left").all()
    assert cams["hfov_deg"].between(60.0, 110.0).all()
    assert cams["range_m"].between(20.0, 60.0).all()
    assert cams["mount_height_m"].between(3.0, 6.0).all()
    assert cams["tilt_deg"].between(10.0, 30.0).all()
    assert set(cams["resolution_px"]) <= {1920, 2560, 3840}
    assert cams["source_id"].is_unique


def test_cameras_look_at_something_they_watch(metric: dict[str, gpd.GeoDataFrame]) -> None:
    cams = metric["cameras"]
    xy = shapely.get_coordinates(cams.geometry.values)
    heading = np.radians(cams["heading_deg"].to_numpy())
    reach = np.minimum(cams["range_m"].to_numpy(), 25.0)
    ahead = xy + reach[:, None] * np.column_stack([np.sin(heading), np.cos(heading)])
    rays = shapely.linestrings(np.stack([xy, ahead], axis=1))
    watched = np.concatenate(
        [
            metric["buildings"].geometry.values,
            metric["roads"].loc[metric["roads"]["road_class"] != "footway"].geometry.values,
            metric["landcover"]
            .loc[metric["landcover"]["kind"].isin(["sport", "parking"])]
            .geometry.values,
            metric["pois"].loc[metric["pois"]["kind"] == "gate"].geometry.buffer(3.0).values,
        ]
    )
    seen, _ = shapely.STRtree(watched).query(rays, predicate="intersects")
    looking = np.zeros(len(rays), dtype=bool)
    looking[seen] = True
    assert looking.all(), cams.loc[~looking, "name"].tolist()[:5]
    # and every camera stands close to what it watches
    near, _ = shapely.STRtree(watched).query(
        cams.geometry.values, predicate="dwithin", distance=15.0
    )
    assert len(np.unique(near)) == len(cams)


def test_indoor_cameras_are_inside_footprints_and_outdoor_ones_outside(
    metric: dict[str, gpd.GeoDataFrame],
) -> None:
    cams = metric["cameras"]
    feet = np.asarray(metric["buildings"].geometry.values)
    hit, _ = shapely.STRtree(feet).query(cams.geometry.values, predicate="within")
    inside = np.zeros(len(cams), dtype=bool)
    inside[hit] = True
    indoor = cams["indoor"].to_numpy()
    assert 3 <= indoor.sum() <= 30
    assert (inside == indoor).all()


def test_main_roads_share_a_node_where_they_cross(metric: dict[str, gpd.GeoDataFrame]) -> None:
    roads = metric["roads"]
    main = np.asarray(roads.loc[roads["road_class"] != "footway"].geometry.values)
    crossings = 0
    for i, j in _pairs_overlapping(main):
        for p in shapely.get_coordinates(shapely.intersection(main[i], main[j])):
            crossings += 1
            for line in (main[i], main[j]):
                gap = np.hypot(*(shapely.get_coordinates(line) - p).T).min()
                assert gap < 1e-3
    assert crossings >= 20


def test_gates_sit_on_the_boundary_at_the_ends_of_the_avenues(
    metric: dict[str, gpd.GeoDataFrame],
) -> None:
    edge = metric["boundary"].geometry.union_all().exterior
    gates = metric["pois"].loc[metric["pois"]["kind"] == "gate"].geometry
    assert (gates.distance(edge) < 0.5).all()
    for line in metric["roads"].loc[metric["roads"]["road_class"] == "primary"].geometry:
        for end in (shapely.get_point(line, 0), shapely.get_point(line, -1)):
            assert gates.distance(end).min() < 0.5


def test_people_fill_the_chain_of_responsibility(small: DemoCampus) -> None:
    people = small.people
    assert list(people.columns) == ["name", "role", "quarter", "phone"]
    roles = people["role"].value_counts()
    assert 1 <= roles["leadership"] <= 2
    assert 2 <= roles["safety_office"] <= 3
    assert 30 <= roles["owner"] <= 40
    quarter_names = set(small.quarters["name"])
    leaders = people.loc[people["role"] == "zone_leader", "quarter"]
    assert sorted(leaders) == sorted(quarter_names) and leaders.is_unique
    owners = people.loc[people["role"] == "owner", "quarter"]
    assert set(owners) == quarter_names
    assert people.loc[people["role"].isin(["leadership", "safety_office"]), "quarter"].isna().all()
    assert people["name"].is_unique and people["phone"].is_unique
    assert all(re.fullmatch(r"138-0000-\d{4}", p) for p in people["phone"])


def test_quarters_tile_the_campus(small: DemoCampus, metric: dict[str, gpd.GeoDataFrame]) -> None:
    quarters = small.quarters.to_crs(METRIC)
    assert {
        "dormitory",
        "teaching",
        "laboratory",
        "library",
        "canteen",
        "sports",
        "admin",
        "gates",
    } == set(quarters["kind"])
    assert shapely.is_valid(quarters.geometry.values).all()
    boundary = metric["boundary"].geometry.union_all()
    assert quarters.area.sum() == pytest.approx(boundary.area, rel=1e-4)
    assert quarters.geometry.union_all().symmetric_difference(boundary).area < 1.0


def test_large_campus_is_big_enough_for_benchmarks() -> None:
    large = build_demo(scale="large", seed=0)
    counts = large.layers.counts()
    assert counts["buildings"] >= 3000
    assert counts["cameras"] >= 2000
    feet = np.asarray(large.layers.buildings.to_crs(METRIC).geometry.values)
    assert shapely.is_valid(feet).all()
    assert _pairs_overlapping(feet) == []
    centre = large.layers.boundary.geometry.union_all().centroid
    assert abs(centre.x - 117.70) < 0.02 and abs(centre.y - 39.08) < 0.02


@pytest.mark.parametrize(("scale", "seed"), [("huge", 0), ("small", -1)])
def test_bad_arguments_raise_invalid_input(scale: str, seed: int) -> None:
    with pytest.raises(InvalidInput):
        build_demo(scale=scale, seed=seed)  # type: ignore[arg-type]
