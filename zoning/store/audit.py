"""The audit trail: one row per write (and per read of a sensitive record), with the account.

Every repository that writes calls :func:`record` inside the write's transaction, so the
row lands with the change or not at all.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from zoning.clock import utcnow
from zoning.store.models.campus import AuditEvent, table_of


def record(
    conn: sa.Connection,
    *,
    campus_id: int | None,
    actor: str,
    action: str,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Insert one audit row: ``actor`` (an account name) did ``action`` with ``detail``."""
    conn.execute(
        sa.insert(table_of(AuditEvent)),
        [
            {
                "campus_id": campus_id,
                "at": at or utcnow(),
                "actor": actor,
                "action": action,
                "detail": json.dumps(detail or {}, ensure_ascii=False, default=str),
            }
        ],
    )
