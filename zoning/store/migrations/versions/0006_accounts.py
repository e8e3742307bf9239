"""Accounts and web sessions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

Spelled out in Core (not imported from zoning.store.models.accounts) so that this revision
keeps creating exactly this schema. A session row holds the SHA-256 of its token, never the
token; an account holds an argon2id hash, never a password.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("campus", sa.String(200)),
        sa.Column("person", sa.String(200)),
        sa.Column("zone", sa.Integer),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("failed_signins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", tz),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("password_set_at", tz),
    )
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "account_id",
            sa.Integer,
            sa.ForeignKey("account.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("last_seen_at", tz, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("web_session")
    op.drop_table("account")
