"""Campus files as they arrive: broken OSM extracts, campuses past the data or cut by it,
no outline at all. Every file here is made by the test."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from zoning.campus.io.files import read_campus
from zoning.cli import app
from zoning.errors import CampusgridError

runner = CliRunner()

#: Nodes of a 0.008° × 0.008° campus (id 1–4), a building (5–8) and a broken ring (9–11).
NODES = {
    1: (116.301, 39.901), 2: (116.309, 39.901), 3: (116.309, 39.909), 4: (116.301, 39.909),
    5: (116.302, 39.902), 6: (116.303, 39.902), 7: (116.303, 39.903), 8: (116.302, 39.903),
    9: (116.304, 39.904), 10: (116.305, 39.904), 11: (116.305, 39.905),
    12: (116.301, 39.905), 13: (116.309, 39.905),
}  # fmt: skip
CAMPUS = '<way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>'
CAMPUS += '<tag k="amenity" v="university"/><tag k="name" v="测试大学"/></way>'
BUILDING = '<way id="101"><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/>'
BUILDING += '<tag k="building" v="yes"/><tag k="name" v="图书馆"/></way>'
ROAD = '<way id="110"><nd ref="12"/><nd ref="13"/><tag k="highway" v="service"/></way>'
#: A building way whose nodes are missing from the extract: GDAL gives it no geometry.
NO_NODES = '<way id="106"><nd ref="5"/><nd ref="994"/><nd ref="993"/><nd ref="5"/>'
NO_NODES += '<tag k="building" v="yes"/></way>'
#: A building relation over a way with missing nodes: no geometry either.
BROKEN_RELATION = (
    '<way id="104"><nd ref="9"/><nd ref="998"/><nd ref="997"/><nd ref="9"/></way>'
    '<relation id="203"><member type="way" ref="104" role="outer"/>'
    '<tag k="type" v="multipolygon"/><tag k="building" v="yes"/></relation>'
)
#: An unclosed ring GDAL closes (and warns about).
UNCLOSED = (
    '<way id="102"><nd ref="9"/><nd ref="10"/><nd ref="11"/></way>'
    '<relation id="200"><member type="way" ref="102" role="outer"/>'
    '<tag k="type" v="multipolygon"/><tag k="building" v="yes"/></relation>'
)
#: The campus as a relation with an outer way outside the extract.
CUT_CAMPUS = (
    '<way id="120"><nd ref="1"/><nd ref="2"/><nd ref="3"/></way>'
    '<relation id="300"><member type="way" ref="120" role="outer"/>'
    '<member type="way" ref="888" role="outer"/><tag k="type" v="multipolygon"/>'
    '<tag k="amenity" v="university"/><tag k="name" v="某大学"/></relation>'
)


def osm(
    *parts: str, bounds: tuple[float, float, float, float] = (116.3, 39.9, 116.31, 39.91)
) -> str:
    """Return an OSM XML document with every node of :data:`NODES` and ``parts``."""
    minlon, minlat, maxlon, maxlat = bounds
    nodes = "".join(f'<node id="{i}" lat="{y}" lon="{x}"/>' for i, (x, y) in NODES.items())
    head = f'<bounds minlat="{minlat}" minlon="{minlon}" maxlat="{maxlat}" maxlon="{maxlon}"/>'
    body = f"{head}{nodes}{''.join(parts)}"
    return f'<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">{body}</osm>'


def write(folder: Path, text: str, name: str = "extract.osm") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stderr


def test_features_gdal_cannot_build_are_skipped_with_their_ids(tmp_path: Path) -> None:
    path = write(tmp_path, osm(CAMPUS, BUILDING, NO_NODES, BROKEN_RELATION, UNCLOSED))
    layers = read_campus([path])
    assert list(layers.buildings["source_id"]) == ["way/101"]
    skipped = [w for w in layers.warnings if "no geometry" in w]
    assert [w.split(":")[0] for w in skipped] == ["building relation/203", "building way/106"]
    assert "extract.osm: some polygon rings were not closed; they were closed as drawn" in (
        layers.warnings
    )


def test_broken_extract_imports_on_both_backends(tmp_path: Path, db_url: str) -> None:
    path = write(tmp_path, osm(CAMPUS, BUILDING, NO_NODES, BROKEN_RELATION, UNCLOSED, ROAD))
    code, err = cli("import", str(path), "--campus", "t", "--db", db_url)
    assert code == 0, err
    assert "warning: building way/106: no geometry" in err
    assert "ogr_read" not in err and "RuntimeWarning" not in err


def test_campus_past_the_exported_area_is_reported(tmp_path: Path) -> None:
    # The bounds stop at lon 116.305: half of the campus (116.301–116.309) is outside.
    path = write(tmp_path, osm(CAMPUS, BUILDING, bounds=(116.3, 39.9, 116.305, 39.91)))
    warnings = read_campus([path]).warnings
    assert (
        "50 % of the campus lies outside the area this file covers; buildings and roads "
        "there are missing: export a larger area"
    ) in warnings
    inside = write(tmp_path, osm(CAMPUS, BUILDING), name="whole.osm")
    assert not any("outside the area" in w for w in read_campus([inside]).warnings)


def test_campus_past_the_layers_is_reported(tmp_path: Path) -> None:
    import geopandas as gpd

    campus = shapely.box(116.30, 39.90, 116.32, 39.91)  # about 1.7 km × 1.1 km
    gpd.GeoDataFrame({"name": ["U"]}, geometry=[campus], crs="EPSG:4326").to_file(
        tmp_path / "boundary.geojson"
    )
    buildings = [shapely.box(116.301 + i * 0.001, 39.901, 116.3015 + i * 0.001, 39.9015)
                 for i in range(4)]  # fmt: skip
    gpd.GeoDataFrame(geometry=buildings, crs="EPSG:4326").to_file(tmp_path / "buildings.geojson")
    warnings = read_campus([tmp_path]).warnings
    assert any("% of the campus lies outside the area this file covers" in w for w in warnings)


def test_campus_relation_cut_by_the_extract_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, osm(CUT_CAMPUS, BUILDING))
    with pytest.raises(CampusgridError, match=r"relation/300 '某大学' in extract.osm is cut"):
        read_campus([path])
    code, err = cli("import", str(path), "--campus", "c", "--db", f"sqlite:///{tmp_path}/c.db")
    assert code == 2
    assert "--boundary FILE" in err and "--boundary-from" in err


def test_boundary_from_the_buildings(tmp_path: Path) -> None:
    path = write(tmp_path, osm(CUT_CAMPUS, BUILDING))
    layers = read_campus([path], boundary_from="buildings")
    outline = layers.boundary.geometry.iloc[0]
    building = layers.buildings.geometry.iloc[0]
    assert outline.contains(building) and len(outline.interiors) == 0
    assert any("outline built from the buildings" in w and "ha" in w for w in layers.warnings)
    with pytest.raises(CampusgridError, match="buildings, roads or all"):
        read_campus([path], boundary_from="trees")


def test_boundary_from_another_file(tmp_path: Path, db_url: str) -> None:
    import geopandas as gpd

    path = write(tmp_path, osm(CUT_CAMPUS, BUILDING))
    outline = tmp_path / "outline.geojson"
    gpd.GeoDataFrame(
        {"name": ["画的边界"]}, geometry=[shapely.box(116.3015, 39.9015, 116.306, 39.906)],
        crs="EPSG:4326",
    ).to_file(outline)  # fmt: skip
    layers = read_campus([path], boundary_file=outline)
    assert list(layers.boundary["name"]) == ["画的边界"]
    assert list(layers.buildings["source_id"]) == ["way/101"]
    code, err = cli("import", str(path), "--campus", "b", "--boundary", str(outline),
                    "--db", db_url)  # fmt: skip
    assert code == 0, err
    code, err = cli("import", str(path), "--campus", "b2", "--boundary", str(outline),
                    "--boundary-from", "all", "--db", db_url)  # fmt: skip
    assert code == 2 and "not both" in err


PARTS = [CAMPUS, BUILDING, ROAD, NO_NODES, BROKEN_RELATION, UNCLOSED, CUT_CAMPUS]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.lists(st.sampled_from(PARTS), max_size=6),
    cut=st.integers(min_value=0, max_value=4000),
    boundary_from=st.sampled_from([None, "buildings", "roads", "all"]),
)
def test_broken_and_partial_extracts_never_fail_internally(
    tmp_path: Path, parts: list[str], cut: int, boundary_from: str | None
) -> None:
    """Any mix of broken features, cut short anywhere: a result or a user error, never a bug."""
    text = osm(*parts)
    path = write(tmp_path, text[: max(len(text) - cut, 0)] if cut % 3 == 0 else text)
    try:
        read_campus([path], boundary_from=boundary_from)
    except CampusgridError as exc:  # exit code 2 in the CLI
        assert str(exc).strip() and "\n" not in str(exc).strip()
