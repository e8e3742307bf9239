"""Accounts, sign-in, web sessions and API tokens: the service every front end signs people
in through.

Permissions: managing accounts needs ``manage_accounts`` (admins); anyone may change their
own password. Five wrong passwords in a row lock an account for 15 minutes. Every change and
every sign-in (good or bad) goes to the audit trail; no password or token is ever logged.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from zoning.accounts import (
    Actor,
    Permission,
    Role,
    check_password,
    hash_password,
    new_password,
    password_matches,
)
from zoning.accounts.tokens import token_hash
from zoning.clock import utcnow
from zoning.errors import InvalidInput, NotFound, PermissionDenied, SignInFailed
from zoning.store import accounts as repo
from zoning.store import people_grid as people_repo
from zoning.store.audit import record
from zoning.store.campus import campus_id, load_people
from zoning.store.engine import writing

#: Wrong passwords in a row that lock an account, and for how long.
MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)
#: A web session ends after this long without use (``campusgrid serve --idle-hours``).
DEFAULT_IDLE = timedelta(hours=8)
#: A session's last use is written at most this often (one write per minute, not per click).
TOUCH_EVERY = timedelta(seconds=60)
#: Account names: letters (Chinese too), digits, ``. _ @ -``; 1–64 characters.
NAME_RE = re.compile(r"^[\w.@-]{1,64}$")
#: The name ``ensure_first_admin`` gives the first admin.
FIRST_ADMIN = "admin"


@dataclass(frozen=True)
class AccountInfo:
    """An account as ``users list`` shows it (no hash)."""

    name: str
    role: str
    campus: str | None
    person: str | None
    zone: int | None
    disabled: bool
    locked_until: datetime | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """Return the account as JSON-ready data."""
        return {
            "name": self.name,
            "role": self.role,
            "campus": self.campus,
            "person": self.person,
            "zone": self.zone,
            "disabled": self.disabled,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
            "created_at": self.created_at.isoformat(),
        }


def _info(row: repo.AccountRow) -> AccountInfo:
    return AccountInfo(
        row.name,
        row.role,
        row.campus,
        row.person,
        row.zone,
        row.disabled,
        row.locked_until,
        row.created_at,
    )


def actor_of(row: repo.AccountRow) -> Actor:
    """Return the :class:`Actor` an account acts as."""
    return Actor(
        row.name,
        Role(row.role),
        person=row.person,
        campus=row.campus,
        zone=row.zone,
        account_id=row.id,
    )


def parse_role(text: str) -> Role:
    """Return the role named ``text``; InvalidInput listing the roles otherwise."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInput(f"Unknown role {text!r}; use one of: {names}.") from None


def _check_name(name: str) -> str:
    if not NAME_RE.fullmatch(name):
        raise InvalidInput(
            f"Account name {name!r} is not allowed: use 1–64 letters, digits or . _ @ - "
            "(no spaces)."
        )
    return name


def _check_link(
    engine: Engine, role: Role, campus: str | None, person: str | None, zone: int | None
) -> None:
    """Check that an inspector names a real person and a zone leader a zone, of a campus."""
    if role is Role.INSPECTOR and not person:
        raise InvalidInput(
            "An inspector account stands for a grid owner: pass --campus and --person."
        )
    if role is Role.ZONE_LEADER and zone is None:
        raise InvalidInput("A zone leader account needs its zone: pass --campus and --zone.")
    if (person or zone is not None) and not campus:
        raise InvalidInput("--person and --zone belong to a campus: pass --campus too.")
    if zone is not None and zone < 1:
        raise InvalidInput(f"Zone {zone} does not exist: zones are numbered from 1.")
    if role in ROSTER_ROLES and not person:
        raise InvalidInput(
            f"A {role.value} account stands for someone of the roster: pass --campus and "
            + ("--person STAFF_NAME." if role in STAFF_ROLES else "--student NUMBER.")
        )
    if campus and person and role in ROSTER_ROLES:
        load_people(engine, campus)  # NotFound for an unknown campus
        _check_roster(engine, role, campus, person)
    elif campus and person:
        people = load_people(engine, campus)  # NotFound for an unknown campus
        if person not in set(people["name"]):
            raise NotFound(
                f"{person!r} is not a person of campus {campus!r}: check the name "
                f"(`campusgrid people list {campus}`)."
            )
    elif campus:
        load_people(engine, campus)


