"""A raster basemap under the campus: XYZ tiles fetched once by the server, stitched into
one PNG that the browser loads from the app's own origin.

``CAMPUSGRID_BASEMAP_URL`` is an XYZ tile template (``https://tiles.example.org/{z}/{x}/{y}.png``;
``{s}`` picks a subdomain a/b/c, ``{-y}`` is the TMS row, ``{r}`` is dropped). The
server picks a zoom that covers the campus (padded) with at most ``max_tiles`` tiles,
fetches them in parallel with a short timeout, and writes the stitched image to a cache
folder (the app's ``static/map/``) under a name made of a hash of (template, bounds,
zoom) and the 30-day period it was fetched in, so it is fetched again once a month (an
older image stays in use while a refresh fails). The image's bounds are the union of the
tiles' Web-Mercator bounds, so drawn as a deck.gl ``BitmapLayer`` it lines up exactly with
the campus.

Tile maths (the standard slippy-map scheme, Web Mercator):

>>> tile_of(116.358, 39.962, zoom=17)
(107900, 49639)
>>> tile_bounds(0, 0, zoom=1)
(-180.0, 0.0, 0.0, 85.0511287798066)
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PIL import Image, UnidentifiedImageError

from zoning.errors import FetchFailed, InvalidInput
from zoning.files import write_whole

#: Web Mercator's latitude limit (°): the square world of the XYZ scheme.
MAX_LAT: Final = 85.0511287798066
MAX_ZOOM: Final = 19
MAX_TILES: Final = 64
#: Tiles along one side at most (the browser's texture limit: 16 × 256 = 4096 px).
MAX_SIDE_TILES: Final = 16
#: The campus spans at least this many pixels at the zoom chosen (its longer side).
MIN_SPAN_PX: Final = 300
PADDING: Final = 0.10
TILE_PX: Final = 256
#: A tile bigger than this is refused (a misconfigured URL, not a map tile).
MAX_TILE_BYTES: Final = 4 * 1024 * 1024
MAX_TILE_SIDE_PX: Final = 1024
TIMEOUT_S: Final = 5.0
WORKERS: Final = 6
USER_AGENT: Final = "campusgrid"
FILE_PREFIX: Final = "basemap-"
#: Stitched basemaps kept in the cache folder (newest used first).
FILES_KEPT: Final = 8
#: A saved basemap is fetched again once this old (s): 30 days. Until a fetch succeeds,
#: the older image stays in use.
MAX_AGE_S: Final = 30 * 24 * 3600.0

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_KNOWN = frozenset({"z", "x", "y", "-y", "s", "r"})
_SUBDOMAINS: Final = "abc"
#: Answers that mean "no tile here" (left transparent; the basemap is still cached).
_NOT_FOUND: Final = frozenset({204, 404, 410})

Bounds = tuple[float, float, float, float]
"""West, south, east, north (°, EPSG:4326)."""


@dataclass(frozen=True)
class TileRange:
    """The tiles ``x0..x1`` × ``y0..y1`` (inclusive) at ``zoom``."""

    zoom: int
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def columns(self) -> int:
        return self.x1 - self.x0 + 1

    @property
    def rows(self) -> int:
        return self.y1 - self.y0 + 1

    @property
    def count(self) -> int:
        return self.columns * self.rows

    @property
    def bounds(self) -> Bounds:
        """The union of the tiles' bounds (west, south, east, north, °)."""
        west, _, _, north = tile_bounds(self.x0, self.y0, zoom=self.zoom)
        _, south, east, _ = tile_bounds(self.x1, self.y1, zoom=self.zoom)
        return (west, south, east, north)


@dataclass(frozen=True)
class BasemapImage:
    """A stitched basemap written to ``path``: a PNG covering ``bounds`` exactly.

    ``missing`` counts the tiles the server did not have (drawn transparent);
    ``warning`` is a user-facing line when some tiles failed for another reason, or, with
    ``stale``, why an older saved image is returned instead of a fresh one.
    """

    path: Path
    bounds: Bounds
    zoom: int
    tiles: int
    missing: int = 0
    warning: str | None = None
    stale: bool = False


