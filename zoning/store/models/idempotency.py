"""The model of the API's idempotency keys: ``idempotency_key`` (migration ``0013``; keep
them in step). A row holds the first answer to a POST sent with ``Idempotency-Key``, so that
a repeat (a phone retrying after a dropped connection) gets that answer without a second
write. ``status`` 0 marks a request still running."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zoning.clock import utcnow
from zoning.store.models.campus import Base

TZ = DateTime(timezone=True)


class IdempotencyKey(Base):
    """One account's ``Idempotency-Key``: the call it was first sent with (``METHOD path``),
    the answer's HTTP status (0 while running) and its JSON text."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("account_id", "key", name="uq_idempotency_account_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(500))
    status: Mapped[int] = mapped_column(Integer, default=0)
    response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow, index=True)
