"""Completion summary: ``completion_week`` counts due rows per cell × week × due date.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

Spelled out in Core (not imported from zoning.store.models.safety) so that this revision keeps
creating exactly this schema. One row per (campus, cell code, ISO week, due date, due_at)
holds how many due rows there are, how many are submitted, how many of those on time
(first submission before due_at) and the latest first-submission time. Database triggers on
``inspection_due`` keep it in step in the same transaction as every write (schedules, bulk
history, submissions, re-homing on plan activation, deletes): row triggers on SQLite,
statement triggers with transition tables on PostGIS (so COPY loads stay set-based).
The upgrade back-fills the summary from the existing due rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KEY = "campus_id, cell_code, week, due_date, due_at"
COUNTS = "due, submitted, on_time, last_submitted_at"
_AGGREGATE = (
    "count(*), count(submitted_at), "
    "sum(CASE WHEN submitted_at < due_at THEN 1 ELSE 0 END), max(submitted_at)"
)


def _metadata() -> sa.MetaData:
    meta = sa.MetaData()
    sa.Table("campus", meta, sa.Column("id", sa.Integer, primary_key=True))
    tz = sa.DateTime(timezone=True)
    sa.Table(
        "completion_week",
        meta,
        sa.Column(
            "campus_id",
            sa.Integer,
            sa.ForeignKey("campus.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("cell_code", sa.String(64), primary_key=True),
        sa.Column("week", sa.String(10), primary_key=True),
        sa.Column("due_date", sa.Date, primary_key=True),
        sa.Column("due_at", tz, primary_key=True),
        sa.Column("due", sa.Integer, nullable=False),
        sa.Column("submitted", sa.Integer, nullable=False),
        sa.Column("on_time", sa.Integer, nullable=False),
        sa.Column("last_submitted_at", tz),
    )
    return meta


_SQLITE_ADD = f"""
    INSERT INTO completion_week ({KEY}, {COUNTS})
    VALUES (NEW.campus_id, NEW.cell_code, NEW.week, NEW.due_date, NEW.due_at, 1,
            NEW.submitted_at IS NOT NULL, coalesce(NEW.submitted_at < NEW.due_at, 0),
            NEW.submitted_at)
    ON CONFLICT ({KEY}) DO UPDATE SET
        due = due + 1,
        submitted = submitted + excluded.submitted,
        on_time = on_time + excluded.on_time,
        last_submitted_at = CASE
            WHEN last_submitted_at IS NULL OR excluded.last_submitted_at > last_submitted_at
            THEN excluded.last_submitted_at ELSE last_submitted_at END;
"""
_SQLITE_SUB = """
    UPDATE completion_week SET
        due = due - 1,
        submitted = submitted - (OLD.submitted_at IS NOT NULL),
        on_time = on_time - coalesce(OLD.submitted_at < OLD.due_at, 0)
    WHERE campus_id = OLD.campus_id AND cell_code = OLD.cell_code AND week = OLD.week
      AND due_date = OLD.due_date AND due_at = OLD.due_at;
    DELETE FROM completion_week
    WHERE campus_id = OLD.campus_id AND cell_code = OLD.cell_code AND week = OLD.week
      AND due_date = OLD.due_date AND due_at = OLD.due_at AND due <= 0;
"""
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER completion_week_ins AFTER INSERT ON inspection_due BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER completion_week_del AFTER DELETE ON inspection_due BEGIN {_SQLITE_SUB} END",
    "CREATE TRIGGER completion_week_upd AFTER UPDATE OF campus_id, cell_code, week, due_date, "
    f"due_at, submitted_at ON inspection_due BEGIN {_SQLITE_SUB} {_SQLITE_ADD} END",
)

_PG_ADD = f"""
    INSERT INTO completion_week ({KEY}, {COUNTS})
    SELECT {KEY}, {_AGGREGATE} FROM new_rows GROUP BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET
        due = completion_week.due + EXCLUDED.due,
        submitted = completion_week.submitted + EXCLUDED.submitted,
        on_time = completion_week.on_time + EXCLUDED.on_time,
        last_submitted_at = GREATEST(completion_week.last_submitted_at,
                                     EXCLUDED.last_submitted_at);
"""
_PG_SUB = f"""
    UPDATE completion_week c SET
        due = c.due - g.due, submitted = c.submitted - g.submitted,
        on_time = c.on_time - g.on_time
    FROM (
        SELECT {KEY}, count(*) AS due, count(submitted_at) AS submitted,
               sum(CASE WHEN submitted_at < due_at THEN 1 ELSE 0 END) AS on_time
        FROM old_rows GROUP BY {KEY}
    ) g
    WHERE c.campus_id = g.campus_id AND c.cell_code = g.cell_code AND c.week = g.week
      AND c.due_date = g.due_date AND c.due_at = g.due_at;
    DELETE FROM completion_week c USING (SELECT DISTINCT {KEY} FROM old_rows) g
    WHERE c.due <= 0 AND c.campus_id = g.campus_id AND c.cell_code = g.cell_code
      AND c.week = g.week AND c.due_date = g.due_date AND c.due_at = g.due_at;
"""
PG_FUNCTIONS = {
    "completion_week_ins": _PG_ADD,
    "completion_week_del": _PG_SUB,
    "completion_week_upd": _PG_SUB + _PG_ADD,
}
PG_TRIGGERS = (
    "CREATE TRIGGER completion_week_ins AFTER INSERT ON inspection_due "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION completion_week_ins()",
    "CREATE TRIGGER completion_week_del AFTER DELETE ON inspection_due "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION completion_week_del()",
    "CREATE TRIGGER completion_week_upd AFTER UPDATE ON inspection_due "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION completion_week_upd()",
)


def upgrade() -> None:
    bind = op.get_bind()
    meta = _metadata()
    meta.create_all(bind, tables=[meta.tables["completion_week"]])
    if bind.dialect.name == "postgresql":
        for name, body in PG_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {body} RETURN NULL; END $$"
            )
        for ddl in PG_TRIGGERS:
            op.execute(ddl)
    else:
        for ddl in SQLITE_TRIGGERS:
            op.execute(ddl)
    op.execute(
        f"INSERT INTO completion_week ({KEY}, {COUNTS}) "
        f"SELECT {KEY}, {_AGGREGATE} FROM inspection_due GROUP BY {KEY}"
    )


def downgrade() -> None:
    bind = op.get_bind()
    for name in PG_FUNCTIONS:
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON inspection_due")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    meta = _metadata()
    meta.drop_all(bind, tables=[meta.tables["completion_week"]])
