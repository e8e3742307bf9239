"""read_campus / export_campus on the real campuses and on broken input."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from tests.realdata import campus_dir
from zoning.campus.io.files import export_campus, read_campus
from zoning.campus.layers import COLUMNS, LAYER_NAMES, OSM_ATTRIBUTION, CampusLayers
from zoning.errors import ImportFailed, InvalidInput
from zoning.geo.crs import WGS84

#: boundary_name each campus needs (None: one university in the data), buildings on campus.
#: shu: 107, not the README's 106: the campus is 东区 (128.3 ha) + 南区 (6.1 ha) as the README
#: says, and 南区 holds one building (吾馨楼, the south canteen); 106 counts 东区 only.
CAMPUSES: dict[str, tuple[str | None, int]] = {
    "bupt": ("北京邮电大学", 105),
    "cau": ("中国农业大学东校区", 73),
    "shu": ("上海大学", 107),
    "swjtu": (None, 105),
    "hfut": (None, 58),
    "cput": (None, 92),
}
FORMS = {
    "osm": ("bupt", "cau", "shu", "swjtu"),
    "layers": ("bupt", "cau", "shu", "swjtu", "hfut", "cput"),
    "gpkg": ("bupt", "cau", "shu", "swjtu"),
}
CASES = [(name, form) for form, names in FORMS.items() for name in names]


def _paths(name: str, form: str) -> list[Path]:
    folder = campus_dir(name)
    if form == "osm":
        return [folder / "map.osm"]
    if form == "gpkg":
        return [folder / "campus.gpkg"]
    return sorted(folder.glob("*.geojson"))


@cache
def _read(name: str, form: str) -> CampusLayers:
    return read_campus(_paths(name, form), boundary_name=CAMPUSES[name][0])


def _expected_area_m2(name: str, boundary_names: list[str]) -> float:
    own = gpd.read_file(campus_dir(name) / "boundary.geojson")
    if "area_m2" in own.columns:
        return float(own.loc[own["name"].isin(boundary_names), "area_m2"].sum())
    return float(own.to_crs(own.estimate_utm_crs()).area.sum())


@pytest.mark.parametrize(("name", "form"), CASES)
def test_real_campus_area_buildings_and_schema(name: str, form: str) -> None:
    layers = _read(name, form)
    boundary = layers.boundary
    area_m2 = float(boundary.to_crs(boundary.estimate_utm_crs()).area.sum())
    assert area_m2 == pytest.approx(_expected_area_m2(name, list(boundary["name"])), rel=0.01)
    assert len(layers.buildings) == CAMPUSES[name][1]
    assert layers.buildings["height_source"].isin(["height", "levels", "default"]).all()
    assert (layers.buildings["height_m"] > 0).all()
    assert str(layers.buildings["levels"].dtype) == "Int64"
    assert layers.attribution == OSM_ATTRIBUTION
    for layer in LAYER_NAMES:
        frame = layers.layer(layer)
        assert list(frame.columns) == [*COLUMNS[layer], "geometry"]
        assert frame.crs == WGS84
    # Roads are clipped to the campus + 30 m: nothing reaches far outside.
    if len(layers.roads):
        metric = boundary.estimate_utm_crs()
        campus = boundary.to_crs(metric).union_all().buffer(31)
        assert layers.roads.to_crs(metric).within(campus).all()


def test_shu_is_two_disjoint_named_polygons() -> None:
    boundary = _read("shu", "osm").boundary
    assert len(boundary) == 2
    first, second = boundary.geometry
    assert first.disjoint(second)
    assert set(boundary["name"]) == {"上海大学（宝山校区东区）", "上海大学（宝山校区南区）"}


def test_heights_come_from_levels_and_height_tags() -> None:
    cput = _read("cput", "layers").buildings
    assert (cput["height_source"] == "levels").all()
    hfut = _read("hfut", "layers").buildings
    assert (hfut["height_source"] == "height").sum() == 53


@pytest.mark.parametrize("form", ["osm", "layers"])
def test_bupt_without_boundary_name_lists_both_universities(form: str) -> None:
    with pytest.raises(ImportFailed) as info:
        read_campus(_paths("bupt", form))
    message = str(info.value)
    assert "北京邮电大学" in message and "北京师范大学" in message
    assert "37.3 ha" in message and "57.5 ha" in message
    assert "--boundary-name" in message and "\n" not in message


@pytest.mark.parametrize(
    ("boundary_name", "expected"),
    [
        ("beijing university of posts", ["北京邮电大学"]),
        ("Beijing Normal University (BNU)", ["北京师范大学"]),
    ],
)
def test_boundary_name_matches_english_names_and_substrings(
    boundary_name: str, expected: list[str]
) -> None:
    layers = read_campus(_paths("bupt", "osm"), boundary_name=boundary_name)
    assert list(layers.boundary["name"]) == expected


def test_ambiguous_or_unknown_boundary_name_is_refused() -> None:
    with pytest.raises(ImportFailed, match="matches 2 campuses"):
        read_campus(_paths("bupt", "osm"), boundary_name="北京")
    with pytest.raises(ImportFailed, match=r"No campus .* matches --boundary-name 'Tsinghua'"):
        read_campus(_paths("bupt", "osm"), boundary_name="Tsinghua")


def test_folder_reads_one_form_of_the_campus() -> None:
    layers = read_campus([campus_dir("swjtu")])
    assert len(layers.buildings) == 105
    assert any("skipped" in w and "campus.gpkg" in w for w in layers.warnings)


def test_hfut_extra_layers_map_to_landcover_pois_and_roads() -> None:
    layers = _read("hfut", "layers")
    assert {"water", "green", "sport"} <= set(layers.landcover["kind"])
    assert (layers.pois["kind"] == "gate").sum() >= 4
    # tree.geojson holds a real self-intersecting polygon: repaired and reported.
    assert any("tree.geojson#0: Self-intersection at (" in w for w in layers.warnings)
    assert layers.landcover.is_valid.all() and layers.buildings.is_valid.all()


# --- synthetic input -------------------------------------------------------------------

CAMPUS = shapely.box(116.350, 39.960, 116.356, 39.965)


def _write(path: Path, frame: gpd.GeoDataFrame) -> Path:
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    return path


def _synthetic(tmp_path: Path) -> list[Path]:
    boundary = gpd.GeoDataFrame(
        {"name": ["测试大学"], "amenity": ["university"]}, geometry=[CAMPUS], crs=WGS84
    )
    bowtie = shapely.Polygon(
        [(116.351, 39.961), (116.352, 39.962), (116.352, 39.961), (116.351, 39.962)]
    )
    buildings = gpd.GeoDataFrame(
        {"building": ["dormitory", "yes", "yes"], "height": [None, "15 m", "huge"],
         "osm_id": ["1", "2", "3"]},
        geometry=[bowtie, shapely.box(116.353, 39.963, 116.354, 39.964),
                  shapely.box(116.3541, 39.9631, 116.3545, 39.9635)],
        crs=WGS84,
    )  # fmt: skip
    return [_write(tmp_path / "boundary.geojson", boundary),
            _write(tmp_path / "buildings.geojson", buildings)]  # fmt: skip


def test_bowtie_building_is_repaired_and_reported(tmp_path: Path) -> None:
    layers = read_campus(_synthetic(tmp_path))
    assert len(layers.buildings) == 3 and layers.buildings.is_valid.all()
    assert layers.buildings.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    [message] = [w for w in layers.warnings if "Self-intersection" in w]
    assert message.startswith("building osm/1: Self-intersection at (116.351")
    assert message.endswith("repaired")
    heights = dict(zip(layers.buildings["source_id"], layers.buildings["height_m"], strict=True))
    assert heights == {"osm/1": 18.0, "osm/2": 15.0, "osm/3": 10.0}
    assert any("'huge'" in w for w in layers.warnings)


def test_gcj02_option_moves_data_to_wgs84(tmp_path: Path) -> None:
    plain = read_campus(_synthetic(tmp_path))
    shifted = read_campus(_synthetic(tmp_path), crs="gcj02")
    dx = plain.boundary.geometry.iloc[0].centroid.x - shifted.boundary.geometry.iloc[0].centroid.x
    assert 0.004 < dx < 0.008  # GCJ-02 is ~500 m east of WGS-84 in Beijing


def test_cameras_csv_defaults_and_errors(tmp_path: Path) -> None:
    paths = _synthetic(tmp_path)
    good = tmp_path / "cameras.csv"
    good.write_text(
        "lon,lat,heading_deg,hfov_deg,name,indoor\n116.352,39.963,90,60,东门,false\n"
        "116.353,39.962,,,,\n116.40,39.99,0,90,far,no\n",
        encoding="utf-8",
    )
    layers = read_campus([*paths, good])
    assert list(layers.cameras["name"]) == ["东门", None]
    assert list(layers.cameras["heading_deg"]) == [90.0, 0.0]
    assert list(layers.cameras["hfov_deg"]) == [60.0, 90.0]
    assert str(layers.cameras["resolution_px"].dtype) == "int64"
    assert any("row 3" in w and "heading" in w for w in layers.warnings)
    assert any("row 4" in w and "outside the campus" in w for w in layers.warnings)
    for row, message in (
        ("116.352,39.963,0,400", "hfov_deg=400"),
        ("116.352,39.963,0,90,-5", "range_m=-5"),
    ):
        bad = tmp_path / "bad_cameras.csv"
        bad.write_text(f"lon,lat,heading_deg,hfov_deg,range_m\n{row}\n", encoding="utf-8")
        with pytest.raises(ImportFailed, match=rf"bad_cameras.csv row 2: {message}"):
            read_campus([*paths, bad])


def test_osm_surveillance_nodes_become_cameras(tmp_path: Path) -> None:
    osm = tmp_path / "cams.osm"
    ring = [(1, 116.350, 39.960), (2, 116.356, 39.960), (3, 116.356, 39.965), (4, 116.350, 39.965)]
    nodes = "".join(f'<node id="{i}" lat="{lat}" lon="{lon}" version="1"/>' for i, lon, lat in ring)
    osm.write_text(
        '<?xml version="1.0"?><osm version="0.6">' + nodes
        + '<node id="9" lat="39.962" lon="116.352" version="1"><tag k="man_made" v="surveillance"/>'
        '<tag k="camera:direction" v="SW"/><tag k="surveillance" v="outdoor"/></node>'
        '<node id="10" lat="39.963" lon="116.353" version="1">'
        '<tag k="man_made" v="surveillance"/></node>'
        '<way id="5" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>'
        '<tag k="amenity" v="university"/><tag k="name" v="测试大学"/></way></osm>',
        encoding="utf-8",
    )  # fmt: skip
    layers = read_campus([osm])
    cams = layers.cameras.set_index("source_id")
    assert cams.loc["node/9", "heading_deg"] == 225.0 and not cams.loc["node/9", "indoor"]
    assert cams.loc["node/10", "tilt_deg"] == 15.0
    assert any("node/10: no heading" in w for w in layers.warnings)
    assert layers.attribution == OSM_ATTRIBUTION


def test_import_errors_are_one_line_and_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="does not exist"):
        read_campus([tmp_path / "missing.osm"])
    corrupt = tmp_path / "campus.gpkg"
    corrupt.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(ImportFailed, match=r"campus\.gpkg could not be read"):
        read_campus([corrupt])
    notes = tmp_path / "notes.txt"
    notes.write_text("hello", encoding="utf-8")
    with pytest.raises(ImportFailed, match="unsupported file type"):
        read_campus([notes])
    roads = gpd.GeoDataFrame(
        {"highway": ["service"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=WGS84
    )
    with pytest.raises(ImportFailed, match="No campus boundary"):
        read_campus([_write(tmp_path / "roads.geojson", roads)])
    with pytest.raises(InvalidInput, match="--crs 'mars'"):
        read_campus([tmp_path / "roads.geojson"], crs="mars")


def test_data_elsewhere_is_an_empty_intersection(tmp_path: Path) -> None:
    boundary, _ = _synthetic(tmp_path)
    far = gpd.GeoDataFrame(
        {"building": ["yes"]}, geometry=[shapely.box(121.0, 31.0, 121.001, 31.001)], crs=WGS84
    )
    with pytest.raises(ImportFailed, match=r"None of the 1 .* lies on the campus '测试大学'"):
        read_campus([boundary, _write(tmp_path / "buildings.geojson", far)])


# --- export ----------------------------------------------------------------------------


def _cells(layers: CampusLayers) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["C-1"], "zone": ["east"], "kind": ["square"], "owner": [None], "area_m2": [1.5]},
        geometry=[layers.boundary.geometry.iloc[0]],
        crs=WGS84,
    )


def test_export_gpkg_round_trip(tmp_path: Path) -> None:
    layers = _read("shu", "osm")
    out = tmp_path / "shu.gpkg"
    assert export_campus(layers, cells=_cells(layers), out=out, fmt="gpkg") == [out]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shu.gpkg"]  # no temp file left
    names = [str(n) for n, _ in pyogrio.list_layers(out)]
    assert names == [*LAYER_NAMES, "cells"]
    for name in LAYER_NAMES:
        back = pyogrio.read_dataframe(out, layer=name)
        assert len(back) == len(layers.layer(name))
        assert set(COLUMNS[name]) <= set(back.columns)  # empty layers keep their schema
    assert (
        pyogrio.read_info(out, layer="buildings")["dataset_metadata"]["ATTRIBUTION"]
        == OSM_ATTRIBUTION
    )
    again = read_campus([out])  # our own export imports back
    assert again.counts() == layers.counts()


def test_export_geojson_folder_round_trip_and_overwrite(tmp_path: Path) -> None:
    layers = _read("bupt", "osm")
    out = tmp_path / "bupt"
    written = export_campus(layers, cells=_cells(layers), out=out, fmt="geojson")
    assert {p.name for p in written} == {f"{n}.geojson" for n in [*LAYER_NAMES, "cells"]} | {
        "ATTRIBUTION.txt"
    }
    for name in LAYER_NAMES:
        path = out / f"{name}.geojson"
        assert len(pyogrio.read_dataframe(path)) == len(layers.layer(name))
        assert json.loads(path.read_text(encoding="utf-8"))["attribution"] == OSM_ATTRIBUTION
    export_campus(layers, cells=None, out=out, fmt="geojson")  # replacing our own export is fine
    assert not (out / "cells.geojson").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bupt"]
    (out / "mine.docx").write_bytes(b"user file")
    with pytest.raises(InvalidInput, match="not a campusgrid GeoJSON export"):
        export_campus(layers, cells=None, out=out, fmt="geojson")
    assert (out / "mine.docx").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bupt"]
