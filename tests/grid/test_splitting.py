"""split(): every method partitions the campus exactly (canonical shapes and generated ones)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Polygon, affinity, box
from shapely.geometry.base import BaseGeometry

from tests.partition import check_partition
from tests.shapes import (
    ALL_CAMPUS_SHAPES,
    COURTYARD_BUILDING,
    METRIC_CRS,
    RECTANGLE,
    THIN_STRIP,
    TWO_PARTS,
    WITH_LAKE,
)
from zoning.errors import InvalidInput
from zoning.geo import rectclip
from zoning.geo.rectclip import clip_rects
from zoning.grid import splitting as grid
from zoning.grid.splitting import campus_geometry, default_h3_res, split, split_summary
from zoning.grid.topology import validate
from zoning.grid.zones import assign_zones, cell_adjacency

METHODS = ("square", "hex", "unit", "building")


def frame(geom: BaseGeometry) -> gpd.GeoSeries:
    return gpd.GeoSeries([geom], crs=METRIC_CRS)


def lines_frame(lines: list[BaseGeometry], classes: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"road_class": classes}, geometry=lines, crs=METRIC_CRS)


def buildings_in(campus: BaseGeometry, *, step: float = 90.0, size: float = 30.0) -> gpd.GeoSeries:
    """Square footprints on a lattice, kept where they touch the campus (some cross it)."""
    minx, miny, maxx, maxy = campus.bounds
    xs = np.arange(minx + 10, maxx, step)
    ys = np.arange(miny + 10, maxy, step)
    fps = [box(x, y, x + size, y + size) for x in xs for y in ys]
    fps = [f for f in fps if f.intersects(campus)]
    return gpd.GeoSeries(fps, crs=METRIC_CRS)


def split_any(geom: BaseGeometry, method: str, **kw: object) -> gpd.GeoDataFrame:
    if method == "building" and "buildings" not in kw:
        kw["buildings"] = buildings_in(geom)
    if method == "square" and "cell_size_m" not in kw:
        kw["cell_size_m"] = 60.0
    return split(frame(geom), method=method, campus_code="T", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(ALL_CAMPUS_SHAPES))
def test_every_method_partitions_canonical_shapes(name: str, method: str) -> None:
    campus = ALL_CAMPUS_SHAPES[name]
    cells = split_any(campus, method)
    check_partition(cells, campus)
    assert set(cells.columns) >= {"code", "zone", "kind", "area_m2", "geometry"}
    assert cells.crs == METRIC_CRS


def test_square_interior_cells_are_whole_and_boundary_pieces_are_cells() -> None:
    cells = split(frame(TWO_PARTS), method="square", cell_size_m=100)
    areas = cells["area_m2"].to_numpy()
    # 600 × 500 and 300 × 300 parts: aligned to the 100 m grid, every cell is whole.
    assert len(cells) == 30 + 9
    assert np.allclose(areas, 10_000)
    # An L-shape whose notch is off the grid makes clipped pieces.
    lake = split(frame(WITH_LAKE), method="square", cell_size_m=70)
    assert (lake["area_m2"] < 4900 - 1e-6).any()
    assert (np.isclose(lake["area_m2"], 4900)).sum() > 50


def test_square_cell_cut_in_two_pieces_gives_two_cells() -> None:
    # A U-shaped campus whose arms both fall in the same 100 m cell.
    campus = box(0, 0, 100, 100).difference(box(40, 30, 60, 100))
    cells = split(frame(campus), method="square", cell_size_m=100)
    assert len(cells) == 1  # still connected below the notch
    campus = box(0, 0, 100, 100).difference(box(40, -1, 60, 101))
    cells = split(frame(campus), method="square", cell_size_m=100)
    assert len(cells) == 2
    check_partition(cells, campus)


@pytest.mark.parametrize("method", ["square", "hex"])
def test_boundary_slivers_and_crumbs_join_a_neighbour(method: str) -> None:
    # Edges 0.5 m past the 100 m grid lines: clipping leaves 0.5 m wide slivers.
    campus = box(0, 0, 1000.5, 600.5)
    cells = split(frame(campus), method=method, cell_size_m=100, h3_res=10)
    check_partition(cells, campus)
    problems = validate(cells, campus=frame(campus), require_owner=False)
    assert [p for p in problems if p.kind == "sliver"] == []
    if method == "square":
        # 60 whole squares; the slivers along the east and north edges join their neighbour
        assert len(cells) == 60
        assert cells["area_m2"].max() == pytest.approx(100.5 * 100.5)


def test_thin_strip_gets_cells_for_every_method() -> None:
    strip = box(520, 200, 900, 208)
    for method in ("square", "hex"):
        cells = split_any(THIN_STRIP, method)
        assert shapely.coverage_union_all(
            [g for g in cells.geometry if g.intersects(strip)]
        ).contains(strip.buffer(-0.01))


def test_hex_cells_are_hexagons_inside() -> None:
    cells = split(frame(RECTANGLE), method="hex", h3_res=10)
    vertices = shapely.get_num_coordinates(np.asarray(cells.geometry.values)) - 1
    whole = shapely.contains_properly(RECTANGLE, np.asarray(cells.geometry.values))
    assert whole.sum() > 10
    assert np.all(vertices[whole] == 6)
    assert set(cells["kind"]) == {"hex"}


def test_default_h3_res_gives_enough_cells() -> None:
    assert default_h3_res(1_000_000) == 10
    assert default_h3_res(20_000) > 10
    cells = split(frame(box(0, 0, 150, 150)), method="hex")
    assert len(cells) >= 15


def test_geographic_crs_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="not a metric CRS"):
        split(gpd.GeoSeries([box(116.3, 39.9, 116.31, 39.91)], crs="EPSG:4326"), method="square")


def test_bad_arguments_are_clear_errors() -> None:
    with pytest.raises(InvalidInput, match="Unknown split method"):
        split(frame(RECTANGLE), method="triangle")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="cell_size_m"):
        split(frame(RECTANGLE), method="square", cell_size_m=0)
    with pytest.raises(InvalidInput, match="min_area_m2"):
        split(frame(RECTANGLE), method="unit", min_area_m2=30_000, max_area_m2=20_000)
    with pytest.raises(InvalidInput, match="buildings"):
        split(frame(RECTANGLE), method="building")
    with pytest.raises(InvalidInput, match="zones"):
        split(frame(RECTANGLE), method="square", zones=0)
    with pytest.raises(InvalidInput, match="no polygon"):
        split(gpd.GeoSeries([shapely.LineString([(0, 0), (1, 1)])], crs=METRIC_CRS), method="hex")


def test_building_method_gives_each_footprint_a_cell() -> None:
    fps = gpd.GeoSeries(
        [
            affinity.translate(COURTYARD_BUILDING, 100, 100),
            box(300, 300, 340, 330),
            box(320, 310, 360, 350),  # overlaps the previous one
            box(980, 100, 1030, 150),  # crosses the campus edge
        ],
        crs=METRIC_CRS,
    )
    cells = split(frame(RECTANGLE), method="building", buildings=fps)
    check_partition(cells, RECTANGLE)
    buildings = cells[cells["kind"] == "building"]
    assert len(buildings) == 4
    clipped = buildings.geometry[buildings.geometry.intersects(box(999, 120, 1000, 130))]
    assert len(clipped) == 1 and np.isclose(clipped.iloc[0].area, 20 * 50)
    # The closed courtyard joins its building; the overlap goes to one building only.
    courtyard = buildings.geometry[buildings.geometry.contains(shapely.Point(130, 130))]
    assert len(courtyard) == 1 and np.isclose(courtyard.iloc[0].area, 3600)
    assert buildings.geometry.contains(shapely.Point(330, 320)).sum() == 1
    both = buildings.geometry[buildings.geometry.within(box(299, 299, 361, 351))]
    assert len(both) == 2
    assert np.isclose(both.area.sum(), 40 * 30 + 40 * 40 - 20 * 20)


def test_zones_follow_major_roads() -> None:
    roads = lines_frame(
        [shapely.LineString([(500, -10), (500, 610)]), shapely.LineString([(0, 300), (1000, 300)])],
        ["primary", "service"],
    )
    cells = split(frame(RECTANGLE), method="unit", barriers=roads)
    check_partition(cells, RECTANGLE)
    assert cells["zone"].nunique() == 2
    west = cells[cells.geometry.centroid.x < 500]
    east = cells[cells.geometry.centroid.x > 500]
    assert set(west["zone"]) == {1} and set(east["zone"]) == {2}


@pytest.mark.parametrize("n_zones", [1, 3, 7])
def test_requested_zones_are_contiguous_and_balanced(n_zones: int) -> None:
    cells = split(frame(WITH_LAKE), method="square", cell_size_m=50, zones=n_zones)
    check_partition(cells, WITH_LAKE)
    assert cells["zone"].nunique() == n_zones
    geoms = np.asarray(cells.geometry.values)
    i, j = cell_adjacency(geoms)
    zone = cells["zone"].to_numpy()
    for z in range(1, n_zones + 1):
        members = set(np.flatnonzero(zone == z).tolist())
        seen = {min(members)}
        todo = [min(members)]
        while todo:
            c = todo.pop()
            for a, b in zip(i, j, strict=True):
                for x, y in ((a, b), (b, a)):
                    if x == c and y in members and y not in seen:
                        seen.add(y)
                        todo.append(y)
        assert seen == members, f"zone {z} is in one piece"
    share = cells.groupby("zone")["area_m2"].sum() / WITH_LAKE.area
    assert share.max() < 2.2 / n_zones


def test_zone_labels_read_north_to_south() -> None:
    cells = split(frame(box(0, 0, 200, 2000)), method="square", cell_size_m=50, zones=4)
    y = cells.groupby("zone").apply(lambda f: f.geometry.centroid.y.mean(), include_groups=False)
    assert list(y.index) == [1, 2, 3, 4]
    assert np.all(np.diff(y.to_numpy()) < 0)


def test_assign_zones_on_empty_input() -> None:
    out = assign_zones(np.empty(0, dtype=object), campus=RECTANGLE)
    assert len(out) == 0


def test_split_summary_reports_areas() -> None:
    cells = split(frame(RECTANGLE), method="square", cell_size_m=100)
    summary = split_summary(cells, frame(RECTANGLE))
    assert summary["cells"] == 60
    assert summary["campus_area_m2"] == pytest.approx(600_000)
    assert summary["cells_area_m2"] == pytest.approx(600_000)
    assert summary["area_m2"] == {"min": 10_000, "median": 10_000, "max": 10_000}


def test_campus_geometry_unions_rows() -> None:
    two = gpd.GeoSeries(list(TWO_PARTS.geoms), crs=METRIC_CRS)
    assert campus_geometry(two).area == pytest.approx(TWO_PARTS.area)


# --- Generated campuses -------------------------------------------------------------------

ORIGIN = (500_000.0, 3_000_000.0)


@st.composite
def campuses(draw: st.DrawFn) -> BaseGeometry:
    """Concave unions of boxes, maybe rotated, with a lake, a walled compound, a thin strip
    and a second disjoint part, in UTM-sized coordinates."""
    ox, oy = ORIGIN
    boxes = draw(
        st.lists(
            st.tuples(st.floats(0, 500), st.floats(0, 500), st.floats(90, 450), st.floats(90, 450)),
            min_size=1,
            max_size=4,
        )
    )
    shape = shapely.union_all([box(ox + x, oy + y, ox + x + w, oy + y + h) for x, y, w, h in boxes])
    shape = max(shapely.get_parts(shape), key=lambda p: p.area)
    centre = shape.representative_point()
    if draw(st.booleans()):  # a lake
        shape = shape.difference(centre.buffer(draw(st.floats(8, 40))))
    if draw(st.booleans()):  # a walled compound (square hole)
        d = draw(st.floats(10, 30))
        shape = shape.difference(affinity.translate(box(-d, -d, d, d), centre.x + 60, centre.y))
    _, miny, maxx, maxy = shape.bounds
    if draw(st.booleans()):  # a thin strip sticking out east
        y = draw(st.floats(miny + 10, maxy - 10))
        shape = shape.union(
            box(maxx - 5, y, maxx + draw(st.floats(50, 300)), y + draw(st.floats(2, 9)))
        )
    if draw(st.booleans()):  # a second disjoint part
        shape = shape.union(
            box(maxx + 400, miny, maxx + 400 + draw(st.floats(60, 300)), miny + 150)
        )
    shape = affinity.rotate(shape, draw(st.floats(0, 90)), origin=ORIGIN)
    parts = shapely.get_parts(shapely.make_valid(shape))
    return shapely.union_all(parts[shapely.get_type_id(parts) == 3])


@st.composite
def roads_for(draw: st.DrawFn, campus: BaseGeometry) -> gpd.GeoDataFrame:
    minx, miny, maxx, maxy = campus.bounds
    n = draw(st.integers(0, 6))
    lines, classes = [], []
    for _ in range(n):
        x0, x1 = draw(st.floats(minx - 20, maxx + 20)), draw(st.floats(minx - 20, maxx + 20))
        y0, y1 = draw(st.floats(miny - 20, maxy + 20)), draw(st.floats(miny - 20, maxy + 20))
        if (x0, y0) == (x1, y1):
            continue
        lines.append(shapely.LineString([(x0, y0), (x1, y1)]))
        classes.append(draw(st.sampled_from(["primary", "service", "footway", "tertiary"])))
    return lines_frame(lines, classes)


GEN = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@GEN
@given(campus=campuses(), size=st.floats(15, 120), method=st.sampled_from(["square", "hex"]))
def test_generated_campuses_square_and_hex(campus: BaseGeometry, size: float, method: str) -> None:
    kw: dict[str, object] = {"cell_size_m": size} if method == "square" else {"h3_res": 11}
    cells = split(frame(campus), method=method, campus_code="G", **kw)  # type: ignore[arg-type]
    check_partition(cells, campus)


@GEN
@given(data=st.data(), campus=campuses(), method=st.sampled_from(["unit", "building"]))
def test_generated_campuses_unit_and_building(
    data: st.DataObject, campus: BaseGeometry, method: str
) -> None:
    roads = data.draw(roads_for(campus))
    kw: dict[str, object] = {"barriers": roads, "min_area_m2": 2_000, "max_area_m2": 15_000}
    if method == "building":
        kw["buildings"] = buildings_in(campus, step=70, size=25)
    cells = split(frame(campus), method=method, campus_code="G", **kw)  # type: ignore[arg-type]
    check_partition(cells, campus)


@settings(max_examples=8, deadline=None)
@given(campus=campuses(), n_zones=st.integers(1, 9))
def test_generated_zones_are_all_used(campus: BaseGeometry, n_zones: int) -> None:
    cells = split(frame(campus), method="square", cell_size_m=40, zones=n_zones)
    assert cells["zone"].nunique() == min(n_zones, len(cells))


# --- Square grid: the noded clip and its overlay fallback ----------------------------------

#: An irregular campus with a lake in UTM-sized coordinates: no edge on a grid line.
SKEWED = affinity.rotate(affinity.translate(WITH_LAKE, *ORIGIN), 17.0, origin=ORIGIN)


def assert_coverage(cells: np.ndarray, campus: BaseGeometry) -> None:
    """Assert that ``cells`` are valid Polygons forming a coverage of exactly ``campus``."""
    assert np.all(shapely.get_type_id(cells) == 3)
    assert np.all(shapely.is_valid(cells)) and np.all(shapely.area(cells) > 0)
    assert shapely.coverage_is_valid(cells)
    assert shapely.area(cells).sum() == pytest.approx(campus.area, rel=1e-9)
    union = shapely.coverage_union_all(cells)
    assert shapely.symmetric_difference(union, campus).area <= 1e-9 * campus.area


def cell_keys(cells: np.ndarray) -> np.ndarray:
    """Centroid and area of each cell, sorted: equal for the same cells up to rounding."""
    xy = shapely.get_coordinates(shapely.centroid(cells))
    keys = np.column_stack([xy, shapely.area(cells)])
    return keys[np.lexsort(keys.T[::-1])]


@pytest.mark.parametrize("size", [7.5, 20.0, 63.0])
def test_square_noded_clip_gives_the_overlay_cells(size: float) -> None:
    xs, ys = grid._grid(SKEWED.bounds, size)
    fast = grid._square_cells_noded(SKEWED, xs, ys)
    assert fast is not None, "an irregular campus takes the noded clip"
    slow = grid._square_cells_overlay(SKEWED, xs, ys)
    assert_coverage(fast, SKEWED)
    assert len(fast) == len(slow)
    np.testing.assert_allclose(cell_keys(fast), cell_keys(slow), rtol=0, atol=1e-6)
    # Whole tiles (exact boxes) first, then the clipped pieces.
    box_cells = (shapely.get_num_coordinates(fast) == 5) & np.isclose(shapely.area(fast), size**2)
    assert box_cells.any() and not box_cells.all()
    assert np.array_equal(box_cells, np.arange(len(fast)) < box_cells.sum())


def test_square_cells_fall_back_to_overlay_and_coverage_clean(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cleaned: list[int] = []
    real_clean = shapely.coverage_clean

    def clean(geoms: np.ndarray, **kw: object) -> np.ndarray:
        cleaned.append(len(geoms))
        out: np.ndarray = real_clean(geoms, **kw)
        return out

    with monkeypatch.context() as m:
        # The exact check fails, and GEOS overlay's pieces look invalid too: coverage_clean.
        m.setattr(grid, "_noded_pieces_ok", lambda *args: False)
        m.setattr(shapely, "coverage_is_valid", lambda *args, **kw: False)
        m.setattr(shapely, "coverage_clean", clean)
        cells = grid.square_cells(SKEWED, cell_size_m=20.0)
    assert cleaned, "the fallback went through coverage_clean"
    assert_coverage(cells, SKEWED)
    xs, ys = grid._grid(SKEWED.bounds, 20.0)
    fast = grid._square_cells_noded(SKEWED, xs, ys)
    assert fast is not None
    np.testing.assert_allclose(cell_keys(cells), cell_keys(fast), rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "campus",
    [
        # A notch whose tip touches the line x = 100 from the west: the whole tile east of
        # it lacks that vertex, so the pieces are not noded and the check must refuse them.
        Polygon([(3, 2), (397, 6), (392, 294), (5, 297), (4, 200), (100, 160), (6, 120)]),
        # Edges on the grid lines: clip_by_rect may mistake the inside, never tried.
        RECTANGLE,
        WITH_LAKE,
    ],
    ids=["touching-vertex", "rectangle", "lake-on-lines"],
)
def test_square_noded_clip_refuses_what_it_cannot_prove(campus: BaseGeometry) -> None:
    xs, ys = grid._grid(campus.bounds, 50.0)
    assert grid._square_cells_noded(campus, xs, ys) is None
    assert_coverage(grid.square_cells(campus, cell_size_m=50.0), campus)


def test_noded_check_catches_a_complement_and_an_unmatched_vertex() -> None:
    campus = shapely.orient_polygons(Polygon([(2, 2), (18, 3), (9, 8)]), exterior_cw=True)
    xs, ys = np.array([0.0, 10.0, 20.0]), np.array([0.0, 10.0])
    noded, p, q = grid._node(campus, xs, ys)
    col, row = np.array([0, 1]), np.array([0, 0])
    pieces = shapely.orient_polygons(
        clip_rects(np.array([noded, noded]), xs[col], ys[row], xs[col + 1], ys[row + 1]),
        exterior_cw=True,
    )
    tile = np.array([0, 1])
    assert grid._noded_pieces_ok(pieces, (col, row), tile, (p, q), xs, ys)
    # The east tile's complement has the same edges inside the tile, reversed.
    wrong = pieces.copy()
    wrong[1] = shapely.orient_polygons(
        shapely.difference(box(10, 0, 20, 10), pieces[1]), exterior_cw=True
    )
    assert not grid._noded_pieces_ok(wrong, (col, row), tile, (p, q), xs, ys)
    # An extra vertex on the shared line x = 10, in the west piece only.
    ring = shapely.get_coordinates(pieces[0])
    at = int(np.flatnonzero(ring[:-1, 0] == 10.0)[0])
    extra = np.insert(ring, at + 1, 0.5 * (ring[at] + ring[at + 1]), axis=0)
    assert extra[at + 1, 0] == 10.0
    wrong = pieces.copy()
    wrong[0] = Polygon(extra)
    assert not grid._noded_pieces_ok(wrong, (col, row), tile, (p, q), xs, ys)


def test_clip_rects_without_the_ufunc_gives_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    geoms = np.array([SKEWED, WITH_LAKE, SKEWED], dtype=object)
    x0, y0, _, _ = SKEWED.bounds
    rects = (
        np.array([x0 + 100, 200.0, x0 + 400]),
        np.array([y0 + 100, 100.0, y0 + 50]),
        np.array([x0 + 150, 400.0, x0 + 470]),
        np.array([y0 + 180, 300.0, y0 + 60]),
    )
    fast = clip_rects(geoms, *rects)
    monkeypatch.setattr(rectclip, "CLIP_UFUNC", None)
    slow = clip_rects(geoms, *rects)
    assert slow.shape == (3,) and np.all(shapely.equals_exact(fast, slow, tolerance=0.0))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campus=campuses(), size=st.floats(5, 120))
def test_generated_noded_square_cells_are_exact(campus: BaseGeometry, size: float) -> None:
    # Whenever the cheap exact check accepts the noded clip, it is a valid coverage of the
    # campus with the overlay's cells.
    xs, ys = grid._grid(campus.bounds, size)
    fast = grid._square_cells_noded(campus, xs, ys)
    if fast is not None:
        assert_coverage(fast, campus)
        assert len(fast) == len(grid._square_cells_overlay(campus, xs, ys))
