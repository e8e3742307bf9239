"""Small ASGI helpers shared by the guard and the routes: cookies, the request's origin,
security headers."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from starlette.types import Message, Scope, Send

#: The cookie that carries a signed-in browser's session token.
SESSION_COOKIE = "campusgrid_session"
#: The sign-in form's double-submit token.
CSRF_COOKIE = "campusgrid_csrf"

#: Sent with every response: no framing by other sites, no type sniffing, no full URL
#: leaked to other origins.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


def header(scope: Scope, name: str) -> str | None:
    """Return the first request header ``name`` (lower case), or None."""
    wanted = name.lower().encode("latin-1")
    for key, value in scope.get("headers", ()):
        if key.lower() == wanted:
            return str(value.decode("latin-1"))
    return None


def cookies(scope: Scope) -> dict[str, str]:
    """Return the request's cookies (an unreadable Cookie header gives none)."""
    raw = header(scope, "cookie")
    if not raw:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def is_loopback(host: str | None) -> bool:
    """True for a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def over_https(scope: Scope) -> bool:
    """True when the browser reached us over HTTPS: the scheme, or ``X-Forwarded-Proto:
    https`` set by a reverse proxy on this machine (loopback)."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    client = scope.get("client")
    proto = (header(scope, "x-forwarded-proto") or "").split(",")[0].strip().lower()
    return proto == "https" and client is not None and is_loopback(client[0])


def _netloc(value: str, secure: bool) -> str:
    host = value.strip().lower()
    default = ":443" if secure else ":80"
    return host.removesuffix(default)


def same_origin(scope: Scope, *, required: bool) -> bool:
    """True when the request's ``Origin`` names this host (the ``Host`` header).

    A missing Origin passes only when not ``required`` (browsers send it with websockets
    and form posts; a script outside a browser may not).
    """
    origin = header(scope, "origin")
    host = header(scope, "host")
    if not origin or origin == "null":
        return not required
    if not host:
        return False
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    secure = parts.scheme == "https"
    return _netloc(parts.netloc, secure) == _netloc(host, secure)


def with_headers(send: Send, extra: Iterable[tuple[bytes, bytes]] = SECURITY_HEADERS) -> Send:
    """Return ``send`` adding ``extra`` headers (those not already set) to the response."""
    added = tuple(extra)

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers: list[Any] = list(message.get("headers", ()))
            present = {bytes(key).lower() for key, _ in headers}
            headers += [(k, v) for k, v in added if k not in present]
            message = {**message, "headers": headers}
        await send(message)

    return sending
