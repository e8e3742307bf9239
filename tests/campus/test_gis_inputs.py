"""Layers as a campus planning office sends them: Chinese field names, GBK Shapefiles without
a .cpg, 3-D footprints, CGCS2000 Gauss-Krüger zones, ESRI .prj files, no .prj at all and
CRSs that do not fit the coordinates. Every file here is made by the test."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import CRS
from typer.testing import CliRunner

from zoning.campus.io._fields import FIELD_ALIASES
from zoning.campus.io.files import read_campus
from zoning.cli import app
from zoning.errors import ImportFailed, InvalidInput

runner = CliRunner()
README = Path(__file__).resolve().parents[2] / "README.md"
#: A campus of about 850 m × 1.1 km in Beijing (lon/lat), and three buildings on it.
CAMPUS = shapely.box(116.30, 39.90, 116.31, 39.91)
BUILDINGS = [
    shapely.box(116.302, 39.902, 116.303, 39.903),
    shapely.box(116.304, 39.902, 116.305, 39.903),
    shapely.box(116.306, 39.906, 116.307, 39.907),
]
ATTRIBUTES = {"名称": ["图书馆", "第一教学楼", "学生宿舍"], "层数": [5, 6, None]}
ATTRIBUTES |= {"用途": ["图书馆", "教学", "宿舍"], "编号": ["B01", "B02", "B03"]}


def campus_area_m2(layers: gpd.GeoDataFrame) -> float:
    return float(layers.to_crs(32650).area.sum())


def write_layers(
    folder: Path,
    *,
    epsg: int = 4326,
    encoding: str = "UTF-8",
    cpg: bool = True,
    prj: bool = True,
    ldid: int | None = None,
    buildings: list[shapely.Geometry] | None = None,
    attributes: dict[str, list[object]] | None = None,
) -> Path:
    """Write boundary.shp and buildings.shp in ``epsg`` the way a GIS department does."""
    folder.mkdir(exist_ok=True)
    boundary = gpd.GeoDataFrame({"名称": ["测试大学"]}, geometry=[CAMPUS], crs=4326)
    houses = gpd.GeoDataFrame(
        attributes if attributes is not None else ATTRIBUTES,
        geometry=buildings or BUILDINGS,
        crs=4326,
    )
    for name, frame in (("boundary", boundary), ("buildings", houses)):
        path = folder / f"{name}.shp"
        frame.to_crs(epsg).to_file(path, encoding=encoding)
        if not cpg:
            path.with_suffix(".cpg").unlink(missing_ok=True)
        if not prj:
            path.with_suffix(".prj").unlink()
        if ldid is not None:
            dbf = bytearray(path.with_suffix(".dbf").read_bytes())
            dbf[29] = ldid
            path.with_suffix(".dbf").write_bytes(bytes(dbf))
    return folder


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stderr


# -- field names and encodings -------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "ldid", "note"),
    [
        ("GB18030", 0, "text read as GB18030"),  # no code page: decided from the content
        ("CP936", 0x4D, None),  # the DBF's LDID says GBK
        ("CP936", 0x7A, None),  # ESRI's id for GBK
        ("UTF-8", 0, "text read as UTF-8"),
    ],
)
def test_shapefiles_without_cpg_read_chinese_text(
    tmp_path: Path, encoding: str, ldid: int, note: str | None
) -> None:
    folder = write_layers(tmp_path / "gis", encoding=encoding, cpg=False, ldid=ldid)
    layers = read_campus([folder])
    buildings = layers.buildings.sort_values("source_id")
    assert list(buildings["name"]) == ["图书馆", "第一教学楼", "学生宿舍"]
    assert list(buildings["source_id"]) == ["B01", "B02", "B03"]
    assert list(buildings["use"]) == ["图书馆", "教学", "宿舍"]
    assert list(buildings["levels"].astype("float").fillna(-1)) == [5, 6, -1]
    assert list(buildings["height_source"]) == ["levels", "levels", "default"]
    assert list(layers.boundary["name"]) == ["测试大学"]
    noted = [w for w in layers.warnings if "no .cpg file" in w]
    if note is None:
        assert not noted
    else:
        assert noted and all(note in w for w in noted)


def test_chinese_field_aliases_in_the_readme_match_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    rows = re.findall(r"^ *\| `([^`]+)` \| (.+) \|$", text, flags=re.MULTILINE)
    table = {field: {a.strip(" `") for a in aliases.split(",")} for field, aliases in rows}
    expected: dict[str, set[str]] = {}
    for alias, field in FIELD_ALIASES.items():
        expected.setdefault(field, set()).add(alias)
    assert {f: table.get(f) for f in expected} == expected


def test_field_option_maps_any_other_column(tmp_path: Path) -> None:
    attributes: dict[str, list[object]] = {"楼栋名": ["甲", "乙", "丙"], "高度": [12, 30, 9]}
    folder = write_layers(tmp_path / "gis", attributes=attributes)
    unmapped = read_campus([folder]).buildings
    assert unmapped["name"].isna().all()
    assert sorted(unmapped["height_m"]) == [9, 12, 30]  # 高度 is in the table
    mapped = read_campus([folder], fields=["name=楼栋名"]).buildings
    assert sorted(mapped["name"]) == ["丙", "乙", "甲"]
    with pytest.raises(ImportFailed, match="no input layer has a column '楼名称'; the columns"):
        read_campus([folder], fields=["name=楼名称"])
    with pytest.raises(InvalidInput, match="'colour' is not a field campusgrid reads"):
        read_campus([folder], fields=["colour=楼栋名"])
    code, err = cli("import", str(folder), "--campus", "x", "--field", "name")
    assert code == 2 and "error: --field 'name' is not NAME=VALUE" in err


# -- 3-D footprints ------------------------------------------------------------------------


def _with_z(geom: shapely.Geometry, z: list[float]) -> shapely.Geometry:
    coords = shapely.get_coordinates(geom)
    return shapely.Polygon([(x, y, z[i % len(z)]) for i, (x, y) in enumerate(coords)])


def test_polygon_z_reads_as_2d_and_z_gives_the_height_when_nothing_else_does(
    tmp_path: Path,
) -> None:
    buildings = [
        _with_z(BUILDINGS[0], [18.0]),  # constant Z: read as height above ground
        _with_z(BUILDINGS[1], [0.0, 0.0, 24.0, 24.0]),  # a 3-D outline: its Z range
        _with_z(BUILDINGS[2], [0.0]),  # Z all zero: plain 2-D
    ]
    attributes: dict[str, list[object]] = {"编号": ["B01", "B02", "B03"]}
    folder = write_layers(tmp_path / "z", buildings=buildings, attributes=attributes)
    layers = read_campus([folder])
    rows = layers.buildings.sort_values("source_id")
    assert not shapely.has_z(rows.geometry.values).any()
    assert list(rows["height_source"]) == ["z", "z", "default"]
    assert list(rows["height_m"])[:2] == [18.0, 24.0]
    [said] = [w for w in layers.warnings if "3-D footprints" in w]
    assert (
        "2 building(s)" in said
        and "1 from the Z range" in said
        and "1 from their constant Z" in (said)
    )
    with_levels = write_layers(tmp_path / "zl", buildings=buildings, attributes={"层数": [5, 6, 7]})
    rows = read_campus([with_levels]).buildings
    assert set(rows["height_source"]) == {"levels"}  # attributes win over Z


def _measured_shapefile(path: Path, polygon: shapely.Polygon, m: list[float]) -> None:
    """Rewrite the one-polygon Shapefile ``path`` as a PolygonM (type 25) with measures ``m``
    (pyogrio writes no M): the record gains Mmin, Mmax and one M per point."""
    shp = bytearray(path.read_bytes())
    record = shp[108:]
    points = struct.unpack("<i", record[40:44])[0]
    assert points == len(m)
    record[0:4] = struct.pack("<i", 25)
    record += struct.pack("<2d", min(m), max(m)) + struct.pack(f"<{len(m)}d", *m)
    words = len(record) // 2
    header = shp[:100]
    header[24:28] = struct.pack(">i", (100 + 8 + len(record)) // 2)
    header[32:36] = struct.pack("<i", 25)
    header[84:100] = struct.pack("<2d", min(m), max(m))
    path.write_bytes(bytes(header) + struct.pack(">2i", 1, words) + bytes(record))
    shx = bytearray(path.with_suffix(".shx").read_bytes())
    shx[32:36] = struct.pack("<i", 25)
    shx[104:108] = struct.pack(">i", words)
    path.with_suffix(".shx").write_bytes(bytes(shx))


def test_polygon_m_reads_as_2d(tmp_path: Path) -> None:
    folder = write_layers(tmp_path / "m", attributes={"名称": ["M楼"]}, buildings=[BUILDINGS[0]])
    _measured_shapefile(folder / "buildings.shp", BUILDINGS[0], [1.0, 2.0, 3.0, 4.0, 1.0])
    header = (folder / "buildings.shp").read_bytes()[:100]
    assert struct.unpack("<i", header[32:36]) == (25,)  # the file really is PolygonM
    layers = read_campus([folder])
    assert "buildings.shp: measures (M values) ignored" in layers.warnings
    [row] = layers.buildings.itertuples()
    assert row.name == "M楼" and not shapely.has_m(row.geometry) and not shapely.has_z(row.geometry)
    assert row.height_source == "default"  # M is a measure, never a height


# -- coordinate systems --------------------------------------------------------------------


@pytest.mark.parametrize("epsg", [4490, 4548, 4527, 4498, 4509])
def test_cgcs2000_and_its_gauss_kruger_zones_are_read(tmp_path: Path, epsg: int) -> None:
    # 4548: 3° CM 117E; 4527: 3° zone 39 with the zone in the easting; 4498: 6° zone 20
    # with it; 4509: 6° CM 117E.
    layers = read_campus([write_layers(tmp_path / "gk", epsg=epsg)])
    assert campus_area_m2(layers.boundary) == pytest.approx(
        campus_area_m2(gpd.GeoSeries([CAMPUS], crs=4326)), rel=1e-3
    )
    assert len(layers.buildings) == 3


@pytest.mark.parametrize("epsg", [4548, 4527])
def test_esri_prj_without_an_epsg_code_is_read(tmp_path: Path, epsg: int) -> None:
    folder = write_layers(tmp_path / "esri", epsg=epsg)
    esri = CRS.from_epsg(epsg).to_wkt("WKT1_ESRI")
    assert "AUTHORITY" not in esri and "4548" not in esri
    for name in ("boundary", "buildings"):
        (folder / f"{name}.prj").write_text(esri, encoding="ascii")
    layers = read_campus([folder])
    read = shapely.normalize(layers.boundary.geometry.iloc[0])
    assert read.equals_exact(shapely.normalize(CAMPUS), tolerance=1e-6)


def test_no_prj_is_refused_with_the_likely_systems(tmp_path: Path) -> None:
    prefixed = write_layers(tmp_path / "a", epsg=4527, prj=False)
    with pytest.raises(ImportFailed) as caught:
        read_campus([prefixed])
    message = str(caught.value)
    assert message.startswith("boundary.shp has no coordinate system")
    assert "3-degree Gauss-Krüger zone 39, zone number in the easting (EPSG:4527)" in message
    assert message.endswith("pass --crs EPSG:4527.")
    assert len(read_campus([prefixed], crs="EPSG:4527").buildings) == 3  # --crs overrides
    lonlat = write_layers(tmp_path / "b", epsg=4326, prj=False)
    with pytest.raises(ImportFailed, match=r"EPSG:4326\).*EPSG:4490\).*gcj02"):
        read_campus([lonlat])
    mercator = write_layers(tmp_path / "c", epsg=3857, prj=False)
    with pytest.raises(ImportFailed, match=r"look like Web Mercator .*\(EPSG:3857\)"):
        read_campus([mercator])
    plain_gk = write_layers(tmp_path / "d", epsg=4548, prj=False)
    with pytest.raises(ImportFailed, match="transverse Mercator zone without the zone number"):
        read_campus([plain_gk])
    code, err = cli("import", str(prefixed), "--campus", "x")
    assert code == 2 and "\nerror: boundary.shp has no coordinate system" in err


def test_a_declared_crs_that_does_not_fit_is_refused(tmp_path: Path) -> None:
    # A GeoJSON that says UTM 50N but holds Web Mercator values.
    folder = tmp_path / "utm"
    folder.mkdir()
    for name, geoms in (("boundary", [CAMPUS]), ("buildings", BUILDINGS)):
        mercator = gpd.GeoSeries(geoms, crs=4326).to_crs(3857)
        gpd.GeoDataFrame(geometry=list(mercator), crs=32650).to_file(folder / f"{name}.geojson")
    with pytest.raises(ImportFailed) as caught:
        read_campus([folder])
    assert "says WGS 84 / UTM zone 50N (EPSG:32650), but the coordinates" in str(caught.value)
    assert "look like Web Mercator (web maps, in metres) (EPSG:3857)" in str(caught.value)
    assert len(read_campus([folder], crs="EPSG:3857").buildings) == 3
    # A .prj that says WGS 84 on values in metres (Gauss-Krüger zone 39, zone in easting).
    metres = write_layers(tmp_path / "wgs", epsg=4527)
    for name in ("boundary", "buildings"):
        (metres / f"{name}.prj").write_text(CRS.from_epsg(4326).to_wkt("WKT1_ESRI"))
    with pytest.raises(ImportFailed, match=r"says WGS 84 \(EPSG:4326\).*\(EPSG:4527\)"):
        read_campus([metres])
    # A --crs that does not fit is refused the same way.
    with pytest.raises(ImportFailed, match=r"--crs EPSG:4548, but the coordinates"):
        read_campus([metres], crs="EPSG:4548")
