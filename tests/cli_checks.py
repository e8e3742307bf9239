"""Running a ``campusgrid`` command in-process and checking it failed cleanly, for the fuzz
tests: exit 0, or exit 2 with one ``error:`` line last and every table as it was."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from click.testing import Result
from typer.testing import CliRunner

from zoning.cli import app
from zoning.store.engine import open_engine
from zoning.store.models.campus import Base

runner = CliRunner()


def table_counts(url: str, tables: Sequence[str] | None = None) -> dict[str, int]:
    """Return the row count of ``tables`` (default: every campusgrid table) at ``url``."""
    names = tables if tables is not None else [t.name for t in Base.metadata.sorted_tables]
    with open_engine(url).connect() as conn:
        return {
            name: int(conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one())
            for name in names
        }


def run_checked(url: str, *args: str, tables: Sequence[str] | None = None) -> Result:
    """Run ``campusgrid ARGS --db URL``; assert exit 0, or exit 2 with no traceback, the one
    ``error:`` line last (after any progress lines) and nothing written to ``tables``
    (default: every table). Typer's own usage errors (exit 2, "Usage: …") are left as they
    are."""
    before = table_counts(url, tables)
    result = runner.invoke(app, [*args, "--db", url])
    assert result.exit_code in (0, 2), (args, result.exception, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), args
    assert "Traceback" not in result.stderr
    if result.exit_code == 2 and not result.stderr.startswith("Usage:"):
        lines = result.stderr.splitlines()  # progress lines (…), then the one error line
        assert [n for n, line in enumerate(lines) if line.startswith("error: ")] == [
            len(lines) - 1
        ], (args, result.stderr)
        assert table_counts(url, tables) == before, args
    return result
