"""Notification channels, the outbox and job leases: rows in, plain records out (no
permissions and no sending here: see ``zoning.services.notify``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from zoning.clock import as_utc, maybe_utc
from zoning.store.models.campus import SRID, Building, Campus, table_of
from zoning.store.models.notify import JobLease, NotifyChannel, OutboxRow

__all__ = [
    "ChannelRow",
    "OutboxEntry",
    "add_channel",
    "building_at",
    "campus_names",
    "claim",
    "due_entries",
    "enqueue",
    "entries",
    "load_channel",
    "load_channels",
    "mark_failed",
    "mark_sent",
    "release_lease",
    "remove_channel",
    "take_lease",
]

CHANNEL = table_of(NotifyChannel)
OUTBOX = table_of(OutboxRow)
LEASE = table_of(JobLease)


@dataclass(frozen=True)
class ChannelRow:
    """One stored channel (``events``: the event names it takes)."""

    id: int
    kind: str
    target: str
    secret: str | None
    zone: int | None
    role: str | None
    events: tuple[str, ...]
    enabled: bool

    def to_json(self) -> dict[str, Any]:
        """Return the channel as JSON-ready data; the secret only as whether there is one."""
        return {
            "id": self.id, "kind": self.kind, "target": self.target,
            "signed": bool(self.secret), "zone": self.zone, "role": self.role,
            "events": list(self.events), "enabled": self.enabled,
        }  # fmt: skip


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox row: a message for one channel, and how its delivery went."""

    id: int
    event: str
    event_key: str
    payload: str
    channel_id: int
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None

    def to_json(self) -> dict[str, Any]:
        """Return the entry as JSON-ready data (the payload parsed by the caller)."""
        return {
            "id": self.id, "event": self.event, "key": self.event_key,
            "channel": self.channel_id, "created_at": self.created_at.isoformat(),
            "attempts": self.attempts, "next_attempt_at": self.next_attempt_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "last_error": self.last_error,
        }  # fmt: skip


def _channel(r: Any) -> ChannelRow:
    return ChannelRow(
        id=int(r.id),
        kind=str(r.kind),
        target=str(r.target),
        secret=r.secret,
        zone=None if r.zone is None else int(r.zone),
        role=r.role,
        events=tuple(e for e in str(r.events).split(",") if e),
        enabled=bool(r.enabled),
    )


def _entry(r: Any) -> OutboxEntry:
    return OutboxEntry(
        id=int(r.id),
        event=str(r.event),
        event_key=str(r.event_key),
        payload=str(r.payload),
        channel_id=int(r.channel_id),
        created_at=as_utc(r.created_at),
        attempts=int(r.attempts),
        next_attempt_at=as_utc(r.next_attempt_at),
        sent_at=maybe_utc(r.sent_at),
        last_error=r.last_error,
    )


def add_channel(
    conn: sa.Connection,
    *,
    kind: str,
    target: str,
    secret: str | None,
    zone: int | None,
    role: str | None,
    events: Sequence[str],
    at: datetime,
) -> int:
    """Insert a channel and return its id."""
    result = conn.execute(
        sa.insert(CHANNEL).returning(CHANNEL.c.id),
        [
            {
                "kind": kind,
                "target": target,
                "secret": secret,
                "zone": zone,
                "role": role,
                "events": ",".join(events),
                "enabled": True,
                "created_at": at,
            }
        ],
    )
    return int(result.scalar_one())


def load_channels(conn: sa.Connection, *, enabled_only: bool = False) -> list[ChannelRow]:
    """Return the channels by id (only the enabled ones when asked)."""
    stmt = sa.select(CHANNEL).order_by(CHANNEL.c.id)
    if enabled_only:
        stmt = stmt.where(CHANNEL.c.enabled.is_(True))
    return [_channel(r) for r in conn.execute(stmt)]


def load_channel(conn: sa.Connection, channel_id: int) -> ChannelRow | None:
    """Return channel ``channel_id``, or None."""
    r = conn.execute(sa.select(CHANNEL).where(CHANNEL.c.id == channel_id)).first()
    return _channel(r) if r is not None else None


def remove_channel(conn: sa.Connection, channel_id: int) -> bool:
    """Delete a channel and its outbox rows; return whether it existed."""
    conn.execute(sa.delete(OUTBOX).where(OUTBOX.c.channel_id == channel_id))
    return conn.execute(sa.delete(CHANNEL).where(CHANNEL.c.id == channel_id)).rowcount == 1


def _insert_new(conn: sa.Connection, table: sa.Table) -> Any:
    """Return an INSERT that skips rows whose unique key exists (both backends)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def enqueue(conn: sa.Connection, rows: Sequence[dict[str, Any]], *, at: datetime) -> list[int]:
    """Queue ``rows`` (event, event_key, payload, channel_id), due at ``at``; a row whose
    (channel, event key) is queued already is skipped. Return the new rows' ids."""
    added: list[int] = []
    for row in rows:
        values = {**row, "created_at": at, "attempts": 0, "next_attempt_at": at}
        stmt = _insert_new(conn, OUTBOX).values(**values).returning(OUTBOX.c.id)
        added += [int(i) for i in conn.execute(stmt).scalars()]
    return added


