"""hypothesis fuzzing of the file loaders behind the CLI: ``people import`` of a people CSV,
``import`` of a cameras CSV and of a buildings GeoJSON with random rows and values. Every
run ends with exit 0, or one ``error:`` line and exit 2 with every table as it was; never a
traceback or exit 3. SpatiaLite (the loaders are the same on both backends; the stored
text is checked on both in test_people_commands and test_hostile_input)."""

from __future__ import annotations

import csv
import itertools
import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from tests.cli_checks import run_checked, table_counts
from tests.safety_campus import CAMPUS, make_campus
from tests.small_campus import LAT, LON, D, small_campus
from zoning.cli import app
from zoning.store.engine import open_engine

runner = CliRunner()
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no slow "explain"
)
#: A new campus name per import example, so that one success does not refuse the next.
NAMES = (f"校区{n}" for n in itertools.count())

#: Text a spreadsheet or a hostile user may put in a cell: any character, formulas, quotes.
texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "=1+1", '"', "a,b", "\x00", "网格员", "owner", "1e308", "NaN"]),
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    texts,
)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, spatialite_template: Path) -> str:
    path = tmp_path_factory.mktemp("fuzz-loaders") / "campusgrid.sqlite"
    shutil.copy(spatialite_template, path)
    make_campus(open_engine(f"sqlite:///{path}"))
    return f"sqlite:///{path}"


def check(url: str, *args: str) -> int:
    """Run ``args`` through :func:`run_checked`; return the exit code (an event for hypothesis)."""
    result = run_checked(url, *args)
    event(
        f"exit {result.exit_code}: {result.stderr.splitlines()[-1][:30] if result.stderr else ''}"
    )
    return result.exit_code


@pytest.fixture(scope="module")
def boundary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz-boundary") / "boundary.geojson"
    small_campus().boundary.to_file(path, driver="GeoJSON")
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="", errors="surrogatepass") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


PEOPLE_HEADERS = st.one_of(
    st.just(["name", "role", "quarter", "phone"]),
    st.just(["name", "role"]),
    st.lists(st.sampled_from(["name", "role", "quarter", "phone", " name ", "Role", ""]),
             max_size=5),
    st.lists(texts, max_size=4),
)  # fmt: skip
ROLES = st.one_of(
    st.sampled_from(["owner", "网格员", "zone_leader", "leadership", "安全办"]), texts
)


@SETTINGS
@given(
    header=PEOPLE_HEADERS,
    rows=st.lists(st.lists(st.one_of(texts, ROLES), max_size=5), max_size=8),
    raw=st.one_of(st.none(), st.binary(max_size=200)),
)
def test_people_import(
    url: str, tmp_path: Path, header: list[str], rows: list[list[str]], raw: bytes | None
) -> None:
    path = tmp_path / "people.csv"
    if raw is not None:
        path.write_bytes(raw)
    else:
        write_csv(path, header, rows)
    check(url, "people", "import", CAMPUS, str(path))


CAMERA_COLUMNS = [
    "lon", "lat", "heading_deg", "hfov_deg", "range_m", "mount_height_m", "tilt_deg",
    "resolution_px", "indoor", "name", "direction", "camera:angle",
]  # fmt: skip
lons = st.one_of(st.floats(min_value=LON, max_value=LON + 10 * D).map(repr), numbers)
lats = st.one_of(st.floats(min_value=LAT, max_value=LAT + 8 * D).map(repr), numbers)
camera_values = st.one_of(
    numbers,
    st.sampled_from(["NE", "45°", "45;90", "1920x1080", "30 m", "yes", "是", "indoor", "360"]),
)


@st.composite
def camera_rows(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    columns = draw(st.lists(st.sampled_from(CAMERA_COLUMNS[2:]), unique=True, max_size=6))
    header = draw(st.permutations(["lon", "lat", *columns]))
    header = draw(st.one_of(st.just(header), st.lists(st.sampled_from(CAMERA_COLUMNS))))
    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        value = {"lon": draw(lons), "lat": draw(lats)}
        rows.append([value.get(c) or draw(camera_values) for c in header])
    return header, rows


@SETTINGS
@given(table=camera_rows())
def test_cameras_csv_import(
    url: str, boundary: Path, tmp_path: Path, table: tuple[list[str], list[list[str]]]
) -> None:
    cameras = write_csv(tmp_path / "cameras.csv", *table)
    check(url, "import", str(boundary), str(cameras), "--campus", next(NAMES))


coordinates = st.one_of(
    st.floats(min_value=LON - D, max_value=LON + 11 * D),
    st.floats(min_value=LAT - D, max_value=LAT + 9 * D),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 180.0, -90.0, 1e308]),
)
positions = st.lists(coordinates, min_size=2, max_size=3)  # x, y and perhaps z


