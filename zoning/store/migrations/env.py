"""Alembic environment: runs migrations on the engine handed over by zoning.store.migrate."""

from __future__ import annotations

from alembic import context

from zoning.store.engine import writing

engine = context.config.attributes["engine"]

with writing(engine) as connection:
    context.configure(connection=connection, render_as_batch=engine.dialect.name == "sqlite")
    context.run_migrations()
