"""The ``frame_snapshot`` table: the latest campus-wide frames the pages compute (the
completion grid, the owner grid, the hazards table, the ledger's rate rows, the coverage
figures), stored so that a server started afresh brings them up to date from there instead
of computing them from scratch.

One row per campus and kind: the plan and data version it was computed for, the
operations fingerprint it was computed at (JSON), when, the columns' dtypes (JSON) and the
frame as Parquet (``body``). A cache: deleting the rows loses nothing but time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zoning.store.models.campus import Base


class FrameSnapshot(Base):
    __tablename__ = "frame_snapshot"
    __table_args__ = (UniqueConstraint("campus_id", "kind", name="uq_frame_snapshot_kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    plan_id: Mapped[int] = mapped_column(Integer)
    data_version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dtypes: Mapped[str] = mapped_column(Text)
    body: Mapped[bytes] = mapped_column(LargeBinary)
