"""Cell codes: reading order, zone prefix, retired codes never reused, stability."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box

from tests.shapes import METRIC_CRS
from zoning.errors import InvalidInput
from zoning.grid.codes import assign_codes, format_code, reading_order
from zoning.grid.splitting import split


def grid(nx: int, ny: int, size: float = 10.0, x0: float = 0.0, y0: float = 0.0) -> np.ndarray:
    return np.array(
        [
            box(x0 + i * size, y0 + j * size, x0 + (i + 1) * size, y0 + (j + 1) * size)
            for j in range(ny)
            for i in range(nx)
        ],
        dtype=object,
    )


def test_format_code() -> None:
    assert format_code("DEMO", 1, 3) == "DEMO-01-003"
    assert format_code("DEMO", 12, 1234) == "DEMO-12-1234"


def test_codes_run_west_to_east_then_north_to_south() -> None:
    cells = grid(3, 2)  # row-major from the south-west
    codes = assign_codes(cells, np.ones(6, dtype=int), campus_code="C", row_height_m=10)
    # The northern row (j = 1: indices 3, 4, 5) comes first, west to east.
    assert codes.tolist() == [
        "C-01-004",
        "C-01-005",
        "C-01-006",
        "C-01-001",
        "C-01-002",
        "C-01-003",
    ]


def test_sequences_restart_in_every_zone() -> None:
    cells = grid(4, 1)
    codes = assign_codes(cells, np.array([1, 1, 2, 2]), campus_code="C", row_height_m=10)
    assert codes.tolist() == ["C-01-001", "C-01-002", "C-02-001", "C-02-002"]


def test_retired_codes_are_never_reused() -> None:
    cells = grid(4, 1)
    retired = frozenset({"C-01-001", "C-01-003"})
    codes = assign_codes(
        cells, np.ones(4, dtype=int), campus_code="C", retired_codes=retired, row_height_m=10
    )
    assert codes.tolist() == ["C-01-002", "C-01-004", "C-01-005", "C-01-006"]
    assert not set(codes) & retired


def test_split_skips_retired_codes() -> None:
    campus = gpd.GeoSeries([box(0, 0, 300, 100)], crs=METRIC_CRS)
    first = split(campus, method="square", cell_size_m=100, campus_code="X")
    assert first["code"].tolist() == ["X-01-001", "X-01-002", "X-01-003"]
    again = split(
        campus,
        method="square",
        cell_size_m=100,
        campus_code="X",
        retired_codes=frozenset({"X-01-002"}),
    )
    assert again["code"].tolist() == ["X-01-001", "X-01-003", "X-01-004"]


def test_rows_are_bands_so_a_ragged_row_stays_together() -> None:
    # Two cells in the same 10 m band, the eastern one a little further north.
    cells = np.array([box(0, 0, 10, 6), box(10, 3, 20, 9), box(0, -10, 20, -1)], dtype=object)
    codes = assign_codes(cells, np.ones(3, dtype=int), campus_code="C", row_height_m=10)
    assert codes.tolist() == ["C-01-001", "C-01-002", "C-01-003"]


@settings(max_examples=30, deadline=None)
@given(
    dx=st.floats(-1e-4, 1e-4),
    dy=st.floats(-1e-4, 1e-4),
    nx=st.integers(1, 6),
    ny=st.integers(1, 6),
)
def test_square_grid_codes_are_stable_under_tiny_perturbations(
    dx: float, dy: float, nx: int, ny: int
) -> None:
    cells = grid(nx, ny, size=50, x0=500_000, y0=3_000_000)
    zones = np.ones(len(cells), dtype=int)
    base = assign_codes(cells, zones, campus_code="C", row_height_m=50)
    moved = shapely.transform(cells, lambda c: c + np.array([dx, dy]))
    assert assign_codes(moved, zones, campus_code="C", row_height_m=50).tolist() == base.tolist()


def test_reading_order_is_deterministic_on_ties() -> None:
    order = reading_order(np.zeros(3), np.zeros(3), row_height_m=1)
    assert order.tolist() == [0, 1, 2]


def test_bad_input_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        assign_codes(grid(2, 1), np.array([0, 1]), campus_code="C")
    with pytest.raises(InvalidInput):
        assign_codes(grid(2, 1), np.array([1]), campus_code="C")
    with pytest.raises(InvalidInput):
        assign_codes(grid(2, 1), np.array([1, 1]), campus_code="")
    with pytest.raises(InvalidInput):
        reading_order(np.zeros(1), np.zeros(1), row_height_m=0)