def ring(draw: st.DrawFn) -> list[list[float]]:
    """A closed ring near the campus (a small square), or random positions."""
    if draw(st.booleans()):
        x = draw(st.floats(min_value=LON, max_value=LON + 9 * D))
        y = draw(st.floats(min_value=LAT, max_value=LAT + 7 * D))
        s = draw(st.sampled_from([0.0, 1e-9, D / 4, D, 20 * D]))
        return [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]
    points: list[list[float]] = draw(st.lists(positions, max_size=6))
    return points


@st.composite
def geometries(draw: st.DrawFn) -> object:
    kind = draw(st.sampled_from(["Polygon", "MultiPolygon", "Point", "LineString", "null", "junk"]))
    if kind == "null":
        return None
    if kind == "junk":
        return draw(st.one_of(st.dictionaries(texts, texts, max_size=2), texts))
    if kind == "Point":
        return {"type": kind, "coordinates": draw(positions)}
    if kind == "LineString":
        return {"type": kind, "coordinates": draw(st.lists(positions, max_size=4))}
    polygon = [ring(draw) for _ in range(draw(st.integers(min_value=0, max_value=2)))]
    if kind == "Polygon":
        return {"type": kind, "coordinates": polygon}
    return {"type": kind, "coordinates": [polygon, [ring(draw)]]}


properties = st.fixed_dictionaries(
    {},
    optional={
        "name": texts,
        "building": st.one_of(st.just("yes"), texts),
        "height": numbers,
        "building:levels": numbers,
        "height_m": numbers,
        "levels": numbers,
    },
)


@SETTINGS
@given(
    features=st.lists(
        st.fixed_dictionaries({"geometry": geometries(), "properties": properties}), max_size=6
    ),
    crs=st.sampled_from([None, "urn:ogc:def:crs:EPSG::4326", "EPSG:3857", "nonsense"]),
)
def test_buildings_geojson_import(
    url: str, boundary: Path, tmp_path: Path, features: list[dict[str, object]], crs: str | None
) -> None:
    collection: dict[str, object] = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", **f} for f in features],
    }
    if crs is not None:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    buildings = tmp_path / "buildings.geojson"
    buildings.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8",
                         errors="surrogatepass")  # fmt: skip
    check(url, "import", str(boundary), str(buildings), "--campus", next(NAMES))


def test_a_building_with_an_empty_part_is_imported_without_it(
    db_url: str, boundary: Path, tmp_path: Path
) -> None:
    """Found by the fuzzing: MULTIPOLYGON (EMPTY, ((…))) was stored as a NULL geometry on
    SpatiaLite (exit 3, IntegrityError); its empty part is now dropped with a warning."""
    square = [[LON + D, LAT + D], [LON + 2 * D, LAT + D], [LON + 2 * D, LAT + 2 * D],
              [LON + D, LAT + 2 * D], [LON + D, LAT + D]]  # fmt: skip
    feature = {"type": "Feature", "properties": {"building": "yes"},
               "geometry": {"type": "MultiPolygon", "coordinates": [[], [square]]}}  # fmt: skip
    buildings = tmp_path / "buildings.geojson"
    buildings.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    result = runner.invoke(
        app, ["import", str(boundary), str(buildings), "--campus", "空", "--db", db_url]
    )
    assert result.exit_code == 0, result.stderr
    assert "building buildings.geojson#0: an empty part, dropped" in result.stderr
    with open_engine(db_url).connect() as conn:
        area = conn.execute(sa.text("SELECT ST_Area(geometry) FROM building")).scalar_one()
    assert area == pytest.approx(D * D)


def test_coordinates_past_any_coordinate_system_are_one_clear_line(
    boundary: Path, tmp_path: Path, sqlite_url: str
) -> None:
    """Found by the fuzzing: a point at x = 9e307 overflowed the CRS guess (ValueError, exit
    3); now the import says the coordinates fit no coordinate system."""
    point = {"type": "Point", "coordinates": [8.98846567431158e307, LAT]}
    feature = {"type": "Feature", "properties": {}, "geometry": point}
    buildings = tmp_path / "buildings.geojson"
    buildings.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    before = table_counts(sqlite_url)
    result = runner.invoke(
        app, ["import", str(boundary), str(buildings), "--campus", "远", "--db", sqlite_url]
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "error: buildings.geojson: the file says WGS 84 (EPSG:4326), but the coordinates "
        f"(x 8.98847e+307 to 8.98847e+307, y {LAT:.5g} to {LAT:.5g}) do not fit it; they fit "
        "no coordinate system campusgrid knows (local CAD or site coordinates?): georeference "
        "the file first, e.g. in QGIS."
    )
    assert table_counts(sqlite_url) == before


