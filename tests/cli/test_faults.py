"""Faults kept as tests: an import killed in the middle of its transaction leaves the
database exactly as it was, and the same import then succeeds.

SpatiaLite: the ``campusgrid import`` process is killed with SIGKILL while it holds the
write lock (a second connection's ``BEGIN IMMEDIATE`` is refused: the write transaction is
open), after it said ``… writing to the database``. PostGIS: its connection is ended with
``pg_terminate_backend`` from a second connection while it inserts buildings. Nothing in
the product waits or sleeps for these tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.faults import cut_connection, wait_until, write_lock_held
from tests.pgserver import empty_postgis
from tests.small_campus import LAT, LON, D, small_campus
from zoning.store.campus import save_campus
from zoning.store.engine import open_engine

#: Buildings in the killed import: enough that writing them takes a while on both backends.
BUILDINGS = 40_000


def big_campus_files(folder: Path) -> list[Path]:
    """Write the small campus's outline and BUILDINGS small square buildings as GeoJSON."""
    side = int(np.ceil(np.sqrt(BUILDINGS)))
    step = 8 * D / side  # inside the main part (10 D × 8 D)
    xs, ys = np.meshgrid(np.arange(side), np.arange(side))
    x0 = LON + xs.ravel()[:BUILDINGS] * step
    y0 = LAT + ys.ravel()[:BUILDINGS] * step
    feet = shapely.box(x0, y0, x0 + 0.6 * step, y0 + 0.6 * step)
    buildings = gpd.GeoDataFrame(
        {"name": [f"楼{i}" for i in range(BUILDINGS)], "building": "yes"},
        geometry=feet,
        crs="EPSG:4326",
    )
    boundary, footprints = folder / "boundary.geojson", folder / "buildings.geojson"
    small_campus().boundary.to_file(boundary, driver="GeoJSON")
    buildings.to_file(footprints, driver="GeoJSON")
    return [boundary, footprints]


def snapshot(engine: Engine) -> dict[str, int]:
    """Return the row count of every campusgrid table."""
    inspector = sa.inspect(engine)
    names = [
        t
        for t in inspector.get_table_names()
        if t not in ("spatial_ref_sys", "alembic_version")
        and not t.startswith(("geometry_columns", "spatial", "sql_", "views_", "virts_"))
        and not t.startswith(("idx_", "spatialite", "vector_", "data_licenses", "ElementaryGeom"))
        and not t.startswith(("KNN", "SE_", "rl2map", "wms_", "raster_", "networks", "topolog"))
    ]
    with engine.connect() as conn:
        return {
            t: int(conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one()) for t in names
        }


def start_import(files: list[Path], db_url: str) -> subprocess.Popen[str]:
    """Start ``campusgrid import`` in its own process; return it once it says it writes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "zoning.cli", "import", *map(str, files), "--campus", "大校",
         "--db", db_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CAMPUSGRID_BACKUP_KEEP": "0"},
    )  # fmt: skip
    assert process.stderr is not None
    for line in process.stderr:
        if "writing to the database" in line:
            return process
    process.wait()
    pytest.fail(f"the import ended (exit {process.returncode}) before it wrote anything")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return big_campus_files(tmp_path_factory.mktemp("big"))


def test_an_import_killed_mid_transaction_leaves_nothing_and_can_be_retried(
    sqlite_url: str, files: list[Path]
) -> None:
    engine = open_engine(sqlite_url)
    save_campus(engine, name="旧", layers=small_campus())
    before = snapshot(engine)
    engine.dispose()
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    process = start_import(files, sqlite_url)
    wait_until(lambda: write_lock_held(path), process)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    assert process.stderr is not None
    process.stderr.close()
    engine = open_engine(sqlite_url)
    assert snapshot(engine) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA integrity_check")).scalar_one() == "ok"
    retried = subprocess.run(
        [sys.executable, "-m", "zoning.cli", "import", *map(str, files), "--campus", "大校",
         "--db", sqlite_url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert retried.returncode == 0, retried.stderr
    after = snapshot(engine)
    assert after["building"] == before["building"] + BUILDINGS
    assert after["campus"] == before["campus"] + 1


def test_an_import_whose_connection_is_cut_leaves_nothing_and_can_be_retried(
    postgis_url: str, files: list[Path]
) -> None:
    engine = empty_postgis(postgis_url)
    save_campus(engine, name="旧", layers=small_campus())
    before = snapshot(engine)
    process = start_import(files, postgis_url)
    find = sa.text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
        "AND query ILIKE 'INSERT INTO building%'"
    )
    cut_connection(engine, process, find)
    assert snapshot(engine) == before
    retried = subprocess.run(
        [sys.executable, "-m", "zoning.cli", "import", *map(str, files), "--campus", "大校",
         "--db", postgis_url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert retried.returncode == 0, retried.stderr
    assert snapshot(engine)["building"] == before["building"] + BUILDINGS
