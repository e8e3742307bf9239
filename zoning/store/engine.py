"""Open the database: SQLite + SpatiaLite (embedded default) or PostgreSQL + PostGIS.

The URL comes from the ``url`` argument (the CLI's ``--db``), else ``CAMPUSGRID_DB``, else
``sqlite:///data/campusgrid.sqlite``. The schema is brought up to date with Alembic on
first use, so a new file or an empty PostGIS database just works.
"""

from __future__ import annotations

import ctypes.util
import os
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


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    _load_spatialite(dbapi_conn)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 30000")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    has_meta = cur.execute(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='spatial_ref_sys'"
    ).fetchone()[0]
    if not has_meta:
        # 'WGS84' loads only the WGS-84 family of SRIDs: milliseconds instead of seconds.
        cur.execute("SELECT InitSpatialMetaData(1, 'WGS84')")
    cur.close()


def _sqlite_engine(url: URL) -> Engine:
    import sqlean  # the standard library's sqlite3 often cannot load extensions

    database = url.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url.set(drivername="sqlite+pysqlite"), module=sqlean.dbapi2, future=True
    )
    event.listen(engine, "connect", _on_sqlite_connect)
    # pysqlite's own transaction handling skips BEGIN before DDL and SELECT; take it over so
    # that every unit of work (an import, a plan activation) is one real transaction.
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return engine


def _postgres_engine(url: URL) -> Engine:
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return sa.create_engine(url, future=True, pool_pre_ping=True)


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
    from zoning.store.migrate import upgrade

    resolved = database_url(url)
    engine = create_engine(resolved)
    try:
        upgrade(engine)
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