def test_nan_coordinates_are_one_clear_line_without_a_python_warning(
    boundary: Path, tmp_path: Path, sqlite_url: str
) -> None:
    """Found by the fuzzing: NaN coordinates made shapely warn (a RuntimeWarning on stderr;
    exit 1 under warnings-as-errors); a feature with them now counts as no geometry."""
    line = {"type": "LineString", "coordinates": [[LON, float("nan")], [LON, LON, LON]]}
    feature = {"type": "Feature", "properties": {}, "geometry": line}
    buildings = tmp_path / "buildings.geojson"
    buildings.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    result = runner.invoke(
        app, ["import", str(boundary), str(buildings), "--campus", "缺", "--db", sqlite_url]
    )
    assert result.exit_code == 2, (result.exception, result.stderr)
    assert "Warning" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: None of the 1 buildings")


def test_a_line_break_inside_a_people_cell_is_one_clear_line(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Found by the fuzzing: a name holding a carriage return ("0\\r0", quoted in the CSV)
    was echoed into the error, which then took two lines; such a cell is now refused."""
    make_campus(open_engine(sqlite_url))
    before = table_counts(sqlite_url)
    path = write_csv(tmp_path / "people.csv", ["name", "role"], [["0\r0", "owner"]])
    result = runner.invoke(app, ["people", "import", CAMPUS, str(path), "--db", sqlite_url])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}, line 2: the name '0\\r0' contains the control character U+000D "
        "(a line break?): fix that cell.\n"
    )
    assert table_counts(sqlite_url) == before


def test_a_polygon_whose_shell_is_one_point_is_dropped_not_a_bug(
    boundary: Path, tmp_path: Path, sqlite_url: str
) -> None:
    """Found by the fuzzing: a shell collapsed to one point around a real hole made
    make_valid raise GEOSException "mixed-dimension" (exit 3); it is now dropped."""
    dot = [[LON + D, LAT + D]] * 5
    hole = [[LON + 2 * D, LAT + D], [LON + 3 * D, LAT + D], [LON + 3 * D, LAT + 2 * D],
            [LON + 2 * D, LAT + D]]  # fmt: skip
    polygon = {"type": "Polygon", "coordinates": [dot, hole]}
    feature = {"type": "Feature", "properties": {"building": "yes"}, "geometry": polygon}
    buildings = tmp_path / "buildings.geojson"
    buildings.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    result = runner.invoke(
        app, ["import", str(boundary), str(buildings), "--campus", "点", "--db", sqlite_url]
    )
    assert result.exit_code == 2, (result.exception, result.stderr)
    assert result.stderr.splitlines()[-1].startswith("error: None of the 1 buildings")


def test_a_polygon_with_an_empty_hole_is_stored_without_it(
    boundary: Path, tmp_path: Path, sqlite_url: str
) -> None:
    """Found by the fuzzing: POLYGON ((…), EMPTY) was stored as a NULL geometry on
    SpatiaLite (exit 3, IntegrityError); the empty ring is now dropped."""
    result = import_building(boundary, tmp_path, sqlite_url, hole=[])
    assert result.exit_code == 0, (result.exception, result.stderr)
    with open_engine(sqlite_url).connect() as conn:
        area = conn.execute(sa.text("SELECT ST_Area(geometry) FROM building")).scalar_one()
    assert area == pytest.approx(D * D)


def test_a_polygon_with_an_absurd_hole_is_skipped_without_a_warning(
    boundary: Path, tmp_path: Path, sqlite_url: str
) -> None:
    """Found by the fuzzing: a hole at y = 1.5e306 overflowed inside GEOS (RuntimeWarning)
    and was "repaired" into a building of 8.8e307 square degrees; such a feature is now
    skipped as having no usable geometry."""
    hole = [[0.0, 0.0], [LON, LON], [LON, 1.5e306], [0.0, 0.0]]
    result = import_building(boundary, tmp_path, sqlite_url, hole=hole)
    assert result.exit_code == 2, (result.exception, result.stderr)
    assert "Warning" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: None of the 1 buildings")


def import_building(boundary: Path, tmp_path: Path, url: str, *, hole: list[list[float]]) -> Result:
    """Import the small campus with one square building of side D holding ``hole``."""
    shell = [[LON + D, LAT + D], [LON + 2 * D, LAT + D], [LON + 2 * D, LAT + 2 * D],
             [LON + D, LAT + 2 * D], [LON + D, LAT + D]]  # fmt: skip
    polygon = {"type": "Polygon", "coordinates": [shell, hole]}
    feature = {"type": "Feature", "properties": {"building": "yes"}, "geometry": polygon}
    buildings = tmp_path / "buildings.geojson"
    buildings.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return runner.invoke(
        app, ["import", str(boundary), str(buildings), "--campus", "洞", "--db", url]
    )
