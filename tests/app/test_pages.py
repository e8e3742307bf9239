"""The Streamlit app frame, driven by streamlit.testing.v1.AppTest on a seeded database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._ui import publish
from tests.demo_copies import DemoTemplates
from tests.signed_in import signed_in
from zoning.store.engine import open_engine

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = ("leadership", "planner", "inspections", "ledger", "cameras")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> str:
    """A fresh SQLite database holding the small demo campus and its first plan."""
    url = demo_templates.spatialite(90, tmp_path_factory.mktemp("app") / "demo.sqlite")
    return url


@pytest.fixture
def app(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CAMPUSGRID_DB", demo_url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    return signed_in(AppTest.from_file(APP, default_timeout=60)).run()


def test_safety_map_runs_and_draws_a_deck(app: AppTest) -> None:
    assert not app.exception
    assert app.title[0].value == "安全地图"
    (picker,) = app.sidebar.selectbox
    assert picker.label == "校园"
    assert any("demo" in option for option in picker.options)
    charts = app.get("deck_gl_json_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.json)
    assert {layer["id"] for layer in spec["layers"]} >= {"ground", "cells", "buildings"}
    assert "mapProvider" not in spec


#: The layer kinds the browser draws with the floor page's three shader programs (flat and
#: extruded polygons, points: ``bench/ui_floor.py``); anything else (a ``PathLayer``, a
#: stroked polygon, a ``LineLayer``) costs one more program to compile before the first map.
FLOOR_KINDS = {"PolygonLayer", "SolidPolygonLayer", "ScatterplotLayer"}


def test_the_default_safety_map_needs_no_shader_program_beyond_the_floors(app: AppTest) -> None:
    spec = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    kinds = {layer["id"]: layer["@@type"] for layer in spec["layers"]}
    # the landcover drawn with the ground, the cells' outlines with the roads: no small file
    # for deck.gl to draw on its own before the heavy ones (maps.layers.merged_flat_layer)
    assert list(kinds) == ["ground", "cells", "roads", "buildings", "cameras", "hazards"]
    assert set(kinds.values()) <= FLOOR_KINDS, kinds
    stroked = [
        layer["id"]
        for layer in spec["layers"]
        if layer["@@type"] != "ScatterplotLayer" and layer.get("stroked")
    ]
    assert stroked == [], f"stroked polygons draw their outlines as paths: {stroked}"


def test_switching_language_changes_labels(app: AppTest) -> None:
    app.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert app.sidebar.selectbox[0].label == "Campus"
    assert app.title[0].value == "Safety map"
    app.radio(key="lang").set_value("zh").run()
    assert app.sidebar.selectbox[0].label == "校园"


def test_colouring_by_area_gives_a_ramp_legend(app: AppTest) -> None:
    app.radio(key="map_colour_by@zh").set_value("area").run()
    assert not app.exception
    assert any("m²" in m.value for m in app.markdown)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_and_shows_its_content(app: AppTest, page: str) -> None:
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception
    assert not app.error
    assert app.title[0].value
    assert app.dataframe, f"{page} shows no table"
    assert app.sidebar.selectbox  # the campus picker is on every page


def test_an_empty_database_says_how_to_create_a_campus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    open_engine(url)
    monkeypatch.setenv("CAMPUSGRID_DB", url)
    app = signed_in(AppTest.from_file(APP, default_timeout=60)).run()
    assert not app.exception
    assert any("campusgrid demo" in info.value for info in app.info)


def _layer(app: AppTest, layer_id: str, index: int = 0) -> dict[str, Any]:
    spec = json.loads(app.get("deck_gl_json_chart")[index].proto.json)
    (layer,) = [layer for layer in spec["layers"] if layer["id"] == layer_id]
    data = layer.get("data")
    if isinstance(data, str) and data.startswith(publish.LAYER_URL):  # served as a file
        name = data.removeprefix(publish.LAYER_URL)
        layer["data"] = json.loads((publish.layer_dir() / name).read_text("utf-8"))
        part = layer.get("dataTransform")  # its part of a bundle, as the browser takes it
        if part is not None:
            layer["data"] = layer["data"][part.removeprefix("@@=")]
    return layer  # type: ignore[no-any-return]


def test_completion_measure_colours_cells_with_a_legend(app: AppTest) -> None:
    app.radio(key="map_colour_by@zh").set_value("completion").run()
    assert not app.exception
    cells = _layer(app, "cells")["data"]
    assert isinstance(cells, list) and cells
    colours = {tuple(c["fill"][:3]) for c in cells}  # type: ignore[index]
    assert len(colours) >= 2, "completion should tell cells apart"
    # Geometry, colour and the code as tooltip only: the details are read on click.
    assert all(sorted(c) == ["fill", "polygon", "tip"] for c in cells)  # type: ignore[call-overload]
    assert not any("巡查完成率" in c["tip"] for c in cells)  # type: ignore[index]
    assert any("0–60%" in m.value for m in app.markdown)
    assert _layer(app, "hazards")["@@type"] == "PolygonLayer"


def test_coverage_layers_and_filters_keep_the_chart(app: AppTest) -> None:
    before = app.get("deck_gl_json_chart")[0].proto.id
    app.multiselect(key="map_layers@zh").set_value(["ground", "cells", "coverage", "blind_spots"])
    app.radio(key="map_colour_by@zh").set_value("coverage").run()
    assert not app.exception
    assert _layer(app, "blind_spots")["data"]
    app.multiselect(key="map_zones").set_value(["1"]).run()
    assert not app.exception
    codes = {c["tip"] for c in _layer(app, "cells")["data"]}  # type: ignore[index]  # the code is the tip
    assert codes and all(code.startswith("DEMO-01-") for code in codes)
    # The same element id: the browser keeps its map (view state) across filter changes.
    assert app.get("deck_gl_json_chart")[0].proto.id == before


def test_week_slider_replays_the_heatmap(app: AppTest) -> None:
    app.switch_page("app_pages/leadership.py").run()
    assert not app.exception
    assert len(app.metric) == 5
    slider = app.select_slider(key="lead_week")
    all_weeks = _layer(app, "cells")["data"]
    slider.set_value(slider.options[1]).run()
    assert not app.exception
    one_week = _layer(app, "cells")["data"]
    assert [c["h"] for c in all_weeks] != [c["h"] for c in one_week]  # type: ignore[index]


def test_excel_export_has_chinese_headers(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from openpyxl import load_workbook
    from streamlit.runtime.media_file_manager import MediaFileManager

    deferred: dict[str, Callable[[], object]] = {}
    add_deferred = MediaFileManager.add_deferred

    def capture(
        self: MediaFileManager,
        data: Callable[[], object],
        mimetype: str,
        *args: object,
        **kw: object,
    ) -> str:
        deferred[mimetype] = data
        return add_deferred(self, data, mimetype, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    app.switch_page("app_pages/leadership.py").run()
    assert not app.exception
    # built when the button is clicked, not on every rerun: what the click runs
    served = {mimetype: make() for mimetype, make in deferred.items()}
    xlsx = served["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    assert isinstance(xlsx, bytes) and isinstance(served["image/png"], bytes)
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames[:3] == ["概况", "片区排名", "网格员排名"]
    # the campus, period, plan version and time head each sheet (four lines, one empty)
    headers = [cell.value for cell in next(book["片区排名"].iter_rows(min_row=6, max_row=6))]
    assert {"片区 Zone", "完成率 Completion rate", "按期结案率 On-time closure rate"} <= set(
        headers
    )
    assert served["image/png"].startswith(b"\x89PNG")


def test_a_cached_layer_whose_file_was_pruned_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import streamlit as st

    from app_pages._ui import publish
    from maps.deck import PreparedLayer

    # publish.py reads LAYER_DIR (outside a Streamlit run): patch it there, not on _ui.
    monkeypatch.setattr(publish, "LAYER_DIR", tmp_path)
    built: list[int] = []

    @st.cache_resource
    def build(n: int) -> tuple[PreparedLayer, str]:
        built.append(n)
        name = f"cells-{len(built)}.json"
        (tmp_path / name).write_text("[]")
        return PreparedLayer("cells", json.dumps({"data": publish.LAYER_URL + name})), "legend"

    first = publish.with_live_file(build, 7)
    assert publish.with_live_file(build, 7) == first and built == [7]  # cached, its file there
    (tmp_path / "cells-1.json").unlink()  # pruned while the layer stayed cached
    again = publish.with_live_file(build, 7)
    assert built == [7, 7] and "cells-2.json" in again[0].json
    assert publish.layer_file_alive(again[0])
    assert not publish.layer_file_alive(first[0])
    assert publish.layer_file_alive(PreparedLayer("ground", '{"data":[{"polygon":[]}]}'))  # inline
    build.clear()


def test_the_outlines_and_landcover_stand_alone_when_their_partner_is_hidden(
    app: AppTest,
) -> None:
    layers = app.multiselect(key="map_layers@zh")
    shown = [i for i in layers.value if i not in ("roads", "ground")]
    app = layers.set_value(shown).run()
    assert not app.exception
    spec = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    ids = [layer["id"] for layer in spec["layers"]]
    assert "landcover" in ids and "cell_outlines" in ids
    assert "roads" not in ids and "ground" not in ids
