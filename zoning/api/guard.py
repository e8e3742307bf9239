"""The sign-in gate in front of every route of the web app (an ASGI middleware).

Without a live session cookie an HTML request is sent to ``/signin?next=…`` (303), any
other request gets 401, and a websocket upgrade is closed before it opens. A websocket
whose ``Origin`` is missing or names another host is refused even with a cookie. Only the
sign-in page, the health check, the favicon and the public complaint form (``/report``,
``/track/…``) answer without signing in; ``/api/`` and
``/open311/`` pass through to their own token check (no cookie, no redirect). Every response
carries the security headers of :data:`zoning.api.asgi.SECURITY_HEADERS`.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from zoning.api import sessions
from zoning.api.asgi import SESSION_COOKIE, cookies, header, same_origin, with_headers

#: Paths that answer without a session (any method the route accepts).
PUBLIC_PATHS = frozenset(
    {
        "/signin",
        "/signin/sso",
        "/signin/sso/callback",
        "/signout",
        "/_stcore/health",
        "/favicon.ico",
        "/favicon.png",
        "/report",
    }
)
#: Path prefixes that answer without a session: the public form's tracking pages.
PUBLIC_PREFIXES = ("/track/",)
#: Path prefixes that check their own credentials (an API token, never the session cookie:
#: a cookie would let another site make a signed-in browser write).
OWN_AUTH_PREFIXES = ("/api/", "/open311/")
#: The scope key under which the guard hands the signed-in :class:`Actor` to the routes.
ACTOR_KEY = "campusgrid.actor"
#: Websocket close code of a refused upgrade (the server answers the handshake with 403).
WS_REFUSED = 4401


def sign_in_url(scope: Scope) -> str:
    """Return ``/signin?next=<this path and query>``."""
    target = scope.get("path", "/")
    query = scope.get("query_string", b"")
    if query:
        target += "?" + query.decode("latin-1")
    return "/signin?next=" + quote(target, safe="")


def _refusal(scope: Scope) -> Response:
    accept = header(scope, "accept") or ""
    if scope.get("method") in ("GET", "HEAD") and "text/html" in accept:
        return RedirectResponse(sign_in_url(scope), status_code=303)
    return PlainTextResponse("Sign in first: open /signin.", status_code=401)


class SignInGuard:
    """ASGI middleware: nothing but the public paths without a signed-in session."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            send = with_headers(send)
            path = scope.get("path", "")
            if path in PUBLIC_PATHS or path.startswith((*OWN_AUTH_PREFIXES, *PUBLIC_PREFIXES)):
                await self.app(scope, receive, send)
                return
            actor = await run_in_threadpool(sessions.actor_of, cookies(scope).get(SESSION_COOKIE))
            if actor is None:
                await _refusal(scope)(scope, receive, send)
                return
            await self.app({**scope, ACTOR_KEY: actor}, receive, send)
        elif kind == "websocket":
            if not same_origin(scope, required=True):
                await send({"type": "websocket.close", "code": WS_REFUSED})
                return
            actor = await run_in_threadpool(sessions.actor_of, cookies(scope).get(SESSION_COOKIE))
            if actor is None:
                await send({"type": "websocket.close", "code": WS_REFUSED})
                return
            await self.app({**scope, ACTOR_KEY: actor}, receive, send)
        else:  # lifespan
            await self.app(scope, receive, send)
