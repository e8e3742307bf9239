"""Import matching: kept codes for near-identical cells, new codes and lineage otherwise,
snapping that fixes slivers but never hides a missing cell."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely import box

from tests.shapes import METRIC_CRS
from zoning.errors import ImportFailed
from zoning.grid.topology import validate
from zoning.plans.qgis import prepare_import, read_cells_layer

CAMPUS = box(0, 0, 300, 100)


def previous() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["T-01-001", "T-01-002", "T-01-003"], "zone": [1, 1, 1],
         "kind": ["square"] * 3, "owner": ["甲", "乙", "丙"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)],
        crs=METRIC_CRS,
    )  # fmt: skip


def test_small_moves_keep_codes_and_merges_get_new_ones() -> None:
    edited = previous().copy()
    edited.loc[0, "geometry"] = box(0, 0, 103, 100)
    edited.loc[1, "geometry"] = shapely.union(box(103, 0, 200, 100), box(200, 0, 300, 100))
    edited = edited.drop(index=2)
    done = prepare_import(edited, previous=previous(), campus=CAMPUS, campus_code="T",
                          taken={"T-01-004"})  # fmt: skip
    assert done.kept == ("T-01-001",)
    assert done.new == ("T-01-005",)  # T-01-004 was used before: never minted again
    assert done.retired == ("T-01-002", "T-01-003")
    assert {(link.old, link.new) for link in done.links} == {
        ("T-01-002", "T-01-005"), ("T-01-003", "T-01-005")}  # fmt: skip
    owners = dict(zip(done.cells["code"], done.cells["owner"], strict=True))
    assert owners == {"T-01-001": "甲", "T-01-005": "乙"}


def test_snapping_fixes_slivers_but_not_a_missing_cell() -> None:
    edited = previous().copy()
    edited.loc[0, "geometry"] = box(0, 0, 100.4, 100)  # 0.4 m overlap with the next cell
    edited.loc[1, "geometry"] = box(100, 0, 199.7, 100)  # 0.3 m gap before the deleted one
    plain = prepare_import(edited.drop(index=2), previous=previous(), campus=CAMPUS,
                           campus_code="T")  # fmt: skip
    kinds = sorted(p.kind for p in validate(plain.cells, campus=CAMPUS, require_owner=False))
    assert kinds == ["gap", "overlap"]
    snapped = prepare_import(edited.drop(index=2), previous=previous(), campus=CAMPUS,
                             campus_code="T", snap_m=1.0)  # fmt: skip
    problems = validate(snapped.cells, campus=CAMPUS, require_owner=False)
    assert [p.kind for p in problems] == ["gap"]
    assert problems[0].location.area == pytest.approx(100 * 100.3, rel=1e-6)
    assert snapped.snapped["edges"] == 1  # the 0.4 m overlap snapped back onto the edge
    fixed = prepare_import(edited, previous=previous(), campus=CAMPUS, campus_code="T",
                           snap_m=1.0)  # fmt: skip
    assert validate(fixed.cells, campus=CAMPUS, require_owner=False) == []
    assert fixed.kept == ("T-01-001", "T-01-002", "T-01-003")


def test_reading_a_file_without_the_layer_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="does not exist"):
        read_cells_layer(tmp_path / "missing.gpkg")
    path = tmp_path / "two.gpkg"
    previous().to_file(path, layer="a", driver="GPKG")
    previous().to_file(path, layer="b", driver="GPKG")
    with pytest.raises(ImportFailed, match="no layer 'cells'"):
        read_cells_layer(path)