#: Roles that stand for a student of the roster (``person`` is the student number)…
STUDENT_ROLES = frozenset({Role.STUDENT, Role.GRID_MEMBER})
#: … or for a staff member of it (``person`` is the name in the staff file).
STAFF_ROLES = frozenset({Role.COUNSELLOR, Role.DEPUTY_SECRETARY})
ROSTER_ROLES = STUDENT_ROLES | STAFF_ROLES


def _check_roster(engine: Engine, role: Role, campus: str, person: str) -> None:
    """Check that a student account names an active student of the campus's roster, and a
    counsellor or deputy secretary a staff member of that role."""
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        if role in STUDENT_ROLES:
            found = people_repo.student_by_no(conn, cid, person)
            if found is None or not found.active:
                raise NotFound(
                    f"{person!r} is not a student number of campus {campus!r}"
                    + (" (the student has left)" if found is not None else "")
                    + f": check it (`campusgrid students list {campus}`)."
                )
            return
        staff = {s.name for s in people_repo.load_staff(conn, cid) if s.role == role.value}
    if person not in staff:
        raise NotFound(
            f"{person!r} is not a {role.value} of campus {campus!r}'s staff file: check the "
            "name, or import the staff (`campusgrid students import --staff`)."
        )


def add_account(
    engine: Engine,
    actor: Actor,
    name: str,
    role: str,
    password: str,
    *,
    campus: str | None = None,
    person: str | None = None,
    zone: int | None = None,
) -> AccountInfo:
    """Create an account; needs ``manage_accounts``. Raises InvalidInput, NotFound."""
    actor.require(Permission.MANAGE_ACCOUNTS, "add accounts")
    _check_name(name)
    parsed = parse_role(role)
    check_password(password, account=name)
    _check_link(engine, parsed, campus, person, zone)
    now = utcnow()
    with writing(engine) as conn:
        if repo.load_account(conn, name) is not None:
            raise InvalidInput(f"Account {name!r} exists already; pick another name.")
        repo.insert_account(
            conn,
            {
                "name": name,
                "role": parsed.value,
                "campus": campus,
                "person": person,
                "zone": zone,
                "password_hash": hash_password(password),
                "disabled": False,
                "failed_signins": 0,
                "created_at": now,
                "password_set_at": now,
            },
        )
        detail = {"account": name, "role": parsed.value, "campus": campus, "person": person}
        record(conn, campus_id=None, actor=actor.name, action="account.add", detail=detail)
        row = repo.load_account(conn, name)
    assert row is not None
    return _info(row)


def list_accounts(engine: Engine, actor: Actor) -> list[AccountInfo]:
    """Return every account, by name; needs ``manage_accounts``."""
    actor.require(Permission.MANAGE_ACCOUNTS, "list accounts")
    with engine.connect() as conn:
        return [_info(r) for r in repo.load_accounts(conn)]


def _load(conn: Any, name: str) -> repo.AccountRow:
    row = repo.load_account(conn, name)
    if row is None:
        raise NotFound(f"No account {name!r}; see `campusgrid users list`.")
    return row


def set_password(engine: Engine, actor: Actor, name: str, password: str) -> None:
    """Set an account's password (one's own, or anyone's with ``manage_accounts``); ends the
    account's web sessions and lifts a lock."""
    if name != actor.name:
        actor.require(Permission.MANAGE_ACCOUNTS, "change another account's password")
    check_password(password, account=name)
    digest = hash_password(password)
    with writing(engine) as conn:
        row = _load(conn, name)
        repo.update_account(
            conn,
            row.id,
            {
                "password_hash": digest,
                "password_set_at": utcnow(),
                "failed_signins": 0,
                "locked_until": None,
            },
        )
        repo.delete_sessions_of(conn, row.id)
        record(
            conn,
            campus_id=None,
            actor=actor.name,
            action="account.passwd",
            detail={"account": name},
        )


def set_disabled(engine: Engine, actor: Actor, name: str, *, disabled: bool = True) -> None:
    """Disable (or enable again) an account; a disabled one's sessions end at once. The last
    enabled admin cannot be disabled."""
    actor.require(Permission.MANAGE_ACCOUNTS, "disable or enable accounts")
    with writing(engine) as conn:
        row = _load(conn, name)
        last_admin = row.role == Role.ADMIN.value and repo.count_admins(conn) <= 1
        if disabled and not row.disabled and last_admin:
            raise InvalidInput(f"{name!r} is the last admin: add another admin first.")
        repo.update_account(
            conn, row.id, {"disabled": disabled, "failed_signins": 0, "locked_until": None}
        )
        if disabled:
            repo.delete_sessions_of(conn, row.id)
        action = "account.disable" if disabled else "account.enable"
        record(conn, campus_id=None, actor=actor.name, action=action, detail={"account": name})


