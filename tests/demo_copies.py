"""The small demo campus seeded once per test session and copied for each test that needs it.

Seeding the small demo (seed 0) with its history takes seconds on either backend; a copy
takes milliseconds. A SpatiaLite copy is a copy of the template file (one file for all the
session's processes: the test workers share the folder, and the first to need a template
seeds it under a lock while the others wait); a PostGIS copy is a new
database made with ``CREATE DATABASE … TEMPLATE`` of a seeded one, under a name of its own
(the pages' caches are keyed by the database URL: two tests never share one) and dropped
when the test ends. Templates are keyed by the days of history and the local day they were
seeded on (the history is laid out back from "now": a new day gets a new template).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.seeded_copies import PostgisCopier
from zoning import services
from zoning.clock import local_day, utcnow
from zoning.store.engine import create_engine, open_engine

#: The campus name the demo is stored under.
DEMO = "demo"

#: A function giving the URL of a fresh copy of the small demo with that many days of history
#: (the ``demo_copy`` fixture of tests/conftest.py).
DemoCopy = Callable[[int], str]


@contextlib.contextmanager
def engine_on(url: str) -> Iterator[Engine]:
    """Yield an engine on the copy at ``url`` as the ``db`` fixture gives one: SpatiaLite a new
    engine disposed at the end, PostGIS the process's engine of that URL (``open_engine``)."""
    if url.startswith("sqlite"):
        engine = create_engine(url)
        yield engine
        engine.dispose()
    else:
        yield open_engine(url)


def _seed(url: str, history_days: int) -> None:
    """Seed the small demo (seed 0) with ``history_days`` days of history into ``url``."""
    engine = open_engine(url)
    services.seed_demo(engine, scale="small", seed=0, history_days=history_days, actor=ADMIN)
    engine.dispose()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (made if missing) across processes."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class DemoTemplates:
    """The session's seeded templates, made on first use (see the module's docstring);
    ``folder`` holds the SpatiaLite ones (shared by the session's processes)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._files: dict[tuple[int, date], Path] = {}
        self._databases: dict[tuple[str, int, date], str] = {}
        self._pg = PostgisCopier()
        self._numbers = itertools.count()

    def spatialite(self, history_days: int, dest: Path) -> str:
        """Copy the SpatiaLite template with ``history_days`` days to ``dest``; return its URL."""
        key = (history_days, local_day(utcnow()))
        if key not in self._files:
            path = self._folder / f"demo-{history_days}d-{key[1]}.sqlite"
            with _locked(path.with_name(path.name + ".lock")):
                if not path.exists():  # another process may have seeded it meanwhile
                    seeding = path.with_name(f"{path.name}.{os.getpid()}.part")
                    _seed(f"sqlite:///{seeding}", history_days)
                    import sqlean  # fold the write-ahead log in: a copy is the file alone

                    with sqlean.connect(str(seeding), isolation_level=None) as conn:
                        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    conn.close()
                    os.replace(seeding, path)  # complete, or not there at all
            self._files[key] = path
        shutil.copy(self._files[key], dest)
        return f"sqlite:///{dest}"

    def postgis(self, server_url: str, history_days: int) -> str:
        """Return the URL of a new database on ``server_url``'s server: a copy of the PostGIS
        template with ``history_days`` days (drop it with :meth:`drop`)."""
        key = (server_url, history_days, local_day(utcnow()))
        number = next(self._numbers)
        if key not in self._databases:
            template = f"demo_template_{number}"
            _seed(self._pg.create(server_url, template), history_days)
            self._databases[key] = template
        return self._pg.copy(server_url, self._databases[key], f"demo_copy_{number}")

    def drop(self, url: str) -> None:
        """Drop the PostGIS copy at ``url`` (its open connections are ended)."""
        self._pg.drop(url)

    def close(self) -> None:
        """Close the connections to the servers' ``postgres`` databases."""
        self._pg.close()
