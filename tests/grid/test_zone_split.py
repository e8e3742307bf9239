"""Splitting with named zones, on both backends: zones drawn from the people's quarters,
taken from an imported layer or generated and renamed; owners stay in their quarter;
validate warns about zones without a leader and leaders without a zone."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.grid import zoned_campus as zc
from zoning.errors import InvalidInput, NotFound
from zoning.services import grid, plans
from zoning.services import zones as zone_ops
from zoning.store.plans import load_cells
from zoning.store.safety import zone_labels

METRIC = "EPSG:32650"


def _split(db: Engine, **options: object) -> gpd.GeoDataFrame:
    """Split the campus in 100 m squares; return the cells with their centroid (lon/lat)."""
    report = grid.split_campus(
        db, zc.CAMPUS, method="square", cell_size_m=100, actor=ADMIN, **options
    )
    cells = load_cells(db, zc.CAMPUS, report.plan.id)
    centres = cells.to_crs(METRIC).geometry.centroid.to_crs("EPSG:4326")
    return cells.assign(lon=centres.x, lat=centres.y, plan=report.plan.id)


def _numbers(db: Engine) -> dict[str, int]:
    return {r.name: r.number for r in zone_ops.list_zones(db, zc.CAMPUS, actor=ADMIN)}


def test_quarters_without_a_layer_make_the_zones(db: Engine) -> None:
    zc.make_campus(db)
    cells = _split(db)
    rows = zone_ops.list_zones(db, zc.CAMPUS, actor=ADMIN)
    assert [(r.name, r.source, r.leader) for r in rows] == [
        ("北区", "quarters", "北组长"),
        ("南区", "quarters", "南组长"),
    ]
    north = _numbers(db)["北区"]
    # the user's case: a north-quarter owner never gets a cell of the south half
    mine = cells[cells["owner"].isin(zc.NORTH_OWNERS)]
    assert len(mine) and set(mine["zone"]) == {north}
    assert mine["lat"].min() > zc.MID_LAT - 0.0006  # at most half a cell across the middle
    theirs = cells[cells["owner"].isin(zc.SOUTH_OWNERS)]
    assert len(theirs) and north not in set(theirs["zone"])
    assert set(cells["owner"]) == zc.NORTH_OWNERS | zc.SOUTH_OWNERS
    # each zone's leader heads it: no chain warning
    assert plans.validate_plan(db, zc.CAMPUS, int(cells["plan"].iloc[0])).warnings == []


def test_quarters_that_change_redraw_the_zones(db: Engine) -> None:
    more = pd.concat(
        [
            zc.PEOPLE,
            pd.DataFrame(
                {"name": ["中一"], "role": ["owner"], "quarter": ["中区"], "phone": [None]},
                dtype=object,
            ),
        ],
        ignore_index=True,
    )
    zc.make_campus(db)
    _split(db)
    assert set(_numbers(db)) == {"北区", "南区"}
    zc.make_campus_people(db, more)
    cells = _split(db)
    assert set(_numbers(db)) == {"北区", "中区", "南区"}
    middle = cells[cells["owner"] == "中一"]
    assert set(middle["zone"]) == {_numbers(db)["中区"]}


def test_cells_take_the_zone_they_lie_in(db: Engine, tmp_path: Path) -> None:
    zc.make_campus(db)
    path = zc.write_layer(zc.west_east(), tmp_path / "zones.geojson")
    zone_ops.import_zones(db, zc.CAMPUS, path, actor=ADMIN)
    cells = _split(db)
    numbers = _numbers(db)
    west = cells["lon"] < zc.LON + zc.NX * zc.D / 2
    assert set(cells.loc[west, "zone"]) == {numbers["西区"]}
    assert set(cells.loc[~west, "zone"]) == {numbers["东区"]}
    # the quarters name no zone: the owners are shared by both, and validate says so
    warnings = plans.validate_plan(db, zc.CAMPUS, int(cells["plan"].iloc[0])).warnings
    kinds = sorted((w["kind"], w.get("name") or w.get("person")) for w in warnings)
    assert kinds == [
        ("leader_without_zone", "北组长"),
        ("leader_without_zone", "南组长"),
        ("zone_without_leader", "东区"),
        ("zone_without_leader", "西区"),
    ]
    by_kind = {w.get("name") or w.get("person"): w["message"] for w in warnings}
    assert by_kind["西区"].startswith("Zone 1 西区 has no zone leader: give a zone_leader")
    assert "leads no zone; the zones are 1 西区, 2 东区" in by_kind["北组长"]


def test_owners_stay_in_the_zone_named_like_their_quarter(db: Engine, tmp_path: Path) -> None:
    zc.make_campus(db)
    path = zc.write_layer(zc.north_south(), tmp_path / "zones.gpkg")
    zone_ops.import_zones(db, zc.CAMPUS, path, actor=ADMIN)
    cells = _split(db)
    numbers = _numbers(db)
    for owners, quarter in ((zc.NORTH_OWNERS, "北区"), (zc.SOUTH_OWNERS, "南区")):
        assert set(cells.loc[cells["owner"].isin(owners), "zone"]) == {numbers[quarter]}
    # assign-owners on a draft keeps them there too
    plan = int(cells["plan"].iloc[0])
    plans.assign_plan_owners(db, zc.CAMPUS, plan, actor=ADMIN)
    again = load_cells(db, zc.CAMPUS, plan)
    north = again[again["zone"] == numbers["北区"]]
    assert set(north["owner"]) <= zc.NORTH_OWNERS


def test_generated_zones_are_named_until_renamed(db: Engine) -> None:
    zc.make_campus(db, zc.PEOPLE.assign(quarter=None))
    cells = _split(db, zones=3)
    rows = zone_ops.list_zones(db, zc.CAMPUS, actor=ADMIN)
    assert [(r.number, r.name, r.source) for r in rows] == [
        (1, "片区1", "generated"),
        (2, "片区2", "generated"),
        (3, "片区3", "generated"),
    ]
    assert set(cells["zone"]) == {1, 2, 3}
    assert zone_ops.rename_zone(db, zc.CAMPUS, 2, " 北 区 ", actor=ADMIN) == "片区2"
    names = zone_ops.zone_names(db, zc.CAMPUS, actor=ADMIN)
    assert names == {1: "片区1", 2: "北 区", 3: "片区3"}
    # the label shown is the name; the key stays the number
    assert zone_labels([2, 3, None], names) == ["北 区", "片区3", None]
    assert zone_labels([2]) == ["2"]
    with pytest.raises(NotFound, match="no zone 9; its zones are: 1 片区1, 2 北 区, 3 片区3"):
        zone_ops.rename_zone(db, zc.CAMPUS, 9, "南区", actor=ADMIN)
    with pytest.raises(InvalidInput, match="Zone 1 is already called '片区1'"):
        zone_ops.rename_zone(db, zc.CAMPUS, 3, "片区1", actor=ADMIN)
    # a later split without --zones keeps the named zones
    assert set(_split(db)["zone"]) == {1, 2, 3}
    assert zone_ops.zone_names(db, zc.CAMPUS, actor=ADMIN)[2] == "北 区"


def test_zones_option_is_refused_over_an_imported_layer(db: Engine, tmp_path: Path) -> None:
    zc.make_campus(db)
    path = zc.write_layer(zc.west_east(), tmp_path / "zones.geojson")
    zone_ops.import_zones(db, zc.CAMPUS, path, actor=ADMIN)
    with pytest.raises(InvalidInput, match="has an imported zone layer \\(2 zones\\)"):
        _split(db, zones=4)
