"""Completion index by cell × zone × week × domain: ``ix_inspection_due_completion`` widened.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

The completion grid of the map pages (cell × zone × ISO week × domain over 90 days, about
one group per due row) reads the due rows in that order with their outcome and counts them
in Python (``completion_query(many_groups=True)``). With zone and domain after the cell
code the index gives that order and covers the query (due-date range, due_at and
submitted_at in the index): no sort, no table look-up. The index keeps its name and its
other uses: the campus and cell prefix for one cell's rows, and the covering columns of
the other completion groupings (which read ``completion_week`` for cell and week first).
Rebuilding it takes a few seconds on the large demo (1.2 million due rows).
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NAME = "ix_inspection_due_completion"
WIDE = ["campus_id", "cell_code", "zone", "week", "domain", "due_date", "due_at", "submitted_at"]
NARROW = ["campus_id", "cell_code", "week", "due_date", "due_at", "submitted_at"]


def upgrade() -> None:
    op.drop_index(NAME, table_name="inspection_due")
    op.create_index(NAME, "inspection_due", WIDE)


def downgrade() -> None:
    op.drop_index(NAME, table_name="inspection_due")
    op.create_index(NAME, "inspection_due", NARROW)
