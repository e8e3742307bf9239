"""maps.layers: pure builders, stable ids, only the needed fields, colours, plain text."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from maps import colours
from maps import layers as L
from tests.maps.tiny_campus import XSS
from zoning.campus.layers import CampusLayers
from zoning.errors import InvalidInput
from zoning.geo.crs import to_metric


def _data(layer: object) -> list[dict[str, object]]:
    spec = json.loads(layer.to_json())  # type: ignore[attr-defined]
    data: list[dict[str, object]] = spec["data"]
    return data


def _is_rgba(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(c, int) and 0 <= c <= 255 for c in value)
    )


def test_builders_leave_their_input_unchanged(
    campus: CampusLayers, cells: gpd.GeoDataFrame
) -> None:
    before = {name: campus.layer(name).copy() for name in ("boundary", "buildings", "cameras")}
    cells_before = cells.copy()
    L.ground_layer(campus.boundary)
    L.buildings_layer(campus.buildings)
    L.cameras_layer(campus.cameras)
    L.cells_layer(cells, colour_by="owner")
    for name, frame in before.items():
        pd.testing.assert_frame_equal(campus.layer(name), frame)
    pd.testing.assert_frame_equal(cells, cells_before)


@pytest.mark.parametrize(
    ("build", "layer_id", "fields"),
    [
        (lambda c, _: L.ground_layer(c.boundary), L.GROUND, {"polygon"}),
        (lambda c, _: L.landcover_layer(c.landcover), L.LANDCOVER, {"polygon", "fill"}),
        (lambda c, _: L.roads_layer(c.roads), L.ROADS, {"polygon", "fill"}),
        (lambda c, _: L.buildings_layer(c.buildings), L.BUILDINGS, {"polygon", "h", "fill", "tip"}),
        (lambda c, _: L.cameras_layer(c.cameras), L.CAMERAS, {"position", "row", "fill", "tip"}),
        (lambda _, cells: L.cells_layer(cells)[0], L.CELLS, {"polygon", "code", "fill", "tip"}),
    ],
)
def test_layers_have_stable_ids_and_only_the_needed_fields(
    campus: CampusLayers, cells: gpd.GeoDataFrame, build: object, layer_id: str, fields: set[str]
) -> None:
    layer = build(campus, cells)  # type: ignore[operator]
    assert layer.id == layer_id
    data = _data(layer)
    assert data, f"{layer_id} drew nothing"
    for record in data:
        assert set(record) == fields
        if "fill" in record:
            assert _is_rgba(record["fill"])


def test_multi_geometries_become_one_record_per_part(campus: CampusLayers) -> None:
    assert len(_data(L.ground_layer(campus.boundary))) == 2  # TWO_PARTS
    assert len(_data(L.buildings_layer(campus.buildings))) == 4  # 1 + 1 + a 2-part building
    assert len(_data(L.roads_layer(campus.roads))) == 3  # a line and a 2-part line


def test_buildings_extrude_by_height_with_a_default(campus: CampusLayers) -> None:
    heights = [r["h"] for r in _data(L.buildings_layer(campus.buildings))]
    assert heights[:2] == [18.0, L.DEFAULT_HEIGHT_M]  # NaN height → default
    spec = json.loads(L.buildings_layer(campus.buildings).to_json())
    assert spec["extruded"] is True and spec["getElevation"] == "@@=h"


def test_units_are_literal_strings_not_accessors(
    campus: CampusLayers, cells: gpd.GeoDataFrame
) -> None:
    spec = json.loads(L.cells_layer(cells)[0].to_json())
    assert spec["lineWidthUnits"] == "pixels"  # a bare str would become the accessor "@@=pixels"


def test_roads_are_areas_as_wide_as_their_class_with_major_roads_on_top(
    campus: CampusLayers,
) -> None:
    areas = L.road_areas(campus.roads)
    assert areas.crs == campus.roads.crs
    metric = to_metric(areas)
    lines = to_metric(campus.roads)
    # area / length of the line = the drawn width (flat ends), per class
    primary = float(metric.geometry.iloc[-1].area) / float(lines.geometry.iloc[0].length)
    footway = float(metric.geometry.iloc[0].area) / float(lines.geometry.iloc[1].length)
    assert primary == pytest.approx(colours.ROAD_WIDTH_M["primary"], rel=0.02)
    assert footway == pytest.approx(colours.ROAD_WIDTH_M["footway"], rel=0.02)
    fills = [r["fill"] for r in _data(L.roads_layer(campus.roads))]
    assert fills[-1] == colours.ROAD_MAJOR and fills[0] == colours.ROAD  # major drawn last


def test_landcover_water_is_blue(campus: CampusLayers) -> None:
    (water,) = _data(L.landcover_layer(campus.landcover))
    fill: list[int] = water["fill"]  # type: ignore[assignment]
    r, g, b, _ = fill
    assert b > r and b > g


def test_user_strings_reach_tooltips_as_plain_text(
    campus: CampusLayers, cells: gpd.GeoDataFrame
) -> None:
    tips = [str(r["tip"]) for r in _data(L.buildings_layer(campus.buildings))]
    assert tips[0].startswith(XSS)  # shown as text by the text tooltip, never parsed
    assert tips[1].startswith("未命名")
    cell_tips = [str(r["tip"]) for r in _data(L.cells_layer(cells)[0])]
    assert "网格员 未分配" in cell_tips[1]
    assert XSS in cell_tips[2]
    english = [str(r["tip"]) for r in _data(L.cells_layer(cells, lang="en")[0])]
    assert english[0].startswith("Cell T-01-001\nZone 1")


@pytest.mark.parametrize("colour_by", L.COLOUR_BY)
def test_cells_colour_by_every_measure_with_a_legend(
    cells: gpd.GeoDataFrame, colour_by: L.ColourBy
) -> None:
    layer, legend = L.cells_layer(cells, colour_by=colour_by)
    fills = [r["fill"] for r in _data(layer)]
    assert all(_is_rgba(f) for f in fills)
    assert legend
    if colour_by == "zone":
        assert fills[0] == fills[1] != fills[2] == fills[3]
        assert [e.label for e in legend] == ["1", "2"]
    if colour_by == "owner":
        assert fills[1] == L.UNASSIGNED and fills[0] == L.ASSIGNED


def test_unknown_measure_is_refused(cells: gpd.GeoDataFrame) -> None:
    with pytest.raises(InvalidInput, match="Cannot colour cells"):
        L.cells_layer(cells, colour_by="hazards")  # type: ignore[arg-type]


def test_cameras_sit_at_mount_height(campus: CampusLayers) -> None:
    (camera,) = _data(L.cameras_layer(campus.cameras))
    assert camera["position"][2] == 4.0  # type: ignore[index]
    assert camera["row"] == 0


def _grid_records(n: int, step: float = 0.001) -> list[dict[str, object]]:
    from shapely.geometry import box

    frame = gpd.GeoDataFrame(
        {
            "code": [f"C-{i}-{j}" for i in range(n) for j in range(n)],
            "zone": [1] * (n * n),
            "owner": [None] * (n * n),
            "area_m2": [1.0] * (n * n),
        },
        geometry=[
            box(116.3 + i * step, 39.9 + j * step, 116.3 + (i + 1) * step, 39.9 + (j + 1) * step)
            for i in range(n)
            for j in range(n)
        ],
        crs="EPSG:4326",
    )
    return L.cell_records(frame, lang="en")


def test_cell_outlines_join_shared_edges_into_straight_lines() -> None:
    records = _grid_records(3)
    paths = L.cell_outline_paths(records)
    # A 3 × 3 grid: 4 vertical and 4 horizontal lines, each one two-point path end to end.
    assert len(paths) == 8 and all(len(p) == 2 for p in paths)
    spans = sorted((round(abs(b[0] - a[0]), 6), round(abs(b[1] - a[1]), 6)) for a, b in paths)
    assert spans == [(0.0, 0.003)] * 4 + [(0.003, 0.0)] * 4


def _metres(a: list[float], b: list[float]) -> float:
    """Distance (m) between two lon/lat points a few metres apart (the layers' own scale)."""
    scale = np.array([np.cos(np.radians(a[1])), 1.0]) * 111_320.0
    return float(np.hypot(*((np.asarray(b) - np.asarray(a)) * scale)))


def test_cell_outlines_are_thin_flat_strips_drawn_by_the_polygons_program() -> None:
    records = _grid_records(3, step=0.0002)  # cells of ~17 × 22 m
    layer = L.cell_outlines_layer(records)
    spec = json.loads(layer.to_json())
    assert spec["id"] == L.CELL_OUTLINES and spec["@@type"] == "SolidPolygonLayer"
    assert spec["pickable"] is False and spec["getFillColor"] == colours.CELL_EDGE
    assert "extruded" not in spec  # flat: the ground's, cells' and roads' program
    edge = L.typical_edge_m(records)
    assert 17 < edge < 23  # the median of the cells' two side lengths
    width = edge * L.OUTLINE_WIDTH_SHARE
    paths = L.cell_outline_paths(records)
    strips = [row["polygon"] for row in layer.data]
    assert len(strips) == len(paths) == 8
    for strip, (a, b) in zip(strips, paths, strict=True):
        assert len(strip) == 4
        # The strip runs along its line, centred on it, ``width`` wide at both ends.
        assert _metres(a, list(np.mean([strip[0], strip[3]], axis=0))) < 0.01
        assert _metres(b, list(np.mean([strip[1], strip[2]], axis=0))) < 0.01
        assert abs(_metres(strip[0], strip[3]) - width) < 0.02
        assert abs(_metres(strip[1], strip[2]) - width) < 0.02


def test_cell_outline_width_stays_within_its_bounds() -> None:
    low, high = L.OUTLINE_WIDTH_M
    big = L.cell_outlines_layer(_grid_records(2, step=0.002))  # cells of ~170 × 220 m
    tiny = L.cell_outlines_layer(_grid_records(2, step=0.00002))  # cells of ~2 m
    for layer, width in ((big, high), (tiny, low)):
        strip = layer.data[0]["polygon"]
        assert abs(_metres(strip[0], strip[3]) - width) < 0.02
    assert L.cell_outlines_layer(_grid_records(2), codes=frozenset()).data == []
    assert L.outline_strips([[[116.3, 39.9], [116.3, 39.9]]], width_m=1.0) == []  # no length


def test_cell_outlines_keep_only_the_codes_given_and_leave_records_unchanged() -> None:
    records = _grid_records(2)
    before = json.dumps(records)
    one = L.cell_outline_paths(records, codes=frozenset({"C-0-0"}))
    assert len(one) == 4  # a lone square: its four sides
    assert L.cell_outline_paths(records, codes=frozenset()) == []
    assert json.dumps(records) == before


def test_cell_outlines_do_not_join_edges_that_turn() -> None:
    from shapely.geometry import Polygon

    frame = gpd.GeoDataFrame(
        {"code": ["T"], "zone": [1], "owner": [None], "area_m2": [1.0]},
        geometry=[Polygon([(116.3, 39.9), (116.302, 39.9), (116.301, 39.901)])],
        crs="EPSG:4326",
    )
    paths = L.cell_outline_paths(L.cell_records(frame, lang="en"))
    assert len(paths) == 3  # a triangle keeps its three sides


def test_painted_cells_without_stroke_when_outlined_apart() -> None:
    records = _grid_records(2)
    flat = json.loads(L.painted_cells_layer(records, {}).to_json())
    bare = json.loads(L.painted_cells_layer(records, {}, stroked=False).to_json())
    assert flat["stroked"] is True and bare["stroked"] is False


def test_extruded_layers_skip_the_walls_facing_away(campus: CampusLayers) -> None:
    spec = json.loads(L.buildings_layer(campus.buildings).to_json())
    assert spec["parameters"] == {"cullMode": "back"}


def test_cell_records_carry_a_short_tip_the_full_one_stays_on_the_planner(
    cells: gpd.GeoDataFrame,
) -> None:
    tips = [str(r["tip"]) for r in L.cell_records(cells, lang="en")]
    assert tips[:2] == ["Cell T-01-001 · 张三", "Cell T-01-002 · unassigned"]
    assert tips[2] == f"Cell T-02-001 · {XSS}"  # plain text in a text tooltip
    zh = [str(r["tip"]) for r in L.cell_records(cells)]
    assert zh[0] == "网格 T-01-001 · 张三"
    full = str(_data(L.cells_layer(cells, lang="en")[0])[0]["tip"])
    assert full.startswith("Cell T-01-001\nZone 1") and "Area" in full


def test_merged_flat_layer_keeps_each_records_colour_and_the_parts_order(
    campus: CampusLayers,
) -> None:
    ground = L.ground_layer(campus.boundary)
    landcover = L.landcover_layer(campus.landcover)
    assert ground.data and landcover.data
    before = json.dumps(landcover.data)
    merged = L.merged_flat_layer([ground, landcover], layer_id=L.GROUND)
    spec = json.loads(merged.to_json())
    assert spec["id"] == L.GROUND and spec["@@type"] == "PolygonLayer"
    assert spec["stroked"] is False and spec["pickable"] is False and "extruded" not in spec
    rows = merged.data
    assert len(rows) == len(ground.data) + len(landcover.data)
    # the ground first (drawn under), with its constant colour; then each landcover record
    # with its own colour and polygon, nothing else carried
    assert all(set(r) == {"polygon", "fill"} for r in rows)
    assert [r["fill"] for r in rows[: len(ground.data)]] == [colours.GROUND] * len(ground.data)
    assert [r["polygon"] for r in rows[len(ground.data) :]] == [
        r["polygon"] for r in landcover.data
    ]
    assert [r["fill"] for r in rows[len(ground.data) :]] == [r["fill"] for r in landcover.data]
    assert json.dumps(landcover.data) == before
