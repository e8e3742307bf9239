"""Inspections submitted once per due item; corrections are amendments.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-14

``inspection.amends`` names the first submission of the same due item that an amendment
corrects (NULL for a first submission) and ``inspection.amend_reason`` says why. A partial
unique index keeps one first submission per due item (``due_id``), so that two concurrent
submissions cannot both go in. Databases made before it may hold repeats (the bug this
fixes): every later submission of a due item becomes an amendment of the first, with the
reason "repeat submission before 0014", so both stay in the history. Spelled out in Core so
that this revision keeps creating exactly this schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEX = "uq_inspection_due_once"
OLD_REPEAT = "repeat submission before 0014"


def upgrade() -> None:
    # Plain SQL: both backends add a column with a foreign key in place (SQLite cannot
    # through Alembic's add_column, and a batch copy would drop the SpatiaLite geometry).
    op.execute(
        "ALTER TABLE inspection ADD COLUMN amends INTEGER "
        "REFERENCES inspection (id) ON DELETE SET NULL"
    )
    op.add_column("inspection", sa.Column("amend_reason", sa.Text))
    # A repeat (same due item, a later one, or the same time and a higher id) amends the first.
    op.execute(
        sa.text(
            "UPDATE inspection SET amends = (SELECT f.id FROM inspection f "
            "WHERE f.due_id = inspection.due_id ORDER BY f.submitted_at, f.id LIMIT 1), "
            "amend_reason = :reason "
            "WHERE due_id IS NOT NULL AND id <> (SELECT f.id FROM inspection f "
            "WHERE f.due_id = inspection.due_id ORDER BY f.submitted_at, f.id LIMIT 1)"
        ).bindparams(reason=OLD_REPEAT)
    )
    op.create_index("ix_inspection_amends", "inspection", ["amends"])
    once = sa.text("due_id IS NOT NULL AND amends IS NULL")
    op.create_index(
        INDEX, "inspection", ["due_id"], unique=True, sqlite_where=once, postgresql_where=once
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="inspection")
    op.drop_index("ix_inspection_amends", table_name="inspection")
    op.drop_column("inspection", "amend_reason")
    op.drop_column("inspection", "amends")
