"""Accounts, sign-in, lockout and web sessions through the service, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.small_campus import small_campus
from zoning.accounts import Actor, Permission, Role, local_operator
from zoning.clock import utcnow
from zoning.errors import InvalidInput, NotFound, PermissionDenied, SignInFailed
from zoning.services import accounts
from zoning.store.campus import save_campus

ADMIN = local_operator("testhost")
PASSWORD = "correct horse 42"


def audit_actions(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT actor, action FROM audit_event ORDER BY id")).all()
    return [(r.actor, r.action) for r in rows]


def test_add_sign_in_and_session(db: Engine) -> None:
    info = accounts.add_account(db, ADMIN, "zhang", "safety_officer", PASSWORD)
    assert (info.name, info.role, info.disabled) == ("zhang", "safety_officer", False)
    actor = accounts.sign_in(db, "zhang", PASSWORD)
    assert actor.role is Role.SAFETY_OFFICER and actor.account_id is not None
    token = accounts.open_session(db, actor)
    assert accounts.session_actor(db, token) == actor
    with db.connect() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM web_session")).scalar_one()
        hashed = conn.execute(sa.text("SELECT password_hash FROM account")).scalar_one()
    assert token not in stored and PASSWORD not in hashed and hashed.startswith("$argon2id$")
    accounts.sign_out(db, token)
    assert accounts.session_actor(db, token) is None
    assert audit_actions(db) == [
        ("testhost" in ADMIN.name and ADMIN.name, "account.add"),
        ("zhang", "account.sign_in"),
        ("zhang", "account.sign_out"),
    ]


def test_idle_session_expires(db: Engine) -> None:
    accounts.add_account(db, ADMIN, "li", "viewer", PASSWORD)
    actor = accounts.sign_in(db, "li", PASSWORD)
    start = utcnow()
    token = accounts.open_session(db, actor, now=start)
    later = start + timedelta(hours=7, minutes=59)
    assert accounts.session_actor(db, token, now=later) is not None
    # used at 7:59, so still alive 7:59 after that; dead 8 h after the last use
    assert accounts.session_actor(db, token, now=later + timedelta(hours=7)) is not None
    gone = later + timedelta(hours=15, minutes=1)
    assert accounts.session_actor(db, token, now=gone) is None
    assert accounts.session_actor(db, "not-a-token") is None


def test_five_wrong_passwords_lock_for_15_minutes(db: Engine) -> None:
    accounts.add_account(db, ADMIN, "wang", "viewer", PASSWORD)
    now = utcnow()
    for _ in range(5):
        with pytest.raises(SignInFailed, match="Wrong account name or password"):
            accounts.sign_in(db, "wang", "wrong password!", now=now)
    with pytest.raises(SignInFailed, match="locked"):
        accounts.sign_in(db, "wang", PASSWORD, now=now + timedelta(minutes=14))
    assert accounts.sign_in(db, "wang", PASSWORD, now=now + timedelta(minutes=16)).name == "wang"
    actions = [a for _, a in audit_actions(db)]
    assert actions.count("account.sign_in_failed") == 6
    with db.connect() as conn:
        details = conn.execute(sa.text("SELECT detail FROM audit_event")).scalars().all()
    assert not any(PASSWORD in d or "wrong password!" in d for d in details)


def test_unknown_and_disabled(db: Engine) -> None:
    with pytest.raises(SignInFailed, match="Wrong account name or password"):
        accounts.sign_in(db, "ghost", PASSWORD)
    accounts.add_account(db, ADMIN, "boss", "admin", PASSWORD)
    accounts.add_account(db, ADMIN, "zhao", "planner", PASSWORD)
    token = accounts.open_session(db, accounts.sign_in(db, "zhao", PASSWORD))
    accounts.set_disabled(db, ADMIN, "zhao")
    assert accounts.session_actor(db, token) is None
    with pytest.raises(SignInFailed, match="disabled"):
        accounts.sign_in(db, "zhao", PASSWORD)
    with pytest.raises(InvalidInput, match="last admin"):
        accounts.set_disabled(db, ADMIN, "boss")
    accounts.set_disabled(db, ADMIN, "zhao", disabled=False)
    assert accounts.sign_in(db, "zhao", PASSWORD).role is Role.PLANNER


def test_only_admins_manage_accounts(db: Engine) -> None:
    accounts.add_account(db, ADMIN, "planner1", "planner", PASSWORD)
    planner = accounts.actor_named(db, "planner1")
    with pytest.raises(PermissionDenied, match="manage_accounts") as refused:
        accounts.add_account(db, planner, "x1", "admin", PASSWORD)
    assert refused.value.permission == Permission.MANAGE_ACCOUNTS.value
    with pytest.raises(PermissionDenied):
        accounts.list_accounts(db, planner)
    with pytest.raises(PermissionDenied):
        accounts.set_password(db, planner, "admin", "another password 1")
    accounts.set_password(db, planner, "planner1", "my new password 1")  # one's own
    assert accounts.sign_in(db, "planner1", "my new password 1").name == "planner1"


@pytest.mark.parametrize(
    ("name", "role", "password", "kwargs", "error"),
    [
        ("has space", "viewer", PASSWORD, {}, "not allowed"),
        ("ok", "boss", PASSWORD, {}, "Unknown role"),
        ("ok", "viewer", "short", {}, "too short"),
        ("okokokokokok", "viewer", "okokokokokok", {}, "account's name"),
        ("ok", "inspector", PASSWORD, {}, "--person"),
        ("ok", "zone_leader", PASSWORD, {"campus": "small"}, "--zone"),
        ("ok", "inspector", PASSWORD, {"person": "X"}, "--campus"),
    ],
)
def test_bad_accounts_are_refused(
    db: Engine, name: str, role: str, password: str, kwargs: dict[str, str], error: str
) -> None:
    with pytest.raises(InvalidInput, match=error):
        accounts.add_account(db, ADMIN, name, role, password, **kwargs)  # type: ignore[arg-type]
    assert audit_actions(db) == []


def test_inspector_names_a_real_person(db: Engine) -> None:
    people = pd.DataFrame({"name": ["Liu"], "role": ["owner"], "quarter": [None], "phone": [None]})
    save_campus(db, name="small", layers=small_campus(), people=people)
    with pytest.raises(NotFound, match="not a person"):
        accounts.add_account(db, ADMIN, "i1", "inspector", PASSWORD, campus="small", person="Q")
    info = accounts.add_account(
        db, ADMIN, "i1", "inspector", PASSWORD, campus="small", person="Liu"
    )
    assert (info.campus, info.person) == ("small", "Liu")
    actor = accounts.actor_named(db, "i1")
    assert actor == Actor("i1", Role.INSPECTOR, "Liu", "small", None, actor.account_id)


def test_first_admin_once(db: Engine) -> None:
    assert not accounts.has_admin(db)
    created = accounts.ensure_first_admin(db, by=ADMIN.name)
    assert created is not None
    name, password = created
    assert accounts.sign_in(db, name, password).role is Role.ADMIN
    assert accounts.ensure_first_admin(db, by=ADMIN.name) is None
    assert accounts.has_admin(db)
