"""UI benchmark (run by hand): the safety map on the LARGE demo campus in headless Chromium.

    .venv/bin/python bench/ui.py [--db sqlite:////tmp/cg_large.sqlite]

Figures, for campusgrid and for a naive peer (a full-precision GeoJsonLayer of every
column of every layer, no cache, pretty JSON), both served by the same Streamlit with the
repository's ``.streamlit/config.toml`` (websocket compression on):

- first map drawn: navigation → the deck canvas shows the map (s), goal ≤ 4 s; ``cold``
  is the first visit after the server started (every cache empty), ``warm`` a second
  visit in a new tab (caches filled by the first);
- map payload: bytes the server sent on the wire for the page's websocket and any
  ``/layers/`` or ``/app/static/`` files on the first visit (nothing in the browser's cache),
  counted by a TCP proxy on 127.0.0.1 in front of Streamlit, so after permessage-deflate
  (DevTools reports frames decompressed), goal ≤ 3 MB;
- filter change: the whole page script on the server (``CAMPUSGRID_TIMING_LOG``: the
  ``<page>.run`` lines the entry script's one hook, ``app_pages/_ui/timing.py``, writes
  around ``navigation.run()``; the pages time nothing), goal ≤ 300 ms; ``new``: median of 4
  switches of the colour measure to a state this server has not drawn yet (片区, 未闭环隐患,
  网格类型, 面积: nothing of it cached), ``repeat``: median of 5 switches back to states
  already drawn (the painted layers are cached per filter state). The peer rebuilds
  everything every time (its two options alternate in both series).
"""

from __future__ import annotations

import argparse
import asyncio
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

from zoning.accounts import local_operator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.browser import CHART, CHROMIUM, CHROMIUM_ARGS, wait_drawn, wait_idle  # noqa: E402
from tests.ports import free_port  # noqa: E402

NAIVE_PAGE = """
import json, time, os
import streamlit as st, pydeck as pdk
from zoning import services
from zoning.store.engine import open_engine
t0 = time.perf_counter()
engine = open_engine(os.environ["CAMPUSGRID_DB"])
campus = services.list_campuses(engine)[0].name
layers = services.load_layers(engine, campus)
cells = services.load_cells(engine, campus)
colour = st.radio("measure", ["a", "b"], key="m", horizontal=True)
deck_layers = []
frames = [("cells", cells), ("buildings", layers.buildings), ("roads", layers.roads),
          ("cameras", layers.cameras), ("landcover", layers.landcover)]
for name, frame in frames:
    data = json.loads(frame.to_json())
    fill = [200, 100, 0, 120] if colour == "a" else [0, 100, 200, 120]
    deck_layers.append(pdk.Layer("GeoJsonLayer", data, id=name, pickable=True,
                                 extruded=False, get_fill_color=fill))
minx, miny, maxx, maxy = layers.boundary.total_bounds
view = pdk.ViewState(longitude=(minx + maxx) / 2, latitude=(miny + maxy) / 2, zoom=14, pitch=45)
deck = pdk.Deck(layers=deck_layers, map_provider=None, initial_view_state=view)
st.pydeck_chart(deck, key="naive", height=620)
path = os.environ.get("CAMPUSGRID_TIMING_LOG")
if path:
    open(path, "a").write(f"naive.run {time.perf_counter() - t0:.4f}\\n")
"""


def ensure_db(url: str) -> None:
    from zoning import services
    from zoning.errors import ActivationRefused
    from zoning.store.engine import open_engine

    engine = open_engine(url)
    if services.list_campuses(engine):
        return
    try:
        services.seed_demo(engine, scale="large", seed=0, progress=print, actor=local_operator())
    except ActivationRefused as err:
        print(f"activation refused ({str(err)[:60]}…): the plan stays a draft")
        from zoning.services.demo import seed_history

        seed_history(engine, "demo-large", actor=local_operator(), seed=0, days=90)
    campus = services.list_campuses(engine)[0]
    plan = services.current_plan(engine, campus.name)
    if plan is None or plan.cells < 10_000:
        services.split_campus(
            engine, campus.name, method="square", cell_size_m=30.0, actor=local_operator()
        )


#: The safety map's colour measures the filter-change figure switches to: four new to the
#: server, then the default (巡查完成率) the visits drew.
MEASURE_LABELS = ["片区", "未闭环隐患", "网格类型", "面积", "巡查完成率"]

METHODS = {b"GET", b"POST", b"HEAD", b"OPTIONS", b"PUT", b"DELETE"}


