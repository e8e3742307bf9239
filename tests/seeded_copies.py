"""A database seeded once per backend by a test module's function, copied for each test.

Seeding a campus through the services takes a good part of a second; a copy takes
milliseconds. A SpatiaLite copy is a copy of the seeded file; a PostGIS copy is a new
database made with ``CREATE DATABASE … TEMPLATE`` of the seeded one, dropped when the test
ends (:meth:`SeededCopies.drop`). The copies are the same rows with the same ids, so what the
seeding returned (ids, say) holds for each copy.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from zoning.store.engine import open_engine

T = TypeVar("T")


def with_database(url: str, name: str) -> str:
    """Return ``url`` naming database ``name`` on the same server."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


class PostgisCopier:
    """Databases made, copied from a template and dropped on PostGIS servers, through one
    connection per server to its ``postgres`` database, outside transactions."""

    def __init__(self) -> None:
        self._admins: dict[str, Engine] = {}

    def create(self, server_url: str, name: str) -> str:
        """Make the empty database ``name`` (dropped first if there); return its URL."""
        self.admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.admin(server_url, f"CREATE DATABASE {name}")
        return with_database(server_url, name)

    def copy(self, server_url: str, template: str, name: str) -> str:
        """Make database ``name`` a copy of ``template``; return its URL."""
        # Nothing may be connected to a template while it is copied.
        self.admin(
            server_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{template}' AND pid <> pg_backend_pid()",
        )
        self.admin(server_url, f"CREATE DATABASE {name} TEMPLATE {template}")
        return with_database(server_url, name)

    def drop(self, url: str) -> None:
        """Drop the database at ``url`` (its open connections are ended)."""
        name = make_url(url).database
        self.admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def admin(self, url: str, statement: str) -> None:
        """Run ``statement`` outside a transaction on the server's ``postgres`` database."""
        server = with_database(url, "postgres")
        if server not in self._admins:
            self._admins[server] = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with self._admins[server].connect() as conn:
            conn.execute(sa.text(statement))

    def close(self) -> None:
        """Close the connections to the servers' ``postgres`` databases."""
        for engine in self._admins.values():
            engine.dispose()


class SeededCopies(Generic[T]):
    """Copies of a database seeded by ``seed`` (run once per backend on first use); ``name``
    prefixes the PostGIS databases (one name per module keeps them apart)."""

    def __init__(self, folder: Path, name: str, seed: Callable[[Engine], T]) -> None:
        self._folder = folder
        self._name = name
        self._seed = seed
        self._file: tuple[Path, T] | None = None
        self._databases: dict[str, tuple[str, T]] = {}
        self._pg = PostgisCopier()
        self._numbers = itertools.count()

    def spatialite(self, empty: Path, dest: Path) -> tuple[str, T]:
        """Copy the seeded SpatiaLite file (seeded from the migrated ``empty`` file on first
        use) to ``dest``; return its URL and what the seeding returned."""
        if self._file is None:
            path = self._folder / f"{self._name}.sqlite"
            shutil.copy(empty, path)
            engine = open_engine(f"sqlite:///{path}")
            seeded = self._seed(engine)
            engine.dispose()
            with sqlite3.connect(path) as conn:  # the write-ahead log folded into the file
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
            self._file = (path, seeded)
        shutil.copy(self._file[0], dest)
        return f"sqlite:///{dest}", self._file[1]

    def postgis(self, server_url: str) -> tuple[str, T]:
        """Return the URL of a new database on ``server_url``'s server, a copy of the seeded
        one (made and seeded on first use), and what the seeding returned."""
        if server_url not in self._databases:
            template = f"{self._name}_template"
            engine = open_engine(self._pg.create(server_url, template))
            seeded = self._seed(engine)
            engine.dispose()
            self._databases[server_url] = (template, seeded)
        template, seeded = self._databases[server_url]
        copy = f"{self._name}_copy_{next(self._numbers)}"
        return self._pg.copy(server_url, template, copy), seeded

    def drop(self, url: str) -> None:
        """Drop the PostGIS copy at ``url`` (its open connections are ended)."""
        self._pg.drop(url)

    def close(self) -> None:
        """Close the connections to the servers' ``postgres`` databases."""
        self._pg.close()
