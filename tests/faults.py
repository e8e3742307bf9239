"""Helpers for the fault tests: find the moment a command holds its write transaction.

The tests kill (SpatiaLite) or cut (PostGIS) a real ``campusgrid`` process inside its
transaction; nothing in the product is there for them.
"""

from __future__ import annotations

import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

#: How long (s) a test waits for the moment to interrupt a command.
DEADLINE_S = 120.0


def wait_until(check: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    """Poll ``check()`` until it is true; fail (with the command's last words) if the
    process ends first."""
    started = time.monotonic()
    while not check():
        if process.poll() is not None:
            said = ""
            if process.stderr is not None:
                said = process.stderr.read()[-500:]
                process.stderr.close()
            pytest.fail(
                f"the command ended (exit {process.returncode}) before it could be "
                f"interrupted: {said}"
            )
        assert time.monotonic() - started < DEADLINE_S
        time.sleep(0.001)


def write_lock_held(path: Path) -> bool:
    """Return True while another connection holds the SQLite write lock of ``path``."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc) or "busy" in str(exc)
        return True
    finally:
        probe.close()


def cut_connection(
    engine: Engine,
    process: subprocess.Popen[str],
    find: sa.TextClause,
    params: dict[str, object] | None = None,
) -> None:
    """End the command's PostgreSQL connection (``pg_terminate_backend``) once ``find``
    returns its backend pid, then check the command says so in one exit-2 line."""
    victims: list[int] = []

    def found() -> bool:
        with engine.connect() as conn:
            victims.extend(conn.execute(find, params or {}).scalars())
        return bool(victims)

    wait_until(found, process)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": victims[0]}).scalar()
    assert process.wait(timeout=DEADLINE_S) == 2
    assert process.stderr is not None
    said = process.stderr.read()
    process.stderr.close()
    assert "Traceback" not in said
    assert said.splitlines()[-1].startswith("error: The connection to the database was lost")
