"""Who calls the API: ``Authorization: Bearer TOKEN`` (an API token, see
``campusgrid tokens create``), the way for scripts; or the browser's session cookie, for
the pages. A cookie alone may read (GET); a write with a cookie also needs the page's own
origin (``Origin``) and the header ``X-Requested-With: campusgrid``, which another site's
form cannot send (CSRF). Refused tokens are counted per client address; too many in a
minute and that address is answered 429 for the rest of the minute."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from zoning.accounts import Actor
from zoning.api import sessions
from zoning.api.asgi import SESSION_COOKIE, cookies, same_origin
from zoning.api.clients import client_address
from zoning.api.rest.errors import ApiError, unauthorized
from zoning.api.sessions import engine
from zoning.services import accounts

#: Refused tokens one client address may send per window before it is held off.
FAILURES_ENV = "CAMPUSGRID_API_MAX_FAILURES"
DEFAULT_FAILURES = 10
#: The window (s) over which refused tokens are counted.
WINDOW_S = 60.0
#: The header (and its value) a page's script sends with a write made with the cookie.
CSRF_HEADER = ("x-requested-with", "campusgrid")
#: Methods that only read.
READING = frozenset({"GET", "HEAD"})


class FailureWindow:
    """Counts failures per key (a client address) over a sliding window of ``window_s``
    seconds; thread-safe. ``clock`` returns seconds (monotonic)."""

    def __init__(
        self, limit: int, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._seen.setdefault(key, deque())
        while times and now - times[0] >= self.window_s:
            times.popleft()
        return times

    def held_off(self, key: str) -> float:
        """Return the seconds ``key`` must still wait (0: it may try)."""
        now = self.clock()
        with self._lock:
            times = self._recent(key, now)
            if len(times) < self.limit:
                return 0.0
            return max(0.0, self.window_s - (now - times[0]))

    def failed(self, key: str) -> None:
        """Count one failure of ``key``."""
        now = self.clock()
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._seen) > 10_000:  # forget quiet addresses
                for old in [k for k, v in self._seen.items() if not v]:
                    del self._seen[old]


def _limit() -> int:
    text = os.environ.get(FAILURES_ENV, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else DEFAULT_FAILURES


#: The server's one window of refused tokens.
FAILURES = FailureWindow(_limit())


def client_of(request: Request) -> str:
    """Return the client's address: :func:`zoning.api.clients.client_address` (the socket's
    peer, or behind a trusted proxy the address it forwarded)."""
    return client_address(request.scope)


def bearer(request: Request) -> str | None:
    """Return the token of ``Authorization: Bearer TOKEN``, or None."""
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def too_many(wait_s: float) -> ApiError:
    """Return the 429 of an address held off for ``wait_s`` seconds."""
    return ApiError(
        429,
        "too_many_failures",
        f"Too many refused tokens from this address: wait {int(wait_s) + 1} s and check the "
        "token (`campusgrid tokens list NAME`).",
        retry_after=int(wait_s) + 1,
    )


def check_token(token: str | None, client: str, what: str = "Authorization: Bearer") -> Actor:
    """Return the account of an API ``token`` sent by ``client``. Blocking (a database
    read): call it in a worker thread. Raises ApiError 401 (none or refused) or 429."""
    wait = FAILURES.held_off(client)
    if wait > 0:
        raise too_many(wait)
    if token is None:
        raise unauthorized(
            f"Send an API token as {what} (make one with `campusgrid tokens create NAME`)."
        )
    actor = accounts.token_actor(engine(), token)
    if actor is None:
        FAILURES.failed(client)
        raise unauthorized(
            "The API token is unknown, revoked or expired, or its account is disabled: make a "
            "new one with `campusgrid tokens create NAME`."
        )
    return actor


@dataclass(frozen=True)
class Credentials:
    """What a request brings: its Bearer token, its session cookie, whether it is a write,
    whether a cookie write came from our own page (same origin and the CSRF header)."""

    token: str | None
    session: str | None
    writes: bool
    own_page: bool


def credentials(request: Request) -> Credentials:
    """Return the request's :class:`Credentials`."""
    scope = request.scope
    name, value = CSRF_HEADER
    own = same_origin(scope, required=True) and request.headers.get(name, "") == value
    return Credentials(
        bearer(request),
        cookies(scope).get(SESSION_COOKIE),
        request.method not in READING,
        own,
    )


def check_caller(given: Credentials, client: str) -> Actor:
    """Return the account of a request: its Bearer token, else its session cookie (a write
    with a cookie only from our own page). Blocking; ApiError 401, 403 or 429."""
    if given.token is not None or given.session is None:
        return check_token(given.token, client)
    if given.writes and not given.own_page:
        raise ApiError(
            403,
            "csrf",
            "A write with the browser's session needs the page's own Origin and the header "
            "X-Requested-With: campusgrid; scripts send an API token (Authorization: Bearer).",
        )
    actor = sessions.actor_of(given.session)
    if actor is None:
        raise unauthorized(
            "The browser's session has ended: sign in again at /signin, or send an API token "
            "(Authorization: Bearer)."
        )
    return actor
