"""Faults kept as tests: a plan activation and a bulk inspection load, interrupted in the
middle of their transaction, leave the database exactly as it was (every row of every
table, and SQLite's ``PRAGMA integrity_check``), and the same command then succeeds.

The campus is the small demo (the session's template without history: the transactions
under test are the schedule and the re-homing, not the history or the students) with 300
days of due inspections (about 88,000 open rows to re-home), re-split into about 3,800
square cells of 20 m. The bulk inspection load is ``campusgrid inspections due --date``
materialising those 300 days of schedule in one transaction.

SpatiaLite: the ``campusgrid`` process is killed with SIGKILL once it has held the write lock
for a while (a second connection's ``BEGIN IMMEDIATE`` is refused throughout: its write
transaction is open). PostGIS: its connection is ended with ``pg_terminate_backend`` from a
second connection while its transaction has written (``backend_xid`` is set). Nothing in the
product waits or sleeps for these tests.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from tests.demo_copies import DemoTemplates
from tests.faults import cut_connection, wait_until, write_lock_held
from zoning.cli import app
from zoning.clock import local_day, utcnow
from zoning.store.engine import open_engine
from zoning.store.models.campus import Base

runner = CliRunner()
CAMPUS = "demo"
#: Days of history of the demo copies (none: see the module's docstring).
HISTORY_DAYS = 0
#: How far ahead the bulk load schedules (days; the CLI allows up to 366).
AHEAD_DAYS = 300
#: How long (s) the write lock must be held without a break before the kill: longer than
#: any short write (opening the database), far shorter than the transactions under test.
HOLD_S = 0.05
#: Automatic backups off: the command's own transaction is what is interrupted.
ENV = {**os.environ, "CAMPUSGRID_BACKUP_KEEP": "0"}


def ahead() -> str:
    """The day the bulk load schedules through (AHEAD_DAYS after today, local)."""
    return (local_day(utcnow()) + timedelta(days=AHEAD_DAYS)).isoformat()


def cli(url: str, *args: str) -> str:
    """Run ``campusgrid ARGS --db URL`` in this process; return stdout (exit 0 or fail)."""
    result = runner.invoke(app, [*args, "--db", url], env={"CAMPUSGRID_BACKUP_KEEP": "0"})
    assert result.exit_code == 0, (args, result.stderr, result.exception)
    return result.stdout


def resplit(url: str) -> int:
    """Split the campus at ``url`` into 20 m squares, give them owners; return the draft."""
    plan = int(json.loads(cli(url, "split", CAMPUS, "--method", "square", "--cell-size-m",
                              "20", "--json"))["plan_id"])  # fmt: skip
    cli(url, "assign-owners", CAMPUS, "--plan", str(plan))
    return plan


def table_names(engine: Engine) -> list[str]:
    """Every table of the database, SpatiaLite's own metadata tables included."""
    return sorted(sa.inspect(engine).get_table_names())


