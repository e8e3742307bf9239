"""The `campusgrid` command end to end on real databases (both backends) and real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
from typer.testing import CliRunner

from tests.demo_copies import DemoTemplates
from tests.realdata import campus_dir
from zoning.cli import app

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_campuses_on_an_empty_database(db_url: str) -> None:
    code, out, _ = cli("campuses", "--db", db_url, "--json")
    assert code == 0
    assert json.loads(out) == []


def test_import_real_campus_from_osm(db_url: str) -> None:
    folder = campus_dir("bupt")
    code, out, err = cli(
        "import",
        str(folder / "map.osm"),
        "--campus",
        "bupt",
        "--boundary-name",
        "北京邮电大学",
        "--db",
        db_url,
        "--json",
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["area_m2"] == pytest.approx(373_000, rel=0.01)
    assert report["counts"]["buildings"] == 105
    assert report["attribution"] and "OpenStreetMap" in report["attribution"]
    code, out, err = cli("campuses", "--db", db_url, "--json")
    assert [c["name"] for c in json.loads(out)] == ["bupt"]


def test_import_failure_is_one_line_and_writes_nothing(db_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "campus.geojson"
    broken.write_text("{ this is not json")
    code, out, err = cli("import", str(broken), "--campus", "x", "--db", db_url)
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "campus.geojson" in errors[0]
    assert "Traceback" not in err + out
    code, out, _ = cli("import", str(tmp_path / "missing.osm"), "--campus", "x", "--db", db_url)
    assert code == 2
    code, out, _ = cli("campuses", "--db", db_url, "--json")
    assert json.loads(out) == []


def test_import_twice_needs_replace(sqlite_url: str) -> None:
    folder = campus_dir("cput")
    args = (
        "import",
        str(folder / "boundary.geojson"),
        str(folder / "buildings.geojson"),
        "--campus",
        "cput",
        "--db",
        sqlite_url,
    )
    assert cli(*args)[0] == 0
    code, _, err = cli(*args)
    assert code == 2 and "--replace" in err
    assert cli(*args, "--replace")[0] == 0


@pytest.fixture
def demo_sqlite(tmp_path: Path, demo_templates: DemoTemplates) -> str:
    """A SpatiaLite copy of the demo as ``campusgrid demo`` builds it, without history or
    students (the session's template: the tests using it are not about the demo command's
    seeding, which :func:`test_demo_split_export` runs in full)."""
    return demo_templates.spatialite(0, tmp_path / "demo.sqlite")


def test_demo_split_export(db_url: str, tmp_path: Path) -> None:
    # The default demo (2,000 students) on SpatiaLite; on PostGIS without students (seconds
    # saved; what is asserted is the same, and the people grid's seeding on both backends is
    # tests/demo/test_demo_people.py's).
    students = () if db_url.startswith("sqlite") else ("--students", "0")
    code, out, err = cli("demo", *students, "--db", db_url, "--json")
    assert code == 0, err
    demo = json.loads(out)
    assert 1.4e6 <= demo["area_m2"] <= 1.6e6
    assert demo["counts"]["plans"] == 1
    code, out, err = cli(
        "split", "demo", "--method", "square", "--cell-size-m", "50", "--db", db_url, "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert set(report) >= {
        "plan_id",
        "method",
        "cells",
        "campus_area_m2",
        "cells_area_m2",
        "area_m2",
        "valid",
        "problems",
    }
    assert report["method"] == "square"
    assert report["cells_area_m2"] == pytest.approx(report["campus_area_m2"], rel=1e-6)
    # whole 50 m squares inside; boundary slivers and crumbs merged into a neighbour
    assert report["area_m2"]["median"] == pytest.approx(2500, rel=1e-6)
    assert 2500 < report["area_m2"]["max"] < 2 * 2500
    assert report["valid"] and report["problems"] == []
    assert report["cells"] >= demo["area_m2"] / 2500
    code, out, err = cli(
        "export", "demo", str(tmp_path / "demo.gpkg"), "--format", "gpkg", "--db", db_url
    )
    assert code == 0, err
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "demo.gpkg")}
    assert {"boundary", "buildings", "roads", "pois", "cameras", "cells"} <= layers
    # without --plan the export carries the active plan (the demo's first), not the new draft
    cells = pyogrio.read_dataframe(tmp_path / "demo.gpkg", layer="cells")
    code, out, _ = cli("plans", "demo", "--db", db_url, "--json")
    (active,) = [p for p in json.loads(out) if p["status"] == "active"]
    assert len(cells) == active["cells"]
    code, out, err = cli(
        "export",
        "demo",
        str(tmp_path / "draft.gpkg"),
        "--plan",
        str(report["plan_id"]),
        "--db",
        db_url,
    )
    assert code == 0, err
    draft = pyogrio.read_dataframe(tmp_path / "draft.gpkg", layer="cells")
    assert len(draft) == report["cells"] > len(cells)


def test_demo_if_missing_keeps_the_campus(demo_sqlite: str) -> None:
    code, _, err = cli("demo", "--if-missing", "--db", demo_sqlite)
    assert code == 0 and "already" in err
    code, out, _ = cli("plans", "demo", "--db", demo_sqlite, "--json")
    assert len(json.loads(out)) == 1


def test_unknown_campus_and_bad_options(sqlite_url: str) -> None:
    code, _, err = cli(
        "split", "nowhere", "--method", "square", "--cell-size-m", "50", "--db", sqlite_url
    )
    assert code == 2 and "nowhere" in err
    code, _, err = cli("split", "nowhere", "--method", "square", "--db", sqlite_url)
    assert code == 2 and "--cell-size-m" in err
    code, _, err = cli("demo", "--scale", "huge", "--db", sqlite_url)
    assert code == 2 and "small or large" in err


def test_console_script_reports_a_bad_database_url() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "zoning.cli", "campuses", "--db", "mysql://nowhere/db"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: Unsupported database URL")


def test_coverage_and_suggested_cameras(demo_sqlite: str) -> None:
    code, out, err = cli("coverage", "demo", "--db", demo_sqlite, "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert set(summary) == {
        "cameras",
        "walkable_area_m2",
        "covered_area_m2",
        "by_band",
        "blind_spot_area_m2",
        "cells",
        "key_areas",
    }
    assert set(summary["by_band"]) == {"identify", "recognise", "observe", "detect", "monitor"}
    assert summary["cameras"] > 300
    # covered (≥ detect) is the sum of the four best bands; blind spots are the rest
    bands = summary["by_band"]
    seen = bands["identify"] + bands["recognise"] + bands["observe"] + bands["detect"]
    assert summary["covered_area_m2"] == pytest.approx(seen, rel=1e-6)
    assert summary["covered_area_m2"] + summary["blind_spot_area_m2"] == pytest.approx(
        summary["walkable_area_m2"], rel=1e-3
    )
    assert len(summary["cells"]) > 100
    assert all(k["kind"] for k in summary["key_areas"])
    code, out, err = cli("suggest-cameras", "demo", "--count", "2", "--db", demo_sqlite, "--json")
    assert code == 0, err
    sites = json.loads(out)
    assert [s["rank"] for s in sites] == [1, 2]
    assert sites[0]["gain_m2"] >= sites[1]["gain_m2"] > 0
    code, _, err = cli("suggest-cameras", "demo", "--count", "0", "--db", demo_sqlite)
    assert code == 2 and "--count" in err


def test_console_script_imports_and_exports_a_geopackage(tmp_path: Path) -> None:
    """A fresh process opens SpatiaLite before it reads the GeoPackage: this used to segfault.

    mod_spatialite put the system's PROJ and SQLite in the global symbol scope, and GDAL (from
    the pyogrio wheel), loaded afterwards, bound to them; the engine now loads the wheels first.
    """
    db = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    gpkg = campus_dir("swjtu") / "campus.gpkg"
    command = [sys.executable, "-m", "zoning.cli"]
    imported = subprocess.run(
        [*command, "import", str(gpkg), "--campus", "swjtu", "--db", db, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert report["area_m2"] == pytest.approx(1_624_000, rel=0.01)
    assert report["counts"]["buildings"] == 105
    out = tmp_path / "swjtu.gpkg"
    exported = subprocess.run(
        [*command, "export", "swjtu", "--format", "gpkg", str(out), "--db", db],
        capture_output=True,
        text=True,
        check=False,
    )
    assert exported.returncode == 0, exported.stderr
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"boundary", "buildings", "roads", "pois"} <= layers
    assert pyogrio.read_info(out, layer="buildings")["features"] == 105


def test_a_bug_is_one_line_with_exit_code_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    from zoning import cli as cli_module
    from zoning import services

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(services, "list_campuses", broken)
    monkeypatch.setattr(sys, "argv", ["campusgrid", "campuses", "--db", sqlite_url])
    monkeypatch.delenv("CAMPUSGRID_DEBUG", raising=False)
    with pytest.raises(SystemExit) as stop:
        cli_module.main()
    assert stop.value.code == cli_module.INTERNAL_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: internal error (RuntimeError: boom")
    assert "CAMPUSGRID_DEBUG=1" in err
    monkeypatch.setenv("CAMPUSGRID_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        cli_module.main()


def test_a_new_database_file_is_announced_once(tmp_path: Path) -> None:
    """A mistyped --db must not pass silently for an empty campus list."""
    url = f"sqlite:///{tmp_path / 'typo.sqlite'}"
    first = subprocess.run(
        [sys.executable, "-m", "zoning.cli", "campuses", "--db", url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert first.stderr.strip() == (
        f"note: {tmp_path / 'typo.sqlite'} did not exist: created a new, empty database there"
    )
    again = subprocess.run(
        [sys.executable, "-m", "zoning.cli", "campuses", "--db", url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert again.returncode == 0 and again.stderr == ""
