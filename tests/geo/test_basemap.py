"""The raster basemap (zoning.geo.basemap, maps.basemap_layer, app_pages._ui.deck_of) against a
real XYZ tile server on 127.0.0.1 whose tiles are solid colours that encode their address."""

from __future__ import annotations

import io
import json
import math
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pyproj import Transformer

from maps.basemap_layer import BASEMAP, basemap_layer
from maps.deck import prepare, prepared_deck
from tests.actors import ADMIN
from tests.tileserver import MAGENTA, TileServer, tile_colour, tile_server
from zoning.errors import FetchFailed, InvalidInput
from zoning.geo import basemap as bm

#: About 340 m × 330 m around a point in Haidian, Beijing.
CAMPUS: bm.Bounds = (116.3560, 39.9605, 116.3600, 39.9635)
TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
HALF_WORLD_M = 20037508.342789244


@pytest.fixture(scope="module")
def tiles() -> Iterator[TileServer]:
    with tile_server() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh(tiles: TileServer) -> None:
    tiles.missing.clear()
    tiles.broken.clear()
    tiles.requests.clear()


def _image(path: Path) -> Image.Image:
    return Image.open(io.BytesIO(path.read_bytes())).convert("RGBA")


def _tile_centre(tiles: bm.TileRange, x: int, y: int, side: int = 256) -> tuple[int, int]:
    return ((x - tiles.x0) * side + side // 2, (y - tiles.y0) * side + side // 2)


# --------------------------------------------------------------------------- tile maths


def test_tile_of_a_known_point() -> None:
    assert bm.tile_of(116.358, 39.962, zoom=17) == (107900, 49639)
    assert bm.tile_of(0.0, 0.0, zoom=1) == (1, 1)
    assert bm.tile_of(-180.0, 85.0511, zoom=3) == (0, 0)
    assert bm.tile_of(180.0, -89.0, zoom=3) == (7, 7)  # clamped into the world


@pytest.mark.parametrize("zoom", [0, 5, 12, 17, 19])
@pytest.mark.parametrize(
    "lon_lat", [(116.358, 39.962), (-73.9857, 40.7484), (151.2153, -33.8568), (0.001, -0.001)]
)
def test_tile_of_agrees_with_pyproj_web_mercator(zoom: int, lon_lat: tuple[float, float]) -> None:
    x_m, y_m = TO_MERCATOR.transform(*lon_lat)
    n = 2**zoom
    expected = (
        math.floor((x_m + HALF_WORLD_M) / (2 * HALF_WORLD_M) * n),
        math.floor((HALF_WORLD_M - y_m) / (2 * HALF_WORLD_M) * n),
    )
    assert bm.tile_of(*lon_lat, zoom=zoom) == expected
    west, south, east, north = bm.tile_bounds(*expected, zoom=zoom)
    assert west <= lon_lat[0] < east and south < lon_lat[1] <= north


def test_tile_bounds_of_the_world_and_neighbours() -> None:
    west, south, east, north = bm.tile_bounds(0, 0, zoom=0)
    assert (west, east) == (-180.0, 180.0)
    assert south == pytest.approx(-bm.MAX_LAT) and north == pytest.approx(bm.MAX_LAT)
    a = bm.tile_bounds(107900, 49639, zoom=17)
    right = bm.tile_bounds(107901, 49639, zoom=17)
    below = bm.tile_bounds(107900, 49640, zoom=17)
    assert a[2] == right[0] and a[1] == below[3]


def test_tile_urls() -> None:
    assert bm.tile_url("https://t.example.org/{z}/{x}/{y}.png", 5, 7, zoom=4) == (
        "https://t.example.org/4/5/7.png"
    )
    assert bm.tile_url("https://t.example.org/{z}/{x}/{-y}{r}.png", 5, 7, zoom=4) == (
        "https://t.example.org/4/5/8.png"
    )
    hosts = {bm.tile_url("https://{s}.t.org/{z}/{x}/{y}", x, 0, zoom=4)[8] for x in range(3)}
    assert hosts == {"a", "b", "c"}


# --------------------------------------------------------------------------- zoom choice


@pytest.mark.parametrize("max_tiles", [64, 16, 9])
def test_zoom_is_the_highest_within_the_budget(max_tiles: int) -> None:
    zoom = bm.choose_zoom(CAMPUS, max_tiles=max_tiles)
    area = bm.padded(CAMPUS)
    assert bm.tile_range(area, zoom=zoom).count <= max_tiles
    assert zoom == bm.MAX_ZOOM or bm.tile_range(area, zoom=zoom + 1).count > max_tiles


def test_zoom_limits() -> None:
    tiny = (116.3580, 39.9620, 116.3581, 39.9621)  # ~10 m: the deepest zoom
    assert bm.choose_zoom(tiny) == bm.MAX_ZOOM
    assert bm.choose_zoom(tiny, max_zoom=16) == 16
    # A budget too small for the campus: never below the zoom where it spans ~300 px.
    zoom = bm.choose_zoom(CAMPUS, max_tiles=1)
    west, _, east, _ = bm.padded(CAMPUS)
    span_px = (east - west) / 360 * 256 * 2**zoom
    assert bm.MIN_SPAN_PX <= span_px < 2 * bm.MIN_SPAN_PX
    # A city-sized area: within the budget, and no side longer than the texture limit.
    city = (116.0, 39.6, 116.8, 40.2)
    zoom = bm.choose_zoom(city)
    tiles = bm.tile_range(bm.padded(city), zoom=zoom)
    assert tiles.count <= bm.MAX_TILES and max(tiles.columns, tiles.rows) <= bm.MAX_SIDE_TILES


def test_padding_and_range_cover_the_campus() -> None:
    zoom = bm.choose_zoom(CAMPUS)
    tiles = bm.tile_range(bm.padded(CAMPUS), zoom=zoom)
    west, south, east, north = tiles.bounds
    pw, ps, pe, pn = bm.padded(CAMPUS)
    assert west <= pw and south <= ps and east >= pe and north >= pn
    assert pe - pw == pytest.approx(1.2 * (CAMPUS[2] - CAMPUS[0]))


# --------------------------------------------------------------------------- fetch and stitch


def test_stitched_image_has_each_tile_in_its_place(tiles: TileServer, tmp_path: Path) -> None:
    image = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path)
    expected = bm.tile_range(bm.padded(CAMPUS), zoom=image.zoom)
    assert image.zoom == bm.choose_zoom(CAMPUS)
    assert image.tiles == expected.count == len(tiles.requests)
    assert image.missing == 0 and image.warning is None
    assert image.path.parent == tmp_path and image.path.name.startswith("basemap-")
    picture = _image(image.path)
    assert picture.size == (expected.columns * 256, expected.rows * 256)
    for y in range(expected.y0, expected.y1 + 1):
        for x in range(expected.x0, expected.x1 + 1):
            centre = _tile_centre(expected, x, y)
            assert picture.getpixel(centre) == (*tile_colour(image.zoom, x, y), 255)
    # the tile edges: the last pixel of one tile and the first of the next
    x, y = expected.x0, expected.y0
    assert picture.getpixel((255, 10)) == (*tile_colour(image.zoom, x, y), 255)
    assert picture.getpixel((256, 10)) == (*tile_colour(image.zoom, x + 1, y), 255)
    # bounds: the union of the tiles' own bounds
    west, _, _, north = bm.tile_bounds(expected.x0, expected.y0, zoom=image.zoom)
    _, south, east, _ = bm.tile_bounds(expected.x1, expected.y1, zoom=image.zoom)
    assert image.bounds == (west, south, east, north)
    assert {agent for _, agent in tiles.requests} == {"campusgrid"}