def validate_template(template: str) -> str:
    """Return ``template`` stripped; raise :class:`InvalidInput` unless it is an http(s)
    XYZ template with ``{z}``, ``{x}`` and ``{y}`` (or ``{-y}``) and no other placeholder
    than ``{s}`` and ``{r}``."""
    text = template.strip()
    shown = redact(text)
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            f"The basemap URL {shown!r} is not an http(s) address. Set CAMPUSGRID_BASEMAP_URL "
            "to an XYZ tile template such as https://tiles.example.org/{z}/{x}/{y}.png."
        )
    names = set(_PLACEHOLDER.findall(text))
    unknown = sorted(names - _KNOWN)
    if unknown or "z" not in names or "x" not in names or not names & {"y", "-y"}:
        what = (
            f"has unknown placeholders {', '.join('{' + n + '}' for n in unknown)}"
            if unknown
            else "lacks one of {z}, {x}, {y}"
        )
        raise InvalidInput(
            f"The basemap URL {shown!r} {what}. Set CAMPUSGRID_BASEMAP_URL to an XYZ tile "
            "template such as https://tiles.example.org/{z}/{x}/{y}.png (a MapLibre style "
            "JSON is not supported)."
        )
    return text


def redact(url: str) -> str:
    """Return ``url`` without credentials or query values (API keys) for messages.

    >>> redact("https://u:p@tiles.example.org/{z}/{x}/{y}.png?key=secret&v=2")
    'https://tiles.example.org/{z}/{x}/{y}.png?key=…&v=…'
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    query = "&".join(
        f"{pair.split('=', 1)[0]}=…" if "=" in pair else pair
        for pair in parts.query.split("&")
        if pair
    )
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, query, ""))


def attribution(template: str, configured: str | None = None) -> str:
    """Return the line that credits the basemap: ``configured`` (the operator's
    ``CAMPUSGRID_BASEMAP_ATTRIBUTION``) when given, else the OpenStreetMap credit for an
    openstreetmap host, else the tile server's host name.

    >>> attribution("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    '© OpenStreetMap contributors'
    >>> attribution("https://u:p@tiles.example.org/{z}/{x}/{y}.png?key=s", " ")
    'tiles.example.org'
    >>> attribution("https://tiles.example.org/{z}/{x}/{y}.png", "© Campus GIS office")
    '© Campus GIS office'
    """
    if configured and configured.strip():
        return configured.strip()
    host = (urllib.parse.urlsplit(template).hostname or "").lower()
    if host == "openstreetmap.org" or host.endswith(".openstreetmap.org"):
        return "© OpenStreetMap contributors"
    return host


def tile_url(template: str, x: int, y: int, *, zoom: int) -> str:
    """Return the URL of tile ``x``, ``y`` at ``zoom`` from an XYZ ``template``.

    >>> tile_url("https://{s}.tile.example.org/{z}/{x}/{-y}.png", 3, 1, zoom=2)
    'https://b.tile.example.org/2/3/2.png'
    """
    values = {
        "z": str(zoom),
        "x": str(x),
        "y": str(y),
        "-y": str((1 << zoom) - 1 - y),
        "s": _SUBDOMAINS[(x + y) % len(_SUBDOMAINS)],
        "r": "",
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _merc_y(lat_deg: float) -> float:
    """Return the Web-Mercator row of ``lat_deg`` as a fraction of the world (0 north, 1 south)."""
    lat = math.radians(max(min(lat_deg, MAX_LAT), -MAX_LAT))
    return (1.0 - math.asinh(math.tan(lat)) / math.pi) / 2.0


def tile_of(lon_deg: float, lat_deg: float, *, zoom: int) -> tuple[int, int]:
    """Return the (x, y) of the XYZ tile holding ``lon_deg``, ``lat_deg`` at ``zoom``."""
    n = 1 << zoom
    x = math.floor((lon_deg + 180.0) / 360.0 * n)
    y = math.floor(_merc_y(lat_deg) * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_bounds(x: int, y: int, *, zoom: int) -> Bounds:
    """Return the bounds (west, south, east, north, °) of XYZ tile ``x``, ``y`` at ``zoom``."""
    n = 1 << zoom

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * row / n))))

    return (x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y))


def _check_bounds(bounds: Bounds) -> Bounds:
    west, south, east, north = (float(b) for b in bounds)
    if not all(math.isfinite(b) for b in (west, south, east, north)) or (
        west > east or south > north or west < -180 or east > 180
    ):
        raise InvalidInput(f"Cannot fetch a basemap for bounds {bounds}: the campus is empty.")
    return (west, south, east, north)


def padded(bounds: Bounds, *, padding: float = PADDING) -> Bounds:
    """Return ``bounds`` grown by ``padding`` (a fraction of each span) on every side."""
    west, south, east, north = _check_bounds(bounds)
    dx, dy = (east - west) * padding, (north - south) * padding
    return (
        max(west - dx, -180.0),
        max(south - dy, -MAX_LAT),
        min(east + dx, 180.0),
        min(north + dy, MAX_LAT),
    )


def tile_range(bounds: Bounds, *, zoom: int) -> TileRange:
    """Return the tiles at ``zoom`` that cover lon/lat ``bounds``."""
    west, south, east, north = _check_bounds(bounds)
    x0, y0 = tile_of(west, north, zoom=zoom)
    x1, y1 = tile_of(east, south, zoom=zoom)
    # A bound exactly on a tile edge belongs to the next tile; do not fetch that one.
    if x1 > x0 and tile_bounds(x1, y1, zoom=zoom)[0] >= east:
        x1 -= 1
    if y1 > y0 and tile_bounds(x1, y1, zoom=zoom)[3] <= south:
        y1 -= 1
    return TileRange(zoom, x0, y0, x1, y1)


def choose_zoom(
    bounds: Bounds,
    *,
    max_tiles: int = MAX_TILES,
    max_zoom: int = MAX_ZOOM,
    padding: float = PADDING,
) -> int:
    """Return the zoom for a basemap of ``bounds`` (padded by ``padding``).

    The highest zoom ≤ ``max_zoom`` whose tiles number at most ``max_tiles`` (and at most
    :data:`MAX_SIDE_TILES` along a side), but never below the zoom at which the campus's
    longer side spans :data:`MIN_SPAN_PX` pixels. ``max_tiles`` × 256² is the pixel budget.
    """
    west, south, east, north = padded(bounds, padding=padding)
    span = max((east - west) / 360.0, _merc_y(south) - _merc_y(north), 1e-12)
    floor = min(max(math.ceil(math.log2(MIN_SPAN_PX / (TILE_PX * span))), 0), max_zoom)
    for zoom in range(max_zoom, floor, -1):
        tiles = tile_range((west, south, east, north), zoom=zoom)
        if tiles.count <= max_tiles and max(tiles.columns, tiles.rows) <= MAX_SIDE_TILES:
            return zoom
    return floor


def cache_key(template: str, bounds: Bounds, *, zoom: int) -> str:
    """Return the name stem shared by every saved basemap of (``template``, ``bounds``,
    ``zoom``), whatever its age."""
    key = f"{template}|{','.join(f'{b:.6f}' for b in bounds)}|{zoom}"
    return f"{FILE_PREFIX}{hashlib.sha256(key.encode('utf-8')).hexdigest()[:20]}"


def cache_name(
    template: str, bounds: Bounds, *, zoom: int, now: float, max_age_s: float = MAX_AGE_S
) -> str:
    """Return the file name of the basemap of (``template``, ``bounds``, ``zoom``) fetched
    in the ``max_age_s``-long period (s) holding ``now`` (Unix time, s): a new period
    gives a new name, so the basemap is fetched again at least every ``max_age_s``."""
    period = int(now // max(max_age_s, 1.0))
    return f"{cache_key(template, bounds, zoom=zoom)}-{period}.png"


def _saved_earlier(cache_dir: Path, stem: str, *, instead_of: Path) -> Path | None:
    """Return the newest complete basemap saved under ``stem`` other than ``instead_of``."""
    files = [
        f
        for f in cache_dir.glob(f"{stem}-*.png")
        if f != instead_of and not f.stem.endswith("-partial")
    ]
    return max(files, key=lambda f: f.stat().st_mtime) if files else None


@dataclass(frozen=True)
class _Tile:
    x: int
    y: int
    image: Image.Image | None  # RGBA; None when not fetched
    status: int | None = None  # the HTTP status of a failure (None: no answer)
    problem: str = ""  # what went wrong, for the message


def _fetch_tile(template: str, x: int, y: int, *, zoom: int, timeout_s: float) -> _Tile:
    url = tile_url(template, x, y, zoom=zoom)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as reply:
            body = reply.read(MAX_TILE_BYTES + 1)
            kind = reply.headers.get_content_type()
            code = reply.status
    except urllib.error.HTTPError as err:
        return _Tile(x, y, None, status=err.code, problem=f"HTTP {err.code} {err.reason}")
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, socket.gaierror):
            problem = "the host name could not be resolved (DNS)"
        elif isinstance(reason, TimeoutError):
            problem = f"no answer within {timeout_s:g} s (timeout)"
        elif isinstance(reason, ConnectionRefusedError):
            problem = "the connection was refused (is the tile server running?)"
        else:
            problem = f"the connection failed ({reason})"
        return _Tile(x, y, None, problem=problem)
    except TimeoutError:
        return _Tile(x, y, None, problem=f"no answer within {timeout_s:g} s (timeout)")
    except OSError as err:
        return _Tile(x, y, None, problem=f"the connection failed ({err})")
    if len(body) > MAX_TILE_BYTES:
        return _Tile(x, y, None, status=200, problem=f"a tile larger than {MAX_TILE_BYTES} bytes")
    if code == 204 or not body:  # some servers answer "no tile here" with no content
        return _Tile(x, y, None, status=204, problem="no content (HTTP 204 or an empty answer)")
    try:
        image = Image.open(io.BytesIO(body))
        if max(image.size) > MAX_TILE_SIDE_PX:
            return _Tile(x, y, None, status=200, problem=f"a tile of {image.size} px")
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return _Tile(x, y, None, status=200, problem=f"the answer is {kind}, not an image")
    return _Tile(x, y, image.convert("RGBA"))


def _fetch_all(
    template: str, tiles: TileRange, *, timeout_s: float, workers: int
) -> dict[tuple[int, int], _Tile]:
    """Return every tile of ``tiles`` fetched (failed ones with their problem).

    The centre tile is fetched alone first: a server that is down (no answer, refused,
    unknown host) fails once, within ``timeout_s``, instead of once per tile. The whole
    fetch stops after ``timeout_s`` × (tiles / workers + 2); tiles still running then
    count as failed (timeout).
    """
    cx, cy = (tiles.x0 + tiles.x1) // 2, (tiles.y0 + tiles.y1) // 2
    rest = [
        (x, y)
        for y in range(tiles.y0, tiles.y1 + 1)
        for x in range(tiles.x0, tiles.x1 + 1)
        if (x, y) != (cx, cy)
    ]
    late = f"no answer within {timeout_s:g} s (timeout)"
    fetched: dict[tuple[int, int], _Tile] = {}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="basemap")
    try:
        probe = pool.submit(_fetch_tile, template, cx, cy, zoom=tiles.zoom, timeout_s=timeout_s)
        done, _ = wait([probe], timeout=timeout_s + 1.0)
        centre = probe.result() if done else _Tile(cx, cy, None, problem=late)
        fetched[(cx, cy)] = centre
        if centre.image is None and centre.status is None:  # no answer at all: give up
            return fetched
        deadline = time.monotonic() + timeout_s * (math.ceil(len(rest) / workers) + 2)
        futures: dict[Future[_Tile], tuple[int, int]] = {
            pool.submit(_fetch_tile, template, x, y, zoom=tiles.zoom, timeout_s=timeout_s): (x, y)
            for x, y in rest
        }
        pending = set(futures)
        while pending:
            done, pending = wait(
                pending, timeout=max(deadline - time.monotonic(), 0.0), return_when=FIRST_COMPLETED
            )
            if not done:
                break
            for future in done:
                tile = future.result()
                fetched[(tile.x, tile.y)] = tile
        for future in pending:
            x, y = futures[future]
            fetched[(x, y)] = _Tile(x, y, None, problem=late)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return fetched


def _stitch(tiles: TileRange, fetched: dict[tuple[int, int], _Tile]) -> bytes:
    """Return the PNG of ``tiles`` side by side (transparent where a tile is missing).

    Tiles are drawn at the size of the first one fetched (256 px, or 512 px for
    high-resolution servers); a tile of another size is resized to it.
    """
    images = {key: tile.image for key, tile in fetched.items() if tile.image is not None}
    first = next(iter(images.values()))
    side = first.size[0]
    canvas = Image.new("RGBA", (tiles.columns * side, tiles.rows * side), (0, 0, 0, 0))
    for (x, y), image in images.items():
        if image.size != (side, side):
            image = image.resize((side, side))
        canvas.paste(image, ((x - tiles.x0) * side, (y - tiles.y0) * side))
    out = io.BytesIO()
    canvas.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _hint(tile: _Tile) -> str:
    if tile.status in _NOT_FOUND:
        return (
            "the tile server has no tiles there: check the {z}/{x}/{y} order of the "
            "template, and that the server covers this campus at that zoom"
        )
    if tile.status == 200:
        return "check that the URL is a tile template, not a web page or a style JSON"
    if tile.status is not None:
        return "the tile server has a problem: check its logs, or try again later"
    if "DNS" in tile.problem:
        return (
            "check the host name, and that the campusgrid server can reach the internet "
            "(or use a self-hosted tile server)"
        )
    return "check that the tile server is running and reachable from the campusgrid server"


def _failure(template: str, tiles: TileRange, failed: list[_Tile]) -> str:
    """Return the user-facing line of a basemap none of whose tiles could be fetched."""
    problems = Counter(tile.problem for tile in failed)
    problem = problems.most_common(1)[0][0]
    tile = next(t for t in failed if t.problem == problem)
    example = redact(tile_url(template, tile.x, tile.y, zoom=tiles.zoom))
    return (
        f"No basemap tile could be fetched from {redact(template)} ({len(failed)} tried; "
        f"e.g. {example}: {problem}). What to do: {_hint(tile)}; or set "
        "CAMPUSGRID_BASEMAP_URL to another XYZ template, or unset it."
    )


def fetch_basemap(
    template: str,
    bounds: Bounds,
    *,
    cache_dir: Path,
    max_tiles: int = MAX_TILES,
    max_zoom: int = MAX_ZOOM,
    padding: float = PADDING,
    timeout_s: float = TIMEOUT_S,
    workers: int = WORKERS,
    max_age_s: float = MAX_AGE_S,
    now: float | None = None,
) -> BasemapImage:
    """Return the basemap of lon/lat ``bounds`` (padded by ``padding``) from the XYZ
    ``template``, stitched into one PNG in ``cache_dir``.

    The zoom is :func:`choose_zoom`'s. A PNG already in ``cache_dir`` for the same
    (template, bounds, zoom), fetched less than ``max_age_s`` (s) ago (in the same period,
    see :func:`cache_name`; ``now`` defaults to the clock), is reused without any request.
    Tiles the server does not have (HTTP 404/410/204) are left transparent; when some tiles
    fail for another reason the image is still returned (with a ``warning``) but not reused
    later. When no tile can be fetched but an older basemap of the same place was saved,
    that one is returned, with a ``warning`` saying the refresh failed.

    Raises :class:`InvalidInput` for a template that is not an http(s) XYZ template or
    empty bounds, and :class:`FetchFailed` (a message for the user: which URL, what went
    wrong, what to do) when no tile at all could be fetched.
    """
    template = validate_template(template)
    zoom = choose_zoom(bounds, max_tiles=max_tiles, max_zoom=max_zoom, padding=padding)
    tiles = tile_range(padded(bounds, padding=padding), zoom=zoom)
    clock = time.time() if now is None else now
    checked = _check_bounds(bounds)
    stem = cache_key(template, checked, zoom=zoom)
    path = cache_dir / cache_name(template, checked, zoom=zoom, now=clock, max_age_s=max_age_s)
    if path.exists():
        path.touch()
        return BasemapImage(path=path, bounds=tiles.bounds, zoom=zoom, tiles=tiles.count)
    fetched = _fetch_all(template, tiles, timeout_s=timeout_s, workers=max(workers, 1))
    failed = [tile for tile in fetched.values() if tile.image is None]
    if len(failed) == len(fetched):
        older = _saved_earlier(cache_dir, stem, instead_of=path)
        if older is None:
            raise FetchFailed(_failure(template, tiles, failed))
        older.touch()
        return BasemapImage(
            path=older,
            bounds=tiles.bounds,
            zoom=zoom,
            tiles=tiles.count,
            warning=_failure(template, tiles, failed),
            stale=True,
        )
    data = _stitch(tiles, fetched)
    transient = [tile for tile in failed if tile.status not in _NOT_FOUND]
    warning = None
    if transient:
        path = path.with_name(f"{path.stem}-partial.png")  # never reused: fetched again
        warning = (
            f"{len(transient)} of {tiles.count} basemap tiles from {redact(template)} could "
            f"not be fetched ({transient[0].problem}); they are left transparent and "
            "fetched again later."
        )
    write_whole(path, data)
    if not transient:  # a complete refresh replaces the older images of this place
        for older in cache_dir.glob(f"{stem}-*.png"):
            if older != path:
                older.unlink(missing_ok=True)
    _prune(cache_dir)
    return BasemapImage(
        path=path,
        bounds=tiles.bounds,
        zoom=zoom,
        tiles=tiles.count,
        missing=len(failed),
        warning=warning,
    )


def _prune(folder: Path, *, keep: int = FILES_KEPT) -> None:
    files = sorted(
        folder.glob(f"{FILE_PREFIX}*.png"), key=lambda f: f.stat().st_mtime, reverse=True
    )
    for old in files[keep:]:
        old.unlink(missing_ok=True)
