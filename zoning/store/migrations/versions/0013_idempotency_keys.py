"""The API's idempotency keys: the first answer to a POST sent with ``Idempotency-Key``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-13

Spelled out in Core (not imported from zoning.store.models.idempotency) so that this
revision keeps creating exactly this schema. ``(account_id, key)`` is unique: one account's
key names one call, whoever else uses the same text.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "account_id",
            sa.Integer,
            sa.ForeignKey("account.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("endpoint", sa.String(500), nullable=False),
        sa.Column("status", sa.Integer, nullable=False, server_default="0"),
        sa.Column("response", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.UniqueConstraint("account_id", "key", name="uq_idempotency_account_key"),
    )


def downgrade() -> None:
    op.drop_table("idempotency_key")
