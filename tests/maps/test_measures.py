"""Pure builders of issue 4: measures and filters, hazard columns, coverage, heatmap, export."""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import Point, box

from maps import coverage_layers as cov
from maps import hazard_layers, measures
from maps.deck import TOOLTIP, CompactDeck, prepare, prepared_deck
from maps.layers import cell_records, painted_cells_layer
from maps.report import charts_png
from tests.maps.tiny_campus import XSS
from zoning.safety.exports import workbook_bytes

WEEKS = ("2026-W01", "2026-W02")


@pytest.fixture
def grid() -> pd.DataFrame:
    rows = []
    for code, zone in (("A", "1"), ("B", "2")):
        for week, done in zip(WEEKS, (2, 0) if code == "A" else (1, 1), strict=True):
            rows.append((code, zone, week, "fire", 2, done, 0, 2 - done))
        rows.append((code, zone, WEEKS[0], "food", 1, 0, 0, 1))
    return pd.DataFrame(rows, columns=["cell_code", "zone", "week", "domain", "due", "on_time",
                                       "late", "missed"])  # fmt: skip


@pytest.fixture
def hazards() -> pd.DataFrame:
    at = datetime(2026, 1, 5, 4, tzinfo=UTC)
    rows = [
        (1, "fire", "major", "rectifying", XSS, "A", "1", "o", at, at, 5.0, "zone_leader", "z",
         116.3, 39.9),
        (2, "food", "general", "closed", "ok", "A", "1", "o", at, at, 0.0, "closed", "o",
         116.3001, 39.9),
        (3, "fire", "general", "reported", "x", "B", "2", "p", at, at, 0.0, "cell_owner", "p",
         116.3002, 39.9),
    ]  # fmt: skip
    columns = ["id", "domain", "severity", "state", "description", "cell", "zone", "owner",
               "reported_at", "deadline", "overdue_hours", "level", "responsible", "lon",
               "lat"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True)
    return frame


def test_completion_by_cell_and_filters(grid: pd.DataFrame) -> None:
    everything = measures.completion_by_cell(grid)
    assert everything["A"] == pytest.approx(40.0)  # 2 done of 5 due
    assert everything["B"] == pytest.approx(40.0)
    fire = measures.completion_by_cell(measures.filter_grid(grid, domains=["fire"]))
    assert fire["A"] == pytest.approx(50.0)
    week2 = measures.completion_by_cell(measures.filter_grid(grid, weeks=[WEEKS[1]]))
    assert week2.to_dict() == {"A": 0.0, "B": 50.0}
    zone2 = measures.filter_grid(grid, zones=["2"])
    assert set(zone2["cell_code"]) == {"B"}
    by_date = measures.filter_grid(grid, start=date(2026, 1, 5), end=date(2026, 1, 11))
    assert set(by_date["week"]) == {WEEKS[1]}  # 2026-W02 is 5–11 January
    assert measures.weeks_of(grid) == list(WEEKS)


def test_heatmap_colours_and_heights_put_the_worst_first() -> None:
    values = {"A": 30.0, "B": 97.0, "C": float("nan")}
    fills, legend = measures.measure_colours(values, values, "completion", lang="en")
    assert fills["A"][:3] == [215, 48, 39]  # red below 60 %
    assert fills["B"][:3] == [26, 152, 80]  # green from 95 %
    assert fills["C"][:3] == [190, 190, 190]  # nothing due: grey
    assert legend[0].label == "0–60%" and legend[-1].label == "— (nothing due)"
    heights = measures.shortfall_heights(values)
    assert heights == {"A": 210.0, "B": 9.0}
    assert list(measures.worst_first(pd.Series(values))) == [30.0, 97.0]


