"""Who calls the API: ``Authorization: Bearer TOKEN`` (an API token, see
``campusgrid users token add``), never a browser cookie (a cookie would let another site
make a signed-in browser write: CSRF). Refused tokens are counted per client address; too
many in a minute and that address is answered 429 for the rest of the minute."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.requests import Request

from zoning.accounts import Actor
from zoning.api.rest.errors import ApiError, unauthorized
from zoning.api.sessions import engine
from zoning.services import accounts

#: Refused tokens one client address may send per window before it is held off.
FAILURES_ENV = "CAMPUSGRID_API_MAX_FAILURES"
DEFAULT_FAILURES = 10
#: The window (s) over which refused tokens are counted.
WINDOW_S = 60.0


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
    """Return the client's address (the socket's peer)."""
    return request.client.host if request.client else "unknown"


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
        "token (`campusgrid users token list NAME`).",
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
            f"Send an API token as {what} (make one with `campusgrid users token add NAME`)."
        )
    actor = accounts.token_actor(engine(), token)
    if actor is None:
        FAILURES.failed(client)
        raise unauthorized(
            "The API token is unknown, revoked or expired, or its account is disabled: make a "
            "new one with `campusgrid users token add NAME`."
        )
    return actor
