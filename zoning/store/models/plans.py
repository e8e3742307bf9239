"""Models of the planner tables: the edit log of drafts, code lineage, plan activations.

Created by migration ``0003``; keep both in step. An edit row keeps the cells it removed or
changed exactly as they were stored (``before``: JSON rows with the geometry as WKB hex in
EPSG:4326), so undo restores them bit for bit. ``plan_activation`` says when each plan was
active: ``[activated_at, archived_at)``, which answers "who owned this spot on that date".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zoning.store.models.campus import Base

TZ = DateTime(timezone=True)


class PlanEdit(Base):
    """One edit of a draft, in order (``seq``); ``undone_at`` is set when it was undone."""

    __tablename__ = "plan_edit"
    __table_args__ = (UniqueConstraint("plan_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("grid_plan.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(TZ)
    edit: Mapped[str] = mapped_column(Text)  # JSON of the edit (zoning.plans.edits.edit_to_json)
    before: Mapped[str] = mapped_column(Text)  # JSON rows of the removed/changed cells
    after_codes: Mapped[str] = mapped_column(Text)  # JSON list of added/changed codes
    undone_at: Mapped[datetime | None] = mapped_column(TZ)


class CodeLineage(Base):
    """A code ``old`` that became (part of) ``new`` in plan ``plan_id``, by ``kind``."""

    __tablename__ = "code_lineage"
    __table_args__ = (
        Index("ix_code_lineage_old", "campus_id", "old_code"),
        Index("ix_code_lineage_plan", "plan_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("grid_plan.id", ondelete="CASCADE"))
    edit_id: Mapped[int | None] = mapped_column(ForeignKey("plan_edit.id", ondelete="CASCADE"))
    old_code: Mapped[str] = mapped_column(String(64))
    new_code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(TZ)


class PlanActivation(Base):
    """When a plan became active, by whom and why, and when it was archived."""

    __tablename__ = "plan_activation"
    __table_args__ = (Index("ix_plan_activation_campus", "campus_id", "activated_at"),)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("grid_plan.id", ondelete="CASCADE"), primary_key=True
    )
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"))
    previous_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid_plan.id", ondelete="SET NULL")
    )
    activated_at: Mapped[datetime] = mapped_column(TZ)
    activated_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    archived_at: Mapped[datetime | None] = mapped_column(TZ)


PLANNER_TABLES = ("code_lineage", "plan_edit", "plan_activation")