def test_hazard_filters_and_open_counts(hazards: pd.DataFrame) -> None:
    open_ = measures.filter_hazards(hazards, statuses=["open"])
    assert list(open_["id"]) == [1, 3]
    assert list(measures.filter_hazards(hazards, statuses=["overdue"])["id"]) == [1]
    assert list(measures.filter_hazards(hazards, statuses=["closed"])["id"]) == [2]
    assert list(measures.filter_hazards(hazards, domains=["food"])["id"]) == [2]
    assert measures.open_hazards_by_cell(hazards).to_dict() == {"A": 1.0, "B": 1.0}
    fills, _ = measures.measure_colours(["A", "C"], {"A": 1.0}, "hazards")
    assert fills["C"] == measures.HAZARD_COUNT.colour(0.0)


def test_hazard_columns_one_per_cell_height_by_count_colour_by_most_urgent(
    hazards: pd.DataFrame,
) -> None:
    layer = hazard_layers.hazards_layer(hazards, lang="en")
    spec = json.loads(prepare(layer).json)
    assert spec["@@type"] == "PolygonLayer" and spec["id"] == "hazards"
    assert spec["extruded"] is True and spec["getElevation"] == "@@=h"
    assert spec["parameters"] == {"cullMode": "back"}  # as the buildings: walls facing away skipped
    records = spec["data"]
    assert [r["code"] for r in records] == ["A", "B"]
    assert [r["n"] for r in records] == [2, 1]
    assert [r["h"] for r in records] == [60.0 + hazard_layers.PER_HAZARD_M, 25.0]
    assert records[0]["fill"][:3] == [253, 174, 97]  # rectifying beats closed: orange
    assert records[1]["fill"][:3] == [215, 25, 28]  # reported: red
    assert records[0]["position"] == [116.30005, 39.9]  # the mean of the cell's hazards
    assert XSS in records[0]["tip"]  # plain text in a text tooltip, never HTML
    assert records[0]["tip"].startswith("Cell A · 2 hazards (1 major)")
    assert all(set(r) == {"position", "polygon", "h", "fill", "code", "n", "tip"} for r in records)
    (ring,) = records[0]["polygon"]  # a square, COLUMN_RADIUS_M centre to corner
    assert len(ring) == hazard_layers.COLUMN_SIDES
    lon, lat = records[0]["position"]
    metres = [
        math.hypot((x - lon) * 111_320 * math.cos(math.radians(lat)), (y - lat) * 111_320)
        for x, y in ring
    ]
    assert metres == pytest.approx([hazard_layers.COLUMN_RADIUS_M] * len(ring), abs=0.15)
    assert hazard_layers.hazard_records(hazards.iloc[0:0]) == []


def _coverage_view() -> cov.CoverageView:
    crs = "EPSG:32650"
    at = (440_000, 4_420_000)

    def b(x0: float, y0: float, x1: float, y1: float) -> object:
        return box(at[0] + x0, at[1] + y0, at[0] + x1, at[1] + y1)

    bands = gpd.GeoDataFrame(
        {"band": ["identify", "detect"], "area_m2": [100.0, 400.0]},
        geometry=[b(0, 0, 10, 10), b(10, 0, 30, 20)],
        crs=crs,
    ).to_crs("EPSG:4326")
    blind = gpd.GeoDataFrame({"area_m2": [900.0]}, geometry=[b(50, 50, 80, 80)], crs=crs)
    keys = gpd.GeoDataFrame(
        {"name": [XSS, "北门"], "kind": ["gate", "gate"], "recognise_pct": [0.0, 90.0],
         "covered": [False, True]},
        geometry=[b(60, 60, 62, 62), b(0, 0, 2, 2)],
        crs=crs,
    )  # fmt: skip
    return cov.CoverageView({}, bands, blind.to_crs("EPSG:4326"), keys.to_crs("EPSG:4326"))