class CountingProxy:
    """A TCP proxy on 127.0.0.1 that counts the bytes the server sends, by request path.

    ``counts["ws"]`` is the websocket (``/_stcore/stream``), ``counts["static"]`` the map's
    files (``/layers/``, ``/app/static/``), ``counts["other"]`` the rest (the app's
    JavaScript…). The bytes are what crossed the socket: compressed when the server
    compresses.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.counts = {"ws": 0, "static": 0, "other": 0}
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)

    def reset(self) -> None:
        with self._lock:
            for key in self.counts:
                self.counts[key] = 0

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port)
        )
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        kind = ["other"]

        async def upstream() -> None:  # browser → server: each request line's path
            while data := await reader.read(65536):
                if kind[0] != "ws" and data.split(b" ", 1)[0] in METHODS:
                    # HTTP/1.1 keep-alive, no pipelining: the next response is this one's.
                    parts = data.split(b"\r\n", 1)[0].split()
                    path = parts[1].decode("latin-1") if len(parts) > 1 else ""
                    if path.startswith("/_stcore/stream"):
                        kind[0] = "ws"
                    elif path.startswith(FILE_PATHS):
                        kind[0] = "static"
                    else:
                        kind[0] = "other"
                up_writer.write(data)
                await up_writer.drain()
            up_writer.close()

        async def downstream() -> None:  # server → browser: count
            while data := await up_reader.read(65536):
                with self._lock:
                    self.counts[kind[0]] += len(data)
                writer.write(data)
                await writer.drain()
            writer.close()

        try:
            await asyncio.gather(upstream(), downstream())
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            up_writer.close()


def serve(
    script: Path,
    url: str,
    timing: Path,
    *,
    log: Path | None = None,
    env: dict[str, str] | None = None,
    options: tuple[str, ...] = (),
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``streamlit run script`` on a free port of 127.0.0.1 with database ``url`` and
    timing log ``timing``; return the process and its port once the health check answers.
    ``log``: a file for the server's output (default: discarded); ``env``: more variables;
    ``options``: more ``streamlit run`` options (``--server.enableStaticServing true``)."""
    import urllib.request

    port = free_port()
    variables = {**os.environ, "CAMPUSGRID_DB": url, "CAMPUSGRID_TIMING_LOG": str(timing)}
    variables.update(env or {})
    variables.pop("CAMPUSGRID_BASEMAP_URL", None)
    with open(log or os.devnull, "wb") as out:  # the child keeps its own handle
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("streamlit")), "run", str(script),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
             "--server.port", str(port), *options],
            cwd=ROOT, env=variables, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                return process, port
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("streamlit did not start")


#: The account the UI benchmarks sign in as (made in the bench database when missing).
BENCH_ACCOUNT = "bench-admin"
BENCH_PASSWORD = "bench-ui-password-1"
#: Request paths of the map's files: the layer files (``/layers/NAME``, signed-in only) and
#: Streamlit's static files (the peer's pages).
FILE_PATHS = ("/layers/", "/app/static/")


def ensure_account(url: str) -> None:
    """Create the admin account :data:`BENCH_ACCOUNT` in the database at ``url`` (as the
    local operator, as ``campusgrid users add`` does) unless it exists."""
    from zoning.services import accounts
    from zoning.store.engine import open_engine

    engine = open_engine(url)
    try:
        if accounts.sso_actor(engine, BENCH_ACCOUNT) is None:
            accounts.add_account(engine, local_operator(), BENCH_ACCOUNT, "admin", BENCH_PASSWORD)
    finally:
        engine.dispose()


def signed_in_context(browser: Any, base: str, db_url: str, *, width_px: int = 1400) -> Any:
    """Return a new browser context (``width_px`` × 1000 px) signed in to the server at
    ``base`` (the guarded app) as :data:`BENCH_ACCOUNT`: the session cookie comes from the
    real sign-in form (HTTP), valid for every port of 127.0.0.1 (the counting proxy's too)."""
    from tests.e2e.signin import session_cookie
    from zoning.api.asgi import SESSION_COOKIE

    ensure_account(db_url)
    token = session_cookie(base, BENCH_ACCOUNT, BENCH_PASSWORD)
    context = browser.new_context(viewport={"width": width_px, "height": 1000})
    context.add_cookies(
        [{"name": SESSION_COOKIE, "value": token, "url": base, "httpOnly": True,
          "sameSite": "Lax"}]
    )  # fmt: skip
    return context


