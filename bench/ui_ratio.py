"""Issue 18's browser figures in one run (run by hand): the safety map against the floor.

    .venv/bin/python bench/ui_ratio.py [--db sqlite:////tmp/cg_large.sqlite] [--visits 3]
        [--gpu] [--chromium-arg=ARG ...]

``--gpu`` lets Chromium draw with the machine's GPU (the tests' options turn it off, so the
figures elsewhere are software WebGL); the report's ``WebGL renderer`` line says what drew.

One process, one headless Chromium, two servers side by side:

- the guarded app (``streamlit run app.py``, as ``bench/ui.py`` starts it) on ``--db``, with
  warming on and a fresh layer-file folder; the benchmark waits until the server logs
  ``warmed …`` (as ``bench/warm.py``) before the first visit;
- the floor pages of ``bench/ui_floor.py`` (no campusgrid code), of which the page with
  extruded boxes and points is visited, and its ``map`` page: the safety map's own deck spec
  (taken from the app's page run in this process, ``AppTest`` signed in as the same account)
  and the same layer files, drawn by a page that holds nothing else (the **bare map**).

Order: one floor visit (the browser's own start-up: its processes, its shader compiler),
then the **first visit** of the safety map after the server start (its bytes on the wire are
the **payload**, counted as ``bench/ui.py`` counts them: websocket and layer files after
compression; the browser has nothing cached), one warm-up visit of the map (its bytes too:
the layer files then come from the browser's cache) and of the floor page, then ``--visits``
rounds of map, floor, bare map (interleaved, so that a change of load hits all), each in a new tab
of its own browser context (the map's signed in as ``bench-admin``), each timed by
``bench.ui._visit`` (navigation → the whole picture drawn and still). On the last map tab,
the **filter change** series of ``bench/ui.py`` (page-script times, ``new`` and
``repeat``). Prints one table with the goals of issue 18:

- warm ÷ floor: median map visit ÷ median floor visit, goal ≤ 1.3;
- first ÷ warm: the first visit after the server start ÷ the median map visit, goal ≤ 1.15;
- bare map ÷ floor and warm ÷ bare map (no goal): the first splits what the map's data costs
  the browser from what the rest of the page adds (sign-in, sidebar, filters, legends);
- payload and filter change: keep 0.88 MB and 148 ms / 44 ms (the figures before issue 18).

The figures hold only on a quiet machine: the machine line gives the 1-minute load average
before, after and the highest seen during the run (sampled every 2 s), and a warning is
printed when it went above 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ui import (  # noqa: E402
    BENCH_ACCOUNT,
    MEASURE_LABELS,
    CountingProxy,
    _visit,
    ensure_account,
    filter_change,
    serve,
    signed_in_context,
)
from bench.ui_floor import (  # noqa: E402
    BOXES_AND_POINTS,
    MAP,
    STATIC_SERVING,
    page_url,
    write_map,
    write_page,
)
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, wait_idle  # noqa: E402
from zoning import services  # noqa: E402
from zoning.store.engine import open_engine  # noqa: E402

#: Issue 18's goals: warm first draw ÷ floor, first visit after a start ÷ warm.
WARM_OVER_FLOOR = 1.3
FIRST_OVER_WARM = 1.15
#: The figures before issue 18 that must not get worse: payload (MB), filter change (ms).
PAYLOAD_MB = 0.88
FILTER_NEW_MS = 148.0
FILTER_REPEAT_MS = 44.0
#: Above this 1-minute load average the figures are not valid (other work shared the cores).
QUIET_LOAD = 1.5
#: Seconds to wait for the server's ``warmed`` line.
WARM_TIMEOUT_S = 900.0
#: The browser's window (px), as ``bench/ui.py`` opens it.
VIEWPORT_PX = (1400, 1000)


class LoadSampler:
    """Samples the 1-minute load average every ``every_s`` seconds in a daemon thread."""

    def __init__(self, every_s: float = 2.0) -> None:
        self.before = os.getloadavg()[0]
        self.samples = [self.before]
        self._stop = threading.Event()
        self._every_s = every_s
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> tuple[float, float, float]:
        """Stop sampling; return the load average before, now (after) and the highest seen."""
        self._stop.set()
        self._thread.join(5)
        after = os.getloadavg()[0]
        self.samples.append(after)
        return self.before, after, max(self.samples)


def wait_warmed(process: subprocess.Popen[bytes], log: Path) -> float:
    """Wait until the server writing ``log`` logs that it has warmed its campuses; return the
    seconds waited. Stops the run with one line when it exits or takes too long."""
    started = time.monotonic()
    while "warmed " not in log.read_text("utf-8", errors="replace"):
        if process.poll() is not None:
            raise SystemExit(f"the server stopped while warming; its log: {log}")
        if time.monotonic() - started > WARM_TIMEOUT_S:
            raise SystemExit(f"the server did not finish warming in {WARM_TIMEOUT_S:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - started


def drawn(context: Any, url: str, what: str) -> tuple[Any, float]:
    """Visit ``url`` in a new tab of ``context``; return the tab and the seconds until the
    picture was drawn and still. Stops the run with one line when the chart stayed blank."""
    page, seconds, fraction = _visit(context, url)
    if fraction <= 0.05:
        raise SystemExit(f"{what}: the chart stayed blank (is the database a campus with a plan?)")
    return page, seconds


def map_visit(context: Any, url: str, timing: Path, what: str) -> tuple[Any, float, float]:
    """Visit the safety map at ``url`` in a new tab of ``context`` and wait until its script
    has stopped; return the tab, the seconds until the map was drawn and the seconds its
    first page-script run took (the ``.run`` line of timing log ``timing``; NaN if none)."""
    timing.write_text("")
    page, seconds = drawn(context, url, what)
    wait_idle(page, 300_000)
    lines = [line.split() for line in timing.read_text().splitlines() if line.strip()]
    runs = [float(value) for name, value in lines if name.endswith(".run")]
    return page, seconds, runs[0] if runs else float("nan")


def captured_spec(db_url: str, layer_dir: Path) -> dict[str, Any]:
    """Return the safety map's deck spec as the app sends it to :data:`BENCH_ACCOUNT` on
    ``db_url``: the app's page run once in this process (``AppTest``), its layer files written
    to ``layer_dir`` (the server's folder: the same content, so the same file names)."""
    from streamlit.testing.v1 import AppTest

    from tests.signed_in import signed_in

    os.environ.update(
        CAMPUSGRID_DB=db_url, CAMPUSGRID_LAYER_DIR=str(layer_dir), CAMPUSGRID_WARM="0"
    )
    app = signed_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=900), BENCH_ACCOUNT)
    app.run()
    charts = app.get("deck_gl_json_chart")
    if app.exception or not charts:
        raise SystemExit(f"the safety map drew no map in the page test: {list(app.exception)}")
    spec: dict[str, Any] = json.loads(charts[0].proto.json)
    return spec


