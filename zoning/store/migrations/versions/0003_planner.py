"""Planner: the edit log of drafts, code lineage, plan activations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Spelled out in Core (not imported from zoning.store.models.plans) so that this revision
keeps creating exactly this schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("code_lineage", "plan_edit", "plan_activation")


def _metadata() -> sa.MetaData:
    meta = sa.MetaData()
    # the referenced tables of 0001, by name only (not created here)
    sa.Table("campus", meta, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("grid_plan", meta, sa.Column("id", sa.Integer, primary_key=True))
    tz = sa.DateTime(timezone=True)

    def plan_fk() -> sa.ForeignKey:
        return sa.ForeignKey("grid_plan.id", ondelete="CASCADE")

    def campus_fk() -> sa.ForeignKey:
        return sa.ForeignKey("campus.id", ondelete="CASCADE")

    sa.Table(
        "plan_edit",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, plan_fk(), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("at", tz, nullable=False),
        sa.Column("edit", sa.Text, nullable=False),
        sa.Column("before", sa.Text, nullable=False),
        sa.Column("after_codes", sa.Text, nullable=False),
        sa.Column("undone_at", tz),
        sa.UniqueConstraint("plan_id", "seq"),
    )
    sa.Table(
        "code_lineage",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campus_id", sa.Integer, campus_fk(), nullable=False),
        sa.Column("plan_id", sa.Integer, plan_fk(), nullable=False),
        sa.Column("edit_id", sa.Integer, sa.ForeignKey("plan_edit.id", ondelete="CASCADE")),
        sa.Column("old_code", sa.String(64), nullable=False),
        sa.Column("new_code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", tz, nullable=False),
        sa.Index("ix_code_lineage_old", "campus_id", "old_code"),
        sa.Index("ix_code_lineage_plan", "plan_id"),
    )
    sa.Table(
        "plan_activation",
        meta,
        sa.Column("plan_id", sa.Integer, plan_fk(), primary_key=True),
        sa.Column("campus_id", sa.Integer, campus_fk(), nullable=False),
        sa.Column(
            "previous_plan_id", sa.Integer, sa.ForeignKey("grid_plan.id", ondelete="SET NULL")
        ),
        sa.Column("activated_at", tz, nullable=False),
        sa.Column("activated_by", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("archived_at", tz),
        sa.Index("ix_plan_activation_campus", "campus_id", "activated_at"),
    )
    return meta


def upgrade() -> None:
    meta = _metadata()
    meta.create_all(op.get_bind(), tables=[meta.tables[name] for name in reversed(TABLES)])


def downgrade() -> None:
    meta = _metadata()
    meta.drop_all(op.get_bind(), tables=[meta.tables[name] for name in TABLES])
