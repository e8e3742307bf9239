"""``campusgrid --as NAME`` enforces the account's role (a refusal is one line, exit 2), the
audit trail names the account, and ``campusgrid audit`` filters it; both backends."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.actors import ADMIN
from tests.planner_campus import CAMPUS, make_campus
from zoning.cli import app
from zoning.services import accounts
from zoning.services import plans as planner
from zoning.store.engine import open_engine

runner = CliRunner()
PASSWORD = "a long enough password"


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def setup(db_url: str) -> int:
    """The planner campus, a draft, and two accounts: viewer1 and planner1; return the draft."""
    engine = open_engine(db_url)
    make_campus(engine)
    accounts.add_account(engine, ADMIN, "viewer1", "viewer", PASSWORD)
    accounts.add_account(engine, ADMIN, "planner1", "planner", PASSWORD)
    return planner.create_draft(engine, CAMPUS, actor=ADMIN).id


def test_as_a_viewer_activate_is_refused_in_one_line_naming_the_permission(db_url: str) -> None:
    draft = str(setup(db_url))
    code, out, err = cli(
        "--as", "viewer1", "activate", CAMPUS, draft, "--reason", "x", "--db", db_url
    )
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("error: viewer1 (viewer) may not activate")
    assert "activate_plans" in err
    code, out, err = cli("--as", "viewer1", "backup", "b.sqlite", "--db", db_url)
    assert code == 2 and "manage_accounts" in err
    code, out, err = cli("--as", "viewer1", "people", "list", CAMPUS, "--json", "--db", db_url)
    assert code == 0, err
    assert len(json.loads(out)) == 7


def test_as_a_planner_activate_is_audited_with_the_account_and_on_behalf(db_url: str) -> None:
    draft = str(setup(db_url))
    code, _, err = cli(
        "--as", "planner1", "activate", CAMPUS, draft, "--reason", "x", "--by",
        "Nobody-Not-A-Person", "--db", db_url,
    )  # fmt: skip
    assert code == 2
    assert err.count("\n") == 1 and "'Nobody-Not-A-Person' is not a person of campus" in err
    code, _, err = cli(
        "--as", "planner1", "activate", CAMPUS, draft, "--reason", "x", "--by", "校长",
        "--db", db_url,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = cli("audit", CAMPUS, "--account", "planner1", "--json", "--db", db_url)
    assert code == 0, err
    (row,) = json.loads(out)
    assert row["action"] == "plan.activate"
    detail = json.loads(row["detail"])
    assert (detail["entered_by"], detail["on_behalf_of"]) == ("planner1", "校长")
    assert "on_behalf" not in detail


def test_audit_filters_by_action_target_and_time_and_shows_account_events(db_url: str) -> None:
    setup(db_url)

    def rows(*args: str) -> list[dict[str, str]]:
        code, out, err = cli("audit", *args, "--json", "--db", db_url)
        assert code == 0, err
        found: list[dict[str, str]] = json.loads(out)
        return found

    campus_rows = rows(CAMPUS)
    assert {r["action"] for r in campus_rows} == {
        "campus.import", "plan.create", "plan.activate",
    }  # fmt: skip
    assert [r["action"] for r in rows(CAMPUS, "--action", "plan.act")] == ["plan.activate"]
    assert [r["action"] for r in rows(CAMPUS, "--target", "FIRST PLAN")] == ["plan.activate"]
    assert rows(CAMPUS, "--since", "2100-01-01T00:00") == []
    assert len(rows(CAMPUS, "--until", "2100-01-01T00:00")) == len(campus_rows)
    account_rows = rows()  # no campus: the account-level events
    assert {(r["actor"], r["action"]) for r in account_rows} == {
        (ADMIN.name, "account.add"),
    }
    assert len(rows(CAMPUS, "--all")) == len(campus_rows) + len(account_rows)
    assert [r["detail"] for r in rows("--account", ADMIN.name, "--target", "viewer1")] != []
    code, _, err = cli(
        "audit", CAMPUS, "--since", "2026-03-02", "--until", "2026-03-01", "--db", db_url
    )
    assert code == 2 and err.count("\n") == 1 and "before --since" in err
    code, _, err = cli("--as", "viewer1", "audit", CAMPUS, "--db", db_url)
    assert code == 2 and "view_audit" in err
