"""Opening the database, for the callers above the services (the pages, the API), which
never import ``zoning.store`` themselves (DESIGN.md: layers).

Every service takes the engine this returns; the services open no connections of their own.
"""

from pathlib import Path

from sqlalchemy.engine import Engine

from zoning.store.backup import sqlite_file
from zoning.store.engine import DEFAULT_URL, database_url, open_engine, write_generation

__all__ = ["Engine", "new_database_file", "open_engine", "write_generation"]


def new_database_file(url: str | None = None) -> Path | None:
    """Return the SpatiaLite file that opening ``url`` (default: ``$CAMPUSGRID_DB``, else the
    embedded database) would create because it does not exist yet; None for PostGIS, an
    existing file, or the default database (``make run`` creates that one on purpose)."""
    resolved = database_url(url)
    path = sqlite_file(resolved)
    if path is None or resolved == DEFAULT_URL or path.exists():
        return None
    return path
