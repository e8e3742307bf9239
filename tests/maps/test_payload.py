"""maps.payload: rounding, ring handling, plain text and escaping."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely import MultiPolygon, Point, Polygon, box

from maps.payload import (
    COORD_DECIMALS,
    escape_html,
    plain_text,
    point_records,
    polygon_parts,
    polygon_records,
    polygon_rings,
    round_coords,
)
from tests.maps.tiny_campus import XSS
from zoning.errors import InvalidInput


def _decimals_ok(value: float) -> bool:
    return (
        math.isclose(value, round(value, COORD_DECIMALS), abs_tol=1e-12)
        and len(repr(value).split(".")[-1]) <= COORD_DECIMALS
    )


def test_round_coords_keeps_six_decimals() -> None:
    coords = np.array([[116.123456789, 39.987654321], [116.1, 39.2]])
    assert round_coords(coords) == [[116.123457, 39.987654], [116.1, 39.2]]


def test_polygon_rings_keep_holes_split_parts_and_drop_closing_point() -> None:
    holed = Polygon(box(0, 0, 10, 10).exterior.coords, holes=[box(2, 2, 4, 4).exterior.coords])
    rings = polygon_rings(MultiPolygon([holed, box(20, 20, 21, 21)]))
    assert len(rings) == 2  # one record per part
    assert len(rings[0]) == 2  # outer ring and hole
    assert all(len(ring) == 4 for ring in rings[0])  # 5 closed points → 4


def test_polygon_records_are_rounded_and_one_per_part(cells: gpd.GeoDataFrame) -> None:
    records = polygon_records(cells, lambda row: {"code": row["code"]}, what="cells")
    assert [r["code"] for r in records] == list(cells["code"])
    assert set(records[0]) == {"polygon", "code"}
    for record in records:
        for ring in record["polygon"]:
            for lon, lat in ring:
                assert _decimals_ok(lon) and _decimals_ok(lat)


def test_records_refuse_a_metric_frame() -> None:
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(1, 2)], crs="EPSG:32650")
    with pytest.raises(InvalidInput, match="EPSG:4326"):
        point_records(frame, lambda row: {}, what="cameras")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (float("nan"), ""),
        ("  主楼\n ", "主楼"),
        ("a\x00b\x1bc", "abc"),
        (12, "12"),
    ],
)
def test_plain_text(value: object, expected: str) -> None:
    assert plain_text(value) == expected


def test_plain_text_cuts_long_strings() -> None:
    assert plain_text("x" * 500, max_chars=10) == "x" * 9 + "…"


def test_escape_html_neutralises_markup() -> None:
    escaped = escape_html(XSS)
    assert "<" not in escaped and ">" not in escaped
    assert escaped == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape_html('a & "b"') == "a &amp; &quot;b&quot;"


def test_polygon_parts_rounds_opens_and_splits_a_whole_array() -> None:
    from shapely import GeometryCollection, LineString

    ring = [(0, 0), (1, 0), (1, 1), (0, 1)]
    hole = [(0.2, 0.2), (0.4, 0.2), (0.4, 0.4)]
    geometries = [
        Polygon(ring, [hole]),
        None,
        Polygon(),
        MultiPolygon([box(2, 2, 3, 3), box(4, 4, 5, 5.1234567)]),
        GeometryCollection([box(6, 6, 7, 7), LineString([(0, 0), (1, 1)])]),
        box(116.3000004, 39.9000004, 116.3000014, 39.9000014),
    ]
    expected = [
        [[[[0, 0], [1, 0], [1, 1], [0, 1]], [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4]]]],
        [],  # None
        [],  # empty
        [[[[3, 2], [3, 3], [2, 3], [2, 2]]], [[[5, 4], [5, 5.123457], [4, 5.123457], [4, 4]]]],
        [[[[7, 6], [7, 7], [6, 7], [6, 6]]]],  # the line of the collection dropped
        [[[[116.300001, 39.9], [116.300001, 39.900001], [116.3, 39.900001], [116.3, 39.9]]]],
    ]
    assert polygon_parts(np.array(geometries, dtype=object)) == expected
    assert polygon_parts(np.array([], dtype=object)) == []
