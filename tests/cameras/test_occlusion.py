"""Exact shadow coverage against a brute-force ray-cast oracle (rays every 0.1°)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity, box

from tests.realdata import campus_dir
from tests.shapes import COURTYARD_BUILDING, METRIC_CRS, U_BUILDING
from zoning.cameras.coverage import Buildings, CameraArrays, band_geometries
from zoning.cameras.occlusion import (
    building_edges,
    facing_pairs,
    polygonal,
    sector_polygons,
    shadow_quads,
)
from zoning.geo.crs import to_metric

L_BUILDING = shapely.Polygon([(0, 0), (30, 0), (30, 10), (10, 10), (10, 25), (0, 25)])


def ray_cast_area(
    x: float,
    y: float,
    heading_deg: float,
    hfov_deg: float,
    reach_m: float,
    footprints: list[shapely.Geometry],
) -> float:
    """Area seen from (x, y): nearest hit of a ray every 0.1° against every footprint edge."""
    n = max(2, round(hfov_deg / 0.1) + (0 if hfov_deg >= 360 else 1))
    start = math.radians(90.0 - heading_deg) - math.radians(hfov_deg) / 2
    ang = start + np.arange(n) * math.radians(hfov_deg) / (n if hfov_deg >= 360 else n - 1)
    dx, dy = np.cos(ang)[:, None], np.sin(ang)[:, None]
    t = np.full((n, 1), reach_m)
    if footprints:
        rings = shapely.get_rings(shapely.get_parts(np.asarray(footprints, dtype=object)))
        coords, which = shapely.get_coordinates(rings, return_index=True)
        same = which[:-1] == which[1:]
        a, b = coords[:-1][same], coords[1:][same]
        ax, ay = a[:, 0][None, :] - x, a[:, 1][None, :] - y
        ex, ey = (b[:, 0] - a[:, 0])[None, :], (b[:, 1] - a[:, 1])[None, :]
        den = dx * ey - dy * ex
        with np.errstate(divide="ignore", invalid="ignore"):
            hit = (ax * ey - ay * ex) / den  # distance along the ray
            u = (ax * dy - ay * dx) / den  # position along the edge
        ok = (np.abs(den) > 1e-12) & (hit > 0) & (u >= 0) & (u <= 1)
        t = np.minimum(reach_m, np.where(ok, hit, np.inf).min(axis=1, keepdims=True))
    px, py = x + dx[:, 0] * t[:, 0], y + dy[:, 0] * t[:, 0]
    if hfov_deg < 360:
        px, py = np.r_[x, px], np.r_[y, py]
    return float(0.5 * abs(np.dot(px, np.roll(py, 1)) - np.dot(py, np.roll(px, 1))))


def arrays(
    xs: list[float], ys: list[float], heading: list[float], hfov: list[float], reach: float
) -> CameraArrays:
    n = len(xs)
    return CameraArrays(
        x=np.asarray(xs, dtype=float),
        y=np.asarray(ys, dtype=float),
        heading_deg=np.asarray(heading, dtype=float),
        hfov_deg=np.asarray(hfov, dtype=float),
        mount_height_m=np.zeros(n),
        resolution_px=np.full(n, 100_000.0),
        range_m=np.full(n, reach),
        indoor=np.zeros(n, dtype=bool),
    )


def random_scene(
    seed: int, n_buildings: int = 12, n_cameras: int = 8
) -> tuple[list[shapely.Geometry], CameraArrays]:
    rng = np.random.default_rng(seed)
    shapes = [box(0, 0, 20, 12), L_BUILDING, U_BUILDING, COURTYARD_BUILDING, box(0, 0, 40, 3)]
    footprints: list[shapely.Geometry] = []
    for _ in range(n_buildings):
        shape = shapes[int(rng.integers(len(shapes)))]
        shape = affinity.scale(shape, *(rng.uniform(0.4, 1.2, 2)), origin=(0, 0))
        shape = affinity.rotate(shape, float(rng.uniform(0, 360)), origin=(0, 0))
        shape = affinity.translate(shape, *rng.uniform(0, 200, 2))
        if not any(shape.buffer(1).intersects(f) for f in footprints):
            footprints.append(shape)
    union = shapely.union_all(footprints).buffer(0.5)
    xs: list[float] = []
    ys: list[float] = []
    while len(xs) < n_cameras:
        px, py = rng.uniform(0, 200, 2)
        if not union.contains(shapely.Point(px, py)):
            xs.append(float(px))
            ys.append(float(py))
    heading = list(rng.uniform(0, 360, n_cameras))
    hfov = list(rng.choice([60.0, 90.0, 200.0, 360.0], n_cameras))
    return footprints, arrays(xs, ys, heading, hfov, 40.0)


def assert_matches_oracle(footprints: list[shapely.Geometry], cams: CameraArrays) -> None:
    got = shapely.area(
        band_geometries(cams, Buildings(np.asarray(footprints, dtype=object)))[:, -1]
    )
    reach = cams.radii()[:, -1]  # wide lenses reach less than range_m (pixel density)
    for i in range(len(cams)):
        want = ray_cast_area(
            cams.x[i], cams.y[i], cams.heading_deg[i], cams.hfov_deg[i], reach[i], footprints
        )
        assert got[i] == pytest.approx(want, rel=0.01, abs=0.5), f"camera {i}"


@pytest.mark.parametrize("seed", range(6))
def test_exact_coverage_agrees_with_the_ray_cast_on_random_scenes(seed: int) -> None:
    footprints, cams = random_scene(seed)
    assert_matches_oracle(footprints, cams)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**31),
    heading=st.floats(0, 360),
    hfov=st.sampled_from([20.0, 90.0, 179.0, 181.0, 270.0, 360.0]),
)
def test_exact_coverage_agrees_with_the_ray_cast_property(
    seed: int, heading: float, hfov: float
) -> None:
    footprints, cams = random_scene(seed, n_buildings=10, n_cameras=3)
    cams = arrays(list(cams.x), list(cams.y), [heading] * 3, [hfov] * 3, 40.0)
    assert_matches_oracle(footprints, cams)


def test_exact_coverage_agrees_with_the_ray_cast_on_bupt() -> None:
    folder = campus_dir("bupt")
    buildings = to_metric(gpd.read_file(folder / "buildings.geojson"))
    footprints = list(shapely.make_valid(buildings.geometry.to_numpy()))
    union = shapely.union_all(footprints)
    rng = np.random.default_rng(7)
    xmin, ymin, xmax, ymax = union.bounds
    xs: list[float] = []
    ys: list[float] = []
    while len(xs) < 30:  # cameras in the open, 1 to 15 m from the nearest building
        px, py = rng.uniform([xmin, ymin], [xmax, ymax])
        gap = union.distance(shapely.Point(px, py))
        if 1.0 < gap < 15.0:
            xs.append(float(px))
            ys.append(float(py))
    cams = arrays(xs, ys, list(rng.uniform(0, 360, 30)), list(rng.choice([90.0, 360.0], 30)), 60.0)
    assert_matches_oracle(footprints, cams)


def test_back_face_culling_does_not_change_the_shadow() -> None:
    footprints, cams = random_scene(3, n_buildings=15, n_cameras=10)
    edges = building_edges(np.asarray(footprints, dtype=object))
    reach = np.full(len(cams), 40.0)
    args = (cams.x, cams.y, cams.heading_deg, cams.hfov_deg, reach, edges)
    culled = facing_pairs(*args)
    everything = facing_pairs(*args, cull=False)
    assert culled.camera.size < everything.camera.size
    sectors = sector_polygons(cams.x, cams.y, cams.heading_deg, cams.hfov_deg, reach)
    for pairs in (culled, everything):
        quads, cam = shadow_quads(cams.x, cams.y, reach, pairs, edges)
        polys = shapely.polygons(quads)
        for i in range(len(cams)):
            shade = shapely.union_all(polys[cam == i])
            seen = shapely.difference(sectors[i], shade).area
            want = ray_cast_area(
                cams.x[i], cams.y[i], cams.heading_deg[i], cams.hfov_deg[i], 40.0, footprints
            )
            assert seen == pytest.approx(want, rel=0.01, abs=0.5)


def test_sector_polygons_have_exact_sector_areas() -> None:
    hfov = np.array([1.0, 45.0, 90.0, 180.0, 181.0, 300.0, 360.0])
    polys = sector_polygons(np.zeros(7), np.zeros(7), np.zeros(7), hfov, np.full(7, 10.0))
    assert np.all(shapely.is_valid(polys))
    np.testing.assert_allclose(shapely.area(polys), np.radians(hfov) / 2 * 100, rtol=1e-9)
    assert shapely.is_empty(sector_polygons(np.zeros(1), np.zeros(1), np.zeros(1), 90.0, 0.0)[0])


def test_metric_crs_constant_is_projected() -> None:
    # The shapes' CRS is metric, so scenes built from tests.shapes can go through the API.
    frame = gpd.GeoDataFrame(geometry=[U_BUILDING], crs=METRIC_CRS)
    assert Buildings(frame).edges.a.shape == (8, 2)


def test_polygonal_drops_stray_lines_in_any_shape_of_array() -> None:
    square = box(0, 0, 1, 1)
    mixed = shapely.GeometryCollection([square, shapely.LineString([(0, 0), (5, 5)])])
    got = polygonal(np.array([[square, mixed]], dtype=object))
    assert got.shape == (1, 2)
    assert got[0, 1].equals(square)
