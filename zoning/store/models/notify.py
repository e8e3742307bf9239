"""Models of the notification tables: the channels, the outbox and the scheduler's lease.

Created by migration ``0010``; keep them in step. An outbox row is written in the same
transaction as the change it tells about; ``(channel_id, event_key)`` is unique, so an
event (a hazard × kind × level) is queued once per channel however often the scheduler runs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zoning.clock import utcnow
from zoning.store.models.campus import Base

TZ = DateTime(timezone=True)


class NotifyChannel(Base):
    """Where notifications go: a robot webhook or an e-mail address, and which events (a
    comma list), zone (None: all) and role (None: all) it takes."""

    __tablename__ = "notify_channel"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str | None] = mapped_column(String(500))
    zone: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(32))
    events: Mapped[str] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)


class OutboxRow(Base):
    """One message to send on one channel: its event key, payload (JSON), attempts so far,
    when to try next, when it was sent and the last error."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("channel_id", "event_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event: Mapped[str] = mapped_column(String(32))
    event_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("notify_channel.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(TZ, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(TZ)
    last_error: Mapped[str | None] = mapped_column(Text)


class JobLease(Base):
    """A named job's lease: who holds it and until when (the scheduler's ``tick``)."""

    __tablename__ = "job_lease"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    until: Mapped[datetime] = mapped_column(TZ)