def snapshot(engine: Engine) -> dict[str, object]:
    """The row count of every table and every row of every campusgrid table, sorted."""
    with engine.connect() as conn:
        counts = {
            t: int(conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one())
            for t in table_names(engine)
        }
        rows = {
            t.name: sorted(
                (tuple(r) for r in conn.execute(sa.text(f'SELECT * FROM "{t.name}"'))), key=repr
            )
            for t in Base.metadata.sorted_tables
        }
    return {"counts": counts, "rows": rows}


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def start(url: str, *args: str) -> subprocess.Popen[str]:
    """Start ``campusgrid ARGS --db URL`` in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "zoning.cli", *args, "--db", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )


def held_for(path: Path, seconds: float) -> Callable[[], bool]:
    """A check that is true once the write lock of ``path`` was held ``seconds`` unbroken."""
    since: list[float] = []

    def check() -> bool:
        if not write_lock_held(path):
            since.clear()
            return False
        since[:] = since or [time.monotonic()]
        return time.monotonic() - since[0] >= seconds

    return check


def kill_mid_transaction(url: str, *args: str) -> None:
    """Start the command on the SpatiaLite file ``url``; SIGKILL it inside its write
    transaction."""
    path = Path(url.removeprefix("sqlite:///"))
    process = start(url, *args)
    wait_until(held_for(path, HOLD_S), process)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    assert process.stderr is not None
    process.stderr.close()


def cut_mid_transaction(engine: Engine, url: str, *args: str, writing: str) -> None:
    """Start the command on PostGIS; end its connection with ``pg_terminate_backend`` once its
    transaction has written and its statement matches ``writing`` (ILIKE); check it says so."""
    process = start(url, *args)
    find = sa.text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL AND query ILIKE :writing"
    )
    cut_connection(engine, process, find, {"writing": writing})


@pytest.fixture(scope="module")
def spatialite_files(
    tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates
) -> dict[str, Path]:
    """SpatiaLite files: the demo (``demo``), and with AHEAD_DAYS scheduled and a 20 m draft
    (``draft``, whose plan id is in ``draft.plan``)."""
    folder = tmp_path_factory.mktemp("faults")
    demo, draft = folder / "demo.sqlite", folder / "draft.sqlite"
    demo_templates.spatialite(HISTORY_DAYS, demo)
    settled_copy(demo, draft)
    url = f"sqlite:///{draft}"
    cli(url, "inspections", "due", CAMPUS, "--date", ahead())
    (folder / "draft.plan").write_text(str(resplit(url)))
    return {"demo": demo, "draft": draft, "plan": folder / "draft.plan"}


def settled_copy(source: Path, target: Path) -> None:
    """Copy the SpatiaLite file ``source`` to ``target``, its write-ahead log folded in first
    (an engine of this process may still hold it open)."""
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copy(source, target)


@pytest.fixture
def postgis_demo(postgis_url: str, demo_templates: DemoTemplates) -> Iterator[str]:
    """The URL of a PostGIS copy of the demo (a database of its own, dropped at the end)."""
    url = demo_templates.postgis(postgis_url, HISTORY_DAYS)
    yield url
    demo_templates.drop(url)


def copy_of(source: Path, tmp_path: Path) -> tuple[str, Engine]:
    target = tmp_path / "campusgrid.sqlite"
    settled_copy(source, target)
    url = f"sqlite:///{target}"
    return url, open_engine(url)


def assert_intact(engine: Engine, before: dict[str, object]) -> None:
    assert snapshot(engine) == before
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar_one() == "ok"


@pytest.mark.slow
def test_an_activation_killed_mid_transaction_leaves_nothing_and_can_be_retried(
    spatialite_files: dict[str, Path], tmp_path: Path
) -> None:
    url, engine = copy_of(spatialite_files["draft"], tmp_path)
    plan = spatialite_files["plan"].read_text()
    before = snapshot(engine)
    activate = ("activate", CAMPUS, plan, "--reason", "20 m cells")
    kill_mid_transaction(url, *activate)
    assert_intact(engine, before)
    out = cli(url, *activate)
    assert out.startswith(f"plan {plan} is active")
    assert count(engine, f"SELECT count(*) FROM grid_plan WHERE id = {plan} AND status = 'active'")


@pytest.mark.slow
def test_a_schedule_load_killed_mid_transaction_leaves_nothing_and_can_be_retried(
    spatialite_files: dict[str, Path], tmp_path: Path
) -> None:
    url, engine = copy_of(spatialite_files["demo"], tmp_path)
    before = snapshot(engine)
    due = ("inspections", "due", CAMPUS, "--date", ahead())
    kill_mid_transaction(url, *due)
    assert_intact(engine, before)
    cli(url, *due)
    assert (
        count(engine, "SELECT count(*) FROM inspection_due")
        > before["counts"][  # type: ignore[index]
            "inspection_due"
        ]
    )


@pytest.mark.slow
def test_an_activation_whose_connection_is_cut_leaves_nothing_and_can_be_retried(
    postgis_demo: str,
) -> None:
    engine = open_engine(postgis_demo)
    cli(postgis_demo, "inspections", "due", CAMPUS, "--date", ahead())
    plan = str(resplit(postgis_demo))
    before = snapshot(engine)
    activate = ("activate", CAMPUS, plan, "--reason", "20 m cells")
    cut_mid_transaction(engine, postgis_demo, *activate, writing="%cg_rehome%")
    assert_intact(engine, before)
    out = cli(postgis_demo, *activate)
    assert out.startswith(f"plan {plan} is active")


@pytest.mark.slow
def test_a_schedule_load_whose_connection_is_cut_leaves_nothing_and_can_be_retried(
    postgis_demo: str,
) -> None:
    engine = open_engine(postgis_demo)
    before = snapshot(engine)
    due = ("inspections", "due", CAMPUS, "--date", ahead())
    cut_mid_transaction(engine, postgis_demo, *due, writing="COPY inspection_due%")
    assert_intact(engine, before)
    cli(postgis_demo, *due)
    assert (
        count(engine, "SELECT count(*) FROM inspection_due")
        > before["counts"][  # type: ignore[index]
            "inspection_due"
        ]
    )
