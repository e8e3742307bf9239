"""Nothing lost (issue 14): replacing a campus's map keeps its history and its audit trail,
backups round-trip every row, re-homing works past the drivers' parameter limits, and a
second writer waits for the first instead of failing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.safety_campus import CAMPUS, make_campus
from tests.small_campus import small_campus
from zoning.errors import StorageError
from zoning.store import backup as backups
from zoning.store import engine as engine_mod
from zoning.store import rehome
from zoning.store.campus import campus_history, save_campus
from zoning.store.engine import create_engine, writing
from zoning.store.models.campus import Base


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every campusgrid table (and the schema revision), sorted."""
    names = [t.name for t in Base.metadata.sorted_tables] + ["alembic_version"]
    with engine.connect() as conn:
        return {
            name: sorted(
                (tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {name}"))), key=repr
            )
            for name in names
        }


def test_replace_keeps_the_history_and_the_audit_trail(db: Engine) -> None:
    make_campus(db)
    before = campus_history(db, CAMPUS)
    assert before is not None and before["plans"] == 1 and before["due inspections"] > 0
    audit = count(db, "SELECT count(*) FROM audit_event")
    cid = count(db, "SELECT id FROM campus")
    fewer = small_campus().with_layer("buildings", small_campus().buildings.iloc[:1])
    save_campus(db, name=CAMPUS, layers=fewer, replace=True, backup="b.sqlite")
    assert campus_history(db, CAMPUS) == before
    assert count(db, "SELECT id FROM campus") == cid
    assert count(db, "SELECT count(*) FROM building") == 1
    assert count(db, "SELECT count(*) FROM audit_event") == audit + 1
    with db.connect() as conn:
        detail = conn.execute(
            sa.text("SELECT detail FROM audit_event WHERE action = 'campus.replace'")
        ).scalar_one()
    assert '"history_kept"' in detail and "b.sqlite" in detail


def test_discarding_the_history_never_deletes_the_audit_trail(db: Engine) -> None:
    make_campus(db)
    audit = count(db, "SELECT count(*) FROM audit_event")
    save_campus(db, name=CAMPUS, layers=small_campus(), replace=True, discard_history=True)
    assert campus_history(db, CAMPUS) == dict.fromkeys(campus_history(db, CAMPUS) or {}, 0)
    assert count(db, "SELECT count(*) FROM audit_event") == audit + 1
    assert count(db, "SELECT count(*) FROM person") == 9  # the people stay


def test_backup_and_restore_round_trip_every_row(db: Engine, tmp_path: Path) -> None:
    make_campus(db)
    taken = snapshot(db)
    suffix = ".sqlite" if db.dialect.name == "sqlite" else ".dump"
    info = backups.backup_database(db, tmp_path / f"b{suffix}")
    with writing(db) as conn:  # change everything after the backup
        conn.execute(sa.text("DELETE FROM inspection_due"))
        conn.execute(sa.text("UPDATE person SET phone = 'changed'"))
    save_campus(db, name="another", layers=small_campus())
    assert snapshot(db) != taken
    backups.restore_database(db, info.path)
    assert snapshot(db) == taken
    save_campus(db, name="after restore", layers=small_campus())  # ids go on from the backup


def test_backup_refuses_to_overwrite_and_restore_names_a_missing_sidecar(
    db: Engine, tmp_path: Path
) -> None:
    target = tmp_path / "exists"
    target.write_text("x")
    with pytest.raises(Exception, match="already exists"):
        backups.backup_database(db, target)
    with pytest.raises(Exception, match=r"\.json"):
        backups.restore_database(db, target)


def test_prune_keeps_the_newest(tmp_path: Path) -> None:
    for n in range(4):
        (tmp_path / f"auto-x-{n}.sqlite").write_text("x")
        (tmp_path / f"auto-x-{n}.sqlite.json").write_text("{}")
    gone = backups.prune_backups(tmp_path, prefix="auto-x-", keep=2)
    assert [p.name for p in gone] == ["auto-x-0.sqlite", "auto-x-1.sqlite"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "auto-x-2.sqlite", "auto-x-2.sqlite.json", "auto-x-3.sqlite", "auto-x-3.sqlite.json",
    ]  # fmt: skip


def test_rehoming_writes_in_batches_past_the_parameter_limits(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every statement stays under both drivers' limits whatever the number of rows: with a
    batch of 2 rows the temporary tables are filled in many small INSERTs."""
    from tests.safety_campus import cells_frame
    from zoning.store import plan_edits
    from zoning.store.plans import save_plan

    make_campus(db)
    monkeypatch.setattr(rehome, "BATCH_ROWS", 2)
    statements: list[int] = []

    @sa.event.listens_for(db, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if isinstance(parameters, dict | tuple | list) and not executemany:
            statements.append(len(parameters))

    cells = cells_frame()
    cells["code"] = [f"N-{i:02d}" for i in range(len(cells))]  # every code retired: all move
    plan = save_plan(db, campus=CAMPUS, cells=cells, method="square")
    session = plan_edits.load_session(db, CAMPUS, plan.id)
    open_before = count(db, "SELECT count(*) FROM inspection_due WHERE submitted_at IS NULL")
    result = plan_edits.activate(db, session, actor="test", reason="test")
    due = next(r for r in result.rehomed if r.label == "due inspections")
    assert due.open_before == open_before > 2
    assert due.open_after + len(due.collapsed) == due.open_before
    assert max(statements) <= 4 * rehome.BATCH_ROWS + 10
    assert count(db, "SELECT count(*) FROM inspection_due WHERE cell_code LIKE 'C-%' "
                 "AND submitted_at IS NULL") == 0  # fmt: skip


def test_a_second_writer_waits_for_the_first(
    tmp_path: Path, spatialite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that reads first, then writes, while another writer commits in between: with a
    deferred BEGIN it failed at once ("database is locked"); an immediate one waits."""
    import shutil

    path = tmp_path / "w.sqlite"
    shutil.copy(spatialite_template, path)
    first, second = create_engine(f"sqlite:///{path}"), create_engine(f"sqlite:///{path}")
    save_campus(first, name="a", layers=small_campus())
    holding = threading.Event()

    def hold() -> None:
        with writing(first) as conn:
            conn.execute(sa.text("UPDATE campus SET source = 'first'"))
            holding.set()
            time.sleep(0.5)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait()
    with writing(second) as conn:
        conn.execute(sa.text("SELECT count(*) FROM campus")).scalar_one()
        conn.execute(sa.text("UPDATE campus SET source = source || '+second'"))
    thread.join()
    with second.connect() as conn:
        assert conn.execute(sa.text("SELECT source FROM campus")).scalar_one() == "first+second"
    # A lock held past the busy timeout is one clear message, not "database is locked".
    monkeypatch.setattr(engine_mod, "BUSY_TIMEOUT_MS", 100)
    third = create_engine(f"sqlite:///{path}")
    with writing(first) as conn:
        conn.execute(sa.text("UPDATE campus SET source = 'held'"))
        with pytest.raises(StorageError, match=r"busy.*retry"), writing(third) as other:
            other.execute(sa.text("UPDATE campus SET source = 'third'"))
    for engine in (first, second, third):
        engine.dispose()


def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database, just text" * 100)
    engine = create_engine(f"sqlite:///{junk}")
    with (
        pytest.raises(StorageError, match="not a campusgrid SpatiaLite database"),
        engine.connect() as conn,
    ):
        conn.execute(sa.text("SELECT 1"))
    with pytest.raises(StorageError, match="does not exist"):
        create_engine(f"sqlite:///{tmp_path}/no/such/folder/x.sqlite")


def test_z_coordinates_are_dropped_where_geometries_are_stored(db: Engine) -> None:
    """3-D outlines, footprints and cells (CAD, survey files) used to fail with IntegrityError
    ("geom-type or SRID not allowed") on SpatiaLite; they are stored 2-D on both backends."""
    from dataclasses import replace

    from tests.safety_campus import PEOPLE, cells_frame
    from zoning.store.campus import load_layers
    from zoning.store.plans import load_cells, save_plan

    layers = small_campus()
    raised = replace(
        layers,
        boundary=layers.boundary.set_geometry(shapely.force_3d(layers.boundary.geometry, 12.0)),
        buildings=layers.buildings.set_geometry(shapely.force_3d(layers.buildings.geometry, 5.0)),
    )
    cells = cells_frame()
    cells = cells.set_geometry(shapely.force_3d(cells.geometry, 1.0))
    save_campus(db, name=CAMPUS, layers=raised, people=PEOPLE)
    plan = save_plan(db, campus=CAMPUS, cells=cells, method="square")
    stored = load_layers(db, CAMPUS)
    assert not shapely.has_z(stored.buildings.geometry).any()
    assert len(stored.buildings) == len(layers.buildings)
    assert not shapely.has_z(load_cells(db, CAMPUS, plan.id).geometry).any()
