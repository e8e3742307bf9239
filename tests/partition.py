"""The partition check that every splitting test runs on its cells."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

#: A cell code: campus code, zone (2+ digits), sequence (3+ digits), e.g. ``TJ-01-001``.
CELL_CODE = re.compile(r"^[A-Z0-9]+-\d{2,}-\d{3,}$")


def check_partition(cells: gpd.GeoDataFrame, campus: BaseGeometry, *, rel: float = 1e-6) -> None:
    """Assert that ``cells`` exactly partition ``campus`` and carry unique codes."""
    geoms = np.asarray(cells.geometry.values, dtype=object)
    assert len(geoms) > 0
    assert np.all(shapely.get_type_id(geoms) == 3), "every cell is one Polygon"
    assert np.all(shapely.is_valid(geoms))
    areas = shapely.area(geoms)
    assert np.all(areas > 0)
    assert shapely.coverage_is_valid(geoms), "cells form a valid coverage (no overlaps)"
    union = shapely.coverage_union_all(geoms)
    total = campus.area
    assert abs(union.area - total) <= rel * total, "union area equals campus area"
    assert abs(areas.sum() - union.area) <= 1e-9 * total, "no overlap area"
    assert shapely.symmetric_difference(union, campus).area <= rel * total
    assert cells["code"].is_unique
    assert all(CELL_CODE.match(c) for c in cells["code"])
    assert np.allclose(cells["area_m2"].to_numpy(), areas)
    assert cells["zone"].min() == 1
    assert set(cells["zone"]) == set(range(1, cells["zone"].max() + 1))
