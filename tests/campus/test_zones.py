"""Zone layers (片区) read from files: names, polygons, one line for each mistake; and
imported into a campus on both backends (GeoJSON and GeoPackage)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely import Point, box
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.grid import zoned_campus as zc
from zoning.campus.zones import read_zones
from zoning.errors import ImportFailed, InvalidInput
from zoning.services import zones as zone_ops


def test_the_name_field_is_found_or_named(tmp_path: Path) -> None:
    path = zc.write_layer(zc.west_east(), tmp_path / "zones.geojson")
    found, warnings = read_zones(path)  # 片区 is a known name field
    assert found["name"].tolist() == ["东区", "西区"] and warnings == []
    named, _ = read_zones(path, name_field="备注")
    assert named["name"].tolist() == ["a", "b"]


def test_parts_of_one_name_become_one_zone(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"name": ["北区", "北区", "南区"]},
        geometry=[box(0, 1, 1, 2), box(2, 1, 3, 2), box(0, 0, 3, 1)],
        crs="EPSG:4326",
    )
    found, _ = read_zones(zc.write_layer(frame, tmp_path / "z.geojson"))
    assert found["name"].tolist() == ["北区", "南区"]
    assert shapely.get_num_geometries(found.geometry.iloc[0]) == 2


def test_a_file_without_polygons_is_refused(tmp_path: Path) -> None:
    points = gpd.GeoDataFrame({"name": ["北区"]}, geometry=[Point(117.7, 39.08)], crs="EPSG:4326")
    with pytest.raises(ImportFailed, match=r"points\.geojson has no polygons: a zone layer"):
        read_zones(zc.write_layer(points, tmp_path / "points.geojson"))


def test_a_missing_name_field_lists_the_fields_there_are(tmp_path: Path) -> None:
    frame = zc.west_east().rename(columns={"片区": "区名"})
    path = zc.write_layer(frame, tmp_path / "zones.geojson")
    with pytest.raises(ImportFailed, match=r"has no name field.*fields are 区名, 备注: give"):
        read_zones(path)
    with pytest.raises(ImportFailed, match=r"has no field 'zone_nm'.*区名, 备注"):
        read_zones(path, name_field="zone_nm")


def test_a_polygon_without_a_name_is_refused(tmp_path: Path) -> None:
    frame = zc.west_east()
    frame.loc[1, "片区"] = None
    with pytest.raises(ImportFailed, match="polygon 2 has no '片区': every zone needs a name"):
        read_zones(zc.write_layer(frame, tmp_path / "zones.geojson"))


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_import_a_zone_layer(db: Engine, tmp_path: Path, suffix: str) -> None:
    zc.make_campus(db)
    path = zc.write_layer(zc.north_south(), tmp_path / f"zones{suffix}")
    rows, _ = zone_ops.import_zones(db, zc.CAMPUS, path, actor=ADMIN)
    # numbered north→south; each has the zone leader of its quarter
    assert [(r.number, r.name, r.source, r.leader) for r in rows] == [
        (1, "北区", "imported", "北组长"),
        (2, "南区", "imported", "南组长"),
    ]
    assert rows[0].area_m2 == pytest.approx(rows[1].area_m2, rel=0.01)
    # a name kept on re-import keeps its number; a new name takes the next free one
    renamed = zc.north_south().assign(name=["南区", "中区"])
    again = zc.write_layer(renamed, tmp_path / f"again{suffix}")
    rows, _ = zone_ops.import_zones(db, zc.CAMPUS, again, actor=ADMIN)
    assert [(r.number, r.name) for r in rows] == [(1, "中区"), (2, "南区")]


def test_a_layer_outside_the_campus_is_refused(db: Engine, tmp_path: Path) -> None:
    zc.make_campus(db)
    far = zc.north_south()
    far["geometry"] = far.translate(xoff=1.0)  # a degree east of the campus
    path = zc.write_layer(far, tmp_path / "far.geojson")
    with pytest.raises(InvalidInput, match="lie outside campus '分区大学'"):
        zone_ops.import_zones(db, zc.CAMPUS, path, actor=ADMIN)
    assert zone_ops.list_zones(db, zc.CAMPUS, actor=ADMIN) == []


def test_export_writes_what_import_reads(db: Engine, tmp_path: Path) -> None:
    zc.make_campus(db)
    zone_ops.import_zones(
        db, zc.CAMPUS, zc.write_layer(zc.north_south(), tmp_path / "in.geojson"), actor=ADMIN
    )
    out = tmp_path / "out.geojson"
    assert zone_ops.export_zones(db, zc.CAMPUS, out, actor=ADMIN) == 2
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [f["properties"]["name"] for f in data["features"]] == ["北区", "南区"]
    rows, _ = zone_ops.import_zones(db, zc.CAMPUS, out, actor=ADMIN)
    assert [(r.number, r.name) for r in rows] == [(1, "北区"), (2, "南区")]
