"""Complaint tracking: the public form's tracking numbers.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-12

Spelled out in Core (not imported from zoning.store.models.public) so that this revision
keeps creating exactly this schema. A row holds the SHA-256 of its tracking number, never
the number, with the complaint it follows, the place the form was opened for (a building id
or a cell code) and the photo the reporter sent (a path in the photo store).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint_tracking",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "campus_id",
            sa.Integer,
            sa.ForeignKey("campus.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "complaint_id",
            sa.Integer,
            sa.ForeignKey("complaint.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("place", sa.String(100), nullable=False),
        sa.Column("photo", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("complaint_tracking")
