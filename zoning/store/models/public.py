"""The model of the public complaint form's table: ``complaint_tracking`` (migration
``0011``; keep them in step). A row stores the SHA-256 of a tracking number, never the
number itself: the reporter holds it, and only it finds the complaint again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zoning.clock import utcnow
from zoning.store.models.campus import Base

TZ = DateTime(timezone=True)


class ComplaintTracking(Base):
    """A complaint sent through the public form: its tracking number's hash, the place the
    form was opened for (``b:<building id>`` or ``c:<cell code>``) and the stored photo."""

    __tablename__ = "complaint_tracking"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), unique=True
    )
    place: Mapped[str] = mapped_column(String(100))
    photo: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)
