"""maps.plan_layers: diff colours, the selection outline, problems in red, the planner deck."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from maps import plan_layers as P
from tests.maps.tiny_campus import XSS
from zoning.campus.layers import CampusLayers
from zoning.errors import InvalidInput


def _spec(deck: object) -> dict[str, object]:
    spec: dict[str, object] = json.loads(deck.to_json())  # type: ignore[attr-defined]
    return spec


def _data(layer: object) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(layer.to_json())["data"]  # type: ignore[attr-defined]
    return data


def test_cells_are_coloured_by_diff_status(cells: gpd.GeoDataFrame) -> None:
    codes = [str(c) for c in cells["code"]]
    status = {codes[0]: "added", codes[1]: "changed"}
    records = _data(P.plan_cells_layer(cells, status, lang="en"))
    by_code = {r["code"]: r for r in records}
    assert by_code[codes[0]]["fill"] == P.DIFF_COLOURS["added"]
    assert by_code[codes[1]]["fill"] == P.DIFF_COLOURS["changed"]
    assert by_code[codes[2]]["fill"] == P.diff_colour("unknown")
    assert "added" in str(by_code[codes[0]]["tip"])
    assert set(records[0]) == {"polygon", "code", "fill", "tip"}


def test_the_selection_outlines_only_the_chosen_cells(cells: gpd.GeoDataFrame) -> None:
    code = str(cells["code"].iloc[0])
    layer = P.selected_layer(cells, [code, "NOT-A-CODE"])
    assert layer is not None and layer.id == P.PLAN_SELECTED
    assert {r["code"] for r in _data(layer)} == {code}
    assert P.selected_layer(cells, []) is None


def test_problems_are_drawn_where_they_are_as_text() -> None:
    problems = [
        {"message": XSS, "location_wkt": "POLYGON ((0 0, 1 0, 1 1, 0 0))"},
        {"message": "gap edge", "location_wkt": "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))"},
        {"message": "sliver", "location_wkt": "GEOMETRYCOLLECTION (POINT (5 5))"},
        {"message": "nowhere", "location_wkt": "not wkt"},
        {"message": "empty", "location_wkt": "POINT EMPTY"},
    ]
    layers = {layer.id: _data(layer) for layer in P.problem_layers(problems, lang="en")}
    assert set(layers) == {P.PROBLEM_AREAS, P.PROBLEM_LINES, P.PROBLEM_POINTS}
    assert len(layers[P.PROBLEM_LINES]) == 2
    assert layers[P.PROBLEM_POINTS][0]["position"] == [5.0, 5.0]
    assert XSS in str(layers[P.PROBLEM_AREAS][0]["tip"])  # tooltips are text, never HTML
    assert P.problem_layers([]) == []


def test_plan_deck_is_offline_top_down_and_has_stable_ids(
    campus: CampusLayers, cells: gpd.GeoDataFrame
) -> None:
    view = P.plan_view(campus)
    assert view == P.plan_view(campus)  # the same view on every rerun
    assert view["pitch"] == 0.0 and view["bearing"] == 0.0
    code = str(cells["code"].iloc[0])
    centre = shapely.to_wkt(cells.geometry.iloc[0].centroid)
    deck = P.plan_deck(
        campus, cells, status={code: "added"}, view=view, selected=[code],
        problems=[{"message": "m", "location_wkt": centre}],
    )  # fmt: skip
    spec = _spec(deck)
    ids = [layer["id"] for layer in spec["layers"]]  # type: ignore[index]
    assert ids.index(P.PLAN_CELLS) < ids.index(P.PLAN_SELECTED) < ids.index(P.PROBLEM_POINTS)
    assert "mapProvider" not in spec  # map_provider=None: no basemap is fetched
    with pytest.raises(InvalidInput):
        P.plan_deck(campus, cells.drop(columns=["code"]), status={}, view=view)


def test_legend_leaves_out_removed_cells() -> None:
    labels = [entry.label for entry in P.diff_legend("zh")]
    assert labels == ["新增", "变更", "未变"]
