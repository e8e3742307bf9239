"""A real XYZ tile server on a free 127.0.0.1 port, for the basemap tests.

Each tile is a solid PNG whose colour encodes its address (:func:`tile_colour`), so a
test can tell from one pixel of the stitched basemap which tile it came from. Paths:

- ``/{z}/{x}/{y}.png``: the tile; 404 when (z, x, y) is in ``server.missing``, 500 when
  it is in ``server.broken``;
- ``/solid/{z}/{x}/{y}.png``: every tile the colour ``server.solid`` (default magenta);
- ``/html/{z}/{x}/{y}.png``: a web page, not an image;
- ``/error/{z}/{x}/{y}.png``: HTTP 500.

Every request is recorded (path and User-Agent) in ``server.requests``.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

TILE_PX = 256
MAGENTA = (255, 0, 255)
_PATH = re.compile(r"^/(?:(solid|html|error)/)?(\d+)/(\d+)/(\d+)\.png$")


def tile_colour(zoom: int, x: int, y: int) -> tuple[int, int, int]:
    """Return the colour of tile (``zoom``, ``x``, ``y``): neighbours always differ."""
    return (x % 251, y % 241, (zoom * 13) % 256)


def png(colour: tuple[int, int, int], *, size: int = TILE_PX) -> bytes:
    """Return a solid ``size`` × ``size`` PNG of ``colour``."""
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, format="PNG")
    return out.getvalue()


@dataclass
class TileServer:
    """The running server: its base URL and what it was asked."""

    base: str
    missing: set[tuple[int, int, int]] = field(default_factory=set)
    broken: set[tuple[int, int, int]] = field(default_factory=set)
    solid: tuple[int, int, int] = MAGENTA
    requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def template(self) -> str:
        return self.base + "/{z}/{x}/{y}.png"


@contextlib.contextmanager
def tile_server() -> Iterator[TileServer]:
    """Serve tiles on a free 127.0.0.1 port in a thread; stop when the block ends."""
    state: TileServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append((self.path, self.headers.get("User-Agent", "")))
            match = _PATH.match(self.path)
            if match is None:
                self._answer(404, "text/plain", b"not found")
                return
            kind, zoom, x, y = match.group(1), *(int(v) for v in match.groups()[1:])
            if kind == "html":
                self._answer(200, "text/html", b"<html><body>a web page</body></html>")
            elif kind == "error":
                self._answer(500, "text/plain", b"tile server error")
            elif kind == "solid":
                self._answer(200, "image/png", png(state.solid))
            elif (zoom, x, y) in state.missing:
                self._answer(404, "text/plain", b"no such tile")
            elif (zoom, x, y) in state.broken:
                self._answer(500, "text/plain", b"tile server error")
            else:
                self._answer(200, "image/png", png(tile_colour(zoom, x, y)))

        def _answer(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state = TileServer(base=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, name="tileserver", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