def _visit(browser: Any, base: str, *, timeout_s: float = 300.0) -> tuple[Any, float, float]:
    """Open ``base`` in a new tab of ``browser`` (a browser or a signed-in context); return
    the page, seconds until the whole map is drawn (the canvas has drawn, every layer file
    fetched, and the picture no longer changes), and the fraction of the chart drawn. Waits
    at most about ``timeout_s`` (s) per step."""
    size = {"viewport": {"width": 1400, "height": 1000}}  # a context has its own
    page = browser.new_page(**size) if hasattr(browser, "new_context") else browser.new_page()
    pending: set[Any] = set()
    last_request = [0.0]

    def started_(request: Any) -> None:
        if any(path in request.url for path in FILE_PATHS):
            pending.add(request)
            last_request[0] = time.perf_counter()

    page.on("request", started_)
    page.on("requestfinished", lambda request: pending.discard(request))
    page.on("requestfailed", lambda request: pending.discard(request))
    started = time.perf_counter()
    page.goto(base)
    page.wait_for_selector(f"{CHART} canvas", timeout=timeout_s * 1000)
    _, fraction = wait_drawn(page, timeout_s=timeout_s)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and (pending or time.perf_counter() - last_request[0] < 0.3):
        page.wait_for_timeout(50)
    chart = page.locator(CHART).first
    shot, shot_at = chart.screenshot(), time.perf_counter()
    while time.monotonic() < deadline:  # layers parse and draw after their fetch
        page.wait_for_timeout(200)
        again = chart.screenshot()
        if again == shot:
            break
        shot, shot_at = again, time.perf_counter()
    return page, shot_at - started, fraction


def filter_change(page: Any, timing: Path, options: list[str]) -> dict[str, float]:
    """Click the radio holding ``options`` on ``page`` (drawn, idle) and return the median
    page-script time (ms) of the server writing timing log ``timing``: ``new`` for the first
    four options (states the server has not drawn yet), ``repeat`` for all five again."""
    radio = page.locator("[data-testid=stRadio]").filter(has_text=options[-1]).first
    medians = {}
    for series, labels in (("new", options[:4]), ("repeat", options)):
        timing.write_text("")
        for label in labels:
            radio.get_by_text(label, exact=True).first.click()
            page.wait_for_timeout(300)
            wait_idle(page, 120_000)
        lines = [ln.split() for ln in timing.read_text().splitlines() if ln.strip()]
        runs = [float(v) for name, v in lines if name.endswith(".run")]
        medians[series] = statistics.median(runs) * 1000 if runs else float("nan")
    return medians


def measure(
    proxy: CountingProxy, timing: Path, *, options: list[str], db_url: str | None = None
) -> dict[str, float]:
    """Return the figures of the server behind ``proxy``; with ``db_url`` the server is the
    guarded app, and the browser signs in first (as :data:`BENCH_ACCOUNT` of ``db_url``)."""
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{proxy.port}"
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        direct = f"http://127.0.0.1:{proxy.target_port}"
        browser = launched if db_url is None else signed_in_context(launched, direct, db_url)
        page, cold, _ = _visit(browser, base)  # first visit: every server cache empty
        wait_idle(page, 300_000)
        page.wait_for_timeout(500)
        # the first visit's bytes: a later tab of the same context takes the layer files
        # from the browser's cache (they are cached for a day)
        payload = proxy.counts["ws"] + proxy.counts["static"]
        page.close()
        page, warm, fraction = _visit(browser, base)  # second visit, caches filled
        wait_idle(page, 120_000)
        page.wait_for_timeout(500)
        medians = filter_change(page, timing, options)
        launched.close()
    return {
        "first_draw_cold_s": cold,
        "first_draw_warm_s": warm,
        "drawn_fraction": fraction,
        "payload_mb": payload / 1e6,
        "filter_new_ms": medians["new"],
        "filter_repeat_ms": medians["repeat"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="sqlite:////tmp/cg_large.sqlite")
    args = parser.parse_args()
    ensure_db(args.db)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        timing = Path(folder) / "timing.log"
        naive = Path(folder) / "naive_app.py"
        naive.write_text(NAIVE_PAGE)
        for name, script, options, guarded in (
            (
                "campusgrid",
                ROOT / "app.py",  # builds st.App: the sign-in gate, /layers/, the lifespan
                ["片区", "未闭环隐患", "网格类型", "面积", "巡查完成率"],
                True,
            ),
            ("naive", naive, ["b", "a", "b", "a", "b"], False),
        ):
            process, port = serve(script, args.db, timing)
            try:
                results[name] = measure(
                    CountingProxy(port),
                    timing,
                    options=options,
                    db_url=args.db if guarded else None,
                )
            finally:
                process.terminate()
                process.wait(timeout=20)
    ours, peer = results["campusgrid"], results["naive"]
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, {platform.platform()}")
    print(f"{'figure':<28}{'campusgrid':>12}{'naive':>12}{'ratio':>8}  goal")
    for key, goal in (
        ("first_draw_cold_s", "≤ 4 s"),
        ("first_draw_warm_s", "≤ 4 s"),
        ("payload_mb", "≤ 3 MB compressed"),
        ("filter_new_ms", "≤ 300 ms"),
        ("filter_repeat_ms", "≤ 300 ms"),
    ):
        ratio = peer[key] / ours[key] if ours[key] else float("nan")
        print(f"{key:<28}{ours[key]:>12.2f}{peer[key]:>12.2f}{ratio:>7.1f}×  {goal}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
