"""Accounts, web sessions and API tokens: rows in, plain records out (no permissions here: see
``zoning.services.accounts``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from zoning.clock import maybe_utc
from zoning.store.models.accounts import Account, ApiToken, WebSession
from zoning.store.models.campus import table_of

ACCOUNT = table_of(Account)
SESSION = table_of(WebSession)


@dataclass(frozen=True)
class AccountRow:
    """One stored account (the hash stays in the store and the services)."""

    id: int
    name: str
    role: str
    campus: str | None
    person: str | None
    zone: int | None
    password_hash: str | None
    disabled: bool
    failed_signins: int
    locked_until: datetime | None
    created_at: datetime
    password_set_at: datetime | None


def _row(r: Any) -> AccountRow:
    return AccountRow(
        id=int(r.id),
        name=r.name,
        role=r.role,
        campus=r.campus,
        person=r.person,
        zone=None if r.zone is None else int(r.zone),
        password_hash=r.password_hash,
        disabled=bool(r.disabled),
        failed_signins=int(r.failed_signins or 0),
        locked_until=maybe_utc(r.locked_until),
        created_at=maybe_utc(r.created_at) or r.created_at,
        password_set_at=maybe_utc(r.password_set_at),
    )


def load_account(conn: sa.Connection, name: str) -> AccountRow | None:
    """Return the account called ``name`` (exact), or None."""
    r = conn.execute(sa.select(ACCOUNT).where(ACCOUNT.c.name == name)).first()
    return _row(r) if r is not None else None


def load_account_by_id(conn: sa.Connection, account_id: int) -> AccountRow | None:
    """Return the account with ``account_id``, or None."""
    r = conn.execute(sa.select(ACCOUNT).where(ACCOUNT.c.id == account_id)).first()
    return _row(r) if r is not None else None


def load_accounts(conn: sa.Connection) -> list[AccountRow]:
    """Return every account, by name."""
    return [_row(r) for r in conn.execute(sa.select(ACCOUNT).order_by(ACCOUNT.c.name))]


def count_admins(conn: sa.Connection) -> int:
    """Return how many enabled admin accounts exist."""
    q = sa.select(sa.func.count()).where(ACCOUNT.c.role == "admin", ACCOUNT.c.disabled.is_(False))
    return int(conn.execute(q).scalar_one())


def insert_account(conn: sa.Connection, values: dict[str, Any]) -> int:
    """Insert an account and return its id."""
    result = conn.execute(sa.insert(ACCOUNT).values(values).returning(ACCOUNT.c.id))
    return int(result.scalar_one())


def update_account(conn: sa.Connection, account_id: int, values: dict[str, Any]) -> None:
    """Update the columns in ``values`` of one account."""
    conn.execute(sa.update(ACCOUNT).where(ACCOUNT.c.id == account_id).values(values))


def insert_session(conn: sa.Connection, account_id: int, token_hash: str, now: datetime) -> None:
    """Store a new web session (the hash of its token)."""
    conn.execute(
        sa.insert(SESSION).values(
            token_hash=token_hash, account_id=account_id, created_at=now, last_seen_at=now
        )
    )


@dataclass(frozen=True)
class SessionRow:
    """A web session and its account."""

    id: int
    account: AccountRow
    created_at: datetime
    last_seen_at: datetime


def load_session(conn: sa.Connection, token_hash: str) -> SessionRow | None:
    """Return the session whose token hashes to ``token_hash``, with its account, or None."""
    q = sa.select(
        SESSION.c.id.label("session_id"),
        SESSION.c.created_at.label("session_created_at"),
        SESSION.c.last_seen_at,
        *ACCOUNT.c,
    ).join(ACCOUNT, ACCOUNT.c.id == SESSION.c.account_id)
    r = conn.execute(q.where(SESSION.c.token_hash == token_hash)).first()
    if r is None:
        return None
    return SessionRow(
        id=int(r.session_id),
        account=_row(r),
        created_at=maybe_utc(r.session_created_at) or r.session_created_at,
        last_seen_at=maybe_utc(r.last_seen_at) or r.last_seen_at,
    )


def touch_session(conn: sa.Connection, session_id: int, now: datetime) -> None:
    """Record that the session was used at ``now``."""
    conn.execute(sa.update(SESSION).where(SESSION.c.id == session_id).values(last_seen_at=now))


def delete_session(conn: sa.Connection, token_hash: str) -> int:
    """Delete one session (sign-out); return how many rows went (0 or 1)."""
    return conn.execute(sa.delete(SESSION).where(SESSION.c.token_hash == token_hash)).rowcount


def delete_sessions_of(conn: sa.Connection, account_id: int) -> int:
    """Delete every session of an account (disabled, or its password changed)."""
    return conn.execute(sa.delete(SESSION).where(SESSION.c.account_id == account_id)).rowcount


def delete_idle_sessions(conn: sa.Connection, before: datetime) -> int:
    """Delete the sessions last used before ``before``."""
    return conn.execute(sa.delete(SESSION).where(SESSION.c.last_seen_at < before)).rowcount


# --------------------------------------------------------------------------- API tokens

TOKEN = table_of(ApiToken)


@dataclass(frozen=True)
class TokenRow:
    """One stored API token (its hash stays here) and the name of its account."""

    id: int
    account_id: int
    account: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


def _token_row(r: Any) -> TokenRow:
    return TokenRow(
        id=int(r.id),
        account_id=int(r.account_id),
        account=r.name,
        label=r.label or "",
        created_at=maybe_utc(r.created_at) or r.created_at,
        expires_at=maybe_utc(r.expires_at),
        revoked_at=maybe_utc(r.revoked_at),
        last_used_at=maybe_utc(r.last_used_at),
    )


def _tokens() -> sa.Select[Any]:
    return sa.select(*TOKEN.c, ACCOUNT.c.name).join(ACCOUNT, ACCOUNT.c.id == TOKEN.c.account_id)


def insert_token(conn: sa.Connection, values: dict[str, Any]) -> int:
    """Store a new API token (the hash of its token) and return its id."""
    return int(conn.execute(sa.insert(TOKEN).values(values).returning(TOKEN.c.id)).scalar_one())


def load_tokens(conn: sa.Connection, account_id: int) -> list[TokenRow]:
    """Return the tokens of one account, oldest first (revoked ones too)."""
    q = _tokens().where(TOKEN.c.account_id == account_id).order_by(TOKEN.c.id)
    return [_token_row(r) for r in conn.execute(q)]


def load_token(conn: sa.Connection, token_hash: str) -> tuple[TokenRow, AccountRow] | None:
    """Return the token whose value hashes to ``token_hash`` and its account, or None."""
    q = sa.select(
        TOKEN.c.id.label("token_id"),
        TOKEN.c.label,
        TOKEN.c.created_at.label("token_created_at"),
        TOKEN.c.expires_at,
        TOKEN.c.revoked_at,
        TOKEN.c.last_used_at,
        *ACCOUNT.c,
    ).join(ACCOUNT, ACCOUNT.c.id == TOKEN.c.account_id)
    r = conn.execute(q.where(TOKEN.c.token_hash == token_hash)).first()
    if r is None:
        return None
    token = TokenRow(
        id=int(r.token_id),
        account_id=int(r.id),
        account=r.name,
        label=r.label or "",
        created_at=maybe_utc(r.token_created_at) or r.token_created_at,
        expires_at=maybe_utc(r.expires_at),
        revoked_at=maybe_utc(r.revoked_at),
        last_used_at=maybe_utc(r.last_used_at),
    )
    return token, _row(r)


def revoke_token(conn: sa.Connection, account_id: int, token_id: int, now: datetime) -> int:
    """Mark one live token of an account revoked at ``now``; return how many rows changed
    (0: no such token of this account, or revoked already)."""
    q = (
        sa.update(TOKEN)
        .where(
            TOKEN.c.id == token_id,
            TOKEN.c.account_id == account_id,
            TOKEN.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return conn.execute(q).rowcount


def touch_token(conn: sa.Connection, token_id: int, now: datetime) -> None:
    """Record that the token was used at ``now``."""
    conn.execute(sa.update(TOKEN).where(TOKEN.c.id == token_id).values(last_used_at=now))
