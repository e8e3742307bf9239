"""Schedule marks in their own table instead of the audit trail.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08

How far each plan's due inspections exist used to be an ``inspections.schedule`` audit
row, so reading the to-do list (which schedules lazily) wrote to the audit trail. The
marks move to ``schedule_mark``; the upgrade copies the existing ones and deletes them from
``audit_event``, the downgrade puts them back. Spelled out in Core (not imported from
zoning.store.models.safety) so that this revision keeps creating exactly this schema.
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ACTION = "inspections.schedule"
_audit = sa.table(
    "audit_event",
    sa.column("id", sa.Integer),
    sa.column("campus_id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("detail", sa.Text),
)


def upgrade() -> None:
    mark = op.create_table(
        "schedule_mark",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "campus_id",
            sa.Integer,
            sa.ForeignKey("campus.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "plan_id",
            sa.Integer,
            sa.ForeignKey("grid_plan.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("through", sa.Date, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_schedule_mark_plan", "schedule_mark", ["campus_id", "plan_id", "through"])
    conn = op.get_bind()
    found = conn.execute(
        sa.select(_audit.c.id, _audit.c.campus_id, _audit.c.at, _audit.c.detail)
        .where(_audit.c.action == ACTION)
        .order_by(_audit.c.id)
    ).fetchall()
    plans = set(conn.execute(sa.text("SELECT id FROM grid_plan")).scalars())
    rows = []
    for _, campus, at, detail in found:
        data = json.loads(detail or "{}")
        if data.get("plan_id") in plans and data.get("through"):
            rows.append(
                {
                    "campus_id": campus,
                    "plan_id": data["plan_id"],
                    "start": date.fromisoformat(data.get("start") or data["through"]),
                    "through": date.fromisoformat(data["through"]),
                    "rows": int(data.get("rows") or 0),
                    "made_at": at,
                }
            )
    if rows:
        op.bulk_insert(mark, rows)
    conn.execute(sa.delete(_audit).where(_audit.c.action == ACTION))


def downgrade() -> None:
    conn = op.get_bind()
    marks = conn.execute(
        sa.text(
            "SELECT campus_id, plan_id, start, through, rows, made_at FROM schedule_mark "
            "ORDER BY id"
        )
    ).fetchall()
    for campus, plan, start, through, rows, made_at in marks:
        detail = {"plan_id": plan, "start": str(start), "through": str(through), "rows": rows}
        conn.execute(
            sa.insert(_audit).values(
                campus_id=campus,
                at=made_at,
                actor="campusgrid",
                action=ACTION,
                detail=json.dumps(detail),
            )
        )
    op.drop_index("ix_schedule_mark_plan", table_name="schedule_mark")
    op.drop_table("schedule_mark")
