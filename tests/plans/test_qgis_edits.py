"""The edits planners make in QGIS, written the way QGIS writes them: a split with QGIS's
defaults (a vertex added on one side of a shared edge only), a slipped vertex, a reshape of
a shared boundary, multi-part and self-touching features, a layer in the wrong units."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely import box

from zoning.errors import ImportFailed
from zoning.grid.topology import validate
from zoning.plans.qgis import prepare_import

UTM = "EPSG:32650"
#: Produced by QGIS 3.22.16 (Debian bookworm, headless): ``native:splitwithlines`` on cell A
#: with a line ending inside B, topological editing off. QGIS added the vertex
#: (117.702 39.0816) to A's east edge and not to B's west edge.
QGIS_BEFORE = {
    "A": "POLYGON ((117.7 39.08, 117.702 39.0806, 117.702 39.083999999999996, "
    "117.7 39.083999999999996, 117.7 39.08))",
    "B": "POLYGON ((117.702 39.0806, 117.70400000000001 39.08, 117.70400000000001 "
    "39.083999999999996, 117.702 39.083999999999996, 117.702 39.0806))",
}
QGIS_SPLIT = [
    ("A", "MULTIPOLYGON (((117.7 39.082, 117.702 39.081599999999995, 117.702 39.0806, "
     "117.7 39.08, 117.7 39.082)))"),
    ("A", "MULTIPOLYGON (((117.702 39.081599999999995, 117.7 39.082, 117.7 "
     "39.083999999999996, 117.702 39.083999999999996, 117.702 39.081599999999995)))"),
    ("B", QGIS_BEFORE["B"]),
]  # fmt: skip


def base_lonlat() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": list(QGIS_BEFORE), "zone": [1, 1], "kind": ["unit"] * 2, "owner": ["甲", "乙"]},
        geometry=[shapely.from_wkt(w) for w in QGIS_BEFORE.values()],
        crs="EPSG:4326",
    )


def test_a_split_made_with_qgis_defaults_validates_and_retires_only_the_split_cell() -> None:
    base = base_lonlat().to_crs(UTM)
    campus = base.union_all()
    edited = gpd.GeoDataFrame(
        {"code": [c for c, _ in QGIS_SPLIT]},
        geometry=[shapely.from_wkt(w) for _, w in QGIS_SPLIT],
        crs="EPSG:4326",
    ).to_crs(UTM)
    parts = [shapely.get_geometry(g, 0) for g in edited.geometry]
    overlap = shapely.intersection(parts[1], parts[2]).area
    assert 1e-4 < overlap < 1e-2  # the rounding sliver QGIS leaves, in m²
    raw = edited.set_geometry(parts).assign(code=["A1", "A2", "B"], owner="x")
    assert validate(raw, campus=campus) == []  # rounding is neither overlap nor gap
    done = prepare_import(edited, previous=base, campus=campus, campus_code="T")
    assert done.kept == ("B",) and done.retired == ("A",) and len(done.new) == 2
    assert {(x.old, x.kind) for x in done.links} == {("A", "split")}
    assert done.snapped["edges"] >= 1  # B's edge got QGIS's vertex
    assert shapely.coverage_is_valid(np.asarray(done.cells.geometry.values))
    assert validate(done.cells, campus=campus) == []


def previous() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["T-01-001", "T-01-002", "T-01-003"], "zone": [1, 1, 1],
         "kind": ["unit"] * 3, "owner": ["甲", "乙", "丙"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)],
        crs=UTM,
    )  # fmt: skip


CAMPUS = box(0, 0, 300, 100)


def test_a_slipped_vertex_is_repaired_without_touching_the_neighbour() -> None:
    edited = previous()
    # the vertex (100, 50) of a planner's drag ends 0.3 m inside the next cell
    edited.loc[0, "geometry"] = shapely.Polygon([(0, 0), (100, 0), (100.3, 50), (100, 100),
                                                 (0, 100)])  # fmt: skip
    plain = prepare_import(edited, previous=previous(), campus=CAMPUS, campus_code="T")
    assert [p.kind for p in validate(plain.cells, campus=CAMPUS)] == ["overlap"]
    done = prepare_import(edited, previous=previous(), campus=CAMPUS, campus_code="T", snap_m=0.5)
    assert validate(done.cells, campus=CAMPUS) == []
    assert done.kept == ("T-01-001", "T-01-002", "T-01-003")
    cells = done.cells.set_index("code").geometry
    assert cells["T-01-002"].equals(box(100, 0, 200, 100))  # the neighbour is untouched
    assert cells["T-01-001"].area == pytest.approx(10_000, abs=0.01)
    stored = cells.to_crs("EPSG:4326")
    assert stored.is_valid.all() and (stored.geom_type == "Polygon").all()


def test_snapping_gives_a_thin_gap_back_to_the_cell_that_held_it() -> None:
    edited = previous()
    edited.loc[1, "geometry"] = box(100.4, 0, 200, 100)  # cell 2 pulled back 0.4 m
    done = prepare_import(edited, previous=previous(), campus=CAMPUS, campus_code="T", snap_m=1)
    assert validate(done.cells, campus=CAMPUS) == []
    cells = done.cells.set_index("code").geometry
    assert cells["T-01-001"].equals(box(0, 0, 100, 100))  # row order does not decide
    assert cells["T-01-002"].area == pytest.approx(10_000)


def test_a_reshaped_shared_boundary_keeps_both_codes() -> None:
    edited = previous()
    boundary = [(0, 0), (105, 0), (95, 100), (0, 100)]  # 5 m each way, IoU about 0.9
    edited.loc[0, "geometry"] = shapely.Polygon(boundary)
    edited.loc[1, "geometry"] = shapely.difference(box(0, 0, 200, 100), edited.geometry[0])
    done = prepare_import(edited, previous=previous(), campus=CAMPUS, campus_code="T")
    assert done.kept == ("T-01-001", "T-01-002", "T-01-003") and done.retired == ()
    assert validate(done.cells, campus=CAMPUS) == []


WKT_SPIKE = (
    "POLYGON((0 0,100 0,100 100,0 100,0 50,-50 50,-50 60,-60 60,-60 40,-50 40,-50 50,0 50,0 0))"
)


def edited_with(geom: shapely.Geometry) -> gpd.GeoDataFrame:
    frame = previous()
    frame.loc[0, "geometry"] = geom
    frame.index = [7, 8, 9]  # the file's feature ids
    return frame


def test_a_feature_make_valid_turns_into_a_collection_is_refused_by_name() -> None:
    assert shapely.make_valid(shapely.from_wkt(WKT_SPIKE)).geom_type == "GeometryCollection"
    big = shapely.affinity.translate(shapely.from_wkt(WKT_SPIKE), 60)  # stays on a campus
    campus = box(-10, 0, 300, 100)
    with pytest.raises(ImportFailed, match=r"feature 7 \(code T-01-001\): it has 2 separate"):
        prepare_import(edited_with(big), previous=previous(), campus=campus, campus_code="T")


def test_a_multi_part_feature_is_one_cell_when_the_parts_touch_else_refused() -> None:
    touching = shapely.MultiPolygon([box(0, 0, 100, 50), box(100, 50, 200, 100)])
    edited = edited_with(touching).drop(index=8)
    done = prepare_import(edited, previous=previous(), campus=CAMPUS, campus_code="T")
    assert len(done.cells) == 2 and (done.cells.geom_type == "Polygon").all()
    apart = shapely.MultiPolygon([box(0, 0, 90, 100), box(95, 0, 100, 100)])
    with pytest.raises(ImportFailed, match=r"feature 7 .*5\.0 m apart"):
        prepare_import(edited_with(apart), previous=previous(), campus=CAMPUS, campus_code="T")


def test_features_off_the_campus_are_refused_naming_the_crs() -> None:
    edited = previous()
    edited["geometry"] = edited.geometry.translate(5_000_000, 0)  # metres read as something else
    with pytest.raises(ImportFailed, match=r"3 of 3 features .*outside the campus.*CRS"):
        prepare_import(edited, previous=previous(), campus=CAMPUS, campus_code="T")


def test_a_plan_without_cells_or_off_the_campus_is_not_valid() -> None:
    empty = previous().iloc[0:0]
    (problem,) = validate(empty, campus=CAMPUS, require_owner=False)
    assert problem.kind == "gap" and "covers none of the campus" in problem.message
    away = previous().assign(geometry=previous().geometry.translate(0, 10_000))
    kinds = sorted({p.kind for p in validate(away, campus=CAMPUS)})
    assert kinds == ["gap", "outside"]


def test_an_overlap_is_reported_to_a_sensible_precision_in_lon_lat() -> None:
    cells = previous().iloc[:2].copy()
    cells.loc[0, "geometry"] = box(0, 0, 100.004, 100)  # 4 mm wide: real, 0.4 m²
    (problem,) = validate(cells, campus=box(0, 0, 200, 100))
    assert "overlap by 0.4 m²" in problem.message
    lon, lat = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform(100, 50)
    assert f"near ({lon:.6f}, {lat:.6f})" in problem.message
