"""Backups: ``campusgrid backup``/``restore``, and the automatic backup taken before a
command that rewrites much of a campus (``import --replace``, ``activate``), a restore, or a
schema migration, keeping the newest few (:mod:`zoning.store.backup` does the copying).

Automatic backups go to ``$CAMPUSGRID_BACKUP_DIR``, else a ``backups`` folder beside a
SpatiaLite file, else ``data/backups``; ``$CAMPUSGRID_BACKUP_KEEP`` (default 5) of each kind
are kept; ``CAMPUSGRID_BACKUP_KEEP=0`` turns them off. The photo store is copied with a backup
into ``<backup>.photos/`` and back with a restore.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission
from zoning.store.backup import (
    BackupInfo,
    automatic_backup,
    backup_folder,
    backup_with_photos,
    backups_kept,
    photo_store,
    read_backup_info,
    restore_database,
)
from zoning.store.campus import record_event

__all__ = [
    "BackupInfo",
    "automatic_backup",
    "backup",
    "backup_folder",
    "backups_kept",
    "photo_store",
    "restore",
]


def backup(engine: Engine, out: str | Path, *, actor: Actor) -> BackupInfo:
    """Write a backup of the whole database (and the photo store) to ``out``; the backup is
    audited (``database.backup``, no campus) once it is written.

    Raises PermissionDenied (manage_accounts), InvalidInput (``out`` exists, its folder does
    not), StorageError (copy failed).
    """
    actor.require(Permission.MANAGE_ACCOUNTS, "back up the database")
    info = backup_with_photos(engine, out)
    detail = {"file": Path(info.path).name, "taken_at": info.taken_at}
    record_event(engine, None, actor=actor.name, action="database.backup", detail=detail)
    return info


def restore(engine: Engine, source: str | Path, *, actor: Actor) -> BackupInfo:
    """Replace the whole database behind ``engine`` (and the photo store) with ``source``.

    The database as it was is backed up first (:func:`automatic_backup`, reason
    ``restore``). The restored database gets one audit row ``database.restore`` (no campus)
    naming the account. Raises PermissionDenied (manage_accounts), InvalidInput (no backup
    there, other backend or schema version), StorageError (the copy failed; the database is
    unchanged).
    """
    actor.require(Permission.MANAGE_ACCOUNTS, "restore the database")
    read_backup_info(source)  # a clear message before anything else happens
    automatic_backup(engine, reason="restore")
    info = restore_database(engine, source)
    photos = Path(f"{info.path}.photos")
    if photos.is_dir():
        target = photo_store(engine)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(photos, target, dirs_exist_ok=True)
    detail = {"file": Path(info.path).name, "taken_at": info.taken_at}
    record_event(engine, None, actor=actor.name, action="database.restore", detail=detail)
    return info
