"""CAMPUSGRID_BASEMAP_URL in real Chromium: the server fetches the tiles (a local XYZ server
whose tiles are solid magenta), the map draws them under the campus, and the browser
itself talks to the app on 127.0.0.1 only, never to the tile server."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.browser import CHART, wait_drawn
from tests.e2e.server import streamlit_server
from tests.tileserver import TileServer, tile_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tiles() -> Iterator[TileServer]:
    with tile_server() as server:
        yield server


@pytest.fixture(scope="module")
def basemap_server(
    demo_db: str, tiles: TileServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app with ``CAMPUSGRID_BASEMAP_URL`` pointing at the magenta tile server."""
    log = tmp_path_factory.mktemp("basemap-server") / "streamlit.log"
    template = tiles.base + "/solid/{z}/{x}/{y}.png"
    with streamlit_server(demo_db, log, CAMPUSGRID_BASEMAP_URL=template) as base:
        yield base


def _magenta_fraction(png: bytes) -> float:
    """Return the fraction of pixels close to magenta (the tile server's solid colour)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    red, green, blue = (band.load() for band in image.split())
    width, height = image.size
    hits = sum(
        1
        for y in range(0, height, 2)
        for x in range(0, width, 2)
        if red[x, y] > 200 and green[x, y] < 70 and blue[x, y] > 200  # type: ignore[index]
    )
    return hits / ((width // 2) * (height // 2))


def test_basemap_is_drawn_and_the_browser_stays_local(
    basemap_server: str, tiles: TileServer, page: Any, artifacts: Path
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(basemap_server)
    page.wait_for_selector(f"{CHART} canvas", timeout=60_000)
    png, fraction = wait_drawn(page)
    assert fraction > 0.05, "the deck canvas stayed blank"
    magenta = 0.0
    for _ in range(40):  # the image is fetched after the deck's first frame
        png = page.locator(CHART).first.screenshot()
        magenta = _magenta_fraction(png)
        if magenta > 0.02:
            break
        page.wait_for_timeout(250)
    (artifacts / "basemap_chart.png").write_bytes(png)
    assert magenta > 0.02, f"no basemap colour on the map ({magenta:.3%} magenta pixels)"

    fetched = [url for url in requests if urlsplit(url).scheme in ("http", "https", "ws", "wss")]
    hosts = {urlsplit(url).hostname for url in fetched}
    assert hosts == {"127.0.0.1"}, f"the page fetched from {sorted(map(str, hosts))}"
    tile_port = urlsplit(tiles.base).port
    assert not [url for url in requests if urlsplit(url).port == tile_port]
    app_port = urlsplit(basemap_server).port
    assert {urlsplit(url).port for url in fetched} == {app_port}
    assert [url for url in requests if "/layers/basemap-" in url]  # the guarded route
    # the tiles were fetched by the server, as campusgrid
    assert tiles.requests and {agent for _, agent in tiles.requests} == {"campusgrid"}
    assert page.locator("[data-testid=stAlert]").count() == 0
    assert page.locator("[data-testid=stException]").count() == 0
