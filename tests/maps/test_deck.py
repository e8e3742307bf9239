"""maps.deck: the assembled deck is offline, small, and its view is stable."""

from __future__ import annotations

import gzip
import json
import re

import geopandas as gpd
import pytest

from maps import layers as L
from maps.deck import campus_deck, campus_view, initial_view
from zoning.campus.layers import CampusLayers
from zoning.errors import InvalidInput

URL = re.compile(r"(?:https?:)?//[^\s\"']+")


def test_deck_is_offline_with_stable_layer_order(
    campus: CampusLayers, cells: gpd.GeoDataFrame
) -> None:
    safety = campus_deck(campus, cells, view=campus_view(campus))
    spec = json.loads(safety.deck.to_json())
    assert [layer["id"] for layer in spec["layers"]] == list(L.LAYER_IDS)
    assert "mapProvider" not in spec  # map_provider=None
    # The sentinel tells Streamlit not to substitute its Carto basemap.
    assert spec["mapStyle"] == "__MAP_STYLE__"
    assert URL.findall(safety.deck.to_json()) == []


def test_tooltips_are_text_not_html(campus: CampusLayers, cells: gpd.GeoDataFrame) -> None:
    deck = campus_deck(campus, cells, view=campus_view(campus)).deck
    tooltip = deck._tooltip  # what st.pydeck_chart sends beside the spec
    assert tooltip["text"] == "{tip}" and "html" not in tooltip


def test_show_limits_layers_and_empty_layers_are_left_out(campus: CampusLayers) -> None:
    safety = campus_deck(campus, None, view=campus_view(campus), show=(L.GROUND, L.CAMERAS))
    ids = [layer["id"] for layer in json.loads(safety.deck.to_json())["layers"]]
    assert ids == [L.GROUND, L.CAMERAS]
    assert safety.legend == ()


def test_initial_view_fits_and_is_deterministic(campus: CampusLayers) -> None:
    view = campus_view(campus)
    assert view == campus_view(campus)
    minx, miny, maxx, maxy = campus.boundary.total_bounds
    assert minx < view["longitude"] < maxx and miny < view["latitude"] < maxy
    assert view["pitch"] == 45.0 and view["bearing"] == -20.0
    # a campus ~1 km across fits at about zoom 15–16; one ten times smaller 3.3 levels deeper
    assert 14.5 < view["zoom"] < 16.5
    small = initial_view((minx, miny, minx + (maxx - minx) / 10, miny + (maxy - miny) / 10))
    assert small["zoom"] == pytest.approx(view["zoom"] + 3.32, abs=0.05)


def test_initial_view_refuses_empty_bounds() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        initial_view((float("nan"),) * 4)  # type: ignore[arg-type]


def test_demo_payload_is_small() -> None:
    from zoning.demo.build import build_demo
    from zoning.geo.crs import to_metric
    from zoning.grid import splitting as grid

    demo = build_demo(scale="small", seed=0).layers
    metric = to_metric(demo.boundary)
    cells = grid.split(metric, method="square", cell_size_m=100.0, campus_code="DEMO")
    cells = cells.assign(owner=None).to_crs("EPSG:4326")
    spec = campus_deck(demo, cells, view=campus_view(demo)).deck.to_json()
    assert "\n" not in spec  # compact JSON: pydeck's own indents every coordinate
    assert len(spec) < 600_000
    assert len(gzip.compress(spec.encode())) < 100_000
