"""Opening the database, for the callers above the services (the pages, the API), which
never import ``zoning.store`` themselves (DESIGN.md: layers).

Every service takes the engine this returns; the services open no connections of their own.
"""

from sqlalchemy.engine import Engine

from zoning.store.engine import open_engine

__all__ = ["Engine", "open_engine"]
