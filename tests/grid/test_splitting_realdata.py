"""Every real OSM campus: unit and building splits partition it exactly (roads as barriers)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from tests.partition import check_partition
from tests.realdata import ALL, load_metric
from zoning.grid.locate import locate
from zoning.grid.splitting import MIN_CELL_M2, campus_geometry, split
from zoning.grid.topology import validate


def load(name: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, gpd.GeoDataFrame]:
    return load_metric(name)


@pytest.mark.parametrize("method", ["unit", "building"])
@pytest.mark.parametrize("name", ALL)
def test_real_campus_is_partitioned(name: str, method: str) -> None:
    boundary, roads, buildings = load(name)
    campus = campus_geometry(boundary)
    cells = split(
        boundary, method=method, barriers=roads, buildings=buildings, campus_code=name.upper()
    )
    check_partition(cells, campus)
    assert cells["area_m2"].max() <= 20_000 + 1e-6 or method == "building"
    cells["owner"] = "someone"
    # a fresh split validates as it is (area bounds aside: the building method keeps
    # large buildings whole), so it can be activated once owners are assigned
    problems = [
        (p.kind, p.message)
        for p in validate(cells, campus=boundary)
        if p.kind not in ("too_small", "too_large")
    ]
    assert problems == []
    if method == "building":
        assert (cells["kind"] == "building").sum() >= 0.8 * len(buildings.clip(campus))


@pytest.mark.parametrize("name", ["bupt", "shu"])
def test_real_campus_square_and_point_location(name: str) -> None:
    boundary, _, _ = load(name)
    campus = campus_geometry(boundary)
    cells = split(boundary, method="square", cell_size_m=50)
    check_partition(cells, campus)
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = campus.bounds
    xy = rng.uniform([minx, miny], [maxx, maxy], size=(5_000, 2))
    rows = locate(xy, cells)
    inside = shapely.intersects_xy(campus, xy[:, 0], xy[:, 1])
    assert np.all((rows >= 0) == inside)
    geoms = np.asarray(cells.geometry.values)
    assert np.all(shapely.intersects_xy(geoms[rows[inside]], xy[inside, 0], xy[inside, 1]))


@pytest.mark.parametrize("method", ["square", "hex", "unit", "building"])
@pytest.mark.parametrize("name", ALL)
def test_real_campus_has_no_crumbs(name: str, method: str) -> None:
    """Every method on every real campus: no cell under the 50 m² floor, and it validates."""
    boundary, roads, buildings = load(name)
    cells = split(boundary, method=method, barriers=roads, buildings=buildings)
    assert cells.geometry.area.min() >= MIN_CELL_M2
    cells["owner"] = "someone"
    assert [p.message for p in validate(cells, campus=boundary, min_area_m2=MIN_CELL_M2)] == []
