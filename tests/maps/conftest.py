"""Fixtures of the map tests: the tiny campus of :mod:`tests.maps.tiny_campus` and its cells."""

from __future__ import annotations

import geopandas as gpd
import pytest

from tests.maps.tiny_campus import tiny_campus, tiny_cells
from zoning.campus.layers import CampusLayers


@pytest.fixture
def campus() -> CampusLayers:
    """Two-part campus, a courtyard building, an XSS-named building, NaN heights, a camera."""
    return tiny_campus()


@pytest.fixture
def cells(campus: CampusLayers) -> gpd.GeoDataFrame:
    """Four cells over the first campus part: two zones, one owner missing, one with a hole."""
    return tiny_cells()