def has_admin(engine: Engine) -> bool:
    """True when at least one enabled admin account exists."""
    with engine.connect() as conn:
        return repo.count_admins(conn) > 0


def ensure_first_admin(engine: Engine, *, by: str) -> tuple[str, str] | None:
    """Create the first admin with a random password when no admin exists.

    Returns (name, password) to print once, or None when an admin exists. ``by`` is the
    local operator recorded in the audit trail.
    """
    password = new_password()
    with writing(engine) as conn:
        if repo.count_admins(conn) > 0:
            return None
        name = FIRST_ADMIN
        n = 1
        while repo.load_account(conn, name) is not None:
            n += 1
            name = f"{FIRST_ADMIN}{n}"
        now = utcnow()
        repo.insert_account(
            conn,
            {
                "name": name,
                "role": Role.ADMIN.value,
                "password_hash": hash_password(password),
                "disabled": False,
                "failed_signins": 0,
                "created_at": now,
                "password_set_at": now,
            },
        )
        record(
            conn,
            campus_id=None,
            actor=by,
            action="account.add",
            detail={"account": name, "role": "admin", "first_admin": True},
        )
    return name, password


def sign_in(engine: Engine, name: str, password: str, *, now: datetime | None = None) -> Actor:
    """Check a name and password and return the account's :class:`Actor`.

    Raises SignInFailed (wrong name or password, disabled, locked). The fifth wrong password
    in a row locks the account for 15 minutes. Each attempt is audited (a refused one too:
    the refusal is raised after its audit row is committed).
    """
    now = now or utcnow()
    refusal = "Wrong account name or password."
    refusal_zh = "账号或密码错误。"
    with writing(engine) as conn:
        row = repo.load_account(conn, name)
        ok = password_matches(row.password_hash if row else None, password)
        if row is None:
            reason = "unknown account"
        elif row.disabled:
            reason = "disabled"
            refusal = "This account is disabled: ask an admin to enable it."
            refusal_zh = "该账号已停用：请管理员启用。"
        elif row.locked_until is not None and row.locked_until > now:
            reason = "locked"
            until = row.locked_until.isoformat(timespec="minutes")
            refusal = (
                f"This account is locked after {MAX_FAILURES} wrong passwords, until {until} "
                "(UTC): wait, or ask an admin to reset the password."
            )
            refusal_zh = (
                f"密码连续输错 {MAX_FAILURES} 次，账号锁定至 {until}（UTC）：请稍候，"
                "或请管理员重设密码。"
            )
        elif ok:
            repo.update_account(conn, row.id, {"failed_signins": 0, "locked_until": None})
            record(conn, campus_id=None, actor=name, action="account.sign_in")
            return actor_of(row)
        else:
            failures = row.failed_signins + 1
            values: dict[str, Any] = {"failed_signins": failures}
            reason = "wrong password"
            if failures >= MAX_FAILURES:
                values = {"failed_signins": 0, "locked_until": now + LOCK_TIME}
                reason = f"wrong password; locked for {int(LOCK_TIME.total_seconds() // 60)} min"
            repo.update_account(conn, row.id, values)
        record(
            conn,
            campus_id=None,
            actor=name[:64],
            action="account.sign_in_failed",
            detail={"reason": reason},
        )
    raise SignInFailed(refusal, zh=refusal_zh)


def open_session(engine: Engine, actor: Actor, *, now: datetime | None = None) -> str:
    """Start a web session for a signed-in account and return its token (for the cookie)."""
    if actor.account_id is None:
        raise InvalidInput("Only a stored account can have a web session.")
    token = secrets.token_urlsafe(32)
    with writing(engine) as conn:
        repo.insert_session(conn, actor.account_id, token_hash(token), now or utcnow())
    return token


