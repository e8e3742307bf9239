"""``campusgrid users token add|list|revoke`` on both backends: the token printed once
(alone on the last line) and stored only as its hash, one's own tokens or (admin) anyone's,
revoking, the audit rows, one-line refusals with exit code 2."""

from __future__ import annotations

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from tests.actors import ADMIN
from zoning.cli import app
from zoning.services import accounts
from zoning.store.engine import open_engine

runner = CliRunner()
PASSWORD = "a long enough password"


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_add_list_revoke_a_token_hashed_and_audited(db_url: str) -> None:
    engine = open_engine(db_url)
    accounts.add_account(engine, ADMIN, "robot", "safety_officer", PASSWORD)
    code, out, err = cli("users", "token", "add", "robot", "--label", "12345 feed",
                         "--expires", "30", "--db", db_url)  # fmt: skip
    assert code == 0, err
    token = out.splitlines()[-1]
    assert token.startswith("cgt_") and len(token) > 40 and " " not in token
    assert "shown only now" in out
    actor = accounts.token_actor(engine, token)
    assert actor is not None and (actor.name, actor.role.value) == ("robot", "safety_officer")
    with engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.text("SELECT * FROM api_token"))]
    assert len(stored) == 1 and token not in json.dumps(stored, default=str)
    code, out, err = cli("users", "token", "list", "robot", "--json", "--db", db_url)
    assert code == 0, err
    (listed,) = json.loads(out)
    assert (listed["label"], listed["state"]) == ("12345 feed", "active")
    assert listed["expires_at"] is not None and listed["last_used_at"] is not None
    code, out, err = cli("users", "token", "revoke", "robot", str(listed["id"]), "--db", db_url)
    assert code == 0 and "revoked" in out, err
    assert accounts.token_actor(engine, token) is None
    code, out, _ = cli("users", "token", "list", "robot", "--db", db_url)
    assert "\trevoked\t12345 feed\t" in out
    code, _, err = cli("users", "token", "revoke", "robot", str(listed["id"]), "--db", db_url)
    assert code == 2 and err.count("\n") == 1 and "no live API token" in err
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT action, detail FROM audit_event WHERE action LIKE 'token.%' ORDER BY id"
            )
        ).all()
    assert [r[0] for r in rows] == ["token.add", "token.revoke"]
    assert token not in json.dumps([tuple(r) for r in rows])
    engine.dispose()


def test_own_tokens_only_without_manage_accounts_and_bad_options(db_url: str) -> None:
    engine = open_engine(db_url)
    accounts.add_account(engine, ADMIN, "viewer1", "viewer", PASSWORD)
    accounts.add_account(engine, ADMIN, "other1", "viewer", PASSWORD)
    engine.dispose()
    code, out, err = cli("--as", "viewer1", "users", "token", "add", "viewer1", "--db", db_url)
    assert code == 0 and out.splitlines()[-1].startswith("cgt_"), err
    code, _, err = cli("--as", "viewer1", "users", "token", "add", "other1", "--db", db_url)
    assert code == 2 and err.count("\n") == 1 and "manage_accounts" in err
    code, _, err = cli("--as", "viewer1", "users", "token", "list", "other1", "--db", db_url)
    assert code == 2 and "manage_accounts" in err
    code, _, err = cli("users", "token", "add", "viewer1", "--expires", "0", "--db", db_url)
    assert code == 2 and err.count("\n") == 1 and "--expires 0" in err
    code, _, err = cli("users", "token", "add", "nobody", "--db", db_url)
    assert code == 2 and "No account 'nobody'" in err
    code, out, _ = cli("users", "token", "list", "other1", "--db", db_url)
    assert code == 0 and "has no API tokens" in out
