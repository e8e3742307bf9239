"""Apply Alembic migrations programmatically (the schema is created on first use)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config whose migrations run on ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision of the database (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """Return the newest revision this version of campusgrid knows."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine, *, before_change: Callable[[], object] | None = None) -> None:
    """Bring the schema of ``engine``'s database to the newest revision (idempotent).

    ``before_change`` runs once when an existing schema is about to change (not for a new,
    empty database), e.g. to keep a backup of it first.
    """
    current = current_revision(engine)
    if current == head_revision(engine):
        return
    if current is not None and before_change is not None:
        before_change()
    command.upgrade(alembic_config(engine), "head")