def session_actor(
    engine: Engine,
    token: str | None,
    *,
    idle: timedelta = DEFAULT_IDLE,
    now: datetime | None = None,
) -> Actor | None:
    """Return the account of a live web session, or None (no such session, idle longer than
    ``idle``, account disabled). Records the use at most once a minute."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    now = now or utcnow()
    digest = token_hash(token)
    with engine.connect() as conn:
        found = repo.load_session(conn, digest)
    if found is None:
        return None
    if found.account.disabled or now - found.last_seen_at > idle:
        with writing(engine) as conn:
            repo.delete_session(conn, digest)
        return None
    if now - found.last_seen_at > TOUCH_EVERY:
        with writing(engine) as conn:
            repo.touch_session(conn, found.id, now)
    return actor_of(found.account)


def sign_out(engine: Engine, token: str | None) -> None:
    """End a web session (nothing happens for an unknown token)."""
    if not token or len(token) > 200:
        return
    digest = token_hash(token)
    with writing(engine) as conn:
        found = repo.load_session(conn, digest)
        if found is not None:
            repo.delete_session(conn, digest)
            record(conn, campus_id=None, actor=found.account.name, action="account.sign_out")


def actor_named(engine: Engine, name: str) -> Actor:
    """Return the :class:`Actor` of account ``name`` (the CLI's ``--as``). Raises NotFound,
    PermissionDenied for a disabled account."""
    with engine.connect() as conn:
        row = _load(conn, name)
    if row.disabled:
        raise PermissionDenied(
            f"Account {name!r} is disabled: ask an admin to enable it.",
            permission="sign_in",
            zh=f"账号 {name!r} 已停用：请管理员启用。",
        )
    return actor_of(row)


def sso_actor(engine: Engine, name: str) -> Actor | None:
    """Return the enabled account a single-sign-on user's claim names, or None.

    The identity provider vouches for the person; the account (made by an admin) says what
    they may do. Nobody gets an account by signing in.
    """
    if not name or len(name) > 64:
        return None
    with engine.connect() as conn:
        row = repo.load_account(conn, name)
    return actor_of(row) if row is not None and not row.disabled else None


def sso_sign_in(engine: Engine, claim: str, value: str) -> Actor:
    """Return the enabled account that a single-sign-on identity's ``claim`` names (its
    ``value`` is the account name, exactly).

    The identity provider vouches for the person; the account (made by an admin) says what
    they may do: nobody gets an account by signing in. A password lockout does not stop
    SSO (the password is not used). Audited: ``account.sign_in`` with ``{"via": "sso"}``, or
    ``account.sign_in_failed`` with ``{"via": "sso", "reason": …}`` and then SignInFailed.
    """
    shown = value[:64]
    with writing(engine) as conn:
        row = repo.load_account(conn, value) if NAME_RE.fullmatch(value) else None
        if row is not None and not row.disabled:
            record(
                conn,
                campus_id=None,
                actor=row.name,
                action="account.sign_in",
                detail={"via": "sso", "claim": claim},
            )
            return actor_of(row)
        reason = "no account" if row is None else "disabled"
        record(
            conn,
            campus_id=None,
            actor=shown,
            action="account.sign_in_failed",
            detail={"via": "sso", "reason": reason, "claim": claim},
        )
    if row is None:
        raise SignInFailed(
            f"No campusgrid account for {shown!r}: ask an admin to add it.",
            zh=f"没有与 {shown!r} 对应的 campusgrid 账号：请管理员先添加。",
        )
    raise SignInFailed(
        "This account is disabled: ask an admin to enable it.", zh="该账号已停用：请管理员启用。"
    )


def roles_table() -> list[dict[str, Any]]:
    """Return the permission matrix as rows: role, what it is for, its permissions."""
    from zoning.accounts.roles import DESCRIPTION, MATRIX

    return [
        {
            "role": role.value,
            "for": DESCRIPTION[role][1],
            "permissions": sorted(p.value for p in MATRIX[role]),
        }
        for role in Role
    ]


# --------------------------------------------------------------------------- API tokens

#: The longest an API token may live (days); without ``expires_days`` it never expires.
MAX_TOKEN_DAYS = 3660
#: Every API token starts with this, so that a leaked one is easy to recognise.
TOKEN_PREFIX = "cgt_"
#: A token's last use is written at most this often.
TOKEN_TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class TokenInfo:
    """An API token as ``users token list`` shows it (never the token, never its hash)."""

    id: int
    account: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def state(self, now: datetime) -> str:
        """Return ``active``, ``expired`` or ``revoked`` at ``now``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        """Return the token's record as JSON-ready data (times ISO 8601, UTC)."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "account": self.account,
            "label": self.label,
            "state": self.state(now or utcnow()),
            "created_at": self.created_at.isoformat(),
            "expires_at": iso(self.expires_at),
            "revoked_at": iso(self.revoked_at),
            "last_used_at": iso(self.last_used_at),
        }


def _token_info(row: repo.TokenRow) -> TokenInfo:
    return TokenInfo(
        row.id,
        row.account,
        row.label,
        row.created_at,
        row.expires_at,
        row.revoked_at,
        row.last_used_at,
    )


def _may_manage_tokens(actor: Actor, name: str, doing: str) -> None:
    """Anyone may manage their own tokens; another account's need ``manage_accounts``."""
    if name != actor.name:
        actor.require(Permission.MANAGE_ACCOUNTS, doing)


