"""Safety operations: checklist versions, due inspections, submissions and item results,
the hazard ledger with its events, complaints.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Spelled out in Core (not imported from zoning.store.models.safety) so that this revision keeps
creating exactly this schema. Located rows carry a POINT in EPSG:4326 plus the plan, cell
code, zone and owner at the time. ``ix_inspection_due_completion`` covers the completion
query (campus, group by cell and week in index order, due-date range, compare due_at with
submitted_at).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = (
    "hazard_event",
    "complaint",
    "hazard",
    "inspection_result",
    "inspection",
    "inspection_due",
    "checklist_version",
)


def _point(*, spatial_index: bool) -> sa.Column[object]:
    return sa.Column(
        "geometry",
        Geometry(geometry_type="POINT", srid=4326, spatial_index=spatial_index),
        nullable=False,
    )


def _campus() -> sa.Column[int]:
    return sa.Column(
        "campus_id", sa.Integer, sa.ForeignKey("campus.id", ondelete="CASCADE"), nullable=False
    )


def _plan() -> sa.Column[int]:
    return sa.Column("plan_id", sa.Integer, sa.ForeignKey("grid_plan.id", ondelete="SET NULL"))


def _metadata() -> sa.MetaData:
    meta = sa.MetaData()
    # the referenced tables of 0001, by name only (not created here)
    sa.Table("campus", meta, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("grid_plan", meta, sa.Column("id", sa.Integer, primary_key=True))
    tz = sa.DateTime(timezone=True)
    sa.Table(
        "checklist_version",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(32), nullable=False),
        sa.Column("frequency", sa.String(16), nullable=False),
        sa.Column("name_zh", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("recorded_at", tz, nullable=False),
        sa.UniqueConstraint("code", "version", "content_hash"),
    )
    sa.Table(
        "inspection_due",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        _campus(),
        _plan(),
        sa.Column("cell_code", sa.String(64), nullable=False),
        sa.Column("zone", sa.Integer),
        sa.Column("owner", sa.String(200)),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("use", sa.String(64)),
        sa.Column("template_code", sa.String(64), nullable=False),
        sa.Column("template_version", sa.Integer, nullable=False),
        sa.Column("domain", sa.String(32), nullable=False),
        sa.Column("frequency", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("due_at", tz, nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("submitted_at", tz),
        _point(spatial_index=False),
        sa.UniqueConstraint("campus_id", "cell_code", "template_code", "period"),
        sa.Index(
            "ix_inspection_due_completion",
            "campus_id",
            "cell_code",
            "week",
            "due_date",
            "due_at",
            "submitted_at",
        ),
        sa.Index("ix_inspection_due_owner", "campus_id", "owner", "due_date"),
    )
    sa.Table(
        "inspection",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        _campus(),
        sa.Column(
            "due_id",
            sa.Integer,
            sa.ForeignKey("inspection_due.id", ondelete="SET NULL"),
            index=True,
        ),
        _plan(),
        sa.Column("cell_code", sa.String(64), nullable=False),
        sa.Column("zone", sa.Integer),
        sa.Column("owner", sa.String(200)),
        sa.Column("template_code", sa.String(64), nullable=False),
        sa.Column("template_version", sa.Integer, nullable=False),
        sa.Column("template_hash", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("inspector", sa.String(200), nullable=False),
        sa.Column("submitted_at", tz, nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        _point(spatial_index=False),
        sa.Index("ix_inspection_campus_time", "campus_id", "submitted_at"),
    )
    sa.Table(
        "inspection_result",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "inspection_id",
            sa.Integer,
            sa.ForeignKey("inspection.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("item_code", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("photo_path", sa.Text),
    )
    sa.Table(
        "hazard",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        _campus(),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("domain", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reported_by", sa.String(200), nullable=False),
        sa.Column("reported_at", tz, nullable=False),
        sa.Column("deadline", tz, nullable=False),
        sa.Column("original_deadline", tz, nullable=False),
        sa.Column("assignee", sa.String(200)),
        _plan(),
        sa.Column("cell_code", sa.String(64)),
        sa.Column("zone", sa.Integer),
        sa.Column("owner", sa.String(200)),
        sa.Column(
            "inspection_id",
            sa.Integer,
            sa.ForeignKey("inspection.id", ondelete="SET NULL"),
            index=True,
        ),
        sa.Column("item_code", sa.String(64)),
        sa.Column("category", sa.String(32)),
        sa.Column("rectified_at", tz),
        sa.Column("closed_at", tz),
        sa.Column("reworks", sa.Integer, nullable=False),
        sa.Column("extensions", sa.Integer, nullable=False),
        _point(spatial_index=True),
        sa.Index("ix_hazard_campus_state", "campus_id", "state", "deadline"),
        sa.Index("ix_hazard_campus_reported", "campus_id", "reported_at"),
    )
    sa.Table(
        "hazard_event",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "hazard_id",
            sa.Integer,
            sa.ForeignKey("hazard.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(16)),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", tz, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("deadline", tz),
        sa.Column("assignee", sa.String(200)),
        sa.UniqueConstraint("hazard_id", "seq"),
    )
    sa.Table(
        "complaint",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        _campus(),
        sa.Column("hazard_id", sa.Integer, sa.ForeignKey("hazard.id", ondelete="SET NULL")),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("contact", sa.String(200)),
        sa.Column("received_at", tz, nullable=False),
        sa.Column("response_deadline", tz, nullable=False),
        _plan(),
        sa.Column("cell_code", sa.String(64), nullable=False),
        sa.Column("zone", sa.Integer),
        sa.Column("owner", sa.String(200)),
        sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("complaint.id", ondelete="SET NULL")),
        _point(spatial_index=True),
        sa.Index("ix_complaint_dup", "campus_id", "category", "received_at"),
    )
    return meta


def upgrade() -> None:
    meta = _metadata()
    meta.create_all(op.get_bind(), tables=[meta.tables[name] for name in reversed(TABLES)])


def downgrade() -> None:
    meta = _metadata()
    meta.drop_all(op.get_bind(), tables=[meta.tables[name] for name in TABLES])
