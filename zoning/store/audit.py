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


def on_behalf_detail(account: str, person: str | None) -> dict[str, str]:
    """Return the audit detail of a record ``account`` entered for ``person`` (the one who did
    the work on paper): ``{"entered_by": account, "on_behalf_of": person}``; empty when
    ``person`` is None or blank (the account acted as itself)."""
    if person is None or not person.strip():
        return {}
    return {"entered_by": account, "on_behalf_of": person.strip()}


def shown_detail(account: str, detail: dict[str, Any]) -> dict[str, Any]:
    """Return ``detail`` as the audit listing shows it: an older row's ``on_behalf`` (a
    person's name) becomes the one shape of :func:`on_behalf_detail` (``account``: the row's
    account); any other detail is returned as it is."""
    person = detail.get("on_behalf")
    if not isinstance(person, str) or "on_behalf_of" in detail:
        return detail
    rest = {k: v for k, v in detail.items() if k != "on_behalf"}
    return {**rest, **on_behalf_detail(account, person)}


def shown_detail_text(account: str | None, detail: str | None) -> str:
    """Return the JSON text of :func:`shown_detail` for a stored row (its text unchanged when it
    needs no change or is not a JSON object)."""
    text = detail or "{}"
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    if not isinstance(parsed, dict):
        return text
    shown = shown_detail(account or "", parsed)
    return text if shown is parsed else json.dumps(shown, ensure_ascii=False, default=str)


def record(
    conn: sa.Connection,
    *,
    campus_id: int | None,
    actor: str,
    action: str,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
    on_behalf: str | None = None,
) -> None:
    """Insert one audit row: ``actor`` (an account name) did ``action`` with ``detail``;
    ``on_behalf``: the person who did the work on paper (see :func:`on_behalf_detail`)."""
    detail = {**(detail or {}), **on_behalf_detail(actor, on_behalf)}
    conn.execute(
        sa.insert(table_of(AuditEvent)),
        [
            {
                "campus_id": campus_id,
                "at": at or utcnow(),
                "actor": actor,
                "action": action,
                "detail": json.dumps(detail, ensure_ascii=False, default=str),
            }
        ],
    )
