"""``campusgrid complaints reply``: an official public reply from the command line (both
backends, through the real CLI), its refusals as one line with exit code 2."""

from __future__ import annotations

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from tests.actors import ADMIN
from tests.safety_campus import CAMPUS, centre, make_campus
from zoning.cli import app
from zoning.services import accounts
from zoning.store.engine import open_engine

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_reply_command_publishes_and_refuses_in_one_line(db_url: str) -> None:
    engine = open_engine(db_url)
    make_campus(engine)
    accounts.add_account(engine, ADMIN, "kiosk", "viewer", "kiosk-password-1")
    lon, lat = centre("C-02-02")
    code, out, err = cli(
        "complaints", "add", CAMPUS, "--lon", str(lon), "--lat", str(lat), "--category",
        "repairs", "--text", "水管漏水", "--db", db_url, "--json",
    )  # fmt: skip
    assert code == 0, err
    cid = str(json.loads(out)["id"])
    code, out, err = cli("complaints", "reply", CAMPUS, cid, "--text", "已修复", "--db", db_url)
    assert code == 0, err
    assert out.strip().endswith(f"to complaint #{cid} published (shown publicly)")
    code, out, err = cli(
        "complaints", "reply", CAMPUS, cid, "--text", "明天复查", "--db", db_url, "--json"
    )
    assert code == 0 and json.loads(out)["text"] == "明天复查", err
    with engine.connect() as conn:
        texts = conn.execute(sa.text("SELECT text FROM complaint_reply ORDER BY id")).scalars()
        assert list(texts) == ["已修复", "明天复查"]
    refusals = [
        (["complaints", "reply", CAMPUS, "999999", "--text", "x"], "No complaint 999999"),
        (["complaints", "reply", CAMPUS, cid, "--text", "  "], "The reply"),
        (["--as", "kiosk", "complaints", "reply", CAMPUS, cid, "--text", "x"],
         "receive_complaints"),
    ]  # fmt: skip
    for args, words in refusals:
        code, out, err = cli(*args[:-2], *args[-2:], "--db", db_url)
        assert code == 2 and words in err and len(err.strip().splitlines()) == 1, (args, err)
    engine.dispose()
