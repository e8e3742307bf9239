"""Re-homing writes each open row once (issue 14): a row that gets a new point and a new
plan is rewritten by one UPDATE, not two (on PostgreSQL every UPDATE is a new row version);
a PostGIS backup is a fast-compressed dump that restores."""

from __future__ import annotations

import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.safety_campus import CAMPUS, cells_frame, make_campus
from zoning.store import backup as backups
from zoning.store import plan_edits
from zoning.store.plans import save_plan

SWAPPED = ("C-00-00", "C-01-00")


def swapped() -> gpd.GeoDataFrame:
    """The same cells and codes, two cells' squares exchanged: the due rows of those two
    cells keep their code (``keep_code``) and move to its new square's point."""
    cells = cells_frame()
    first, second = (cells.index[cells["code"] == c][0] for c in SWAPPED)
    geometry = cells.geometry.copy()
    geometry[first], geometry[second] = geometry[second], geometry[first]
    return cells.set_geometry(geometry)


def test_a_moved_row_is_written_once_with_its_new_point(db: Engine) -> None:
    make_campus(db)
    with db.connect() as conn:
        open_rows = int(
            conn.execute(
                sa.text("SELECT count(*) FROM inspection_due WHERE submitted_at IS NULL")
            ).scalar_one()
        )
    written: list[int] = []

    def count_updates(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE INSPECTION_DUE SET"):
            written.append(int(getattr(cursor, "rowcount", 0)))

    cells = swapped()
    plan = save_plan(db, campus=CAMPUS, cells=cells, method="square")
    session = plan_edits.load_session(db, CAMPUS, plan.id)
    event.listen(db, "after_cursor_execute", count_updates)
    try:
        result = plan_edits.activate(db, session, actor="test", reason="two squares swapped")
    finally:
        event.remove(db, "after_cursor_execute", count_updates)
    due = next(r for r in result.rehomed if r.label == "due inspections")
    assert due.open_before == due.open_after == open_rows > 0
    assert sum(written) == open_rows  # every open row once: new plan (and point) together
    with db.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT cell_code, ST_X(geometry), ST_Y(geometry) FROM inspection_due "
                "WHERE submitted_at IS NULL AND plan_id = :plan AND cell_code IN :codes"
            ).bindparams(sa.bindparam("codes", expanding=True)),
            {"plan": plan.id, "codes": list(SWAPPED)},
        ).fetchall()
    assert found
    squares = dict(zip(cells["code"], cells.geometry, strict=True))
    assert all(shapely.contains_xy(squares[code], x, y) for code, x, y in found)


def test_a_postgis_backup_is_compressed_at_the_fast_level(db: Engine, tmp_path: Path) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("pg_dump's compression level: PostGIS only")
    make_campus(db)
    info = backups.backup_database(db, tmp_path / "b.dump")
    listing = subprocess.run(
        ["pg_restore", "--list", str(info.path)], capture_output=True, text=True, check=True
    ).stdout
    header = {
        key.strip(): value.strip()
        for key, _, value in (line.lstrip(";").partition(":") for line in listing.splitlines())
    }
    assert header.get("Compression") == "1"
    backups.restore_database(db, info.path)  # and it restores
