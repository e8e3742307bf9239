"""Models of the safety-operations tables: inspections, the hazard ledger, complaints.

Created by migrations ``0002``, ``0004`` (``completion_week``, its triggers), ``0005``
(the completion index widened), ``0007`` (``schedule_mark``) and ``0014`` (amendments, one
first submission per due item); keep them in step. Every
located row (due inspection, submission, hazard, complaint) keeps its own POINT (EPSG:4326)
plus the plan, cell code, zone and owner *at the time*, so it follows the territory when
boundaries are redrawn. Owners and actors are stored by name (names are unique per campus),
so history survives people being removed. Times are stored in UTC; SQLite drops the offset,
so readers treat naive values as UTC (see :func:`zoning.clock.as_utc`).
"""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from zoning.store.models.campus import SRID, Base

TZ = DateTime(timezone=True)


def _point(*, spatial_index: bool) -> Geometry:
    return Geometry(geometry_type="POINT", srid=SRID, spatial_index=spatial_index)


def _campus() -> Mapped[int]:
    return mapped_column(ForeignKey("campus.id", ondelete="CASCADE"))


def _plan() -> Mapped[int | None]:
    return mapped_column(ForeignKey("grid_plan.id", ondelete="SET NULL"))


class ChecklistVersion(Base):
    """A checklist template version that inspections were scheduled or made against."""

    __tablename__ = "checklist_version"
    __table_args__ = (UniqueConstraint("code", "version", "content_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    domain: Mapped[str] = mapped_column(String(32))
    frequency: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(TZ)


class InspectionDue(Base):
    """One due inspection (cell × template × period); ``submitted_at`` is maintained."""

    __tablename__ = "inspection_due"
    __table_args__ = (
        UniqueConstraint("campus_id", "cell_code", "template_code", "period"),
        Index(  # migration 0005: zone and domain after the cell (the completion grid)
            "ix_inspection_due_completion",
            "campus_id",
            "cell_code",
            "zone",
            "week",
            "domain",
            "due_date",
            "due_at",
            "submitted_at",
        ),
        Index("ix_inspection_due_owner", "campus_id", "owner", "due_date"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = _campus()
    plan_id: Mapped[int | None] = _plan()
    cell_code: Mapped[str] = mapped_column(String(64))
    zone: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    use: Mapped[str | None] = mapped_column(String(64))
    template_code: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int] = mapped_column(Integer)
    domain: Mapped[str] = mapped_column(String(32))
    frequency: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(TZ)
    week: Mapped[str] = mapped_column(String(10))  # ISO week of the due date, "2026-W09"
    submitted_at: Mapped[datetime | None] = mapped_column(TZ)  # first submission
    geometry = mapped_column(_point(spatial_index=False), nullable=False)
    # migration 0015: the buildings a per-building checklist's row is for ("A; B"), else NULL
    buildings: Mapped[str | None] = mapped_column(Text)


class CompletionWeek(Base):
    """Counts of due rows per cell × ISO week × due date (migration ``0004``).

    Kept in step by database triggers on ``inspection_due`` (same transaction as every
    write); ``last_submitted_at`` is the latest first submission ever counted (an upper
    bound after deletes), so readers can tell when a ``now`` in the past needs the rows.
    """

    __tablename__ = "completion_week"
    campus_id: Mapped[int] = mapped_column(
        ForeignKey("campus.id", ondelete="CASCADE"), primary_key=True
    )
    cell_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    week: Mapped[str] = mapped_column(String(10), primary_key=True)
    due_date: Mapped[date] = mapped_column(Date, primary_key=True)
    due_at: Mapped[datetime] = mapped_column(TZ, primary_key=True)
    due: Mapped[int] = mapped_column(Integer)
    submitted: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    last_submitted_at: Mapped[datetime | None] = mapped_column(TZ)


class Inspection(Base):
    """A submitted checklist: where, when, by whom, against which template version.

    A due item has one first submission (``amends`` NULL; a partial unique index, migration
    0014); a correction is a new row whose ``amends`` names that first one, with its reason.
    """

    __tablename__ = "inspection"
    __table_args__ = (
        Index("ix_inspection_campus_time", "campus_id", "submitted_at"),
        Index(
            "uq_inspection_due_once",
            "due_id",
            unique=True,
            sqlite_where=text("due_id IS NOT NULL AND amends IS NULL"),
            postgresql_where=text("due_id IS NOT NULL AND amends IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = _campus()
    due_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_due.id", ondelete="SET NULL"), index=True
    )
    plan_id: Mapped[int | None] = _plan()
    cell_code: Mapped[str] = mapped_column(String(64))
    zone: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(200))
    template_code: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int] = mapped_column(Integer)
    template_hash: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    inspector: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(TZ)
    late: Mapped[bool] = mapped_column(Boolean)
    geometry = mapped_column(_point(spatial_index=False), nullable=False)
    amends: Mapped[int | None] = mapped_column(
        ForeignKey("inspection.id", ondelete="SET NULL"), index=True
    )
    amend_reason: Mapped[str | None] = mapped_column(Text)


class InspectionResult(Base):
    """The outcome of one checklist item: pass, fail or not_applicable."""

    __tablename__ = "inspection_result"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE"), index=True
    )
    item_code: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    photo_path: Mapped[str | None] = mapped_column(Text)


class HazardRow(Base):
    """A ledger item; rectified_at, closed_at, reworks and extensions follow its events."""

    __tablename__ = "hazard"
    __table_args__ = (
        Index("ix_hazard_campus_state", "campus_id", "state", "deadline"),
        Index("ix_hazard_campus_reported", "campus_id", "reported_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = _campus()
    source: Mapped[str] = mapped_column(String(16))
    domain: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    reported_by: Mapped[str] = mapped_column(String(200))
    reported_at: Mapped[datetime] = mapped_column(TZ)
    deadline: Mapped[datetime] = mapped_column(TZ)
    original_deadline: Mapped[datetime] = mapped_column(TZ)
    assignee: Mapped[str | None] = mapped_column(String(200))
    plan_id: Mapped[int | None] = _plan()
    cell_code: Mapped[str | None] = mapped_column(String(64))
    zone: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(200))
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection.id", ondelete="SET NULL"), index=True
    )
    item_code: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(32))
    rectified_at: Mapped[datetime | None] = mapped_column(TZ)
    closed_at: Mapped[datetime | None] = mapped_column(TZ)
    reworks: Mapped[int] = mapped_column(Integer)
    extensions: Mapped[int] = mapped_column(Integer)
    geometry = mapped_column(_point(spatial_index=True), nullable=False)


class HazardEvent(Base):
    """One ledger transition: who, when, action, note, new deadline or assignee."""

    __tablename__ = "hazard_event"
    __table_args__ = (UniqueConstraint("hazard_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazard.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(TZ)
    note: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[datetime | None] = mapped_column(TZ)
    assignee: Mapped[str | None] = mapped_column(String(200))


class ComplaintRow(Base):
    """A located complaint (接诉即办) and the ledger item it became."""

    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_dup", "campus_id", "category", "received_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = _campus()
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazard.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(TZ)
    response_deadline: Mapped[datetime] = mapped_column(TZ)
    plan_id: Mapped[int | None] = _plan()
    cell_code: Mapped[str] = mapped_column(String(64))
    zone: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(200))
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("complaint.id", ondelete="SET NULL")
    )
    geometry = mapped_column(_point(spatial_index=True), nullable=False)


class ScheduleMark(Base):
    """How far a plan's due inspections exist: one row per schedule run (migration 0007).

    Bookkeeping, not an action of anyone: it used to be an ``inspections.schedule`` audit
    row, which made reads (``inspections due``) write to the audit trail.
    """

    __tablename__ = "schedule_mark"
    __table_args__ = (Index("ix_schedule_mark_plan", "campus_id", "plan_id", "through"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = _campus()
    plan_id: Mapped[int] = mapped_column(ForeignKey("grid_plan.id", ondelete="CASCADE"))
    start: Mapped[date] = mapped_column(Date)
    through: Mapped[date] = mapped_column(Date)
    rows: Mapped[int] = mapped_column(Integer)
    made_at: Mapped[datetime] = mapped_column(TZ)


OPS_TABLES = (
    "schedule_mark",
    "hazard_event",
    "complaint",
    "hazard",
    "inspection_result",
    "inspection",
    "inspection_due",
    "checklist_version",
)
SUMMARY_TABLES = ("completion_week",)
