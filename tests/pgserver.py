"""A throw-away PostgreSQL + PostGIS server for the test session and the benchmarks.

PostgreSQL refuses to run as root, so the server runs as the ``postgres`` user (through
``runuser`` when we are root) on a temporary data directory and a free port on 127.0.0.1.
Clients stay in this process and connect over TCP with a password.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.ports import free_port
from zoning.store.engine import open_engine

PASSWORD = "campusgrid"
USER = "campusgrid"


def find_pg_bin() -> Path | None:
    """Return the newest PostgreSQL server bin directory that has PostGIS, or None."""
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        version = Path(bindir).parent.name
        if glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"):
            return Path(bindir)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextlib.contextmanager
def postgis_server() -> Iterator[str]:
    """Start a PostGIS server, yield its SQLAlchemy URL, stop it and delete its data at exit.

    Raises RuntimeError with what is missing when PostgreSQL/PostGIS is not installed.
    """
    bindir = find_pg_bin()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL with PostGIS is not installed: run `make test-deps` "
            "(apt-get install postgresql-15-postgis-3)."
        )
    workdir = Path(tempfile.mkdtemp(prefix="campusgrid-pg-"))
    datadir = workdir / "data"
    pwfile = workdir / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    port = free_port()
    log = workdir / "server.log"
    run = lambda cmd: subprocess.run(  # noqa: E731
        _as_postgres(cmd), check=True, capture_output=True, text=True
    )
    try:
        run(
            [
                str(bindir / "initdb"),
                "-D",
                str(datadir),
                "-U",
                USER,
                "--pwfile",
                str(pwfile),
                "-A",
                "scram-sha-256",
                "-E",
                "UTF8",
                "--locale",
                "C.UTF-8",
            ]
        )
        run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(datadir),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {port} -c listen_addresses=127.0.0.1 -k {workdir} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off",
                "start",
            ]
        )
        env = {**os.environ, "PGPASSWORD": PASSWORD}
        subprocess.run(
            [
                str(bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                USER,
                "campusgrid",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        yield f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{port}/campusgrid"
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or "") + (log.read_text() if log.exists() else "")
        raise RuntimeError(f"could not start PostgreSQL: {detail[-2000:]}") from exc
    finally:
        if (datadir / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres(
                    [str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "-w", "stop"]
                ),
                capture_output=True,
            )
            time.sleep(0.1)
        shutil.rmtree(workdir, ignore_errors=True)


def empty_postgis(url: str) -> Engine:
    """Empty every campusgrid table (whatever the migrations created) between tests."""
    engine = open_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename NOT IN ('spatial_ref_sys', 'alembic_version')"
            )
        ).scalars()
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    return engine
