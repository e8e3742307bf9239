"""Placing a complaint and a hazard report by clicking the map (issue 16), AppTest on the
seeded small demo: the pick map's selection (a cell, then a building, as the browser sends
it) fills the forms' longitude and latitude, and the stored complaint and hazard lie there,
in the cell clicked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from tests.actors import ADMIN
from tests.demo_copies import DemoTemplates
from tests.signed_in import signed_in
from zoning.services import ledger
from zoning.store.engine import open_engine
from zoning.store.plans import load_cells

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PICK_MAP = "ledger_pick_map"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> str:
    url = demo_templates.spatialite(90, tmp_path_factory.mktemp("place") / "demo.sqlite")
    return url


@pytest.fixture
def app(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("CAMPUSGRID_DB", demo_url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    app = signed_in(AppTest.from_file(APP, default_timeout=120), "place-officer", "safety_officer")
    app.run()
    app.switch_page("app_pages/ledger.py").run()
    assert not app.exception, [e.value for e in app.exception]
    yield app


def _pick_map(app: AppTest) -> Any:
    (chart,) = [c for c in app.get("deck_gl_json_chart") if c.key == PICK_MAP]
    return chart


def _record(app: AppTest, layer_id: str, index: int) -> dict[str, Any]:
    """Return record ``index`` of layer ``layer_id`` of the pick map, as drawn."""
    spec = json.loads(_pick_map(app).proto.json)
    (layer,) = [layer for layer in spec["layers"] if layer["id"] == layer_id]
    record: dict[str, Any] = layer["data"][index]
    return record


def _click(app: AppTest, layer_id: str, record: dict[str, Any]) -> AppTest:
    """Run the page as after a click on ``record`` of ``layer_id`` (what the browser sends)."""
    states = app._tree.get_widget_states()
    state = WidgetState(id=_pick_map(app).proto.id)
    state.string_value = json.dumps(
        {"selection": {"indices": {layer_id: [0]}, "objects": {layer_id: [record]}}}
    )
    states.widgets.append(state)
    app._run(states)
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_a_click_on_a_cell_places_the_complaint_there(app: AppTest, demo_url: str) -> None:
    record = _record(app, "pick_cells", 3)
    _click(app, "pick_cells", record)
    assert app.number_input(key="complaint_lon").value == pytest.approx(record["lon"])
    assert app.number_input(key="complaint_lat").value == pytest.approx(record["lat"])
    assert any(record["name"] in str(c.value).replace("\\", "") for c in app.caption)
    app.text_area(key="complaint_text").set_value("路灯不亮（地图选点）")
    app.button(key="complaint_add").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    engine = open_engine(demo_url)
    try:
        (stored,) = [
            v.complaint
            for v in ledger.list_complaints(engine, "demo", actor=ADMIN)
            if v.complaint.text == "路灯不亮（地图选点）"
        ]
    finally:
        engine.dispose()
    assert (stored.lon, stored.lat) == pytest.approx((record["lon"], record["lat"]), abs=1e-6)
    assert stored.cell_code == record["name"]


def test_a_click_on_a_building_places_the_hazard_report_inside_it(
    app: AppTest, demo_url: str
) -> None:
    record = _record(app, "pick_buildings", 0)
    _click(app, "pick_buildings", record)
    assert app.number_input(key="report_lon").value == pytest.approx(record["lon"])
    app.text_area(key="report_text").set_value("楼道堆放杂物（地图选点）")
    app.button(key="report_add").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    engine = open_engine(demo_url)
    try:
        (made,) = [
            v.hazard
            for v in ledger.list_hazards(engine, "demo", actor=ADMIN)
            if v.hazard.description == "楼道堆放杂物（地图选点）"
        ]
        cells = load_cells(engine, "demo", None)
    finally:
        engine.dispose()
    assert (made.lon, made.lat) == pytest.approx((record["lon"], record["lat"]), abs=1e-6)
    (holding,) = cells[cells.contains(Point(made.lon, made.lat))]["code"]
    assert made.cell_code == holding
