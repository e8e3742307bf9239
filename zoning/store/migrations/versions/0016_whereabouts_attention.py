"""People grid, second part: holidays and whereabouts, return follow-ups, key students.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-16

Spelled out in Core (not imported from zoning.store.models.people_grid) so that this
revision keeps creating exactly this schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _fk(name: str, target: str, *, index: bool = False) -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer, sa.ForeignKey(target, ondelete="CASCADE"), nullable=False, index=index
    )


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "holiday",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("campus_id", "campus.id", index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("starts", sa.Date, nullable=False),
        sa.Column("ends", sa.Date, nullable=False),
        sa.Column("return_by", sa.Date, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.UniqueConstraint("campus_id", "name"),
    )
    op.create_table(
        "whereabouts",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("holiday_id", "holiday.id"),
        _fk("student_id", "student.id", index=True),
        sa.Column("plan", sa.String(16)),
        sa.Column("destination", sa.Text),
        sa.Column("leave_on", sa.Date),
        sa.Column("return_on", sa.Date),
        sa.Column("companions", sa.Text),
        sa.Column("contact", sa.Text),
        sa.Column("flags", sa.String(200), nullable=False, server_default=""),
        sa.Column("declared_by", sa.String(200)),
        sa.Column("declared_at", tz),
        sa.Column("verified_by", sa.String(200)),
        sa.Column("verified_at", tz),
        sa.Column("returned_by", sa.String(200)),
        sa.Column("returned_at", tz),
        sa.UniqueConstraint("holiday_id", "student_id"),
    )
    op.create_table(
        "return_followup",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("holiday_id", "holiday.id"),
        _fk("student_id", "student.id", index=True),
        sa.Column("contacted", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("expected_return", sa.Date),
        sa.Column("escalated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", tz, nullable=False),
    )
    op.create_table(
        "attention",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("campus_id", "campus.id", index=True),
        _fk("student_id", "student.id"),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.UniqueConstraint("campus_id", "student_id"),
    )
    op.create_table(
        "attention_visit",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("attention_id", "attention.id", index=True),
        sa.Column("visited_on", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("created_at", tz, nullable=False),
    )


def downgrade() -> None:
    for table in ("attention_visit", "attention", "return_followup", "whereabouts", "holiday"):
        op.drop_table(table)
