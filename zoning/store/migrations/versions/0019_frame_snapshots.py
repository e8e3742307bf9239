"""Stored page frames: the ``frame_snapshot`` table.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

Spelled out here (not imported from zoning.store.models.snapshots) so that this revision
keeps creating exactly this schema. One row per campus and kind of frame (the completion
grid, the owner grid, the hazards table, the rate rows, the coverage figures): what it was
computed for and at, and the frame as Parquet. A cache the pages restart from.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "frame_snapshot",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "campus_id",
            sa.Integer,
            sa.ForeignKey("campus.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("plan_id", sa.Integer, nullable=False),
        sa.Column("data_version", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dtypes", sa.Text, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("campus_id", "kind", name="uq_frame_snapshot_kind"),
    )


def downgrade() -> None:
    op.drop_table("frame_snapshot")
