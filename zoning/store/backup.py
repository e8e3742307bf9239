"""Back up and restore a whole database, on either backend.

SpatiaLite: the backup is one SQLite file written with ``VACUUM INTO`` (a consistent copy of
a live database, readers and writers go on); a restore copies it back page by page with
SQLite's online backup API, under the write lock. PostGIS: ``pg_dump --format=custom
--compress=1 --data-only`` of campusgrid's tables (the fastest zlib level: an activation
waits for its automatic backup); a restore empties those tables in the target (migrated to
the same schema version first) and loads the dump with ``pg_restore`` in one transaction.
The schema revision a backup was taken at is recorded beside it (``.json``): a backup
restores only into the same revision.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from zoning.clock import utcnow
from zoning.errors import InvalidInput, StorageError
from zoning.store.migrate import current_revision, upgrade

#: Tables whose rows are not ours (PostGIS's reference table).
_NOT_DUMPED = ("spatial_ref_sys",)


@dataclass(frozen=True)
class BackupInfo:
    """One backup: its file, backend, schema revision, when it was taken (UTC ISO)."""

    path: Path
    backend: str
    revision: str | None
    taken_at: str

    def to_json(self) -> dict[str, Any]:
        """Return the backup as JSON-ready data."""
        return {
            "path": str(self.path),
            "backend": self.backend,
            "revision": self.revision,
            "taken_at": self.taken_at,
        }


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def sqlite_file(url: str) -> Path | None:
    """Return the file of a SQLite URL, None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _libpq_url(engine: Engine) -> str:
    """Return ``engine``'s URL as libpq (pg_dump, pg_restore) reads it."""
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise StorageError(
            f"{name} is missing: install the PostgreSQL client (`sudo apt-get install "
            "postgresql-client`) to back up or restore a PostGIS database."
        )
    return found