def due_entries(
    conn: sa.Connection,
    *,
    now: datetime,
    max_attempts: int,
    ids: Sequence[int] | None = None,
    limit: int = 200,
) -> list[OutboxEntry]:
    """Return unsent rows due at ``now`` tried fewer than ``max_attempts`` times (oldest
    first; only ``ids`` when given), at most ``limit``."""
    stmt = (
        sa.select(OUTBOX)
        .where(
            OUTBOX.c.sent_at.is_(None),
            OUTBOX.c.next_attempt_at <= now,
            OUTBOX.c.attempts < max_attempts,
        )
        .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id)
        .limit(limit)
    )
    if ids is not None:
        stmt = stmt.where(OUTBOX.c.id.in_(list(ids)))
    return [_entry(r) for r in conn.execute(stmt)]


def claim(conn: sa.Connection, entry: OutboxEntry, *, now: datetime, until: datetime) -> bool:
    """Take ``entry`` for sending: push its next attempt to ``until`` (later than ``now``)
    unless another sender took it first (it was sent, tried, or pushed). True: ours."""
    stmt = (
        sa.update(OUTBOX)
        .where(
            OUTBOX.c.id == entry.id,
            OUTBOX.c.sent_at.is_(None),
            OUTBOX.c.attempts == entry.attempts,
            OUTBOX.c.next_attempt_at <= now,
        )
        .values(next_attempt_at=until)
    )
    return conn.execute(stmt).rowcount == 1


def mark_sent(conn: sa.Connection, entry_id: int, *, at: datetime) -> None:
    """Record that the row was sent at ``at``."""
    conn.execute(
        sa.update(OUTBOX)
        .where(OUTBOX.c.id == entry_id)
        .values(sent_at=at, attempts=OUTBOX.c.attempts + 1, last_error=None)
    )


def mark_failed(
    conn: sa.Connection, entry_id: int, *, error: str, next_attempt_at: datetime
) -> None:
    """Record a failed attempt, its error and when to try again."""
    conn.execute(
        sa.update(OUTBOX)
        .where(OUTBOX.c.id == entry_id)
        .values(
            attempts=OUTBOX.c.attempts + 1,
            last_error=error[:2000],
            next_attempt_at=next_attempt_at,
        )
    )


def entries(
    conn: sa.Connection, *, failed_only: bool = False, limit: int = 100
) -> list[OutboxEntry]:
    """Return the newest rows first (only those with an error and not sent, when asked)."""
    stmt = sa.select(OUTBOX).order_by(OUTBOX.c.id.desc()).limit(limit)
    if failed_only:
        stmt = stmt.where(OUTBOX.c.sent_at.is_(None), OUTBOX.c.last_error.is_not(None))
    return [_entry(r) for r in conn.execute(stmt)]


def take_lease(
    conn: sa.Connection, name: str, *, holder: str, now: datetime, ttl: timedelta
) -> bool:
    """Take lease ``name`` for ``holder`` until ``now + ttl`` when it is free, expired or
    already ``holder``'s; return whether ``holder`` holds it now. Commit right after."""
    conn.execute(
        _insert_new(conn, LEASE).values(name=name, holder=holder, until=now - timedelta(seconds=1))
    )
    stmt = (
        sa.update(LEASE)
        .where(LEASE.c.name == name, sa.or_(LEASE.c.until < now, LEASE.c.holder == holder))
        .values(holder=holder, until=now + ttl)
    )
    return conn.execute(stmt).rowcount == 1


def release_lease(conn: sa.Connection, name: str, *, holder: str, now: datetime) -> None:
    """Give lease ``name`` back (only when ``holder`` holds it)."""
    conn.execute(
        sa.update(LEASE)
        .where(LEASE.c.name == name, LEASE.c.holder == holder)
        .values(until=now - timedelta(seconds=1))
    )


def campus_names(conn: sa.Connection) -> list[str]:
    """Return every campus's name, sorted."""
    campus = table_of(Campus)
    return [
        str(n) for n in conn.execute(sa.select(campus.c.name).order_by(campus.c.name)).scalars()
    ]


def building_at(conn: sa.Connection, cid: int, *, lon: float, lat: float) -> str | None:
    """Return the name of a named building of campus ``cid`` containing lon/lat, or None."""
    building = table_of(Building)
    point = sa.func.ST_GeomFromText(f"POINT({float(lon)!r} {float(lat)!r})", SRID)
    stmt = (
        sa.select(building.c.name)
        .where(
            building.c.campus_id == cid,
            building.c.name.is_not(None),
            building.c.name != "",
            sa.func.ST_Contains(building.c.geometry, point),
        )
        .order_by(building.c.id)
        .limit(1)
    )
    name = conn.execute(stmt).scalar()
    return None if name is None else str(name)