def test_a_stitched_basemap_is_reused_without_requests(tiles: TileServer, tmp_path: Path) -> None:
    first = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path)
    tiles.requests.clear()
    again = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path)
    assert tiles.requests == []
    assert again.path == first.path and again.bounds == first.bounds
    other = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path, max_tiles=9)
    assert other.path != first.path and other.zoom < first.zoom


def test_a_saved_basemap_is_fetched_again_once_too_old(tiles: TileServer, tmp_path: Path) -> None:
    day = 24 * 3600.0
    start = 1_000 * bm.MAX_AGE_S  # the start of a period
    first = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path, now=start)
    tiles.requests.clear()
    later = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path, now=start + 29 * day)
    assert tiles.requests == [] and later.path == first.path
    expected = bm.tile_range(bm.padded(CAMPUS), zoom=first.zoom)
    renewed = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path, now=start + 31 * day)
    assert len(tiles.requests) == expected.count and renewed.warning is None
    assert renewed.path != first.path and renewed.path.exists()
    assert not first.path.exists()  # replaced by the fresh one, not left to pile up
    short = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path, max_age_s=60.0)
    assert short.path not in (first.path, renewed.path)


def test_an_old_basemap_stays_when_refreshing_fails(tiles: TileServer, tmp_path: Path) -> None:
    start = 1_000 * bm.MAX_AGE_S
    first = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path, now=start)
    every = bm.tile_range(bm.padded(CAMPUS), zoom=first.zoom)
    tiles.broken.update(
        (first.zoom, x, y)
        for x in range(every.x0, every.x1 + 1)
        for y in range(every.y0, every.y1 + 1)
    )
    later = start + 2 * bm.MAX_AGE_S
    stale = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path, now=later)
    assert stale.stale and stale.path == first.path and stale.bounds == first.bounds
    assert stale.warning is not None and "HTTP 500" in stale.warning
    assert "CAMPUSGRID_BASEMAP_URL" in stale.warning
    first.path.unlink()  # nothing saved to fall back on: the failure is raised
    with pytest.raises(FetchFailed, match="HTTP 500"):
        bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path, now=later)


