"""Plan diff: added, removed, changed with area delta, unchanged, owner changes of items."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely import box

from tests.shapes import METRIC_CRS
from zoning.errors import InvalidInput
from zoning.plans.diff import diff_plans
from zoning.plans.edits import Link


def plan(rows: list[tuple[str, int, str, shapely.Polygon]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], "zone": [r[1] for r in rows], "owner": [r[2] for r in rows]},
        geometry=[r[3] for r in rows],
        crs=METRIC_CRS,
    )


def test_diff_counts_cells_and_items_that_change_owner() -> None:
    a = plan(
        [
            ("A", 1, "甲", box(0, 0, 100, 100)),
            ("B", 1, "甲", box(100, 0, 200, 100)),
            ("C", 1, "乙", box(200, 0, 300, 100)),
            ("D", 1, "乙", box(300, 0, 400, 100)),
        ]
    )
    b = plan(
        [
            ("A", 1, "甲", box(0, 0, 120, 100)),
            ("C", 1, "乙", box(200, 0, 300, 100)),
            ("E", 1, "乙", box(120, 0, 200, 100)),
            ("D", 1, "丙", box(300, 0, 400, 100)),
        ]
    )
    items = gpd.GeoDataFrame(
        geometry=[shapely.Point(50, 50), shapely.Point(110, 50), shapely.Point(150, 50),
                  shapely.Point(250, 50), shapely.Point(350, 50)],
        crs=METRIC_CRS,
    )  # fmt: skip
    found = diff_plans(a, b, lineage=[Link("B", "E", "import")], items={"hazards": items})
    assert found.added == ("E",) and found.removed == ("B",)
    changes = {c.code: c for c in found.changed}
    assert set(changes) == {"A", "D"}
    assert changes["A"].area_delta_m2 == pytest.approx(2_000)
    assert changes["D"].area_delta_m2 == 0 and changes["D"].owner_after == "丙"
    assert found.unchanged == ("C",)
    # (110, 50) moves from B (甲) to A (甲): same owner; (150, 50) B → E (乙); D → 丙
    assert found.owner_changes == {"hazards": 2} and found.open_items == {"hazards": 5}
    assert found.status() == {"A": "changed", "B": "removed", "C": "unchanged", "D": "changed",
                              "E": "added"}  # fmt: skip
    assert found.to_json()["lineage"] == [{"old": "B", "new": "E", "kind": "import"}]


def test_diff_needs_one_metric_crs() -> None:
    a = plan([("A", 1, "甲", box(0, 0, 1, 1))])
    with pytest.raises(InvalidInput):
        diff_plans(a, a.to_crs("EPSG:4326"))


def test_added_and_removed_cells_carry_their_area_and_owner() -> None:
    a = gpd.GeoDataFrame({"code": ["A", "B"], "zone": [1, 1], "owner": ["甲", "乙"]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=METRIC_CRS)  # fmt: skip
    b = gpd.GeoDataFrame({"code": ["A", "C"], "zone": [1, 2], "owner": ["甲", "丙"]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 5)], crs=METRIC_CRS)  # fmt: skip
    found = {c.code: c for c in diff_plans(a, b).added_removed}
    added = found["C"]
    assert (added.area_after_m2, added.owner_after, added.zone_after) == (50, "丙", 2)
    assert (found["B"].area_before_m2, found["B"].owner_before, found["B"].area_after_m2) == (
        100, "乙", 0)  # fmt: skip
