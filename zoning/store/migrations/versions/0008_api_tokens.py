"""API tokens: an account's long-lived tokens for scripts and integrations.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10

Spelled out in Core (not imported from zoning.store.models.accounts) so that this revision
keeps creating exactly this schema. A row holds the SHA-256 of its token, never the token.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "account_id",
            sa.Integer,
            sa.ForeignKey("account.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("label", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("expires_at", tz),
        sa.Column("revoked_at", tz),
        sa.Column("last_used_at", tz),
    )


def downgrade() -> None:
    op.drop_table("api_token")