@pytest.mark.parametrize(
    ("template", "configured", "expected"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", None, "© OpenStreetMap contributors"),
        ("https://a.tile.openstreetmap.org/{z}/{x}/{y}.png", "", "© OpenStreetMap contributors"),
        ("https://u:p@tiles.example.org/{z}/{x}/{y}.png?key=s", " ", "tiles.example.org"),
        ("https://notopenstreetmap.org/{z}/{x}/{y}.png", None, "notopenstreetmap.org"),
        ("https://tiles.example.org/{z}/{x}/{y}.png", " © Campus GIS ", "© Campus GIS"),
    ],
)
def test_attribution(template: str, configured: str | None, expected: str) -> None:
    assert bm.attribution(template, configured) == expected


def test_missing_tiles_are_transparent(tiles: TileServer, tmp_path: Path) -> None:
    zoom = bm.choose_zoom(CAMPUS)
    expected = bm.tile_range(bm.padded(CAMPUS), zoom=zoom)
    corner, edge = (expected.x0, expected.y0), (expected.x1, expected.y0 + 1)
    tiles.missing.update({(zoom, *corner), (zoom, *edge)})
    image = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path)
    assert image.missing == 2 and image.warning is None  # 404: nothing there, not an error
    assert not image.path.stem.endswith("-partial")  # complete as far as the server goes
    picture = _image(image.path)
    assert picture.getpixel(_tile_centre(expected, *corner))[3] == 0
    assert picture.getpixel(_tile_centre(expected, *edge))[3] == 0
    x, y = expected.x0 + 1, expected.y0
    assert picture.getpixel(_tile_centre(expected, x, y)) == (*tile_colour(zoom, x, y), 255)


def test_failed_tiles_warn_and_are_not_reused(tiles: TileServer, tmp_path: Path) -> None:
    zoom = bm.choose_zoom(CAMPUS)
    expected = bm.tile_range(bm.padded(CAMPUS), zoom=zoom)
    tiles.broken.add((zoom, expected.x1, expected.y1))
    image = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path)
    assert image.missing == 1
    assert image.warning is not None and "1 of" in image.warning and "HTTP 500" in image.warning
    assert image.path.stem.endswith("-partial")
    tiles.broken.clear()
    tiles.requests.clear()
    fixed = bm.fetch_basemap(tiles.template, CAMPUS, cache_dir=tmp_path)
    assert len(tiles.requests) == expected.count and fixed.warning is None


def test_a_solid_basemap(tiles: TileServer, tmp_path: Path) -> None:
    image = bm.fetch_basemap(tiles.base + "/solid/{z}/{x}/{y}.png", CAMPUS, cache_dir=tmp_path)
    picture = _image(image.path)
    assert picture.getpixel((5, 5)) == picture.getpixel((600, 600)) == (*MAGENTA, 255)


def test_tms_rows_are_asked(tiles: TileServer, tmp_path: Path) -> None:
    image = bm.fetch_basemap(tiles.base + "/{z}/{x}/{-y}.png", CAMPUS, cache_dir=tmp_path)
    expected = bm.tile_range(bm.padded(CAMPUS), zoom=image.zoom)
    flipped = {(1 << image.zoom) - 1 - y for y in range(expected.y0, expected.y1 + 1)}
    asked = {int(path.rsplit("/", 1)[1].removesuffix(".png")) for path, _ in tiles.requests}
    assert asked == flipped


# --------------------------------------------------------------------------- failures


def test_not_an_image_gives_a_clear_message(tiles: TileServer, tmp_path: Path) -> None:
    with pytest.raises(FetchFailed) as err:
        bm.fetch_basemap(tiles.base + "/html/{z}/{x}/{y}.png", CAMPUS, cache_dir=tmp_path)
    message = str(err.value)
    assert "text/html, not an image" in message and tiles.base + "/html/" in message
    assert "What to do" in message
    assert list(tmp_path.iterdir()) == []


