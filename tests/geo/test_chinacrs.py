"""GCJ-02 / BD-09 ↔ WGS-84: reference values, round trips, identity outside China."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from zoning.errors import InvalidInput
from zoning.geo import chinacrs


def test_forward_transforms_match_published_reference_values() -> None:
    # Reference values from the gcoord test suite (hujiulong/gcoord), lon/lat (123, 45).
    lon, lat = chinacrs.wgs84_to_gcj02(123.0, 45.0)
    assert (float(lon), float(lat)) == pytest.approx((123.00607541, 45.00197815), abs=1e-7)
    lon, lat = chinacrs.wgs84_to_bd09(123.0, 45.0)
    assert (float(lon), float(lat)) == pytest.approx((123.0124491, 45.0083293), abs=1e-6)
    lon, lat = chinacrs.gcj02_to_bd09(123.0, 45.0)
    assert (float(lon), float(lat)) == pytest.approx((123.00636499, 45.00636899), abs=1e-7)


def test_tiananmen_within_ten_metres_of_the_quoted_gcj02_position() -> None:
    # The brief quotes WGS84 (116.391263, 39.907258) ↔ GCJ-02 ≈ (116.397500, 39.908720);
    # the standard transform gives (116.397504, 39.908659): the quoted latitude is ~7 m off,
    # so this check is 1e-4° (~10 m); exactness is covered by the gcoord values above.
    lon, lat = chinacrs.wgs84_to_gcj02(116.391263, 39.907258)
    assert (float(lon), float(lat)) == pytest.approx((116.397500, 39.908720), abs=1e-4)
    back = chinacrs.gcj02_to_wgs84(lon, lat)
    assert (float(back[0]), float(back[1])) == pytest.approx((116.391263, 39.907258), abs=1e-9)


def test_inverse_of_gcj02_inverts_the_forward_transform_to_reference() -> None:
    lon, lat = chinacrs.gcj02_to_wgs84(123.0, 45.0)
    # gcoord's one-step inverse gives (122.99395597, 44.99804071); ours is exact.
    assert (float(lon), float(lat)) == pytest.approx((122.99395597, 44.99804071), abs=1e-6)
    fwd = chinacrs.wgs84_to_gcj02(lon, lat)
    assert (float(fwd[0]), float(fwd[1])) == pytest.approx((123.0, 45.0), abs=1e-10)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=73.0, max_value=135.0),
    st.floats(min_value=18.0, max_value=53.0),
)
def test_round_trips_are_below_1e6_degrees(lon: float, lat: float) -> None:
    back = chinacrs.gcj02_to_wgs84(*chinacrs.wgs84_to_gcj02(lon, lat))
    assert abs(float(back[0]) - lon) < 1e-6 and abs(float(back[1]) - lat) < 1e-6
    back = chinacrs.bd09_to_wgs84(*chinacrs.wgs84_to_bd09(lon, lat))
    assert abs(float(back[0]) - lon) < 1e-6 and abs(float(back[1]) - lat) < 1e-6


def test_identity_outside_china() -> None:
    lon = np.array([18.64, -0.1276, 183.0])
    lat = np.array([-33.93, 51.5072, 45.0])
    for forward in (chinacrs.wgs84_to_gcj02, chinacrs.wgs84_to_bd09):
        x, y = forward(lon, lat)
        np.testing.assert_array_equal(x, lon)
        np.testing.assert_array_equal(y, lat)
    for inverse in (chinacrs.gcj02_to_wgs84, chinacrs.bd09_to_wgs84):
        x, y = inverse(lon, lat)
        np.testing.assert_array_equal(x, lon)


def test_to_wgs84_transforms_every_vertex_of_geometries() -> None:
    square = shapely.box(116.39, 39.90, 116.40, 39.91)
    gcj = shapely.transform(
        square, lambda c: np.column_stack(chinacrs.wgs84_to_gcj02(c[:, 0], c[:, 1]))
    )
    [back] = chinacrs.to_wgs84(np.array([gcj], dtype=object), source="gcj02")
    assert shapely.equals_exact(back, square, tolerance=1e-9)
    assert not shapely.equals_exact(gcj, square, tolerance=1e-4)  # the shift is real


@pytest.mark.parametrize(
    ("text", "expected"),
    [("gcj02", "gcj02"), ("GCJ-02", "gcj02"), ("bd09", "bd09"), ("BD-09", "bd09"),
     ("EPSG:4326", None), (None, None)],
)  # fmt: skip
def test_parse_chinese_crs(text: str | None, expected: str | None) -> None:
    assert chinacrs.parse_chinese_crs(text) == expected


# -- CGCS2000 Gauss-Krüger zones and coordinate-system guesses ------------------------------


@pytest.mark.parametrize(("width", "zones"), [(3, range(25, 46)), (6, range(13, 24))])
def test_gauss_kruger_codes_name_the_zone_in_the_epsg_registry(width: int, zones: range) -> None:
    from pyproj import CRS

    for zone in zones:
        cm = zone * 3 if width == 3 else zone * 6 - 3
        prefix = "3-degree " if width == 3 else ""
        with_zone = CRS.from_epsg(
            chinacrs.gauss_kruger_epsg(zone, width_deg=width, zone_in_easting=True)
        )
        assert with_zone.name == f"CGCS2000 / {prefix}Gauss-Kruger zone {zone}"
        without = CRS.from_epsg(
            chinacrs.gauss_kruger_epsg(zone, width_deg=width, zone_in_easting=False)
        )
        assert without.name == f"CGCS2000 / {prefix}Gauss-Kruger CM {cm}E"
    with pytest.raises(InvalidInput, match="6° zones are 13–23"):
        chinacrs.gauss_kruger_epsg(24, width_deg=6, zone_in_easting=True)


@pytest.mark.parametrize(
    ("epsg", "expected"),
    [(4527, "EPSG:4527"), (4498, "EPSG:4498"), (3857, "EPSG:3857"), (4326, "EPSG:4326")],
)
def test_likely_crs_finds_the_system_from_the_coordinates(epsg: int, expected: str) -> None:
    import geopandas as gpd

    from zoning.geo.crs import likely_crs

    campus = gpd.GeoSeries([shapely.box(116.30, 39.90, 116.31, 39.91)], crs=4326).to_crs(epsg)
    guesses = likely_crs(tuple(campus.total_bounds))
    assert guesses[0].code == expected


def test_fits_tells_a_declared_crs_from_the_coordinates() -> None:
    from pyproj import CRS

    from zoning.geo.crs import fits

    mercator = (12_946_000.0, 4_852_000.0, 12_947_000.0, 4_853_000.0)
    gk_zone_39 = (39_474_000.0, 4_417_000.0, 39_475_000.0, 4_418_000.0)
    lonlat = (116.30, 39.90, 116.31, 39.91)
    assert fits(CRS.from_epsg(3857), mercator) and not fits(CRS.from_epsg(32650), mercator)
    assert fits(CRS.from_epsg(4527), gk_zone_39) and not fits(CRS.from_epsg(4548), gk_zone_39)
    assert not fits(CRS.from_epsg(4326), gk_zone_39) and fits(CRS.from_epsg(4490), lonlat)
    assert not fits(CRS.from_epsg(4548), lonlat)
