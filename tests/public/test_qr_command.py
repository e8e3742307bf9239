"""``campusgrid qr``: the sheets PDF, and its refusals as one line with exit 2; both
backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.actors import ADMIN
from tests.public.pdf_reading import page_contents, page_count
from tests.safety_campus import CAMPUS, make_campus
from zoning.cli import app
from zoning.services import accounts
from zoning.store.engine import open_engine

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_qr_prints_a_page_per_building_or_cell(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_engine(db_url)
    make_campus(engine)
    accounts.add_account(engine, ADMIN, "viewer1", "viewer", "a long enough password")
    engine.dispose()
    monkeypatch.setenv("CAMPUSGRID_PUBLIC_URL", "https://grid.example.edu")
    out = tmp_path / "sheets.pdf"
    code, stdout, err = cli("qr", CAMPUS, "--out", str(out), "--db", db_url)
    assert code == 0, err
    assert stdout.strip() == f"{out}: 2 page(s), one per building"
    assert page_count(out.read_bytes()) == 2 and len(page_contents(out.read_bytes())) == 2
    cells = tmp_path / "cells.pdf"
    code, stdout, err = cli("qr", CAMPUS, "--out", str(cells), "--per", "cell", "--db", db_url)
    assert code == 0 and page_count(cells.read_bytes()) == 20, err
    for args, line in (
        (["--per", "floor"], "error: unknown --per 'floor': use building or cell"),
        (["--base-url", "ftp://x"], "error: --base-url 'ftp://x' is not an http(s) address"),
    ):
        code, _, err = cli("qr", CAMPUS, "--out", str(tmp_path / "x.pdf"), *args, "--db", db_url)
        assert code == 2 and err.startswith(line) and len(err.splitlines()) == 1, err
    code, _, err = cli("--as", "viewer1", "qr", CAMPUS, "--out", str(tmp_path / "x.pdf"),
                       "--db", db_url)  # fmt: skip
    assert code == 2 and "export" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "x.pdf").exists()
