"""The floor under the safety map's first draw (run by hand; evidence, not a goal figure).

    .venv/bin/python bench/ui_floor.py [--visits 3]

``bench/ui.py`` times navigation → the whole safety map drawn. This tool times the same
thing, measured the same way (``bench.ui._visit``), for pages that hold nothing of
campusgrid: a title and one ``st.pydeck_chart`` of a single flat polygon (the *floor*: what
Streamlit and the deck.gl chunk cost before any map data), then the same page plus one layer
of each kind the safety map needs, with a few thousand synthetic items, so each row's excess
over the floor is mostly the software renderer compiling that layer type's shaders:

- ``extruded``: 500 extruded squares (the walls program of buildings and hazard columns);
- ``points``: 2,400 ``ScatterplotLayer`` points (cameras);
- ``paths``: 120 ``PathLayer`` paths, 2,400 vertices (cell outlines, the campus edge);
- ``extruded+points``: both of the first two, the fewest shader programs a map of extruded
  buildings and camera points can draw with (the cells share the floor's program);
- ``map`` (only when :func:`write_map` has put a deck beside the page, as
  ``bench/ui_ratio.py`` does): the safety map's own deck spec and layer files, drawn by a
  page that holds nothing else (no sign-in, sidebar, filters or legends): what the map's data
  alone costs the browser.

Each figure is the median of ``--visits`` visits in new tabs after one warm-up visit; the
server's page script takes ~10 ms, so the rest is the browser.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ui import _visit, serve  # noqa: E402
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PAGE = """
import json, pathlib, random
import streamlit as st, pydeck as pdk
st.title("floor")
kind = st.query_params.get("kind", "floor")
if kind == "map":  # a deck spec written by write_map, sent as it is
    spec = (pathlib.Path(__file__).parent / "map_spec.json").read_text("utf-8")
    class Spec(pdk.Deck):
        def to_json(self):
            return spec
    st.pydeck_chart(Spec(map_provider=None), height=620)
    st.stop()
rnd = random.Random(0)
square = [[116.30, 39.99], [116.32, 39.99], [116.32, 40.01], [116.30, 40.01]]
layers = [pdk.Layer("SolidPolygonLayer", [{"polygon": square}], id="ground",
                    get_polygon="polygon", get_fill_color=[200, 100, 0])]
points = [[116.30 + rnd.random() * 0.02, 39.99 + rnd.random() * 0.02] for _ in range(2400)]
if kind in ("extruded", "extruded+points"):
    boxes = [[[x, y], [x + 1e-4, y], [x + 1e-4, y + 1e-4], [x, y + 1e-4]] for x, y in points[:500]]
    layers.append(pdk.Layer("SolidPolygonLayer", [{"polygon": b} for b in boxes], id="boxes",
                            get_polygon="polygon", extruded=True, get_elevation=20,
                            get_fill_color=[120, 120, 120]))
if kind in ("points", "extruded+points"):
    layers.append(pdk.Layer("ScatterplotLayer", [{"p": p} for p in points], id="points",
                            get_position="p", get_fill_color=[0, 0, 200], get_radius=2,
                            radius_min_pixels=2))
if kind == "paths":
    paths = [{"path": points[i:i + 20]} for i in range(0, len(points), 20)]
    layers.append(pdk.Layer("PathLayer", paths, id="paths", get_path="path",
                            get_color=[0, 0, 0], get_width=1, width_min_pixels=1.5))
view = pdk.ViewState(longitude=116.31, latitude=40.0, zoom=14, pitch=45)
st.pydeck_chart(pdk.Deck(layers=layers, map_provider=None, initial_view_state=view), height=620)
"""

KINDS = ("floor", "extruded", "points", "paths", "extruded+points")
#: The floor page with extruded boxes and points: what ``bench/ui_ratio.py`` divides the
#: safety map's warm first draw by (issue 18).
BOXES_AND_POINTS = "extruded+points"


def write_page(folder: Path) -> Path:
    """Write the floor pages' script into ``folder`` and return its path; serve it with
    ``bench.ui.serve`` (any database URL: it reads none) and pick a page of :data:`KINDS`
    with ``?kind=``."""
    script = folder / "floor_app.py"
    script.write_text(PAGE)
    return script


#: The page of the safety map's own deck (see :func:`write_map`).
MAP = "map"
#: Seconds in a day (how far back the ``map`` page's layer files are dated).
DAY_S = 86_400.0
#: The ``streamlit run`` option the ``map`` page needs (its layer files are static files).
STATIC_SERVING = ("--server.enableStaticServing", "true")


def write_map(folder: Path, spec: dict[str, Any], layer_dir: Path) -> None:
    """Put deck spec ``spec`` (as ``st.pydeck_chart`` sends it; its layers' ``data`` are
    ``layers/NAME`` files of ``layer_dir``) beside the page written in ``folder``: the files
    are copied to ``folder/static/layers`` and the spec points at them. Serve the folder with
    :data:`STATIC_SERVING`.

    Streamlit's static files carry no ``Cache-Control``; the copies are dated a day back so
    that the browser keeps them fresh (heuristic freshness: a tenth of their age) as it keeps
    the app's layer files (``max-age`` a day): a warm visit of either takes them from its
    cache. A file several layers share (a bundle) is copied once."""
    static = folder / "static" / "layers"
    static.mkdir(parents=True, exist_ok=True)
    layers = []
    for layer in spec.get("layers", []):
        data = layer.get("data")
        if isinstance(data, str) and data.startswith("layers/"):
            name = data.removeprefix("layers/")
            if not (static / name).exists():
                shutil.copyfile(layer_dir / name, static / name)
                os.utime(static / name, (time.time() - DAY_S, time.time() - DAY_S))
            layer = {**layer, "data": f"app/static/layers/{name}"}
        layers.append(layer)
    (folder / "map_spec.json").write_text(json.dumps({**spec, "layers": layers}), "utf-8")


def page_url(base: str, kind: str) -> str:
    """Return the address of floor page ``kind`` on the server at ``base`` (``http://…:port``)."""
    return f"{base}/?kind={quote(kind)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=3, help="visits per page (median)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    seconds: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with tempfile.TemporaryDirectory() as folder:
        script = write_page(Path(folder))
        process, port = serve(script, "sqlite://", Path(folder) / "timing.log")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                base = f"http://127.0.0.1:{port}"
                _visit(browser, f"{base}/", timeout_s=60)[0].close()  # warm-up
                for _ in range(args.visits):  # interleaved: load drifts hit every kind
                    for kind in KINDS:
                        page, taken, fraction = _visit(browser, page_url(base, kind), timeout_s=60)
                        page.close()
                        if fraction <= 0.05:
                            raise SystemExit(f"{kind}: the chart stayed blank")
                        seconds[kind].append(taken)
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=20)
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, {platform.platform()}")
    floor = statistics.median(seconds["floor"])
    print(f"{'page':<17}{'drawn (s)':>10}{'over floor (s)':>16}  visits")
    for kind in KINDS:
        median = statistics.median(seconds[kind])
        runs = ", ".join(f"{s:.2f}" for s in seconds[kind])
        print(f"{kind:<17}{median:>10.2f}{median - floor:>16.2f}  {runs}")


if __name__ == "__main__":
    main()