def _run(args: list[str], what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise StorageError(f"{what} failed: {first}")


def is_sqlite(engine: Engine) -> bool:
    """Return True when ``engine`` talks to SQLite/SpatiaLite."""
    return engine.dialect.name == "sqlite"


def _our_tables(engine: Engine) -> list[str]:
    names = sa.inspect(engine).get_table_names()
    return sorted(n for n in names if n not in _NOT_DUMPED)


def backup_database(engine: Engine, out: str | Path) -> BackupInfo:
    """Write a consistent backup of ``engine``'s database to ``out`` (a new file).

    Raises InvalidInput when ``out`` exists or its folder does not, StorageError when the
    copy fails (nothing is left behind then).
    """
    path = Path(out)
    if path.exists():
        raise InvalidInput(f"{path} already exists: name a new file for the backup.")
    if not path.parent.is_dir():
        raise InvalidInput(f"The folder {path.parent} does not exist: create it first.")
    revision = current_revision(engine)
    try:
        if is_sqlite(engine):
            raw = engine.raw_connection()
            try:
                raw.cursor().execute("VACUUM INTO ?", (str(path),))
            finally:
                raw.close()
        else:
            tables = _our_tables(engine)
            # zlib level 1 instead of the default 6: on the large demo (1.2 million due
            # inspections) pg_dump took 9.8 s for a 61 MB file, at level 1 4.4 s for 71 MB;
            # uncompressed 3.3 s but 496 MB (bench/README.md, issue 14).
            args = [_pg_tool("pg_dump"), "--format=custom", "--compress=1", "--data-only"]
            args += ["--no-owner"]
            args += [f"--table=public.{t}" for t in tables]
            _run([*args, f"--file={path}", _libpq_url(engine)], "pg_dump")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    info = BackupInfo(
        path=path,
        backend="spatialite" if is_sqlite(engine) else "postgis",
        revision=revision,
        taken_at=utcnow().isoformat(),
    )
    _sidecar(path).write_text(json.dumps(info.to_json(), indent=2), encoding="utf-8")
    return info


def read_backup_info(path: str | Path) -> BackupInfo:
    """Return what ``path``'s sidecar says about it. Raises InvalidInput for no backup."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"No backup at {path}: give the file `campusgrid backup` wrote.")
    side = _sidecar(path)
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
        return BackupInfo(
            path=path,
            backend=str(data["backend"]),
            revision=data.get("revision"),
            taken_at=str(data["taken_at"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            f"{side} is missing or unreadable: it says which database {path} came from. "
            "Keep each backup with its .json file."
        ) from exc


def restore_database(engine: Engine, backup: str | Path) -> BackupInfo:
    """Replace the whole content of ``engine``'s database with ``backup``'s.

    The target must be the backup's backend; an empty PostGIS database is migrated first.
    Raises InvalidInput (wrong backend, other schema revision), StorageError (the copy
    failed: the target is unchanged, the restore runs in one transaction).
    """
    info = read_backup_info(backup)
    backend = "spatialite" if is_sqlite(engine) else "postgis"
    if backend != info.backend:
        raise InvalidInput(
            f"{info.path} is a {info.backend} backup: restore it into a {info.backend} "
            f"database, not {backend}."
        )
    engine.dispose()  # no pooled connection holds the old pages
    try:
        if is_sqlite(engine):
            _restore_sqlite(engine, info)
        else:
            _restore_postgis(engine, info)
    finally:
        engine.dispose()
    return info


def _restore_sqlite(engine: Engine, info: BackupInfo) -> None:
    import sqlean

    source = sqlean.connect(f"file:{info.path}?mode=ro", uri=True)
    try:
        found = source.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
        ).fetchone()[0]
    except sqlean.DatabaseError as exc:
        source.close()
        raise InvalidInput(f"{info.path} is not a SpatiaLite backup: {exc}.") from exc
    if not found:
        source.close()
        raise InvalidInput(f"{info.path} is not a campusgrid backup (no schema version).")
    target = engine.raw_connection()
    try:
        source.backup(target.driver_connection)  # page by page, under the write lock
    except sqlean.Error as exc:
        raise StorageError(f"Restore failed: {exc}. The database was not changed.") from exc
    finally:
        target.close()
        source.close()


def _restore_postgis(engine: Engine, info: BackupInfo) -> None:
    upgrade(engine)  # an empty database gets the schema
    if current_revision(engine) != info.revision:
        raise InvalidInput(
            f"{info.path} was taken at schema revision {info.revision}, this database is at "
            f"{current_revision(engine)}: restore it with the campusgrid version that wrote it."
        )
    tables = _our_tables(engine)
    tool = _pg_tool("pg_restore")
    listing = subprocess.run(
        [tool, "--list", str(info.path)], capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise InvalidInput(f"{info.path} is not a PostGIS backup: {listing.stderr.strip()}.")
    # pg_restore takes a connection of its own, so emptying and loading cannot share one
    # transaction: load into the emptied tables with --single-transaction, and on failure
    # load the safety copy taken just before.
    safety = info.path.with_name(info.path.name + f".before-restore-{os.getpid()}")
    backup_database(engine, safety)
    try:
        _empty_and_load(engine, tables, tool, info.path)
    except StorageError:
        _empty_and_load(engine, tables, tool, safety)
        raise
    finally:
        safety.unlink(missing_ok=True)
        _sidecar(safety).unlink(missing_ok=True)


def _empty_and_load(engine: Engine, tables: list[str], tool: str, dump: Path) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    # Triggers off while loading: completion_week is restored as it was, not rebuilt by the
    # triggers on inspection_due (this needs a superuser, as pg_restore says otherwise).
    _run(
        [tool, "--data-only", "--single-transaction", "--no-owner", "--disable-triggers",
         f"--dbname={_libpq_url(engine)}", str(dump)],
        "pg_restore",
    )  # fmt: skip


def prune_backups(folder: Path, *, prefix: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups named ``prefix*`` in ``folder``; return the
    deleted files."""
    found = sorted(
        (p for p in folder.glob(f"{prefix}*") if p.is_file() and not p.name.endswith(".json")),
        key=lambda p: p.name,
    )
    gone = found[: max(0, len(found) - keep)]
    for path in gone:
        path.unlink(missing_ok=True)
        _sidecar(path).unlink(missing_ok=True)
    return gone


DEFAULT_KEEP = 5


def backups_kept() -> int:
    """Return how many automatic backups of each kind to keep (``CAMPUSGRID_BACKUP_KEEP``)."""
    raw = os.environ.get("CAMPUSGRID_BACKUP_KEEP", str(DEFAULT_KEEP)).strip()
    try:
        keep = int(raw)
    except ValueError:
        raise InvalidInput(
            f"CAMPUSGRID_BACKUP_KEEP={raw!r} is not a whole number: set it to 0 (no automatic "
            "backups) or more."
        ) from None
    if not 0 <= keep <= 1000:
        raise InvalidInput(f"CAMPUSGRID_BACKUP_KEEP={keep} must be between 0 and 1000.")
    return keep


def _folder_beside(engine: Engine, name: str) -> Path:
    explicit = os.environ.get("CAMPUSGRID_BACKUP_DIR")
    if explicit:
        return Path(explicit)
    path = sqlite_file(engine.url.render_as_string(hide_password=False))
    return (path.parent if path is not None else Path("data")) / name


def backup_folder(engine: Engine) -> Path:
    """Return the folder automatic backups of ``engine``'s database go to."""
    return _folder_beside(engine, "backups")


def photo_store(engine: Engine) -> Path:
    """Return the folder inspection photos are copied into (``$CAMPUSGRID_PHOTO_DIR``, else
    ``photos`` beside a SpatiaLite file, else ``data/photos``)."""
    explicit = os.environ.get("CAMPUSGRID_PHOTO_DIR")
    if explicit:
        return Path(explicit)
    path = sqlite_file(engine.url.render_as_string(hide_password=False))
    return (path.parent if path is not None else Path("data")) / "photos"


def backup_with_photos(engine: Engine, out: str | Path) -> BackupInfo:
    """Write a backup of the whole database (and the photo store) to ``out``.

    Raises InvalidInput (``out`` exists, its folder does not), StorageError (copy failed).
    """
    info = backup_database(engine, out)
    photos = photo_store(engine)
    if photos.is_dir():
        shutil.copytree(photos, Path(f"{info.path}.photos"))
    return info


def automatic_backup(engine: Engine, *, reason: str) -> Path | None:
    """Back up before ``reason`` (``replace``, ``activate``, ``migrate``) into
    :func:`backup_folder`, keeping the newest :func:`backups_kept`; return the file, None when
    automatic backups are off or the database is in memory."""
    keep = backups_kept()
    url = engine.url.render_as_string(hide_password=False)
    if keep == 0 or (engine.dialect.name == "sqlite" and sqlite_file(url) is None):
        return None
    folder = backup_folder(engine)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = f"auto-{reason}-"
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    suffix = ".sqlite" if engine.dialect.name == "sqlite" else ".dump"
    info = backup_with_photos(engine, folder / f"{prefix}{stamp}{suffix}")
    for gone in prune_backups(folder, prefix=prefix, keep=keep):
        shutil.rmtree(Path(f"{gone}.photos"), ignore_errors=True)
    return info.path
