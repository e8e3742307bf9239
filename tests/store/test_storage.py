"""Storage round trips on both backends (SpatiaLite and PostGIS)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from shapely import box
from sqlalchemy.engine import Engine

from tests.small_campus import LAT, LON, D, small_campus
from zoning.campus.layers import COLUMNS
from zoning.errors import InvalidInput, NotFound
from zoning.store import campus as campuses
from zoning.store import plans
from zoning.store.migrate import current_revision, head_revision
from zoning.store.models.campus import Building, Campus, GridPlan, table_of

PEOPLE = pd.DataFrame(
    [
        {"name": "张伟", "role": "owner", "quarter": "教学区", "phone": "138-0000-0001"},
        {"name": "李娜", "role": "zone_leader", "quarter": "教学区", "phone": None},
    ]
)


def test_schema_is_at_head(db: Engine) -> None:
    head = head_revision(db)
    assert head is not None and current_revision(db) == head


def test_campus_round_trip_keeps_every_layer(db: Engine) -> None:
    layers = small_campus()
    campuses.save_campus(db, name="test", layers=layers, people=PEOPLE, source="unit test")
    back = campuses.load_layers(db, "test")
    assert back.counts() == layers.counts()
    assert back.attribution == "test data"
    for layer in COLUMNS:
        assert list(back.layer(layer).columns) == [*COLUMNS[layer], "geometry"], layer
    # geometry survives to full precision, including the courtyard (hole) and both parts
    assert back.boundary.geometry.union_all().equals(layers.boundary.geometry.union_all())
    assert shapely.equals_exact(
        back.buildings.geometry.iloc[0], layers.buildings.geometry.iloc[0], 1e-12
    )
    assert len(back.buildings.geometry.iloc[0].interiors) == 1
    assert back.buildings["name"].iloc[1] == "<img src=x onerror=alert(1)>"
    assert pd.isna(back.buildings["levels"].iloc[1])
    assert back.cameras["indoor"].tolist() == [False, True]
    assert back.cameras["resolution_px"].tolist() == [1920, 2560]
    people = campuses.load_people(db, "test")
    assert people["name"].tolist() == ["张伟", "李娜"]


def test_campus_summary_has_area_and_counts(db: Engine) -> None:
    campuses.save_campus(db, name="test", layers=small_campus())
    (summary,) = campuses.list_campuses(db)
    # 10 D × 8 D plus 2 D × 2 D; D² ≈ 86.5 m × 111.0 m at 39.08° N
    assert summary.area_m2 == pytest.approx(84 * 86.5 * 111.0, rel=0.01)
    assert summary.counts == {
        "buildings": 2,
        "roads": 1,
        "pois": 1,
        "landcover": 1,
        "cameras": 2,
        "plans": 0,
    }
    assert summary.code == "TEST"
    assert summary.metric_crs == "EPSG:32650"


def test_existing_campus_needs_replace(db: Engine) -> None:
    campuses.save_campus(db, name="test", layers=small_campus())
    with pytest.raises(InvalidInput, match="--replace"):
        campuses.save_campus(db, name="test", layers=small_campus())
    fewer = small_campus().with_layer("buildings", small_campus().buildings.iloc[:1])
    campuses.save_campus(db, name="test", layers=fewer, replace=True)
    (summary,) = campuses.list_campuses(db)
    assert summary.counts["buildings"] == 1
    assert summary.data_version == 2


def test_failed_write_leaves_nothing(db: Engine) -> None:
    bad_people = pd.DataFrame(
        [{"name": "王芳", "role": "owner"}, {"name": "王芳", "role": "owner"}]
    )
    with pytest.raises(sa.exc.IntegrityError):
        campuses.save_campus(db, name="test", layers=small_campus(), people=bad_people)
    with db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table_of(Campus))).scalar() == 0
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(table_of(Building))).scalar() == 0
        )


def test_unknown_campus_lists_the_known_ones(db: Engine) -> None:
    with pytest.raises(NotFound, match="none yet"):
        campuses.load_layers(db, "nowhere")
    campuses.save_campus(db, name="test", layers=small_campus())
    with pytest.raises(NotFound, match="test"):
        campuses.load_layers(db, "nowhere")


def _cells() -> gpd.GeoDataFrame:
    cells = [box(LON + i * D, LAT, LON + (i + 1) * D, LAT + 8 * D) for i in range(10)]
    return gpd.GeoDataFrame(
        {
            "code": [f"TEST-01-{i + 1:03d}" for i in range(10)],
            "zone": [1] * 10,
            "kind": ["square"] * 10,
            "owner": ["张伟"] * 5 + [None] * 5,
            "area_m2": [86.5 * 888.0] * 10,
        },
        geometry=cells,
        crs="EPSG:4326",
    )


def test_plan_round_trip_and_current_plan(db: Engine) -> None:
    campuses.save_campus(db, name="test", layers=small_campus(), people=PEOPLE)
    assert plans.current_plan(db, "test") is None
    assert len(plans.load_cells(db, "test")) == 0
    first = plans.save_plan(
        db,
        campus="test",
        cells=_cells(),
        method="square",
        params={"cell_size_m": 100},
        author="planner",
        reason="first",
    )
    second = plans.save_plan(db, campus="test", cells=_cells().iloc[:3], method="square")
    assert (first.version, second.version) == (1, 2)
    current = plans.current_plan(db, "test")
    assert current is not None and current.id == second.id and current.cells == 3
    cells = plans.load_cells(db, "test", first.id)
    assert cells["code"].tolist() == _cells()["code"].tolist()
    assert cells["owner"].tolist() == ["张伟"] * 5 + [None] * 5
    assert cells.geometry.iloc[0].equals(_cells().geometry.iloc[0])
    listed = plans.list_plans(db, "test")
    assert [p.version for p in listed] == [2, 1]
    assert listed[1].author == "planner" and listed[1].cells == 10
    (summary,) = campuses.list_campuses(db)
    assert summary.counts["plans"] == 2


def test_plan_with_unknown_owner_is_refused_whole(db: Engine) -> None:
    campuses.save_campus(db, name="test", layers=small_campus(), people=PEOPLE)
    cells = _cells()
    cells.loc[9, "owner"] = "无名氏"
    with pytest.raises(InvalidInput, match="无名氏"):
        plans.save_plan(db, campus="test", cells=cells, method="square")
    with db.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(table_of(GridPlan))).scalar() == 0
        )


def test_unknown_plan_is_not_found(db: Engine) -> None:
    campuses.save_campus(db, name="test", layers=small_campus())
    with pytest.raises(NotFound, match="no plan 999"):
        plans.load_cells(db, "test", 999)


def test_replacing_a_campus_keeps_its_plans_unless_told_to_discard_them(db: Engine) -> None:
    campuses.save_campus(db, name="test", layers=small_campus(), people=PEOPLE)
    plans.save_plan(db, campus="test", cells=_cells(), method="square")
    campuses.save_campus(db, name="test", layers=small_campus(), people=PEOPLE, replace=True)
    assert len(plans.list_plans(db, "test")) == 1  # issue 14: history is never lost silently
    campuses.save_campus(
        db, name="test", layers=small_campus(), people=PEOPLE, replace=True, discard_history=True
    )
    assert plans.list_plans(db, "test") == []
