"""People grid: students, staff links, roll calls, their marks, leave and the code secret.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-13

Spelled out in Core (not imported from zoning.store.models.people_grid) so that this
revision keeps creating exactly this schema. ``rollcall_mark`` has no coordinate column by
design: a check-in leaves its state, distance band and accuracy only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _campus() -> sa.Column[int]:
    return sa.Column(
        "campus_id",
        sa.Integer,
        sa.ForeignKey("campus.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "student",
        sa.Column("id", sa.Integer, primary_key=True),
        _campus(),
        sa.Column("student_no", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("college", sa.String(200), nullable=False),
        sa.Column("grade", sa.String(32)),
        sa.Column("class_name", sa.String(200), nullable=False),
        sa.Column("building", sa.String(200), nullable=False),
        sa.Column("room", sa.String(32)),
        sa.Column("bed", sa.String(32)),
        sa.Column("phone", sa.String(64)),
        sa.Column("roles", sa.String(200), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("left_at", tz),
        sa.UniqueConstraint("campus_id", "student_no"),
    )
    op.create_table(
        "staff_link",
        sa.Column("id", sa.Integer, primary_key=True),
        _campus(),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("college", sa.String(200), nullable=False),
        sa.Column("class_name", sa.String(200)),
        sa.UniqueConstraint("campus_id", "person", "role", "college", "class_name"),
    )
    op.create_table(
        "rollcall",
        sa.Column("id", sa.Integer, primary_key=True),
        _campus(),
        sa.Column("night", sa.Date, nullable=False),
        sa.Column("opened_at", tz, nullable=False),
        sa.Column("closed_at", tz),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("campus_id", "night"),
    )
    op.create_table(
        "rollcall_mark",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "rollcall_id",
            sa.Integer,
            sa.ForeignKey("rollcall.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "student_id",
            sa.Integer,
            sa.ForeignKey("student.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("at", tz, nullable=False),
        sa.Column("band", sa.String(16)),
        sa.Column("accuracy_m", sa.Float),
        sa.Column("by", sa.String(200), nullable=False),
        sa.UniqueConstraint("rollcall_id", "student_id"),
    )
    op.create_table(
        "leave",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "student_id",
            sa.Integer,
            sa.ForeignKey("student.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("until", sa.Date, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("created_at", tz, nullable=False),
    )
    op.create_table(
        "rollcall_secret",
        sa.Column(
            "campus_id",
            sa.Integer,
            sa.ForeignKey("campus.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("created_at", tz, nullable=False),
    )


def downgrade() -> None:
    for table in ("rollcall_secret", "leave", "rollcall_mark", "rollcall", "staff_link"):
        op.drop_table(table)
    op.drop_table("student")
