"""Point location: every point in the campus gets exactly one cell, deterministically."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box

from tests.shapes import METRIC_CRS, TWO_PARTS, WITH_LAKE
from zoning.assign import CellIndex, locate, locate_codes, locate_square
from zoning.errors import InvalidInput
from zoning.grid import split


def brute_force(xy: np.ndarray, cells: gpd.GeoDataFrame) -> np.ndarray:
    """Lowest row whose closed cell holds the point, -1 if none (the reference answer)."""
    geoms = np.asarray(cells.geometry.values)
    out = np.full(len(xy), -1)
    for k, (x, y) in enumerate(xy):
        hits = np.flatnonzero(shapely.intersects_xy(geoms, x, y))
        out[k] = hits[0] if len(hits) else -1
    return out


@pytest.fixture(scope="module")
def unit_cells() -> gpd.GeoDataFrame:
    lines = [shapely.LineString([(x, -5), (x + 40, 705)]) for x in (120, 410, 700)]
    roads = gpd.GeoDataFrame({"road_class": ["service"] * 3}, geometry=lines, crs=METRIC_CRS)
    return split(
        gpd.GeoSeries([WITH_LAKE], crs=METRIC_CRS),
        method="unit",
        barriers=roads,
        max_area_m2=30_000,
    )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_random_points_match_brute_force(unit_cells: gpd.GeoDataFrame, seed: int) -> None:
    rng = np.random.default_rng(seed)
    xy = rng.uniform([-50, -50], [950, 750], size=(300, 2))
    got = locate(xy, unit_cells)
    assert got.tolist() == brute_force(xy, unit_cells).tolist()
    inside = shapely.intersects_xy(WITH_LAKE, xy[:, 0], xy[:, 1])
    assert np.all((got >= 0) == inside)


def test_vertices_and_edges_go_to_the_lowest_row(unit_cells: gpd.GeoDataFrame) -> None:
    coords = shapely.get_coordinates(np.asarray(unit_cells.geometry.values))
    mids = (coords[:-1] + coords[1:]) / 2  # midpoints of edges (and a few chords)
    xy = np.vstack([coords, mids])
    got = locate(xy, unit_cells)
    assert got.tolist() == brute_force(xy, unit_cells).tolist()
    # Same answer from a fresh index, and for geometries instead of coordinates.
    again = CellIndex(unit_cells).locate(gpd.GeoSeries(shapely.points(xy), crs=METRIC_CRS))
    assert again.tolist() == got.tolist()


def test_shared_corner_of_four_squares() -> None:
    cells = split(
        gpd.GeoSeries([box(0, 0, 200, 200)], crs=METRIC_CRS), method="square", cell_size_m=100
    )
    got = locate(np.array([[100.0, 100.0], [100.0, 50.0], [0.0, 0.0], [200.0, 200.0]]), cells)
    geoms = np.asarray(cells.geometry.values)
    for row, (x, y) in zip(got, [(100, 100), (100, 50), (0, 0), (200, 200)], strict=True):
        hits = np.flatnonzero(shapely.intersects_xy(geoms, x, y))
        assert row == hits.min()


def test_outside_points_get_minus_one() -> None:
    cells = split(gpd.GeoSeries([TWO_PARTS], crs=METRIC_CRS), method="square", cell_size_m=100)
    xy = np.array([[700.0, 300.0], [-1.0, 0.0], [5000.0, 5000.0], [50.0, 50.0], [850, 350]])
    got = locate(xy, cells)
    assert got[:3].tolist() == [-1, -1, -1]
    assert got[3] >= 0 and got[4] >= 0
    codes = locate_codes(xy, cells)
    assert codes[0] is None and codes[3] == cells["code"].iloc[got[3]]


def test_points_in_the_lake_are_outside(unit_cells: gpd.GeoDataFrame) -> None:
    assert locate(np.array([[450.0, 350.0]]), unit_cells).tolist() == [-1]


def test_locate_square_index_arithmetic() -> None:
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [29.999, 19.999], [30.0, 5.0], [-0.001, 5.0]])
    got = locate_square(xy, origin=(0.0, 0.0), cell_size_m=10.0, shape=(2, 3))
    assert got.tolist() == [0, 1, 5, -1, -1]
    with pytest.raises(InvalidInput):
        locate_square(xy, origin=(0, 0), cell_size_m=0, shape=(1, 1))


def test_non_points_are_rejected() -> None:
    cells = split(gpd.GeoSeries([box(0, 0, 100, 100)], crs=METRIC_CRS), method="square")
    with pytest.raises(InvalidInput):
        locate(gpd.GeoSeries([box(0, 0, 1, 1)], crs=METRIC_CRS), cells)


def test_empty_inputs() -> None:
    cells = split(gpd.GeoSeries([box(0, 0, 100, 100)], crs=METRIC_CRS), method="square")
    assert len(locate(np.empty((0, 2)), cells)) == 0
    assert locate(np.array([[1.0, 1.0]]), cells.iloc[:0]).tolist() == [-1]


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), method=st.sampled_from(["hex", "square"]))
def test_dense_points_match_brute_force_on_hex_and_square(seed: int, method: str) -> None:
    campus = gpd.GeoSeries([WITH_LAKE], crs=METRIC_CRS)
    kw: dict[str, object] = {"h3_res": 11} if method == "hex" else {"cell_size_m": 37.0}
    cells = split(campus, method=method, **kw)  # type: ignore[arg-type]
    rng = np.random.default_rng(seed)
    xy = rng.uniform([-10, -10], [910, 710], size=(400, 2))
    # Snap some points to cell vertices, where ties are decided.
    coords = shapely.get_coordinates(np.asarray(cells.geometry.values))
    xy[:50] = coords[rng.integers(0, len(coords), 50)]
    assert locate(xy, cells).tolist() == brute_force(xy, cells).tolist()


def test_overlapping_cells_still_give_the_lowest_row() -> None:
    cells = gpd.GeoDataFrame(
        geometry=[box(0, 0, 100, 100), box(20, 20, 60, 60), box(50, 0, 150, 100)], crs=METRIC_CRS
    )
    rng = np.random.default_rng(1)
    xy = rng.uniform([-10, -10], [160, 110], size=(2_000, 2))
    assert locate(xy, cells).tolist() == brute_force(xy, cells).tolist()
