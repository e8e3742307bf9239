"""Open the database: SQLite + SpatiaLite (embedded default) or PostgreSQL + PostGIS.

The URL comes from the ``url`` argument (the CLI's ``--db``), else ``CAMPUSGRID_DB``, else
``sqlite:///data/campusgrid.sqlite``. The schema is brought up to date with Alembic on
first use, so a new file or an empty PostGIS database just works.
"""

from __future__ import annotations

import ctypes.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

# GDAL (pyogrio), GEOS (shapely) and PROJ (pyproj) come bundled in their wheels. SQLite loads
# mod_spatialite with RTLD_GLOBAL, which puts the system's libsqlite3, libproj and libgeos in
# the process's global symbol scope: a wheel library loaded after that binds some of its
# symbols to those system copies and crashes (reading a GeoPackage segfaulted in
# proj_context_destroy). Loading the wheels first binds them to their own copies (CPython
# loads extensions with RTLD_NOW).
import pyogrio  # noqa: F401
import pyproj  # noqa: F401
import shapely  # noqa: F401
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

from zoning.errors import StorageError

DEFAULT_URL = "sqlite:///data/campusgrid.sqlite"

#: How long (ms) a writer waits for another to finish before the busy message.
BUSY_TIMEOUT_MS = 30_000

#: The execution option that marks a connection as a writer (see :func:`writing`).
WRITE_OPTION = "campusgrid_write"

BUSY = (
    "The database is busy: another campusgrid command is writing to it (an import or a plan "
    "activation can take a while). Nothing was changed: retry the command in a moment."
)

_SPATIALITE_CANDIDATES = (
    "mod_spatialite",
    "/usr/lib/x86_64-linux-gnu/mod_spatialite.so",
    "/usr/lib/aarch64-linux-gnu/mod_spatialite.so",
    "/opt/homebrew/lib/mod_spatialite.dylib",
    "/usr/local/lib/mod_spatialite.dylib",
)

INSTALL_SPATIALITE = (
    "SpatiaLite is missing. Install it with `sudo apt-get install libsqlite3-mod-spatialite` "
    "(Debian/Ubuntu) or `brew install libspatialite` (macOS), or set SPATIALITE_LIBRARY_PATH "
    "to the mod_spatialite library."
)


def database_url(url: str | None = None) -> str:
    """Return the database URL to use: ``url``, else ``CAMPUSGRID_DB``, else the default."""
    return url or os.environ.get("CAMPUSGRID_DB") or DEFAULT_URL


def _spatialite_paths() -> list[str]:
    explicit = os.environ.get("SPATIALITE_LIBRARY_PATH")
    found = ctypes.util.find_library("mod_spatialite")
    return [p for p in (explicit, found, *_SPATIALITE_CANDIDATES) if p]


def _load_spatialite(dbapi_conn: Any) -> None:
    dbapi_conn.enable_load_extension(True)
    errors = []
    for path in _spatialite_paths():
        try:
            dbapi_conn.load_extension(path)
        except Exception as exc:
            errors.append(f"{path}: {exc}")
            continue
        dbapi_conn.enable_load_extension(False)
        return
    raise StorageError(INSTALL_SPATIALITE + " Tried: " + "; ".join(errors))


def _not_a_database(path: str | None, exc: BaseException) -> StorageError:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return StorageError(
        f"Cannot open {path or 'the database'}: {reason}. It is not a campusgrid SpatiaLite "
        "database (or it is damaged): check the --db path, or restore a backup with "
        "`campusgrid restore BACKUP --db URL`."
    )


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    _load_spatialite(dbapi_conn)
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        # WAL: readers never wait for a writer, and a writer waits (busy_timeout) for another.
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        has_meta = cur.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='spatial_ref_sys'"
        ).fetchone()[0]
        if not has_meta:
            # 'WGS84' loads only the WGS-84 family of SRIDs: milliseconds instead of seconds.
            cur.execute("SELECT InitSpatialMetaData(1, 'WGS84')")
    except Exception as exc:  # sqlean's DatabaseError: a truncated or foreign file
        if _is_busy(exc):
            raise StorageError(BUSY) from exc
        path = dbapi_conn.execute("PRAGMA database_list").fetchone()[2]
        raise _not_a_database(path, exc) from exc
    finally:
        cur.close()


