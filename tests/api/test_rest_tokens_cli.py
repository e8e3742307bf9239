"""``campusgrid tokens create|list|revoke`` (the issue's names) on both backends: the same
commands as ``users token add|list|revoke``: the token alone on the last line, it works,
it is listed, revoked, and a bad --expires is one line with exit code 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.actors import ADMIN
from zoning.cli import app
from zoning.services import accounts
from zoning.store.engine import open_engine

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_tokens_create_list_revoke(db_url: str) -> None:
    engine = open_engine(db_url)
    accounts.add_account(engine, ADMIN, "phone", "safety_officer", "a long enough password")
    code, out, err = cli("tokens", "create", "phone", "--expires", "7", "--db", db_url)
    assert code == 0, err
    token = out.splitlines()[-1]
    actor = accounts.token_actor(engine, token)
    assert actor is not None and actor.name == "phone"
    code, out, err = cli("tokens", "list", "phone", "--json", "--db", db_url)
    (listed,) = json.loads(out)
    assert code == 0 and listed["state"] == "active" and listed["expires_at"], err
    code, out, err = cli("tokens", "revoke", "phone", str(listed["id"]), "--db", db_url)
    assert code == 0 and "revoked" in out, err
    assert accounts.token_actor(engine, token) is None
    code, _, err = cli("tokens", "create", "phone", "--expires", "0", "--db", db_url)
    assert code == 2 and err.count("\n") == 1, err
    engine.dispose()
