"""Who a session cookie belongs to, checked against the database and remembered briefly."""

from __future__ import annotations

import threading
import time
from functools import lru_cache

from sqlalchemy.engine import Engine

from zoning.accounts import Actor
from zoning.api.settings import db_url, idle_time
from zoning.services import accounts
from zoning.services.database import open_engine

#: How long (s) a good session is trusted without asking the database again: a disabled
#: account or an ended session is refused within this.
TRUST_S = 20.0
#: Tokens remembered at most (the oldest are forgotten first).
MAX_REMEMBERED = 4096

_lock = threading.Lock()
_good: dict[str, tuple[Actor, float]] = {}


@lru_cache(maxsize=4)
def engine(url: str | None = None) -> Engine:
    """Return the server's engine of ``url`` (default ``$CAMPUSGRID_DB``), opened once."""
    return open_engine(url if url is not None else db_url())


def actor_of(token: str | None) -> Actor | None:
    """Return the account of a live session ``token``, or None. Blocking: call it in a
    worker thread from async code."""
    if not token or len(token) > 200:
        return None
    now = time.monotonic()
    with _lock:
        known = _good.get(token)
    if known is not None and now - known[1] < TRUST_S:
        return known[0]
    actor = accounts.session_actor(engine(), token, idle=idle_time())
    with _lock:
        if actor is None:
            _good.pop(token, None)
        else:
            if len(_good) >= MAX_REMEMBERED:
                for old in list(_good)[: MAX_REMEMBERED // 4]:
                    del _good[old]
            _good[token] = (actor, now)
    return actor


def forget(token: str | None) -> None:
    """Stop trusting ``token`` at once (sign-out)."""
    if token:
        with _lock:
            _good.pop(token, None)