def add_token(
    engine: Engine,
    actor: Actor,
    name: str,
    *,
    label: str = "",
    expires_days: int | None = None,
    now: datetime | None = None,
) -> tuple[TokenInfo, str]:
    """Make an API token for account ``name`` (one's own, or anyone's with
    ``manage_accounts``) living ``expires_days`` days (None: until revoked).

    Returns the record and the token, which is stored only as its SHA-256: show it once.
    One ``token.add`` audit row. Raises PermissionDenied, NotFound, InvalidInput.
    """
    _may_manage_tokens(actor, name, "make API tokens for another account")
    label = label.strip()
    if len(label) > 100 or any(ord(ch) < 32 for ch in label):
        raise InvalidInput("The token label must be one line of at most 100 characters.")
    if expires_days is not None and not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise InvalidInput(
            f"--expires {expires_days}: give a number of days from 1 to {MAX_TOKEN_DAYS}."
        )
    now = now or utcnow()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(days=expires_days) if expires_days is not None else None
    with writing(engine) as conn:
        row = _load(conn, name)
        if row.disabled:
            raise InvalidInput(f"Account {name!r} is disabled: enable it before making tokens.")
        token_id = repo.insert_token(
            conn,
            {
                "token_hash": token_hash(token),
                "account_id": row.id,
                "label": label,
                "created_at": now,
                "expires_at": expires,
            },
        )
        detail = {
            "account": name,
            "token_id": token_id,
            "label": label,
            "expires_days": expires_days,
        }
        record(conn, campus_id=None, actor=actor.name, action="token.add", detail=detail)
        (made,) = [t for t in repo.load_tokens(conn, row.id) if t.id == token_id]
    return _token_info(made), token


def list_tokens(engine: Engine, actor: Actor, name: str) -> list[TokenInfo]:
    """Return the API tokens of account ``name``, oldest first (one's own, or anyone's with
    ``manage_accounts``). Raises PermissionDenied, NotFound."""
    _may_manage_tokens(actor, name, "list another account's API tokens")
    with engine.connect() as conn:
        row = _load(conn, name)
        return [_token_info(t) for t in repo.load_tokens(conn, row.id)]


def revoke_token(
    engine: Engine, actor: Actor, name: str, token_id: int, *, now: datetime | None = None
) -> None:
    """Revoke API token ``token_id`` of account ``name``: refused from then on. One
    ``token.revoke`` audit row. Raises PermissionDenied, NotFound (no such live token)."""
    _may_manage_tokens(actor, name, "revoke another account's API tokens")
    with writing(engine) as conn:
        row = _load(conn, name)
        if not repo.revoke_token(conn, row.id, token_id, now or utcnow()):
            raise NotFound(
                f"Account {name!r} has no live API token {token_id}: see "
                f"`campusgrid users token list {name}`."
            )
        detail = {"account": name, "token_id": token_id}
        record(conn, campus_id=None, actor=actor.name, action="token.revoke", detail=detail)


def token_actor(engine: Engine, token: str | None, *, now: datetime | None = None) -> Actor | None:
    """Return the account of a live API ``token``, or None (unknown, revoked, expired, or its
    account disabled). Records the use at most once a minute."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = now or utcnow()
    with engine.connect() as conn:
        found = repo.load_token(conn, token_hash(token))
    if found is None:
        return None
    row, account = found
    if row.revoked_at is not None or account.disabled:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_EVERY:
        with writing(engine) as conn:
            repo.touch_token(conn, row.id, now)
    return actor_of(account)


__all__ = [
    "DEFAULT_IDLE",
    "AccountInfo",
    "TokenInfo",
    "actor_named",
    "actor_of",
    "add_account",
    "add_token",
    "ensure_first_admin",
    "has_admin",
    "list_accounts",
    "list_tokens",
    "open_session",
    "parse_role",
    "revoke_token",
    "roles_table",
    "session_actor",
    "set_disabled",
    "set_password",
    "sign_in",
    "sign_out",
    "sso_actor",
    "token_actor",
]