#: What the page's WebGL says it draws with (SwiftShader: software; else the GPU's name).
RENDERER_JS = """() => {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no WebGL 2';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
}"""


def chromium_args(gpu: bool, extra: list[str]) -> list[str]:
    """Return Chromium's options: the tests' (software WebGL, ``--disable-gpu``), or with
    ``gpu`` the same without ``--disable-gpu`` and with the GPU blocklist ignored (a machine
    with a GPU; the report prints the renderer, so a fallback to software shows); then
    ``extra`` (``--chromium-arg``, e.g. ``--use-angle=vulkan``)."""
    args = [a for a in CHROMIUM_ARGS if not (gpu and a == "--disable-gpu")]
    return args + (["--ignore-gpu-blocklist"] if gpu else []) + extra


def run(
    db_url: str, visits: int, folder: Path, browser_args: list[str] | None = None
) -> dict[str, Any]:
    """Start both servers in ``folder``, drive the browser (launched with ``browser_args``,
    default the tests' options), stop them; return the figures."""
    from playwright.sync_api import sync_playwright

    engine = open_engine(db_url)
    try:
        if not services.list_campuses(engine):
            raise SystemExit(f"{db_url} holds no campus: build one with `campusgrid demo`")
    finally:
        engine.dispose()
    ensure_account(db_url)
    timing, server_log = folder / "timing.log", folder / "server.log"
    env = {"CAMPUSGRID_WARM": "1", "CAMPUSGRID_LAYER_DIR": str(folder / "layers")}
    floor_folder = folder / "floor"
    floor_folder.mkdir()
    floor_script = write_page(floor_folder)
    floor_process, floor_port = serve(
        floor_script, "sqlite://", folder / "floor.log", options=STATIC_SERVING
    )
    started = time.monotonic()
    app_process, app_port = serve(ROOT / "app.py", db_url, timing, log=server_log, env=env)
    out: dict[str, Any] = {}
    try:
        wait_warmed(app_process, server_log)
        out["warmed_after_s"] = time.monotonic() - started
        proxy = CountingProxy(app_port)
        app = f"http://127.0.0.1:{proxy.port}"
        floor = page_url(f"http://127.0.0.1:{floor_port}", BOXES_AND_POINTS)
        bare = page_url(f"http://127.0.0.1:{floor_port}", MAP)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=browser_args or CHROMIUM_ARGS
            )
            width, height = VIEWPORT_PX
            floor_context = browser.new_context(viewport={"width": width, "height": height})
            direct = f"http://127.0.0.1:{app_port}"
            app_context = signed_in_context(browser, direct, db_url, width_px=width)
            start_page = drawn(floor_context, floor, "floor page")[0]  # the browser's start-up
            out["renderer"] = str(start_page.evaluate(RENDERER_JS))
            start_page.close()
            for key, what in (("first", "first visit"), ("warm_up", "warm-up visit")):
                proxy.reset()
                page, out[f"{key}_s"], out[f"{key}_script_s"] = map_visit(
                    app_context, app, timing, f"safety map, {what}"
                )
                page.wait_for_timeout(500)
                out[f"{key}_payload_mb"] = (proxy.counts["ws"] + proxy.counts["static"]) / 1e6
                page.close()
            drawn(floor_context, floor, "floor page")[0].close()  # its warm-up visit
            write_map(floor_folder, captured_spec(db_url, folder / "layers"), folder / "layers")
            bare_context = browser.new_context(viewport={"width": width, "height": height})
            drawn(bare_context, bare, "bare map")[0].close()  # its warm-up visit
            out["warm_runs_s"], out["floor_runs_s"], out["warm_scripts_s"] = [], [], []
            out["bare_runs_s"] = []
            for round_ in range(visits):
                page, seconds, script_s = map_visit(app_context, app, timing, "safety map")
                out["warm_runs_s"].append(seconds)
                out["warm_scripts_s"].append(script_s)
                if round_ < visits - 1:
                    page.close()
                floor_page, seconds = drawn(floor_context, floor, "floor page")
                out["floor_runs_s"].append(seconds)
                floor_page.close()
                bare_page, seconds = drawn(bare_context, bare, "bare map")
                out["bare_runs_s"].append(seconds)
                bare_page.close()
            page.wait_for_timeout(500)
            medians = filter_change(page, timing, MEASURE_LABELS)
            out["filter_new_ms"], out["filter_repeat_ms"] = medians["new"], medians["repeat"]
            browser.close()
    finally:
        for process in (app_process, floor_process):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    out["warm_s"] = statistics.median(out["warm_runs_s"])
    out["warm_script_s"] = statistics.median(out["warm_scripts_s"])
    out["floor_s"] = statistics.median(out["floor_runs_s"])
    out["bare_s"] = statistics.median(out["bare_runs_s"])
    out["bare_over_floor"] = out["bare_s"] / out["floor_s"]
    out["warm_over_bare"] = out["warm_s"] / out["bare_s"]
    out["warm_over_floor"] = out["warm_s"] / out["floor_s"]
    out["first_over_warm"] = out["first_s"] / out["warm_s"]
    return out


