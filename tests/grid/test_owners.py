"""Grid owners: explicit mapping, balance by workload, fallback owner (属地兜底)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely import box

from tests.shapes import METRIC_CRS
from zoning.errors import InvalidInput
from zoning.grid.owners import assign_owners, cell_loads
from zoning.grid.splitting import split


@pytest.fixture
def cells() -> gpd.GeoDataFrame:
    campus = gpd.GeoSeries([box(0, 0, 400, 200)], crs=METRIC_CRS)
    # 8 cells of 100 m, zone 1 in the west, zone 2 in the east.
    return split(campus, method="square", cell_size_m=100, zones=2, campus_code="O")


def test_mapping_is_applied_and_rest_balanced(cells: gpd.GeoDataFrame) -> None:
    owners = pd.DataFrame({"name": ["Li", "Wang", "Zhao"], "zone": [1, 1, 2]})
    out = assign_owners(cells, owners, mapping={"O-01-001": "Li"})
    assert out.loc[out["code"] == "O-01-001", "owner"].item() == "Li"
    assert out["owner"].notna().all()
    zone1 = out[out["zone"] == 1]["owner"].value_counts()
    assert zone1.to_dict() == {"Li": 2, "Wang": 2}
    assert set(out[out["zone"] == 2]["owner"]) == {"Zhao"}
    assert "owner" not in cells.columns  # a new frame


def test_balance_counts_building_floor_area(cells: gpd.GeoDataFrame) -> None:
    # A 5-storey building in the first cell of zone 1 doubles its workload and more.
    first = cells[cells["code"] == "O-01-001"].geometry.item()
    x0, y0 = first.bounds[:2]
    buildings = gpd.GeoDataFrame(
        {"levels": [5]}, geometry=[box(x0 + 10, y0 + 10, x0 + 90, y0 + 90)], crs=METRIC_CRS
    )
    loads = cell_loads(cells, buildings=buildings)
    assert loads.max() == pytest.approx(10_000 + 80 * 80 * 5)
    owners = pd.DataFrame({"name": ["Li", "Wang"], "zone": [1, 1]})
    out = assign_owners(cells, owners, buildings=buildings, fallback={2: "Guard"})
    zone1 = out[out["zone"] == 1]
    heavy = zone1.loc[zone1["code"] == "O-01-001", "owner"].item()
    # Greedy: the heavy cell alone (42,000 m²) against the three light ones (30,000 m²).
    assert (zone1["owner"] == heavy).sum() == 1
    assert set(out[out["zone"] == 2]["owner"]) == {"Guard"}


def test_campus_wide_owners_serve_zones_without_their_own(cells: gpd.GeoDataFrame) -> None:
    owners = pd.DataFrame({"name": ["Li", "Chen"], "zone": [1, None]})
    out = assign_owners(cells, owners)
    assert set(out[out["zone"] == 1]["owner"]) == {"Li"}
    assert set(out[out["zone"] == 2]["owner"]) == {"Chen"}


def test_zone_without_owner_or_fallback_is_an_error(cells: gpd.GeoDataFrame) -> None:
    with pytest.raises(InvalidInput, match="Zone\\(s\\) 2"):
        assign_owners(cells, pd.DataFrame({"name": ["Li"], "zone": [1]}))


def test_unknown_code_or_person_is_an_error(cells: gpd.GeoDataFrame) -> None:
    owners = pd.DataFrame({"name": ["Li"]})
    with pytest.raises(InvalidInput, match="O-09-999"):
        assign_owners(cells, owners, mapping={"O-09-999": "Li"})
    with pytest.raises(InvalidInput, match="Ghost"):
        assign_owners(cells, owners, mapping={"O-01-001": "Ghost"})
    with pytest.raises(InvalidInput, match="name"):
        assign_owners(cells, pd.DataFrame({"person": ["Li"]}))
