"""The API's ``Idempotency-Key`` rows: claim a key for a call, store the call's answer,
read it back. Rows in, plain records out; the rules (what is stored, what a repeat gets)
are in ``zoning.api.rest.idempotency``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from zoning.clock import as_utc
from zoning.store.models.campus import table_of
from zoning.store.models.idempotency import IdempotencyKey

KEYS = table_of(IdempotencyKey)
#: The status of a claimed key whose call has not answered yet.
RUNNING = 0


@dataclass(frozen=True)
class Remembered:
    """A key already used: the call it was sent with (``METHOD path``), the answer's HTTP
    status (:data:`RUNNING` while the first call runs), its JSON text and when (UTC)."""

    endpoint: str
    status: int
    response: str | None
    created_at: datetime

    @property
    def running(self) -> bool:
        """True while the first call with this key has not answered."""
        return self.status == RUNNING


def _insert_new(conn: sa.Connection) -> Any:
    """Return an INSERT that skips a row whose (account, key) exists (both backends)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(KEYS).on_conflict_do_nothing()
    return sqlite.insert(KEYS).on_conflict_do_nothing()


def claim(
    conn: sa.Connection, *, account_id: int, key: str, endpoint: str, at: datetime
) -> Remembered | None:
    """Claim ``key`` of account ``account_id`` for ``endpoint`` (running, from ``at``).
    Return None when this call claimed it, else what the key already holds. Commit right
    after, so that a second request sees the claim."""
    stmt = (
        _insert_new(conn)
        .values(
            account_id=account_id, key=key, endpoint=endpoint, status=RUNNING,
            response=None, created_at=as_utc(at),
        )
        .returning(KEYS.c.id)
    )  # fmt: skip
    if conn.execute(stmt).first() is not None:
        return None
    found = load(conn, account_id=account_id, key=key)
    if found is None:  # deleted between the two statements: a retry may claim it
        raise RuntimeError("an idempotency key vanished while it was claimed")
    return found


def load(conn: sa.Connection, *, account_id: int, key: str) -> Remembered | None:
    """Return what ``key`` of account ``account_id`` holds, or None (never used)."""
    row = conn.execute(
        sa.select(KEYS.c.endpoint, KEYS.c.status, KEYS.c.response, KEYS.c.created_at).where(
            KEYS.c.account_id == account_id, KEYS.c.key == key
        )
    ).first()
    if row is None:
        return None
    return Remembered(row.endpoint, int(row.status), row.response, as_utc(row.created_at))


def store_answer(
    conn: sa.Connection, *, account_id: int, key: str, status: int, response: str
) -> None:
    """Record the answer (HTTP ``status``, JSON ``response``) of the call holding ``key``."""
    conn.execute(
        sa.update(KEYS)
        .where(KEYS.c.account_id == account_id, KEYS.c.key == key)
        .values(status=status, response=response)
    )


def release(conn: sa.Connection, *, account_id: int, key: str) -> None:
    """Forget a claimed key whose call failed without a definitive answer (a retry runs it
    again)."""
    conn.execute(
        sa.delete(KEYS).where(
            KEYS.c.account_id == account_id, KEYS.c.key == key, KEYS.c.status == RUNNING
        )
    )


def forget_before(conn: sa.Connection, *, account_id: int, before: datetime) -> int:
    """Delete account ``account_id``'s answered keys created before ``before``; return how
    many."""
    result = conn.execute(
        sa.delete(KEYS).where(
            KEYS.c.account_id == account_id,
            KEYS.c.created_at < as_utc(before),
            KEYS.c.status != RUNNING,
        )
    )
    return int(result.rowcount or 0)