def verdict(value: float, goal: float) -> str:
    """Return ``met`` or ``NOT met`` for a figure whose goal is at most ``goal``."""
    return "met" if value <= goal else "NOT met"


def report(figures: dict[str, Any], db_url: str, load: tuple[float, float, float]) -> None:
    """Print the machine line and the table of figures with their goals."""
    before, after, highest = load
    runs = ", ".join(f"{s:.2f}" for s in figures["warm_runs_s"])
    floor_runs = ", ".join(f"{s:.2f}" for s in figures["floor_runs_s"])
    bare_runs = ", ".join(f"{s:.2f}" for s in figures["bare_runs_s"])
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, {platform.platform()}; "
        f"load average (1 min) before {before:.2f}, after {after:.2f}, highest {highest:.2f}"
    )
    print(f"WebGL renderer: {figures['renderer']}")
    print(f"database: {db_url}; server warmed {figures['warmed_after_s']:.1f} s after start")
    rows = [
        ("first map drawn, first visit after start", f"{figures['first_s']:.2f} s", ""),
        ("first map drawn, warm (median)", f"{figures['warm_s']:.2f} s", f"runs {runs}"),
        ("floor page, boxes and points (median)", f"{figures['floor_s']:.2f} s",
         f"runs {floor_runs}"),
        ("warm ÷ floor", f"{figures['warm_over_floor']:.2f}",
         f"goal ≤ {WARM_OVER_FLOOR}: {verdict(figures['warm_over_floor'], WARM_OVER_FLOOR)}"),
        ("bare map: the map's deck alone (median)", f"{figures['bare_s']:.2f} s",
         f"runs {bare_runs}"),
        ("bare map ÷ floor", f"{figures['bare_over_floor']:.2f}",
         "(what the map's data costs the browser)"),
        ("warm ÷ bare map", f"{figures['warm_over_bare']:.2f}",
         "(what the rest of the page adds)"),
        ("first ÷ warm", f"{figures['first_over_warm']:.2f}",
         f"goal ≤ {FIRST_OVER_WARM}: {verdict(figures['first_over_warm'], FIRST_OVER_WARM)}"),
        ("page script, first visit after start", f"{figures['first_script_s']:.2f} s",
         "(server side of the first figure)"),
        ("page script, warm (median)", f"{figures['warm_script_s']:.2f} s",
         f"runs {', '.join(f'{s:.2f}' for s in figures['warm_scripts_s'])}"),
        ("map payload, first visit (new browser)", f"{figures['first_payload_mb']:.2f} MB",
         f"keep ≤ {PAYLOAD_MB} MB: {verdict(figures['first_payload_mb'], PAYLOAD_MB)}"),
        ("map payload, warm-up visit (files cached)", f"{figures['warm_up_payload_mb']:.2f} MB",
         "(the layer files come from the browser's cache)"),
        ("filter change, new", f"{figures['filter_new_ms']:.0f} ms",
         f"keep ≤ {FILTER_NEW_MS:.0f} ms: {verdict(figures['filter_new_ms'], FILTER_NEW_MS)}"),
        ("filter change, repeat", f"{figures['filter_repeat_ms']:.0f} ms",
         f"keep ≤ {FILTER_REPEAT_MS:.0f} ms: "
         f"{verdict(figures['filter_repeat_ms'], FILTER_REPEAT_MS)}"),
    ]  # fmt: skip
    print(f"{'figure':<44}{'value':>10}  goal / detail")
    for label, value, detail in rows:
        print(f"{label:<44}{value:>10}  {detail}")
    if highest > QUIET_LOAD:
        print(
            f"warning: the 1-minute load average reached {highest:.2f} (> {QUIET_LOAD}) during "
            "the run: other work shared the cores, so these figures are not valid; rerun on a "
            "quiet machine"
        )
    print(json.dumps({**figures, "load_before": before, "load_after": after, "load_max": highest}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite:////tmp/cg_large.sqlite", help="a demo database")
    parser.add_argument(
        "--visits", type=int, default=3, help="timed visits of the map and of the floor (median)"
    )
    parser.add_argument(
        "--gpu",
        action="store_true",
        help="let Chromium draw with the machine's GPU (drops --disable-gpu; the report "
        "prints the renderer used)",
    )
    parser.add_argument(
        "--chromium-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="one more Chromium option (repeatable), e.g. --chromium-arg=--use-angle=vulkan",
    )
    args = parser.parse_args()
    path = args.db.removeprefix("sqlite:///")
    mistake = None
    if args.visits < 1:
        mistake = f"--visits {args.visits}: give at least 1"
    elif args.db.startswith("sqlite:///") and not Path(path).exists():
        mistake = f"{path} does not exist: build it with `campusgrid demo --db {args.db}`"
    if mistake:
        print(mistake, file=sys.stderr)
        raise SystemExit(2)  # the caller's mistake
    load = LoadSampler()
    with tempfile.TemporaryDirectory() as folder:
        try:
            figures = run(
                args.db, args.visits, Path(folder), chromium_args(args.gpu, args.chromium_arg)
            )
        finally:
            figures_load = load.stop()
    report(figures, args.db, figures_load)


if __name__ == "__main__":
    main()