def _is_busy(exc: BaseException) -> bool:
    """Return True for a lock another writer holds (SQLite busy, PostgreSQL lock timeout)."""
    text = str(exc).lower()
    code = getattr(exc, "sqlstate", None)
    return (
        "database is locked" in text
        or "database is busy" in text
        or "database table is locked" in text
        or code in ("55P03", "40001", "40P01")  # lock not available, serialization, deadlock
    )


def _on_error(context: sa.engine.ExceptionContext) -> None:
    """Turn a lock held by another writer, or a damaged file, into a StorageError."""
    original = context.original_exception
    if _is_busy(original):
        raise StorageError(BUSY) from original
    text = str(original).lower()
    if "file is not a database" in text or "disk image is malformed" in text:
        raise _not_a_database(None, original) from original
    if context.is_disconnect:
        raise StorageError(
            "The connection to the database was lost (the server ended it or went away): the "
            "command's changes were rolled back. Check the server, then retry the command."
        ) from original


def _begin_sqlite(conn: sa.Connection) -> None:
    """Open a real transaction; a writer's is IMMEDIATE, so it waits (busy_timeout) for the
    write lock up front instead of failing when a read turns into a write."""
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[sa.Connection]:
    """``engine.begin()`` for a unit of work that writes: one transaction, committed at the
    end, rolled back on any error. On SpatiaLite it takes the write lock first
    (``BEGIN IMMEDIATE``), waiting up to 30 s for another writer; then StorageError (busy)."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


_generation = 0


def _committed(_conn: sa.Connection) -> None:
    global _generation
    _generation += 1


def write_generation() -> int:
    """Return a number that changes whenever a transaction of this process commits (any
    engine): a reader may reuse what it read while it stays the same (a write by another
    process is not counted)."""
    return _generation


def _sqlite_engine(url: URL) -> Engine:
    import sqlean  # the standard library's sqlite3 often cannot load extensions

    database = url.database
    if database and database != ":memory:":
        folder = Path(database).parent
        if url.render_as_string() == DEFAULT_URL:
            folder.mkdir(parents=True, exist_ok=True)
        elif not folder.is_dir():
            raise StorageError(
                f"The folder {str(folder)!r} of the database {database!r} does not exist: "
                "check the --db path (or CAMPUSGRID_DB), or create the folder first."
            )
        elif Path(database).is_dir():
            raise StorageError(f"--db {database!r} is a folder: name a database file in it.")
    engine = sa.create_engine(
        url.set(drivername="sqlite+pysqlite"), module=sqlean.dbapi2, future=True
    )
    event.listen(engine, "connect", _on_sqlite_connect)
    # pysqlite's own transaction handling skips BEGIN before DDL and SELECT; take it over so
    # that every unit of work (an import, a plan activation) is one real transaction.
    event.listen(engine, "begin", _begin_sqlite)
    event.listen(engine, "handle_error", _on_error)
    event.listen(engine, "commit", _committed)
    return engine


def _postgres_engine(url: URL) -> Engine:
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    event.listen(engine, "handle_error", _on_error)
    event.listen(engine, "commit", _committed)
    return engine


def create_engine(url: str | None = None) -> Engine:
    """Return an engine for ``url`` (see :func:`database_url`) without touching the schema.

    Raises StorageError for an unsupported URL.
    """
    parsed = make_url(database_url(url))
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        return _postgres_engine(parsed)
    raise StorageError(
        f"Unsupported database URL {parsed.render_as_string(hide_password=True)!r}: use "
        "sqlite:///path/to/file.sqlite or postgresql+psycopg://user:pass@host:port/db."
    )


@cache
def open_engine(url: str | None = None) -> Engine:
    """Return a ready engine for ``url``: connected, schema migrated to the newest version.

    Raises StorageError with what to do when the database cannot be opened.
    """
    from zoning.store.backup import automatic_backup
    from zoning.store.migrate import upgrade

    resolved = database_url(url)
    engine = create_engine(resolved)
    try:
        # An existing schema about to change: keep a copy of it first.
        upgrade(engine, before_change=lambda: automatic_backup(engine, reason="migrate"))
    except StorageError:
        raise
    except sa.exc.OperationalError as exc:
        safe = make_url(resolved).render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StorageError(f"Cannot open the database {safe}: {reason}") from exc
    return engine


def is_sqlite(engine: Engine) -> bool:
    """Return True when ``engine`` talks to SQLite/SpatiaLite."""
    return engine.dialect.name == "sqlite"
