"""Due inspections name the buildings a per-building checklist is for.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-15

``inspection_due.buildings`` (nullable text, names joined by "; ") names the buildings a
per-building checklist's due row is for (dormitory, fire, food, lab checks follow what stands
in a cell, whatever the split method); NULL for the other checklists and for rows stored
before this revision. Spelled out in Core so that this revision keeps creating exactly this
schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inspection_due", sa.Column("buildings", sa.Text))


def downgrade() -> None:
    op.drop_column("inspection_due", "buildings")
