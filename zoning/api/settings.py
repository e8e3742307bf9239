"""The web server's settings, read from the environment ``campusgrid serve`` passes on."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from zoning.services.accounts import DEFAULT_IDLE

#: Hours without use after which a web session ends (``campusgrid serve --idle-hours``).
IDLE_ENV = "CAMPUSGRID_IDLE_HOURS"
#: The folder of the heavy map layer files served at ``/layers/NAME``.
LAYER_DIR_ENV = "CAMPUSGRID_LAYER_DIR"
#: The database (as everywhere in campusgrid).
DB_ENV = "CAMPUSGRID_DB"


def idle_time() -> timedelta:
    """Return how long a session may stay unused: ``$CAMPUSGRID_IDLE_HOURS`` hours (a
    positive number), else 8 h."""
    text = os.environ.get(IDLE_ENV, "").strip()
    try:
        hours = float(text) if text else 0.0
    except ValueError:
        hours = 0.0
    if not 0 < hours <= 24 * 366:
        return DEFAULT_IDLE
    return timedelta(hours=hours)


def layer_dir() -> Path:
    """Return the folder of the map's layer files: ``$CAMPUSGRID_LAYER_DIR``, else
    ``campusgrid/layers`` in the user's cache folder (``$XDG_CACHE_HOME``, else
    ``~/.cache``): writable however campusgrid was installed, never served as static files."""
    chosen = os.environ.get(LAYER_DIR_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(cache).expanduser() if cache else Path.home() / ".cache"
    return base / "campusgrid" / "layers"


def db_url() -> str | None:
    """Return ``$CAMPUSGRID_DB`` (None: the default database)."""
    return os.environ.get(DB_ENV, "").strip() or None
