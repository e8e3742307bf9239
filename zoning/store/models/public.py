"""The models of the public doors' tables: ``complaint_tracking`` (migration ``0011``),
``complaint_reply`` and ``complaint_media`` (migration ``0017``); keep them in step. A
tracking row stores the SHA-256 of a tracking number, never the number itself: the reporter
holds it, and only it finds the complaint again."""

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


class ComplaintReply(Base):
    """An official public reply to a complaint: its text (shown to the public) and the
    account that wrote it (kept for the staff, never shown)."""

    __tablename__ = "complaint_reply"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(200))
    written_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)


class ComplaintMedia(Base):
    """The media URL (http or https) sent with an Open311 request: text, never fetched."""

    __tablename__ = "complaint_media"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str] = mapped_column(Text)
