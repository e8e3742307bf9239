"""``campusgrid notify add|list|test|log|remove`` and ``campusgrid tick`` on both backends."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.notify.robots import robot_server
from zoning.cli import app

runner = CliRunner()


def test_notify_commands_add_test_log_and_remove(db_url: str) -> None:
    with robot_server() as robots:

        def cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
            r = runner.invoke(app, [*args, "--db", db_url], input=stdin)
            return r.exit_code, r.stdout, r.stderr

        feishu = f"{robots.url}/feishu"
        code, out, _ = cli(
            "notify", "add", "--channel", "feishu", "--target", feishu, "--secret-stdin",
            stdin="SEC-test-秘密\n",
        )  # fmt: skip
        assert code == 0 and out.startswith("added channel 1: feishu")
        code, out, _ = cli("notify", "list", "--json")
        assert json.loads(out)[0]["signed"] is True and "SEC" not in out
        code, out, _ = cli("notify", "test", "1")
        assert code == 0 and "sent a test message" in out
        robots.fail["feishu"] = 19021
        code, _, err = cli("notify", "test", "1")
        assert code == 2 and err.splitlines() == [
            "error: channel 1 failed: 127.0.0.1 refused the message: code 19021: refused with "
            "19021 "
            "(fix it, then test again)"
        ]
        code, out, _ = cli("notify", "log", "--failed")
        assert code == 0 and len(out.splitlines()) == 1 and "FAILED (1 tries" in out
        code, _, err = cli("notify", "add", "--channel", "slack", "--target", "https://x")
        assert code == 2 and err.startswith("error: Unknown channel 'slack'")
        code, out, _ = cli("tick", "--json")
        assert code == 0 and json.loads(out)["ran"] is True
        code, out, _ = cli("notify", "remove", "1")
        assert code == 0 and cli("notify", "log")[1].strip() == "nothing queued yet"
        code, _, err = cli("notify", "remove", "1")
        assert code == 2 and "No notification channel 1" in err
