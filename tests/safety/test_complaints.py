"""Complaints (接诉即办): routing to the cell owner, deadline tiers, duplicates, outside campus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely import box

from zoning.errors import InvalidInput
from zoning.safety.complaints import (
    DEFAULT_CATEGORIES,
    TIERS_H,
    CellLocator,
    CellRef,
    ComplaintCategory,
    RoutedComplaint,
    distance_m,
    route_complaint,
)
from zoning.safety.domains import DOMAIN_CODES

UTM50 = "EPSG:32650"
TO_LONLAT = Transformer.from_crs(UTM50, "EPSG:4326", always_xy=True)
X0, Y0 = 443_000.0, 4_423_000.0  # near 116.33 E, 39.96 N (Haidian, Beijing)
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_LONLAT.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def campus() -> gpd.GeoDataFrame:
    """Four 100 m cells: A (wang) B (vacant) in zone Z1, C (li) D (zhou) in zone Z2."""
    return gpd.GeoDataFrame(
        {
            "code": ["A", "B", "C", "D"],
            "zone": ["Z1", "Z1", "Z2", "Z2"],
            "owner": ["wang", None, "li", "zhou"],
        },
        geometry=[
            box(X0, Y0, X0 + 100, Y0 + 100),
            box(X0 + 100, Y0, X0 + 200, Y0 + 100),
            box(X0, Y0 + 100, X0 + 100, Y0 + 200),
            box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200),
        ],
        crs=UTM50,
    )


LOCATE = CellLocator(campus())


def route(
    complaint_id: str, x: float, y: float, category: str = "repairs", **kw: object
) -> RoutedComplaint:
    lon, lat = lonlat(x, y)
    args: dict[str, object] = {"received_at": T0, "locate": LOCATE, "text": "路灯不亮", **kw}
    return route_complaint(complaint_id=complaint_id, lon=lon, lat=lat, category=category, **args)  # type: ignore[arg-type]


def test_routed_to_the_owner_of_the_cell_that_contains_it() -> None:
    out = route("K1", 50, 150)
    assert (out.complaint.cell_code, out.complaint.zone, out.complaint.owner) == ("C", "Z2", "li")
    assert route("K2", 150, 150).complaint.owner == "zhou"
    assert route("K3", 10, 10).complaint.owner == "wang"


def test_vacant_cell_falls_to_the_zone_fallback_owner() -> None:
    assert route("K1", 150, 50).complaint.owner is None
    out = route("K2", 150, 50, fallback_owners={"Z1": "zone1_duty"})
    assert (out.complaint.cell_code, out.complaint.owner) == ("B", "zone1_duty")
    assert out.hazard.owner == "zone1_duty"


def test_a_point_on_a_shared_edge_goes_to_one_cell() -> None:
    assert route("K1", 100, 50).complaint.cell_code == "A"  # first in code order


def test_a_cells_geodataframe_works_as_well_as_a_locator() -> None:
    lon, lat = lonlat(150, 150)
    out = route_complaint(
        complaint_id="K1",
        lon=lon,
        lat=lat,
        category="noise",
        text="夜间施工噪声",
        received_at=T0,
        locate=campus(),
    )
    assert out.complaint.cell_code == "D"


def test_a_callable_locator() -> None:
    def locate(lon: float, lat: float) -> CellRef | None:
        return CellRef("X9", "Z9", "gate_guard") if lon > 0 else None

    out = route_complaint(
        complaint_id="K1",
        lon=116.3,
        lat=39.9,
        category="repairs",
        text="门禁坏了",
        received_at=T0,
        locate=locate,
    )
    assert out.complaint.owner == "gate_guard"


def test_outside_the_campus_is_refused_with_the_point() -> None:
    lon, lat = lonlat(500, 500)
    with pytest.raises(InvalidInput, match=rf"\({lon:.6f}, {lat:.6f}\) lies outside the campus"):
        route("K1", 500, 500)


def test_cells_must_be_in_a_metric_crs() -> None:
    with pytest.raises(InvalidInput, match="not a metric CRS"):
        CellLocator(campus().to_crs("EPSG:4326"))
    with pytest.raises(InvalidInput, match=r"lack column.*owner"):
        CellLocator(campus().drop(columns=["owner"]))


@pytest.mark.parametrize(
    ("category", "hours"),
    [("urgent_safety", 2), ("repairs", 24), ("environment", 168), ("suggestion", 360)],
)
def test_deadline_tiers(category: str, hours: float) -> None:
    out = route("K1", 50, 50, category=category)
    assert out.complaint.response_deadline == T0 + timedelta(hours=hours)
    assert out.hazard.deadline == out.complaint.response_deadline


def test_default_categories_use_the_four_tiers_and_real_domains() -> None:
    assert {c.response_hours for c in DEFAULT_CATEGORIES.values()} == set(TIERS_H)
    assert all(c.domain in DOMAIN_CODES for c in DEFAULT_CATEGORIES.values())
    assert DEFAULT_CATEGORIES["urgent_safety"].name_zh == "紧急安全"


def test_categories_are_configurable() -> None:
    mine = {"lost": ComplaintCategory("lost", "失物", "Lost property", 48.0, "security")}
    out = route("K1", 50, 50, category="lost", categories=mine)
    assert out.complaint.response_deadline == T0 + timedelta(hours=48)
    with pytest.raises(InvalidInput, match="Unknown complaint category 'repairs'"):
        route("K2", 50, 50, category="repairs", categories=mine)


def test_complaint_becomes_a_ledger_item() -> None:
    out = route("K1", 50, 50, category="urgent_safety", contact="138-0000-0000")
    h = out.hazard
    assert (h.id, h.source, h.state, h.category) == ("K1", "complaint", "reported", "urgent_safety")
    assert (h.domain, h.severity, h.cell_code) == ("security", "major", "A")
    assert "138" not in h.reported_by  # the contact stays on the complaint
    assert out.complaint.contact == "138-0000-0000"


def test_duplicates_by_category_distance_and_time() -> None:
    first = route("K1", 20, 20).complaint
    near = route("K2", 50, 20, received_at=T0 + timedelta(hours=10), previous=[first]).complaint
    assert near.duplicate_of == "K1"
    assert distance_m(first.lon, first.lat, near.lon, near.lat) == pytest.approx(30, abs=0.1)
    far = route("K3", 90, 20, received_at=T0 + timedelta(hours=1), previous=[first])
    assert far.complaint.duplicate_of is None  # 70 m
    old = route("K4", 20, 20, received_at=T0 + timedelta(hours=73), previous=[first])
    assert old.complaint.duplicate_of is None
    other = route("K5", 20, 20, category="noise", previous=[first])
    assert other.complaint.duplicate_of is None
    wide = route("K6", 90, 20, previous=[first], duplicate_distance_m=100)
    assert wide.complaint.duplicate_of == "K1"
    later = route("K7", 20, 20, received_at=T0 - timedelta(hours=1), previous=[first])
    assert later.complaint.duplicate_of is None  # the earlier one cannot repeat a later one


def test_bad_input() -> None:
    with pytest.raises(InvalidInput, match="needs a text"):
        route("K1", 50, 50, text=" ")
    with pytest.raises(InvalidInput, match="timezone-aware"):
        route("K1", 50, 50, received_at=datetime(2026, 3, 2))
    with pytest.raises(InvalidInput, match="not a longitude/latitude"):
        route_complaint(
            complaint_id="K",
            lon=500.0,
            lat=39.0,
            category="repairs",
            text="x",
            received_at=T0,
            locate=LOCATE,
        )
