"""OSM tag parsing, height rules and camera tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.realdata import campus_dir
from zoning.campus.heights import STOREY_HEIGHT_M, building_height, parse_height_m, parse_levels
from zoning.campus.io._cameras import DEFAULTS, camera_record, parse_angle_deg
from zoning.campus.io._osm import parse_hstore, parse_tag_blob, read_osm
from zoning.errors import ImportFailed


def test_parse_hstore_handles_escapes_nulls_and_garbage() -> None:
    text = r'"building:levels"=>"5","name"=>"A \"B\" C","k=>x"=>"v,w","empty"=>"","n"=>NULL'
    assert parse_hstore(text) == {"building:levels": "5", "name": 'A "B" C', "k=>x": "v,w"}
    assert parse_hstore(None) == {}
    assert parse_hstore("not hstore at all") == {}


def test_parse_tag_blob_accepts_json_and_dicts() -> None:
    assert parse_tag_blob('{"building": "university", "building:levels": 3}') == {
        "building": "university",
        "building:levels": "3",
    }
    assert parse_tag_blob({"a": None, "b": 2.0}) == {"b": "2"}
    assert parse_tag_blob("{broken json") == {}


@pytest.mark.parametrize(
    ("raw", "metres"),
    [("12", 12.0), ("12 m", 12.0), ("12.5m", 12.5), (" 7,5 ", 7.5), ("40 ft", 12.192),
     (18, 18.0), ("tall", None), ("-3", None), ("12;15", None), ("9000", None)],
)  # fmt: skip
def test_parse_height_m(raw: object, metres: float | None) -> None:
    assert parse_height_m(raw) == metres


def test_parse_levels() -> None:
    assert [parse_levels(v) for v in ("5", "5;6", 3.0, "0", "many", "2.6")] == [
        5,
        5,
        3,
        None,
        None,
        3,
    ]


def test_height_rules_in_order_height_then_levels_then_use() -> None:
    assert (
        building_height({"height": "24 m", "building:levels": "5"}, feature="w").source == "height"
    )
    by_levels = building_height({"building:levels": "5", "building": "dormitory"}, feature="w")
    assert (by_levels.height_m, by_levels.source, by_levels.levels) == (
        5 * STOREY_HEIGHT_M, "levels", 5
    )  # fmt: skip
    assert building_height({"building": "dormitory"}, feature="w").height_m == 18.0
    assert building_height({"building": "house"}, feature="w").height_m == 7.0
    assert building_height({"building": "shed"}, feature="w").height_m == 3.5
    assert building_height({"building": "yes"}, feature="w").height_m == 10.0
    assert building_height({}, feature="w").source == "default"


def test_nonsense_height_falls_back_with_a_warning() -> None:
    height = building_height({"height": "very tall", "levels": "4"}, feature="way/7")
    assert height.source == "levels"
    assert (
        height.warning is not None and "way/7" in height.warning and "very tall" in height.warning
    )


def test_camera_tags_with_compass_direction_and_defaults() -> None:
    record = camera_record(
        {"man_made": "surveillance", "camera:direction": "NE", "camera:angle": "30",
         "surveillance": "indoor"},
        feature="node/1",
        from_osm=True,
    )  # fmt: skip
    assert record["heading_deg"] == 45.0 and record["tilt_deg"] == 30.0 and record["indoor"]
    assert record["hfov_deg"] == DEFAULTS["hfov_deg"] and record["range_m"] == DEFAULTS["range_m"]
    assert "heading_deg" not in record["defaulted"] and "hfov_deg" in record["defaulted"]
    assert parse_angle_deg("270°") == 270.0 and parse_angle_deg("SSW") == 202.5


@pytest.mark.parametrize(
    ("tags", "field", "value"),
    [({"hfov_deg": "400"}, "hfov_deg", "400"), ({"range_m": "-5"}, "range_m", "-5"),
     ({"heading_deg": "360"}, "heading_deg", "360"),
     ({"resolution_px": "-1"}, "resolution_px", "-1"),
     ({"mount_height_m": "250"}, "mount_height_m", "250"), ({"hfov_deg": "0"}, "hfov_deg", "0")],
)  # fmt: skip
def test_impossible_camera_values_name_feature_field_and_value(
    tags: dict[str, str], field: str, value: str
) -> None:
    with pytest.raises(ImportFailed, match=rf"camera cams.csv row 3: {field}={value}\b"):
        camera_record(tags, feature="cams.csv row 3", from_osm=False)


def test_read_osm_gives_typed_ids_and_parsed_tags() -> None:
    layers = {layer.kind: layer for layer in read_osm(campus_dir("bupt") / "map.osm")}
    assert set(layers) == {"osm:points", "osm:lines", "osm:multipolygons"}
    assert all(i.startswith("node/") for i in layers["osm:points"].source_ids)
    polygons = layers["osm:multipolygons"]
    assert all(i.startswith(("way/", "relation/")) for i in polygons.source_ids)
    bupt = [t for t in polygons.tags if t.get("name") == "北京邮电大学"]
    assert bupt and bupt[0]["amenity"] == "university" and "name:en" in bupt[0]


def test_read_osm_rejects_garbage(tmp_path: Path) -> None:
    bad = tmp_path / "broken.osm"
    bad.write_text("<osm><node id='1' lat='x'", encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"broken\.osm"):
        read_osm(bad)
