"""Official public replies to complaints, and the media URL an Open311 request carries.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-17

Spelled out in Core (not imported from zoning.store.models.public) so that this revision
keeps creating exactly this schema. ``complaint_reply``: what staff answered a complaint's
reporter (shown on the tracking page and as Open311 ``status_notes``; the account that wrote
it is kept for the staff, never shown to the public). ``complaint_media``: an http(s) URL
sent with an Open311 request, kept as text and never fetched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _fk(name: str, target: str, **kw: bool) -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer, sa.ForeignKey(target, ondelete="CASCADE"), nullable=False, **kw
    )


def upgrade() -> None:
    op.create_table(
        "complaint_reply",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("campus_id", "campus.id", index=True),
        _fk("complaint_id", "complaint.id", index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("written_by", sa.String(200), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "complaint_media",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("complaint_id", "complaint.id", unique=True),
        sa.Column("url", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("complaint_media")
    op.drop_table("complaint_reply")
