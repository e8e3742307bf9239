"""``GET /layers/NAME``: the heavy map layer files (JSON) and the basemap (PNG) the pages
write to :func:`zoning.api.settings.layer_dir`, served to signed-in sessions only."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from zoning.api.guard import ACTOR_KEY
from zoning.api.settings import layer_dir

#: A layer file's name: letters, digits, ``_ . -``, ending .json or .png; no folder.
NAME_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,150}\.(json|png)")
TYPES = {"json": "application/json", "png": "image/png"}
#: Files are named by their content: the browser may keep one, asking again after a day.
CACHE_CONTROL = "private, max-age=86400"


async def layer_file(request: Request) -> Response:
    """Return one layer file; 401 without a signed-in session, 404 for any other name. A
    client that accepts gzip gets the gzipped copy written beside the file (``NAME.gz``),
    when there is one, as it is: nothing is compressed per request."""
    if request.scope.get(ACTOR_KEY) is None:
        return PlainTextResponse("Sign in first: open /signin.", status_code=401)
    name = str(request.path_params.get("name", ""))
    match = NAME_RE.fullmatch(name)
    if match is None or ".." in name:
        return PlainTextResponse("No such layer file.", status_code=404)
    path = layer_dir() / name
    if not path.is_file():
        return PlainTextResponse("No such layer file.", status_code=404)
    kind = TYPES[match.group(1)]
    packed = path.with_name(path.name + ".gz")  # written beside it once (app_pages publish)
    if takes_gzip(request.headers.get("accept-encoding", "")) and packed.is_file():
        response = FileResponse(packed, media_type=kind)
        response.headers["Content-Encoding"] = "gzip"  # the server's gzip then leaves it be
    else:
        response = FileResponse(path, media_type=kind)
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def takes_gzip(accept_encoding: str) -> bool:
    """Return whether an ``Accept-Encoding`` header value accepts gzip (``gzip`` or ``*``
    listed without ``q=0``)."""
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        quality = params.replace(" ", "").removeprefix("q=")
        if coding.strip() in ("gzip", "*") and quality not in ("0", "0.0", "0.00", "0.000"):
            return True
    return False


def routes() -> list[Route]:
    """Return the layer file route."""
    return [Route("/layers/{name}", layer_file, methods=["GET", "HEAD"])]
