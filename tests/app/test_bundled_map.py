"""The safety map's first draw takes its layers from one bundle file (one fetch, one parse,
one frame in the browser); a rerun keeps what did not change where it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._ui import publish
from app_pages._ui.deck import BUNDLES_KEY, ChartFiles
from maps.map_defaults import FIRST_MEASURE
from tests.demo_copies import DemoTemplates
from tests.signed_in import signed_in

APP = str(Path(__file__).resolve().parents[2] / "app.py")
CHART = "safety_map:demo"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> str:
    return demo_templates.spatialite(90, tmp_path_factory.mktemp("bundle") / "demo.sqlite")


@pytest.fixture
def app(demo_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("CAMPUSGRID_DB", demo_url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    monkeypatch.setattr(publish, "LAYER_DIR", tmp_path)  # this test's files only
    return signed_in(AppTest.from_file(APP, default_timeout=60)).run()


def _layers(app: AppTest) -> dict[str, dict[str, Any]]:
    charts = [c for c in app.get("deck_gl_json_chart") if c.key == CHART]
    assert len(charts) == 1, [c.key for c in app.get("deck_gl_json_chart")]
    return {layer["id"]: layer for layer in json.loads(charts[0].proto.json)["layers"]}


def _files(app: AppTest) -> ChartFiles:
    files: ChartFiles = app.session_state[BUNDLES_KEY][CHART]
    return files


def _bundle_of(layers: dict[str, dict[str, Any]]) -> set[str]:
    return {str(layer["data"]) for layer in layers.values() if "dataTransform" in layer}


def test_the_first_draw_takes_every_layer_file_from_one_bundle(app: AppTest) -> None:
    assert not app.exception
    layers = _layers(app)
    (url,) = _bundle_of(layers)
    assert url.startswith(publish.LAYER_URL + "bundle-")
    assert set(layers) == {"ground", "cells", "roads", "buildings", "cameras", "hazards"}
    for layer_id, layer in layers.items():  # every layer, each its own part
        assert layer["data"] == url and layer["dataTransform"] == f"@@={layer_id}"
    bundle = json.loads((publish.layer_dir() / url.removeprefix(publish.LAYER_URL)).read_text())
    drawn = _files(app).layers
    assert set(bundle) == set(layers) == set(drawn)
    for layer_id, part in bundle.items():  # the very records of the layer's own file
        own = json.loads((publish.layer_dir() / drawn[layer_id].file).read_text("utf-8"))
        assert part == own and part, layer_id


def test_a_rerun_keeps_unchanged_layers_in_the_bundle_and_fetches_only_the_new(
    app: AppTest,
) -> None:
    before = _layers(app)
    app.radio(key="map_colour_by@zh").set_value("area").run()
    assert not app.exception
    after = _layers(app)
    for layer_id in ("ground", "roads", "buildings", "cameras", "hazards"):
        assert after[layer_id] == before[layer_id], layer_id  # nothing for deck.gl to redo
    cells = after["cells"]
    assert "dataTransform" not in cells  # the one layer that changed: its own new file
    assert cells["data"] != before["cells"]["data"]
    assert (publish.layer_dir() / cells["data"].removeprefix(publish.LAYER_URL)).is_file()
    # back to the first colours: the cells draw from the bundle again (the same URL)
    app.radio(key="map_colour_by@zh").set_value(FIRST_MEASURE).run()
    assert _layers(app) == before


def test_layers_that_change_together_share_a_new_bundle(app: AppTest) -> None:
    before = _layers(app)
    (first,) = _bundle_of(before)
    files = dict(_files(app).layers)
    app.radio(key="lang").set_value("en").run()  # the tooltips' words change
    assert not app.exception
    layers = _layers(app)
    changed = {i for i, drawn in _files(app).layers.items() if drawn.file != files[i].file}
    assert {"buildings", "cameras", "hazards"} <= changed  # their tooltips have words
    (url,) = _bundle_of(layers) - {first}
    assert {i for i, layer in layers.items() if layer["data"] == url} == changed
    for layer_id in set(layers) - changed:  # the same data: as they were
        assert layers[layer_id] == before[layer_id], layer_id


def test_entering_the_page_again_bundles_every_layer_anew(app: AppTest) -> None:
    app.radio(key="map_colour_by@zh").set_value("area").run()
    assert "dataTransform" not in _layers(app)["cells"]
    app.switch_page("app_pages/leadership.py").run()
    app.switch_page("app_pages/safety_map.py").run()
    assert not app.exception
    layers = _layers(app)  # a new deck in the browser: everything from one file again
    (url,) = _bundle_of(layers)
    assert all(layer["data"] == url for layer in layers.values())


def test_a_bundle_pruned_meanwhile_is_written_again(app: AppTest) -> None:
    (url,) = _bundle_of(_layers(app))
    path = publish.layer_dir() / url.removeprefix(publish.LAYER_URL)
    path.unlink()
    app.radio(key="map_colour_by@zh").set_value("area").run()  # a rerun keeps the bundle
    assert not app.exception
    assert path.is_file() and _layers(app)["ground"]["data"] == url


def test_layer_files_deleted_while_the_app_runs_are_written_again(app: AppTest) -> None:
    for file in publish.layer_dir().iterdir():  # an OS cache cleaner, a user
        file.unlink()
    app.radio(key="map_colour_by@zh").set_value("area").run()
    assert not app.exception
    layers = _layers(app)
    assert set(layers) == {"ground", "cells", "roads", "buildings", "cameras", "hazards"}
    for layer_id, layer in layers.items():  # whatever it draws from is there
        path = publish.layer_dir() / str(layer["data"]).removeprefix(publish.LAYER_URL)
        assert path.is_file(), (layer_id, layer["data"])
