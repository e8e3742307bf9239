"""Pure edits on a draft: the plan stays a valid coverage, undo is exact, codes are fresh."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString, box

from tests.shapes import METRIC_CRS
from zoning.errors import InvalidInput
from zoning.grid.codes import format_code
from zoning.plans.edits import (
    DraftState,
    Merge,
    MoveZone,
    Reassign,
    Reshape,
    SetOwners,
    Split,
    apply_edit,
    edit_from_json,
    edit_to_json,
    undo,
)

N = 5  # a 5 × 5 grid of 100 m cells
SIZE = 100.0


def grid_state(*, geographic: bool = False) -> DraftState:
    """A 5 × 5 square grid, zone 1 west of x = 300 m, zone 2 east."""
    rows = []
    for x in range(N):
        for y in range(N):
            zone = 1 if x < 3 else 2
            rows.append(
                {"code": format_code("T", zone, y * N + x + 1), "zone": zone, "kind": "square",
                 "owner": f"owner{x % 2}",
                 "geometry": box(x * SIZE, y * SIZE, (x + 1) * SIZE, (y + 1) * SIZE)}
            )  # fmt: skip
    cells = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS)
    if geographic:
        cells = cells.to_crs("EPSG:4326")
    return DraftState.of(cells, campus_code="T", metric_crs=METRIC_CRS, taken={"T-01-026"})


def code(state: DraftState, x: int, y: int) -> str:
    """The code of the cell holding the point at grid position x, y (+ half a cell)."""
    point = shapely.Point((x + 0.5) * SIZE, (y + 0.5) * SIZE)
    cells = state.cells
    return str(cells.loc[cells.geometry.covers(point), "code"].iloc[0])


def assert_coverage(state: DraftState) -> None:
    geoms = np.asarray(state.cells.geometry.values, dtype=object)
    assert shapely.coverage_is_valid(geoms)
    assert all(g.geom_type == "Polygon" and g.is_valid for g in geoms)
    assert shapely.area(geoms).sum() == pytest.approx(N * N * SIZE * SIZE, rel=1e-9)
    union = shapely.coverage_union_all(geoms)
    assert union.symmetric_difference(box(0, 0, N * SIZE, N * SIZE)).area < 1e-6
    assert state.cells["code"].is_unique


#: How far an edge of a reshaped cell moves (m): none, or visibly (not sub-millimetre).
SHIFT_M = st.one_of(st.just(0.0), st.floats(0.5, 40), st.floats(-40, -0.5))
cell_xy = st.tuples(st.integers(0, N - 1), st.integers(0, N - 1))
fraction = st.floats(0.05, 0.95)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=cell_xy, horizontal=st.booleans(), dx=st.sampled_from([(1, 0), (0, 1)]),
       t0=fraction, t1=fraction)  # fmt: skip
def test_merge_and_split_keep_a_coverage_and_undo_exactly(
    cell: tuple[int, int], horizontal: bool, dx: tuple[int, int], t0: float, t1: float
) -> None:
    state = grid_state()
    x, y = cell
    nx, ny = min(x + dx[0], N - 1), min(y + dx[1], N - 1)
    if (nx, ny) == (x, y):
        nx, ny = x - dx[0], y - dx[1]
    merged = apply_edit(state, Merge((code(state, x, y), code(state, nx, ny))))
    assert_coverage(merged.state)
    (new,) = set(merged.state.codes) - set(state.codes)
    assert new not in state.taken and new != "T-01-026"
    assert {link.old for link in merged.state.lineage} == {code(state, x, y), code(state, nx, ny)}
    # split a neighbouring untouched cell by a slanted line across it
    sx, sy = (x + 2) % N, (y + 2) % N
    target = code(merged.state, sx, sy)
    x0, y0 = sx * SIZE, sy * SIZE
    if horizontal:
        line = LineString([(x0 - 5, y0 + t0 * SIZE), (x0 + SIZE + 5, y0 + t1 * SIZE)])
    else:
        line = LineString([(x0 + t0 * SIZE, y0 - 5), (x0 + t1 * SIZE, y0 + SIZE + 5)])
    if target in {link.new for link in merged.state.lineage}:
        return  # the merged cell itself: covered by the merge checks
    halves = apply_edit(merged.state, Split(target, line))
    assert_coverage(halves.state)
    born = set(halves.state.codes) - set(merged.state.codes)
    assert len(born) == 2 and not born & ({target, new} | state.taken)
    assert_geodataframe_equal(undo(halves.state, halves.record).cells, merged.state.cells)
    assert undo(halves.state, halves.record).lineage == merged.state.lineage
    back = undo(undo(halves.state, halves.record), merged.record)
    assert_geodataframe_equal(back.cells, state.cells)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=st.tuples(st.integers(1, N - 2), st.integers(1, N - 2)),
       grow=st.tuples(*[SHIFT_M] * 4))  # fmt: skip
def test_reshape_gives_and_takes_area_from_neighbours(
    cell: tuple[int, int], grow: tuple[float, float, float, float]
) -> None:
    state = grid_state()
    x, y = cell
    west, south, east, north = grow
    outline = box(x * SIZE - west, y * SIZE - south, (x + 1) * SIZE + east, (y + 1) * SIZE + north)
    target = code(state, x, y)
    done = apply_edit(state, Reshape(target, outline))
    assert_coverage(done.state)
    cells = done.state.cells.set_index("code")
    assert cells.geometry[target].symmetric_difference(outline).area < 1e-6
    assert_geodataframe_equal(undo(done.state, done.record).cells, state.cells)


def test_edits_in_lon_lat_keep_untouched_cells_bit_for_bit() -> None:
    state = grid_state(geographic=True)
    a, b = state.cells["code"].iloc[0], state.cells["code"].iloc[1]
    done = apply_edit(state, Merge((a, b)))
    untouched = set(state.codes) - set(done.record.before["code"])
    old = state.cells.set_index("code").geometry
    new = done.state.cells.set_index("code").geometry
    assert all(shapely.to_wkb(old[c]) == shapely.to_wkb(new[c]) for c in untouched)
    assert shapely.coverage_is_valid(np.asarray(done.state.cells.geometry.values))
    merged_area = float(
        done.state.cells.set_index("code").at[done.record.after_codes[0], "area_m2"]
    )
    assert merged_area == pytest.approx(20_000, rel=1e-6)


def test_reassign_move_zone_and_set_owners() -> None:
    state = grid_state()
    c = code(state, 0, 0)
    owned = apply_edit(state, Reassign((c,), "王五")).state
    assert owned.cells.set_index("code").at[c, "owner"] == "王五"
    moved = apply_edit(owned, MoveZone((c,), 2))
    (new,) = moved.record.after_codes
    assert new.startswith("T-02-") and c in moved.state.retired
    assert moved.state.cells.set_index("code").at[new, "owner"] == "王五"
    pairs = SetOwners(tuple((code_, "甲") for code_ in state.codes))
    everyone = apply_edit(state, pairs).state
    assert set(everyone.cells["owner"]) == {"甲"}


def test_bad_edits_are_clear_errors() -> None:
    state = grid_state()
    with pytest.raises(InvalidInput, match="not adjacent"):
        apply_edit(state, Merge((code(state, 0, 0), code(state, 3, 3))))
    with pytest.raises(InvalidInput, match="does not cut"):
        apply_edit(state, Split(code(state, 0, 0), LineString([(10, 10), (20, 20)])))
    with pytest.raises(InvalidInput, match="no cell"):
        apply_edit(state, Reassign(("T-09-999",), "x"))
    # a strip across the western neighbour would cut it in two
    arm = box(100, 100, 200, 200).union(box(0, 140, 100, 160))
    with pytest.raises(InvalidInput, match="one piece"):
        apply_edit(state, Reshape(code(state, 1, 1), arm))


@pytest.mark.parametrize(
    "edit",
    [
        Merge(("a", "b")),
        Split("a", LineString([(0, 0), (1, 1)])),
        Reshape("a", box(0, 0, 1, 1)),
        Reassign(("a",), "x"),
        MoveZone(("a",), 3),
        SetOwners((("a", "x"),)),
    ],
)
def test_edits_survive_json(edit: object) -> None:
    data = edit_to_json(edit)  # type: ignore[arg-type]
    assert edit_to_json(edit_from_json(data)) == data
