"""Notifications: the channels, the outbox and the scheduler's lease.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-12

Spelled out in Core (not imported from zoning.store.models.notify) so that this revision
keeps creating exactly this schema. ``(channel_id, event_key)`` is unique: an event is
queued once per channel, however often (or in how many processes) the scheduler runs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "notify_channel",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(500)),
        sa.Column("zone", sa.Integer),
        sa.Column("role", sa.String(32)),
        sa.Column("events", sa.String(500), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", tz, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column(
            "channel_id",
            sa.Integer,
            sa.ForeignKey("notify_channel.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", tz, nullable=False, index=True),
        sa.Column("sent_at", tz),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("channel_id", "event_key"),
    )
    op.create_table(
        "job_lease",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("until", tz, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_lease")
    op.drop_table("outbox")
    op.drop_table("notify_channel")
