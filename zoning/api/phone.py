"""``/m``: the phone page for grid owners (a 390×844 screen and a thumb), behind the sign-in
gate. Static files from ``zoning/api/phone_static`` (plain JS, no framework, nothing from
another site) under a strict Content-Security-Policy; the page talks to the REST API with
the session cookie (writes with ``X-Requested-With: campusgrid``), queues submissions on the
phone (IndexedDB) with an ``Idempotency-Key`` each, and sends them when the network is back.

- ``GET /m``: the page; ``GET /m/app.js``, ``/m/app.css``, ``/m/sw.js`` (the service worker
  that keeps the page openable offline), ``/m/manifest.json``;
- ``GET /m/checklists.json``: the checklist templates (code, names, items), which the API
  does not list;
- ``GET /m/domains.json``: the safety domains the checklists cover (code, Chinese and English
  names), the choices of "report a hazard where I stand".
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from zoning.api.asgi import SESSION_COOKIE, cookies
from zoning.api.guard import ACTOR_KEY
from zoning.api.signin import set_session_cookie
from zoning.safety.domains import DOMAINS
from zoning.services.safety import checklist_templates

#: The page's policy: its own scripts, styles, images (photos shown from blobs) and API only.
PHONE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
#: The files under /m/, with their media types.
FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "sw.js": "text/javascript; charset=utf-8",
    "manifest.json": "application/manifest+json",
}


@cache
def static_file(name: str) -> bytes:
    """Return the bytes of ``phone_static/NAME`` (read once)."""
    return resources.files("zoning.api").joinpath("phone_static", name).read_bytes()


def _file(name: str) -> Response:
    response = Response(static_file(name), media_type=FILES[name])
    response.headers["Content-Security-Policy"] = PHONE_CSP
    # Revalidated on every visit online; the service worker keeps a copy for offline use.
    response.headers["Cache-Control"] = "no-cache"
    if name == "sw.js":
        response.headers["Service-Worker-Allowed"] = "/m"
    return response


def _signed_in(request: Request) -> bool:
    return request.scope.get(ACTOR_KEY) is not None


async def page(request: Request) -> Response:
    """GET /m: the page (the gate sends a browser that is not signed in to the sign-in).
    The session cookie is set again, persistent for the idle time: a phone that opens the
    page at least once per idle time stays signed in."""
    if not _signed_in(request):
        return PlainTextResponse("Sign in first: open /signin?next=/m.", status_code=401)
    response = _file("index.html")
    token = cookies(request.scope).get(SESSION_COOKIE)
    if token:
        set_session_cookie(response, request, token, persistent=True)
    return response


async def asset(request: Request) -> Response:
    """GET /m/NAME: one of :data:`FILES`; 404 for any other name."""
    if not _signed_in(request):
        return PlainTextResponse("Sign in first: open /signin?next=/m.", status_code=401)
    name = str(request.path_params.get("name", ""))
    if name not in FILES or name == "index.html":
        return PlainTextResponse("No such file.", status_code=404)
    return _file(name)


def checklist_json() -> dict[str, object]:
    """Return every checklist template: code → domain, names and items (code, texts,
    major)."""
    return {
        code: {
            "domain": t.domain,
            "name_zh": t.name_zh,
            "name_en": t.name_en,
            "items": [
                {"code": i.code, "text_zh": i.text_zh, "text_en": i.text_en, "major": i.major}
                for i in t.items
            ],
        }
        for code, t in sorted(checklist_templates().items())
    }


async def checklists(request: Request) -> Response:
    """GET /m/checklists.json: the checklist templates."""
    if not _signed_in(request):
        return PlainTextResponse("Sign in first: open /signin?next=/m.", status_code=401)
    found = await run_in_threadpool(checklist_json)
    return JSONResponse(found, headers={"Cache-Control": "no-cache"})


def domain_json() -> list[dict[str, str]]:
    """Return the safety domains some checklist template covers, in the domains' order."""
    used = {t.domain for t in checklist_templates().values()}
    return [
        {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en}
        for d in DOMAINS
        if d.code in used
    ]


async def domains(request: Request) -> Response:
    """GET /m/domains.json: the domains a hazard may be reported in."""
    if not _signed_in(request):
        return PlainTextResponse("Sign in first: open /signin?next=/m.", status_code=401)
    found = await run_in_threadpool(domain_json)
    return JSONResponse(found, headers={"Cache-Control": "no-cache"})


def routes() -> list[Route]:
    """Return the phone page's routes."""
    return [
        Route("/m", page, methods=["GET"]),
        Route("/m/", page, methods=["GET"]),
        Route("/m/checklists.json", checklists, methods=["GET"]),
        Route("/m/domains.json", domains, methods=["GET"]),
        Route("/m/{name}", asset, methods=["GET"]),
    ]
