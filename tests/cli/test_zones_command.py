"""``campusgrid zones import|list|rename|export`` and ``split``/``validate`` with named zones,
through the CLI on both backends: what the user sees, and one line with exit 2 for each
mistake."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
from shapely import Point
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from tests.grid import zoned_campus as zc
from zoning.cli import app
from zoning.store.engine import open_engine

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _one_error(code: int, err: str) -> str:
    """Assert a user's mistake: exit 2, one ``error:`` line; return it."""
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def _campus(db_url: str) -> Engine:
    engine = open_engine(db_url)
    zc.make_campus(engine)
    return engine


def test_import_list_rename_export(db_url: str, tmp_path: Path) -> None:
    _campus(db_url)
    layer = zc.write_layer(zc.west_east(), tmp_path / "片区.gpkg")
    code, out, err = cli("zones", "import", zc.CAMPUS, str(layer), "--db", db_url)
    assert code == 0, err
    assert out.splitlines()[0] == "分区大学: 2 zones imported from 片区.gpkg"
    assert "  1  西区  (imported, 15.4 ha, no zone leader)" in out
    code, out, err = cli("zones", "rename", zc.CAMPUS, "1", "北区", "--db", db_url)
    assert (code, out.strip()) == (0, "分区大学: zone 1 西区 is now 北区"), err
    code, out, _ = cli("zones", "list", zc.CAMPUS, "--db", db_url, "--json")
    listed = json.loads(out)["zones"]
    assert [(z["number"], z["name"], z["leader"]) for z in listed] == [
        (1, "北区", "北组长"),
        (2, "东区", None),
    ]
    out_file = tmp_path / "zones.geojson"
    code, out, err = cli("zones", "export", zc.CAMPUS, str(out_file), "--db", db_url)
    assert code == 0 and "2 zones written" in out, err
    names = [f["properties"]["name"] for f in json.loads(out_file.read_text("utf-8"))["features"]]
    assert names == ["北区", "东区"]
    # split, then validate: 东区 has no leader, 南组长 no zone (warnings, exit 0)
    code, _, err = cli("split", zc.CAMPUS, "--method", "square", "--cell-size-m", "100",
                       "--db", db_url)  # fmt: skip
    assert code == 0, err
    code, out, err = cli("validate", zc.CAMPUS, "--db", db_url, "--json")
    assert code == 0, err
    messages = [w["message"] for w in json.loads(out)["warnings"]]
    assert any(m.startswith("Zone 2 东区 has no zone leader") for m in messages)
    assert any(m.startswith("Zone leader 南组长 (quarter '南区') leads no zone") for m in messages)
    # --zones over an imported layer
    code, _, err = cli("split", zc.CAMPUS, "--method", "square", "--cell-size-m", "100",
                       "--zones", "3", "--db", db_url)  # fmt: skip
    assert "has an imported zone layer (2 zones): it decides the zones" in _one_error(code, err)


def test_mistakes_are_one_line(db_url: str, tmp_path: Path) -> None:
    _campus(db_url)
    points = gpd.GeoDataFrame({"name": ["北区"]}, geometry=[Point(117.7, 39.08)], crs="EPSG:4326")
    path = zc.write_layer(points, tmp_path / "points.geojson")
    code, _, err = cli("zones", "import", zc.CAMPUS, str(path), "--db", db_url)
    assert "points.geojson has no polygons" in _one_error(code, err)
    layer = zc.write_layer(zc.west_east(), tmp_path / "zones.geojson")
    code, _, err = cli("zones", "import", zc.CAMPUS, str(layer), "--name-field", "区名",
                       "--db", db_url)  # fmt: skip
    assert "has no field '区名' for the zones; its fields are 备注, 片区" in _one_error(code, err)
    code, _, err = cli("zones", "import", zc.CAMPUS, str(tmp_path / "nope.geojson"),
                       "--db", db_url)  # fmt: skip
    assert "does not exist" in _one_error(code, err)
    code, _, err = cli("zones", "rename", zc.CAMPUS, "1", "北区", "--db", db_url)
    assert "has no zone 1; its zones are: none yet" in _one_error(code, err)
    code, _, err = cli("zones", "export", zc.CAMPUS, str(tmp_path / "z.geojson"), "--db", db_url)
    assert "has no named zones yet" in _one_error(code, err)
    code, out, _ = cli("zones", "list", zc.CAMPUS, "--db", db_url)
    assert code == 0 and "has no named zones yet" in out
    code, _, err = cli("zones", "list", "没有的大学", "--db", db_url)
    assert "No campus named '没有的大学'" in _one_error(code, err)
