"""CAD site plans (总平面图): DXF files drawn by the test with ezdxf, in CGCS2000 3° Gauss-Krüger
CM 117E (EPSG:4548), read with ``--crs`` and ``--layer-map``."""

from __future__ import annotations

from pathlib import Path

import ezdxf
import geopandas as gpd
import pytest
import shapely
from typer.testing import CliRunner

from zoning.campus.io.files import read_campus
from zoning.cli import app
from zoning.errors import ImportFailed

runner = CliRunner()
GK = 4548
LAYER_MAP = "围墙=boundary,建筑=buildings,道路=roads"


def gk(lon: float, lat: float) -> tuple[float, float]:
    point = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(GK).iloc[0]
    return (float(point.x), float(point.y))


def ring(lon0: float, lat0: float, lon1: float, lat1: float) -> list[tuple[float, float]]:
    return [gk(lon0, lat0), gk(lon1, lat0), gk(lon1, lat1), gk(lon0, lat1)]


def site_plan(path: Path, *, version: str = "R2010", wall_in_pieces: bool = False) -> Path:
    """Write a site plan: a wall (围墙), five buildings (建筑) drawn four ways, a road (道路),
    an annotation layer (标注) nobody maps."""
    doc = ezdxf.new(version)
    msp = doc.modelspace()
    wall = ring(116.30, 39.90, 116.31, 39.91)
    if wall_in_pieces:  # the wall drawn as four open segments that meet
        for a, b in zip(wall, wall[1:] + wall[:1], strict=True):
            msp.add_lwpolyline([a, b], dxfattribs={"layer": "围墙"})
    else:
        msp.add_lwpolyline(wall, close=True, dxfattribs={"layer": "围墙"})
    attribs = {"layer": "建筑"}
    msp.add_lwpolyline(ring(116.302, 39.902, 116.303, 39.903), close=True, dxfattribs=attribs)
    msp.add_polyline2d(ring(116.304, 39.902, 116.305, 39.903), close=True, dxfattribs=attribs)
    # A HATCH filling the first building (the same area: not a second building) ...
    msp.add_hatch(dxfattribs=attribs).paths.add_polyline_path(
        ring(116.302, 39.902, 116.303, 39.903), is_closed=True
    )
    # ... and a HATCH that is the only outline of a building.
    msp.add_hatch(dxfattribs=attribs).paths.add_polyline_path(
        ring(116.306, 39.906, 116.307, 39.907), is_closed=True
    )
    # An open polyline on the buildings layer: reported, not silently dropped.
    opened = msp.add_lwpolyline(ring(116.306, 39.902, 116.307, 39.903), dxfattribs=attribs)
    msp.add_line(gk(116.30, 39.905), gk(116.31, 39.905), dxfattribs={"layer": "道路"})
    msp.add_text("图书馆", dxfattribs={"layer": "标注"}).set_placement(gk(116.3025, 39.9025))
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.saveas(path)
    (path.parent / "open_handle.txt").write_text(opened.dxf.handle, encoding="ascii")
    return path


def test_site_plan_reads_walls_buildings_and_roads(tmp_path: Path) -> None:
    path = site_plan(tmp_path / "site.dxf")
    layers = read_campus([path], crs=f"EPSG:{GK}", layer_map=[LAYER_MAP])
    boundary = layers.boundary.geometry.iloc[0]
    assert shapely.normalize(boundary).equals_exact(
        shapely.normalize(shapely.box(116.30, 39.90, 116.31, 39.91)), tolerance=1e-6
    )
    assert len(layers.buildings) == 3  # polyline, closed POLYLINE, lone HATCH
    centres = shapely.centroid(layers.buildings.geometry.values)
    assert sorted(round(c.x, 4) for c in centres) == [116.3025, 116.3045, 116.3065]
    assert len(layers.roads) == 1
    handle = (tmp_path / "open_handle.txt").read_text(encoding="ascii")
    assert (
        f"site.dxf: CAD layer 建筑 (buildings): 1 open polyline(s) are not areas and were not "
        f"read (handles {handle}); close them in CAD (PEDIT, Close) and export again"
    ) in layers.warnings
    assert any("CAD layer(s) 标注 not read" in w for w in layers.warnings)


def test_chinese_layer_names_are_recognised_without_a_layer_map(tmp_path: Path) -> None:
    layers = read_campus([site_plan(tmp_path / "site.dxf")], crs=f"EPSG:{GK}")
    assert len(layers.boundary) == 1 and len(layers.buildings) == 3 and len(layers.roads) == 1


def test_a_wall_drawn_in_pieces_is_joined_into_the_outline(tmp_path: Path) -> None:
    path = site_plan(tmp_path / "site.dxf", wall_in_pieces=True)
    layers = read_campus([path], crs=f"EPSG:{GK}", layer_map=[LAYER_MAP])
    area = float(layers.boundary.to_crs(GK).area.sum())
    expected = float(gpd.GeoSeries([shapely.Polygon(ring(116.30, 39.90, 116.31, 39.91))]).area[0])
    assert area == pytest.approx(expected, rel=1e-6)
    assert any("4 open polyline(s) joined into 1 closed outline(s)" in w for w in layers.warnings)


@pytest.mark.parametrize("version", ["R2000", "R2010"])
def test_chinese_layer_names_decode_in_old_and_new_drawings(tmp_path: Path, version: str) -> None:
    path = site_plan(tmp_path / "site.dxf", version=version)
    layers = read_campus([path], crs=f"EPSG:{GK}", layer_map=[LAYER_MAP])
    assert layers.buildings["source_id"].str.startswith("建筑#").all()


def test_a_drawing_without_crs_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    path = site_plan(tmp_path / "site.dxf")
    with pytest.raises(ImportFailed) as caught:
        read_campus([path], layer_map=[LAYER_MAP])
    message = str(caught.value)
    assert message.startswith("site.dxf:")
    assert "has no coordinate system" in message and "EPSG:4548" in message


def test_layer_map_errors_are_one_line(tmp_path: Path) -> None:
    path = site_plan(tmp_path / "site.dxf")
    result = runner.invoke(
        app,
        ["import", str(path), "--campus", "x", "--crs", "EPSG:4548", "--layer-map", "围墙=wall"],
    )
    assert result.exit_code == 2
    assert "error: --layer-map 围墙=wall: 'wall' is not a campus layer" in result.stderr
    with pytest.raises(ImportFailed, match="no input file or layer is called '墙'"):
        read_campus([path], crs=f"EPSG:{GK}", layer_map=["墙=boundary"])


def test_site_plan_imports_on_both_backends(tmp_path: Path, db_url: str) -> None:
    path = site_plan(tmp_path / "site.dxf")
    args = ["import", str(path), "--campus", "site", "--crs", "EPSG:4548", "--db", db_url]
    result = runner.invoke(app, [*args, "--layer-map", LAYER_MAP])
    assert result.exit_code == 0, result.stderr
    assert "3 buildings" in result.stdout and "1 roads" in result.stdout
    assert "warning: site.dxf: CAD layer 建筑 (buildings): 1 open polyline(s)" in result.stderr
