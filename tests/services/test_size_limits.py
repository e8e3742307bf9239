"""Size limits: an import of too large files or too many features, and coverage of too many
cameras, stop before the work with one line naming the variable that raises the limit.

Before the limits a 1 GB GeoJSON (3.8 M buildings) was imported in 5.5 minutes at 6.5 GB,
and 100,000 cameras made ``coverage`` take 104 s at 1.4 GB. Real files, both backends.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from tests.actors import ADMIN
from tests.small_campus import small_campus
from zoning.cli import app
from zoning.errors import InvalidInput
from zoning.services import cameras as camera_services
from zoning.services.campus import import_campus, list_campuses
from zoning.store.campus import save_campus

runner = CliRunner()


def campus_files(folder: Path) -> list[Path]:
    """Write the small campus's boundary and two buildings as GeoJSON files."""
    layers = small_campus()
    boundary, buildings = folder / "boundary.geojson", folder / "buildings.geojson"
    layers.boundary.to_file(boundary, driver="GeoJSON")
    layers.buildings.to_file(buildings, driver="GeoJSON")
    return [boundary, buildings]


def test_files_over_the_import_limit_are_not_read(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = campus_files(tmp_path)
    monkeypatch.setenv("CAMPUSGRID_MAX_IMPORT_MB", "0.001")  # 1 kB
    with pytest.raises(InvalidInput, match=r"more than the limit of 0.001 MB.*MAX_IMPORT_MB=1"):
        import_campus(db, files, campus="大", actor=ADMIN)
    with pytest.raises(InvalidInput, match="more than the limit"):  # a folder counts whole
        import_campus(db, [tmp_path], campus="大", actor=ADMIN)
    assert list_campuses(db) == []
    monkeypatch.setenv("CAMPUSGRID_MAX_IMPORT_MB", "5")
    assert import_campus(db, files, campus="大", actor=ADMIN).campus.counts["buildings"] == 2


def test_a_layer_over_the_feature_limit_is_not_stored(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = campus_files(tmp_path)
    monkeypatch.setenv("CAMPUSGRID_MAX_FEATURES", "1")
    with pytest.raises(InvalidInput, match=r"2 buildings, more than the limit of 1 per layer"):
        import_campus(db, files, campus="大", actor=ADMIN)
    assert list_campuses(db) == []
    monkeypatch.setenv("CAMPUSGRID_MAX_FEATURES", "2")
    import_campus(db, files, campus="大", actor=ADMIN)
    assert [c.name for c in list_campuses(db)] == ["大"]


def test_a_limit_set_to_nonsense_is_one_clear_error(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPUSGRID_MAX_IMPORT_MB", "lots")
    with pytest.raises(InvalidInput, match="CAMPUSGRID_MAX_IMPORT_MB='lots' is not a positive"):
        import_campus(db, campus_files(tmp_path), campus="大", actor=ADMIN)


def test_coverage_of_more_cameras_than_the_limit_is_refused(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zoning.store.engine import open_engine

    engine = open_engine(db_url)
    save_campus(engine, name="大", layers=small_campus())  # two cameras
    monkeypatch.setenv("CAMPUSGRID_MAX_CAMERAS", "1")
    result = runner.invoke(app, ["coverage", "大", "--db", db_url])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "2 cameras, more than the limit of 1" in result.stderr
    assert "CAMPUSGRID_MAX_CAMERAS=2" in result.stderr
    with pytest.raises(InvalidInput, match="more than the limit"):
        camera_services.suggest_cameras(engine, "大", actor=ADMIN, count=1)
    monkeypatch.setenv("CAMPUSGRID_MAX_CAMERAS", "2")
    assert camera_services.campus_coverage(engine, "大", actor=ADMIN).summary()["cameras"] == 2


@pytest.mark.parametrize("count", [0, 201, 10**30])
def test_suggested_camera_count_is_bounded(db: Engine, count: int) -> None:
    save_campus(db, name="大", layers=small_campus())
    with pytest.raises(InvalidInput, match=r"number of new cameras .* use 1 to 200"):
        camera_services.suggest_cameras(db, "大", actor=ADMIN, count=count)