def test_coverage_bands_blind_spots_and_key_areas() -> None:
    view = _coverage_view()
    bands = json.loads(prepare(cov.coverage_layer(view.bands)).json)["data"]
    assert [r["fill"][:3] for r in bands] == [
        list(cov.BAND_COLOURS["identify"]),
        list(cov.BAND_COLOURS["detect"]),
    ]
    blind = json.loads(prepare(cov.blind_spots_layer(view.blind_spots, lang="en")).json)
    assert blind["id"] == "blind_spots" and blind["getFillColor"][:3] == [230, 30, 30]
    assert blind["data"][0]["tip"] == "Blind spot 900 m²"
    keys = json.loads(prepare(cov.key_areas_layer(view.key_areas, lang="en")).json)["data"]
    uncovered, covered = keys
    assert uncovered["fill"] == cov.KEY_UNCOVERED and uncovered["w"] == 4
    assert XSS in uncovered["tip"] and "not covered" in uncovered["tip"]
    assert covered["fill"] == cov.KEY_COVERED
    labels = [e.label for e in cov.band_legend(lang="en")]
    assert labels[0].startswith("Identify") and "Blind spots" in labels


def test_suggested_sites_layer() -> None:
    sites = gpd.GeoDataFrame(
        {"rank": [1], "heading_deg": [90.0], "gain_m2": [1234.5]},
        geometry=[Point(116.3, 39.9)],
        crs="EPSG:4326",
    )
    spec = json.loads(prepare(cov.suggested_layer(sites, lang="en")).json)
    assert spec["data"][0]["tip"] == "Suggested site #1 · heading 90° · gains 1,234 m²"


def test_painted_cells_keep_the_base_records(campus: object) -> None:
    cells = gpd.GeoDataFrame(
        {"code": ["C-1", "C-2"], "zone": [1, 2], "owner": [XSS, None], "area_m2": [1.0, 2.0]},
        geometry=[box(116.3, 39.9, 116.301, 39.901), box(116.301, 39.9, 116.302, 39.901)],
        crs="EPSG:4326",
    )
    base = cell_records(cells, lang="en")
    before = json.dumps(base)
    layer = painted_cells_layer(
        base, {"C-1": [1, 2, 3, 4]}, tips={"C-1": "x"}, heights={"C-1": 9.0},
        codes=frozenset({"C-1"}),
    )  # fmt: skip
    spec = json.loads(prepare(layer).json)
    assert [r["code"] for r in spec["data"]] == ["C-1"]
    assert spec["data"][0]["fill"] == [1, 2, 3, 4] and spec["data"][0]["h"] == 9.0
    assert spec["data"][0]["tip"].endswith("\nx") and spec["extruded"] is True
    assert json.dumps(base) == before  # the cached records are not changed


def test_prepared_deck_serialises_like_a_compact_deck() -> None:
    layer = pdk.Layer("ScatterplotLayer", [{"position": [1.0, 2.0]}], id="x",
                      get_position="position")  # fmt: skip
    view = {"longitude": 1.0, "latitude": 2.0, "zoom": 3.0, "pitch": 0.0, "bearing": 0.0}
    ours = prepared_deck([prepare(layer)], view=view)
    theirs = CompactDeck(
        layers=[layer], initial_view_state=pdk.ViewState(**view), map_provider=None,
        tooltip=TOOLTIP,
    )  # fmt: skip
    assert ours.to_json() == theirs.to_json()
    assert ours.layer_ids == ("x",)


def test_export_workbook_and_png() -> None:
    from openpyxl import load_workbook
    from PIL import Image

    book = load_workbook(io.BytesIO(workbook_bytes({"片区排名": pd.DataFrame({"完成率": [0.5]})})))
    assert book.sheetnames == ["片区排名"] and book.active["A1"].value == "完成率"
    trend = pd.DataFrame({"完成率": [90.0, 80.0]}, index=list(WEEKS))
    png = charts_png(title="领导驾驶舱", trend=trend, ranking=pd.Series({"1": 70.0}),
                     trend_title="趋势", ranking_title="排名")  # fmt: skip
    assert Image.open(io.BytesIO(png)).size == (1200, 900)


@given(
    st.lists(
        st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True, width=32)),
        max_size=40,
    )
)
def test_colours_of_is_colour_of_each_value(values: list[float | None]) -> None:
    array = np.array([math.nan if v is None else v for v in values], dtype=float)
    for scale in measures.SCALES.values():
        expected = [scale.colour(None if v is None else float(v)) for v in values]
        assert scale.colours_of(array) == expected
