"""`import-plan` on both backends: the base plan recorded by the export, a GeoPackage 1.2
with a ``layer_styles`` table, JSON errors, layers off the campus refused, and a plan that
can always come back with its old codes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pyogrio
import pytest
import shapely
from typer.testing import CliRunner

from tests.planner_campus import CAMPUS, LAT, LON, D, code_at, make_campus
from zoning.cli import app
from zoning.store.engine import open_engine

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def campus_url(db_url: str) -> str:
    make_campus(open_engine(db_url))
    return db_url


def export(url: str, plan: str, out: Path) -> Path:
    code, _, err = cli("export", CAMPUS, str(out), "--plan", plan, "--format", "gpkg",
                       "--db", url)  # fmt: skip
    assert code == 0, err
    return out


def add_layer_styles(path: Path) -> None:
    """Add the table QGIS writes when a style is saved in the GeoPackage."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE layer_styles (id INTEGER PRIMARY KEY, styleQML TEXT)")
        conn.execute("INSERT INTO layer_styles (styleQML) VALUES ('<qgis/>')")


def test_the_export_records_its_plan_and_the_import_compares_with_it(
    campus_url: str, tmp_path: Path
) -> None:
    path = export(campus_url, "1", tmp_path / "plan.gpkg")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 10200  # GeoPackage 1.2
    meta = pyogrio.read_info(path, layer="cells")["dataset_metadata"]
    assert meta["CAMPUSGRID_PLAN_ID"] == "1" and meta["CAMPUSGRID_PLAN_VERSION"] == "1"
    # a newer draft exists: the import still compares with plan 1, recorded in the file
    code, _, err = cli("draft", CAMPUS, "--db", campus_url)
    assert code == 0, err
    cells = pyogrio.read_dataframe(path, layer="cells")
    styled = tmp_path / "styled.gpkg"
    pyogrio.write_dataframe(cells, styled, layer="my cells", driver="GPKG")
    add_layer_styles(styled)  # one feature layer plus layer_styles: read the feature layer
    code, out, err = cli("import-plan", str(styled), "--campus", CAMPUS, "--db", campus_url,
                         "--json")  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert report["base_plan_id"] == 1 and report["base_from"] == "active"
    assert report["retired"] == [] and report["valid"], report["problems"]
    code, out, err = cli("import-plan", str(path), "--campus", CAMPUS, "--db", campus_url)
    assert code == 0, err
    assert "compared with plan 1 (recorded in the file)" in out
    assert "0 new, 0 to retire on activation; valid" in out


def test_json_errors_are_json_on_stdout(campus_url: str, tmp_path: Path) -> None:
    code, out, err = cli("import-plan", str(tmp_path / "missing.gpkg"), "--campus", CAMPUS,
                         "--db", campus_url, "--json")  # fmt: skip
    assert code == 2 and "does not exist" in json.loads(out)["error"]
    assert err.count("\n") == 1 and "Traceback" not in err
    code, out, _ = cli("diff", CAMPUS, "1", "99", "--db", campus_url, "--json")
    assert code == 2 and "has no plan 99" in json.loads(out)["error"]


def test_swapped_coordinates_are_refused_and_nothing_is_stored(
    campus_url: str, tmp_path: Path
) -> None:
    path = export(campus_url, "1", tmp_path / "plan.gpkg")
    cells = pyogrio.read_dataframe(path, layer="cells")
    cells["geometry"] = [shapely.transform(g, lambda c: c[:, ::-1]) for g in cells.geometry]
    swapped = tmp_path / "swapped.gpkg"
    pyogrio.write_dataframe(cells, swapped, layer="cells", driver="GPKG")
    code, out, err = cli("import-plan", str(swapped), "--campus", CAMPUS, "--db", campus_url)
    assert code == 2 and "beyond lon/lat: are lon and lat swapped" in err
    assert err.count("\n") == 1
    code, out, _ = cli("plans", CAMPUS, "--db", campus_url, "--json")
    assert [p["id"] for p in json.loads(out)] == [1]


def test_an_earlier_plan_comes_back_with_its_codes(campus_url: str, tmp_path: Path) -> None:
    path = export(campus_url, "1", tmp_path / "plan.gpkg")
    cells = pyogrio.read_dataframe(path, layer="cells")
    by_code = {c: k for k, c in enumerate(cells["code"])}
    a, b = by_code[code_at(0, 0)], by_code[code_at(1, 0)]
    cells.loc[a, "geometry"] = shapely.union(cells.geometry.iloc[a], cells.geometry.iloc[b])
    cells = cells.drop(index=b)
    merged = tmp_path / "merged.gpkg"
    pyogrio.write_dataframe(cells, merged, layer="cells", driver="GPKG")
    code, out, err = cli("import-plan", str(merged), "--campus", CAMPUS, "--base", "1",
                         "--db", campus_url, "--json")  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert report["base_from"] == "--base" and report["valid"], report["problems"]
    assert set(report["retired"]) == {code_at(0, 0), code_at(1, 0)}
    code, out, _ = cli("owner-at", CAMPUS, str(LON + D / 2), str(LAT + D / 2), "--at",
                       "2026-03-03T00:00+08:00", "--db", campus_url, "--json")  # fmt: skip
    assert json.loads(out)["code"] == code_at(0, 0)
    draft = str(report["plan_id"])
    code, _, err = cli("activate", CAMPUS, draft, "--reason", "merge", "--by", "校长",
                       "--db", campus_url)  # fmt: skip
    assert code == 0, err
    # back to plan 1: a draft copying it validates and activates, keeping its codes
    code, out, err = cli("draft", CAMPUS, "--from", "1", "--db", campus_url, "--json")
    assert code == 0, err
    back = str(json.loads(out)["id"])
    code, out, _ = cli("validate", CAMPUS, "--plan", back, "--db", campus_url, "--json")
    assert code == 0 and json.loads(out)["valid"], out
    code, _, err = cli("activate", CAMPUS, back, "--reason", "undo the merge", "--by", "校长",
                       "--db", campus_url)  # fmt: skip
    assert code == 0, err
    code, out, _ = cli("validate", CAMPUS, "--db", campus_url, "--json")
    assert code == 0, out
    code, out, _ = cli("plans", CAMPUS, "--db", campus_url, "--json")
    active = [p for p in json.loads(out) if p["status"] == "active"]
    assert [p["id"] for p in active] == [int(back)] and active[0]["cells"] == 12