def test_a_server_error_gives_a_clear_message(tiles: TileServer, tmp_path: Path) -> None:
    with pytest.raises(FetchFailed, match="HTTP 500") as err:
        bm.fetch_basemap(tiles.base + "/error/{z}/{x}/{y}.png", CAMPUS, cache_dir=tmp_path)
    assert "CAMPUSGRID_BASEMAP_URL" in str(err.value)


def test_a_server_that_is_down_fails_once_and_fast(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    template = f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png?key=secret"
    with pytest.raises(FetchFailed) as err:
        bm.fetch_basemap(template, CAMPUS, cache_dir=tmp_path, timeout_s=2.0)
    message = str(err.value)
    assert "refused" in message and f"127.0.0.1:{port}" in message
    assert "1 tried" in message  # the centre tile only, not all 56
    assert "secret" not in message and "key=…" in message


def test_a_silent_server_times_out(tmp_path: Path) -> None:
    """A server that accepts connections but never answers: the timeout, not a hang."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        template = f"http://127.0.0.1:{silent.getsockname()[1]}/{{z}}/{{x}}/{{y}}.png"
        started = time.monotonic()
        with pytest.raises(FetchFailed, match="timeout"):
            bm.fetch_basemap(template, CAMPUS, cache_dir=tmp_path, timeout_s=0.5)
        assert time.monotonic() - started < 10  # a guard against hanging, not a benchmark


def test_an_unknown_host_gives_a_clear_message(tmp_path: Path) -> None:
    template = "http://tiles.campusgrid.invalid/{z}/{x}/{y}.png"
    with pytest.raises(FetchFailed) as err:
        bm.fetch_basemap(template, CAMPUS, cache_dir=tmp_path, timeout_s=2.0)
    assert "tiles.campusgrid.invalid" in str(err.value)
    assert "DNS" in str(err.value) or "timeout" in str(err.value)


@pytest.mark.parametrize(
    "template",
    [
        "https://tiles.example.org/{z}/{x}.png",
        "https://tiles.example.org/{x}/{y}.png",
        "https://tiles.example.org/styles/basic/style.json",
        "https://tiles.example.org/{z}/{x}/{y}.png?key={apikey}",
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "file:///etc/{z}/{x}/{y}.png",
        "/tiles/{z}/{x}/{y}.png",
        "",
    ],
)
def test_malformed_templates_are_invalid_input(template: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="XYZ tile template"):
        bm.fetch_basemap(template, CAMPUS, cache_dir=tmp_path)


def test_empty_bounds_are_invalid_input(tiles: TileServer, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="empty"):
        bm.fetch_basemap(tiles.template, (1.0, 2.0, 0.0, 1.0), cache_dir=tmp_path)
    with pytest.raises(InvalidInput, match="empty"):
        bm.fetch_basemap(tiles.template, (math.nan, 0, 1, 1), cache_dir=tmp_path)


# --------------------------------------------------------------------------- the layer


def test_basemap_layer_json() -> None:
    url = "app/static/map/basemap-0123456789abcdef0123.png"
    bounds = (116.355, 39.96, 116.361, 39.964)
    spec = json.loads(prepare(basemap_layer(url, bounds)).json)
    assert spec["@@type"] == "BitmapLayer" and spec["id"] == BASEMAP
    assert spec["image"] == url  # a plain string, not an accessor nor an inlined file
    assert spec["bounds"] == list(bounds)
    assert spec["pickable"] is False
    assert spec["parameters"] == {"depthWriteEnabled": False}


def test_basemap_layer_is_drawn_first_and_the_deck_stays_offline() -> None:
    layer = prepare(basemap_layer("app/static/map/basemap-x.png", (0.0, 0.0, 1.0, 1.0)))
    other = prepare(basemap_layer("app/static/map/other.png", (0.0, 0.0, 1.0, 1.0)))
    view = {"longitude": 0.5, "latitude": 0.5, "zoom": 10.0, "pitch": 45.0, "bearing": 0.0}
    deck = prepared_deck([layer, other], view=view)
    spec = json.loads(deck.to_json())
    assert spec["layers"][0]["id"] == BASEMAP
    assert spec["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in spec


def test_basemap_layer_rejects_bad_bounds() -> None:
    with pytest.raises(InvalidInput):
        basemap_layer("app/static/map/basemap-x.png", (1.0, 0.0, 0.0, 1.0))


# --------------------------------------------------------------------------- the page


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database holding one tiny campus (a boundary and a building, no plan)."""
    from tests.xss_campus import write_xss_campus
    from zoning import services
    from zoning.store.engine import open_engine

    folder = tmp_path_factory.mktemp("basemap-app")
    url = f"sqlite:///{folder / 'tiny.sqlite'}"
    services.import_campus(open_engine(url), write_xss_campus(folder), campus="tiny", actor=ADMIN)
    return url


def _run_app(db_url: str, template: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    from streamlit.testing.v1 import AppTest

    from tests.signed_in import signed_in

    monkeypatch.setenv("CAMPUSGRID_DB", db_url)
    monkeypatch.setenv("CAMPUSGRID_BASEMAP_URL", template)
    app = signed_in(AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py")))
    return app.run(timeout=60)


def test_the_safety_map_page_draws_the_basemap_first(
    tiny_db: str, tiles: TileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app_pages._ui import LAYER_DIR, LAYER_URL

    app = _run_app(tiny_db, tiles.template, monkeypatch)
    assert not app.exception and not app.warning
    (chart,) = app.get("deck_gl_json_chart")
    spec = json.loads(chart.proto.json)
    assert [layer["id"] for layer in spec["layers"]][:2] == [BASEMAP, "ground"]
    image = spec["layers"][0]["image"]
    assert image.startswith(LAYER_URL) and (LAYER_DIR / image.removeprefix(LAYER_URL)).exists()
    assert tiles.template not in chart.proto.json and tiles.base not in chart.proto.json
    assert spec["mapStyle"] == "__MAP_STYLE__"
    credits = [c.value.replace("\\", "") for c in app.caption if c.value.startswith("底图：")]
    assert credits == ["底图：127.0.0.1"]  # no credit configured: the tile server's host


def test_the_basemap_credit_is_the_operators(
    tiny_db: str, tiles: TileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPUSGRID_BASEMAP_ATTRIBUTION", "© <b>Campus</b> GIS *office*")
    app = _run_app(tiny_db, tiles.template, monkeypatch)
    assert not app.exception and not app.warning
    (credit,) = [c.value for c in app.caption if c.value.startswith("底图：")]
    assert credit.replace("\\", "") == "底图：© <b>Campus</b> GIS *office*"
    assert "\\*office\\*" in credit and "\\<b" in credit  # Markdown/HTML shown as text


def test_a_basemap_server_that_is_down_is_one_warning(
    tiny_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = _run_app(tiny_db, f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png", monkeypatch)
    assert not app.exception
    (warning,) = app.warning
    text = warning.value.replace("\\", "")  # the Markdown source, specials escaped
    assert text.startswith("底图不可用")
    assert f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png" in text
    (chart,) = app.get("deck_gl_json_chart")
    assert BASEMAP not in {layer["id"] for layer in json.loads(chart.proto.json)["layers"]}


def test_a_malformed_template_is_one_warning(tiny_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _run_app(tiny_db, "https://tiles.example.org/styles/basic.json", monkeypatch)
    assert not app.exception
    (warning,) = app.warning
    assert "XYZ" in warning.value
    assert len(app.get("deck_gl_json_chart")) == 1


def test_a_failed_refresh_keeps_the_saved_basemap_with_a_warning(
    tiny_db: str, tiles: TileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app_pages._ui import LAYER_DIR, LAYER_URL, basemap
    from zoning import services
    from zoning.store.engine import open_engine

    boundary = services.load_layers(open_engine(tiny_db), "tiny").boundary
    bounds = tuple(round(float(b), 6) for b in boundary.total_bounds)
    old = bm.fetch_basemap(
        tiles.template, bounds, cache_dir=LAYER_DIR, now=time.time() - 2 * bm.MAX_AGE_S
    )
    every = bm.tile_range(bm.padded(bounds), zoom=old.zoom)
    tiles.broken.update(
        (old.zoom, x, y)
        for x in range(every.x0, every.x1 + 1)
        for y in range(every.y0, every.y1 + 1)
    )
    fresh = LAYER_DIR / bm.cache_name(tiles.template, bounds, zoom=old.zoom, now=time.time())
    fresh.unlink(missing_ok=True)  # an earlier test's image of this period
    basemap.clear()
    try:
        app = _run_app(tiny_db, tiles.template, monkeypatch)
    finally:
        basemap.clear()
    assert not app.exception
    (warning,) = app.warning
    assert warning.value.startswith("底图未能更新") and "HTTP 500" in warning.value
    (chart,) = app.get("deck_gl_json_chart")
    layers = json.loads(chart.proto.json)["layers"]
    assert layers[0]["id"] == BASEMAP and layers[0]["image"] == LAYER_URL + old.path.name
