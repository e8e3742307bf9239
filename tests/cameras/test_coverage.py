"""Hand-worked camera coverage cases, each checked against its closed-form area."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import Point, box

from tests.realdata import campus_dir
from tests.shapes import CAMERA_ON_WALL, COURTYARD_BUILDING, METRIC_CRS, U_BUILDING
from zoning.cameras.bands import (
    BAND_NAMES,
    IEC_62676_4_2015,
    band_ground_distances_m,
    hfov_from_lens,
    pixel_density_px_per_m,
)
from zoning.cameras.coverage import (
    camera_coverage,
    campus_coverage,
    key_areas_from_layers,
    layers_coverage,
    walkable_area,
)
from zoning.campus.layers import CampusLayers
from zoning.errors import InvalidInput
from zoning.geo.crs import to_metric

# A camera whose pixel density never limits a 50 m range (monitor distance ≈ 400 m).
SHARP = {"resolution_px": 10_000, "mount_height_m": 0.0}


def cams(*rows: dict[str, object], crs: str = METRIC_CRS) -> gpd.GeoDataFrame:
    """Cameras layer from dicts with ``xy`` and any camera columns."""
    base = {"heading_deg": 0.0, "hfov_deg": 90.0, "tilt_deg": 10.0, "mount_height_m": 4.0}
    base |= {"resolution_px": 1920, "range_m": 50.0, "indoor": False}
    records = [base | {k: v for k, v in r.items() if k != "xy"} for r in rows]
    points = [Point(*r["xy"]) for r in rows]  # type: ignore[misc]
    return gpd.GeoDataFrame(records, geometry=points, crs=crs)


def blds(*polys: shapely.Geometry) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"height_m": [10.0] * len(polys)}, geometry=list(polys), crs=METRIC_CRS)


NO_BUILDINGS = blds()


def area(frame: gpd.GeoDataFrame, i: int = 0) -> float:
    return float(frame["area_m2"].iloc[i])


# ------------------------------------------------------------------------------- optics


def test_hfov_from_lens_matches_the_pinhole_formula() -> None:
    assert hfov_from_lens(4.0, 8.0) == pytest.approx(90.0)
    assert hfov_from_lens(2.8, 5.6) == pytest.approx(90.0)
    assert hfov_from_lens(12.0, 6.4) == pytest.approx(2 * math.degrees(math.atan(6.4 / 24)))
    with pytest.raises(InvalidInput):
        hfov_from_lens(0.0, 5.0)


def test_pixel_density_uses_the_slant_distance() -> None:
    # W / (2·s·tan(θ/2)) with s = sqrt(d² + h²) = 5 m, θ = 90°: 2000 / 10 = 200 px/m.
    got = pixel_density_px_per_m(4.0, mount_height_m=3.0, resolution_px=2000, hfov_deg=90.0)
    assert float(got) == pytest.approx(200.0)


def test_band_table_is_iec_62676_4_2015() -> None:
    assert [(b.name, b.min_px_per_m) for b in IEC_62676_4_2015] == [
        ("identify", 250.0),
        ("recognise", 125.0),
        ("observe", 62.5),
        ("detect", 25.0),
        ("monitor", 12.5),
    ]


def test_band_distances_invert_the_density_formula() -> None:
    radii = band_ground_distances_m(mount_height_m=4.0, resolution_px=1920, hfov_deg=90.0)[0]
    for r, band in zip(radii, IEC_62676_4_2015, strict=True):
        if r > 0:
            d = pixel_density_px_per_m(r, mount_height_m=4.0, resolution_px=1920, hfov_deg=90.0)
            assert float(d) == pytest.approx(band.min_px_per_m)
    # identify needs s ≤ 1920 / 500 = 3.84 m < 4 m mount height: never reached.
    assert radii[0] == 0.0
    assert radii[-1] == pytest.approx(math.sqrt(76.8**2 - 16))


# ------------------------------------------------------------------ lone cameras, no walls


def expected_band_radii(
    resolution: float, hfov: float, height: float, range_m: float
) -> list[float]:
    k = resolution / (2 * math.tan(math.radians(hfov) / 2))
    out = []
    for level in (250, 125, 62.5, 25, 12.5):
        s = k / level
        out.append(min(math.sqrt(max(s * s - height * height, 0.0)), range_m))
    return out


@pytest.mark.parametrize("hfov", [30.0, 90.0, 135.0])
def test_band_areas_of_a_lone_camera_are_annular_sectors(hfov: float) -> None:
    frame = camera_coverage(
        cams({"xy": (100, 100), "hfov_deg": hfov, "range_m": 200.0, "resolution_px": 2560}),
        NO_BUILDINGS,
    )
    radii = expected_band_radii(2560, hfov, 4.0, 200.0)
    theta = math.radians(hfov)
    inner = 0.0
    for name, r in zip(BAND_NAMES, radii, strict=True):
        at_least = float(shapely.area(frame[name].iloc[0]))
        assert at_least == pytest.approx(theta / 2 * r * r, rel=1e-6, abs=1e-6)
        best = at_least - (theta / 2 * inner * inner)
        assert best == pytest.approx(theta / 2 * (r * r - inner * inner), rel=1e-6, abs=1e-6)
        inner = r
    assert area(frame) == pytest.approx(theta / 2 * radii[-1] ** 2, rel=1e-6)


def test_range_caps_the_useful_range() -> None:
    frame = camera_coverage(cams({"xy": (0, 0), "range_m": 20.0}), NO_BUILDINGS)
    assert area(frame) == pytest.approx(math.pi / 4 * 400, rel=1e-6)
    assert float(shapely.area(frame["detect"].iloc[0])) == pytest.approx(math.pi / 4 * 400)


@pytest.mark.parametrize("hfov", [270.0, 360.0])
def test_fields_of_view_over_180_degrees(hfov: float) -> None:
    frame = camera_coverage(cams({"xy": (0, 0), "hfov_deg": hfov, **SHARP}), NO_BUILDINGS)
    assert area(frame) == pytest.approx(math.radians(hfov) / 2 * 2500, rel=1e-6)
    geom = frame.geometry.iloc[0]
    assert geom.is_valid
    # 270° facing north leaves the southern quadrant out.
    assert geom.contains(Point(0, 30)) and (hfov == 360.0) == geom.contains(Point(0, -30))


def test_360_degree_camera_covers_a_full_disc_per_band() -> None:
    frame = camera_coverage(
        cams({"xy": (0, 0), "hfov_deg": 360.0, "range_m": 1000.0, "resolution_px": 4000}),
        NO_BUILDINGS,
    )
    # Fisheye: equidistant density W / (s·θ) with θ = 2π.
    k = 4000 / (2 * math.pi)
    for name, level in (("recognise", 125), ("detect", 25), ("monitor", 12.5)):
        r = math.sqrt((k / level) ** 2 - 16)
        assert float(shapely.area(frame[name].iloc[0])) == pytest.approx(math.pi * r * r, rel=1e-6)


def test_zero_range_gives_empty_coverage() -> None:
    frame = camera_coverage(cams({"xy": (0, 0), "range_m": 0.0}), blds(box(5, 5, 10, 10)))
    assert area(frame) == 0.0
    assert all(shapely.is_empty(frame[name].iloc[0]) for name in BAND_NAMES)


# ------------------------------------------------------------------------------ occlusion

WALL = box(-100, 20, 100, 21)


def test_camera_facing_a_wall_sees_the_triangle_before_it() -> None:
    frame = camera_coverage(cams({"xy": (0, 0), **SHARP}), blds(WALL))
    # The 90° sector meets y = 20 at x = ±20: a triangle of base 40 and height 20.
    assert area(frame) == pytest.approx(400.0, rel=1e-9)
    assert not frame.geometry.iloc[0].intersects(Point(0, 30))


def test_a_wall_between_two_cameras() -> None:
    two = cams({"xy": (0, 0), **SHARP}, {"xy": (0, 40), "heading_deg": 180.0, **SHARP})
    frame = camera_coverage(two, blds(WALL))
    assert area(frame, 0) == pytest.approx(400.0)
    assert area(frame, 1) == pytest.approx(19 * 38 / 2)  # from y = 40 down to y = 21
    assert frame.geometry.iloc[0].intersection(frame.geometry.iloc[1]).area == pytest.approx(0.0)


def test_camera_in_a_u_courtyard_sees_only_the_courtyard_part_of_its_sector() -> None:
    # U_BUILDING's courtyard is x 10..40, y 0..40, open to the south.
    north = camera_coverage(cams({"xy": (25, 20), "range_m": 30.0, **SHARP}), blds(U_BUILDING))
    # {20 ≤ y ≤ 40, |x − 25| ≤ y − 20} clipped by the walls at x = 10 and 40.
    assert area(north) == pytest.approx(400.0 - 2 * 12.5, rel=1e-9)
    around = camera_coverage(
        cams({"xy": (25, 20), "range_m": 30.0, "hfov_deg": 360.0, **SHARP}), blds(U_BUILDING)
    )
    # The whole courtyard plus the disc wedge seen through the opening, minus its triangle.
    wedge = 2 * math.atan(15 / 20) / 2 * 900 - 30 * 20 / 2
    assert area(around) == pytest.approx(1200 + wedge, rel=1e-4)
    assert not around.geometry.iloc[0].intersects(Point(5, 20))  # inside the west wing
    assert not around.geometry.iloc[0].intersects(Point(-3, 20))  # behind the west wing


def test_camera_in_a_courtyard_hole_sees_exactly_the_courtyard() -> None:
    frame = camera_coverage(
        cams({"xy": (30, 30), "hfov_deg": 360.0, **SHARP}), blds(COURTYARD_BUILDING)
    )
    assert area(frame) == pytest.approx(900.0, rel=1e-9)


def test_camera_on_a_wall_sees_outward() -> None:
    out = camera_coverage(
        cams({"xy": CAMERA_ON_WALL.coords[0], "heading_deg": 180.0, "range_m": 20.0, **SHARP}),
        blds(COURTYARD_BUILDING),
    )
    assert area(out) == pytest.approx(math.pi * 400 / 4, rel=1e-6)
    into = camera_coverage(
        cams({"xy": CAMERA_ON_WALL.coords[0], "heading_deg": 0.0, "range_m": 20.0, **SHARP}),
        blds(COURTYARD_BUILDING),
    )
    assert area(into) < 1.0  # looking into its own wall: (almost) nothing
    assert not into.geometry.iloc[0].intersects(Point(30, 5))


def test_camera_at_a_building_corner_is_not_self_occluded() -> None:
    corner = {"xy": (0, 0), "range_m": 20.0, **SHARP}
    # 270° centred on south-west: east, south, west and north, everything but the building.
    frame = camera_coverage(
        cams(corner | {"heading_deg": 225.0, "hfov_deg": 270.0}), blds(COURTYARD_BUILDING)
    )
    assert area(frame) == pytest.approx(0.75 * math.pi * 400, rel=1e-6)
    full = camera_coverage(cams(corner | {"hfov_deg": 360.0}), blds(COURTYARD_BUILDING))
    assert area(full) == pytest.approx(0.75 * math.pi * 400, rel=5e-3)
    assert not full.geometry.iloc[0].intersects(Point(5, 5))


def test_indoor_camera_covers_only_its_building_within_its_sector() -> None:
    building = box(0, 0, 20, 20)
    frame = camera_coverage(
        cams({"xy": (5, 5), "heading_deg": 45.0, **SHARP}), blds(building, box(30, 0, 40, 40))
    )
    assert area(frame) == pytest.approx(15 * 15, rel=1e-9)  # the quadrant x, y ≥ 5
    assert building.covers(frame.geometry.iloc[0])
    flagged_outdoors = camera_coverage(cams({"xy": (-5, -5), "indoor": True}), blds(building))
    assert area(flagged_outdoors) == 0.0


def test_geographic_crs_and_bad_values_are_refused() -> None:
    with pytest.raises(InvalidInput, match="metric"):
        camera_coverage(cams({"xy": (116.3, 39.9)}, crs="EPSG:4326"), NO_BUILDINGS)
    with pytest.raises(InvalidInput, match="range_m"):
        camera_coverage(cams({"xy": (0, 0), "range_m": -1.0}), NO_BUILDINGS)
    with pytest.raises(InvalidInput, match="hfov_deg"):
        camera_coverage(cams({"xy": (0, 0), "hfov_deg": 400.0}), NO_BUILDINGS)


def test_missing_values_fall_back_to_the_default_spec() -> None:
    frame = gpd.GeoDataFrame({"heading_deg": [np.nan]}, geometry=[Point(0, 0)], crs=METRIC_CRS)
    got = camera_coverage(frame, NO_BUILDINGS)
    assert area(got) == pytest.approx(math.pi / 4 * 60**2, rel=1e-6)  # 90°, range 60 m


# -------------------------------------------------------------------------- campus result


def test_campus_coverage_summary_of_two_cameras_and_a_wall() -> None:
    two = cams({"xy": (0, 0), **SHARP}, {"xy": (0, 40), "heading_deg": 180.0, **SHARP})
    walkable = box(-50, -10, 50, 60).difference(WALL)
    cells = gpd.GeoDataFrame(
        {"code": ["A", "B", "C"]},
        geometry=[box(-50, -10, 50, 20), box(-50, 21, 50, 60), box(-50, 20, 50, 21)],
        crs=METRIC_CRS,
    )
    keys = gpd.GeoDataFrame(
        {"name": ["south gate", "far gate"], "kind": ["gate", "gate"]},
        geometry=[Point(0, 5).buffer(3), Point(45, -5).buffer(3)],
        crs=METRIC_CRS,
    )
    result = campus_coverage(two, blds(WALL), walkable=walkable, cells=cells, key_areas=keys)
    summary = result.summary()
    json.dumps(summary)
    assert set(summary) == {
        "cameras",
        "walkable_area_m2",
        "covered_area_m2",
        "by_band",
        "blind_spot_area_m2",
        "cells",
        "key_areas",
    }
    assert summary["cameras"] == 2
    assert summary["walkable_area_m2"] == pytest.approx(100 * 70 - 100)
    assert summary["covered_area_m2"] == pytest.approx(400 + 361, abs=0.1)
    assert sum(summary["by_band"].values()) == pytest.approx(761, abs=0.5)  # type: ignore[attr-defined]
    assert summary["blind_spot_area_m2"] == pytest.approx(6900 - 761, abs=0.5)
    cells_out = {c["code"]: c for c in summary["cells"]}  # type: ignore[attr-defined]
    assert cells_out["A"]["covered_pct"] == pytest.approx(100 * 400 / 3000, abs=0.1)
    assert cells_out["B"]["covered_pct"] == pytest.approx(100 * 361 / 3900, abs=0.1)
    assert cells_out["C"]["covered_pct"] is None  # the cell is all wall: nothing walkable
    assert [k["covered"] for k in summary["key_areas"]] == [True, False]  # type: ignore[attr-defined]
    # With 10 000 px the whole 90° sector is ≥ recognise out to 50 m: best bands only.
    best = result.best_band()
    assert best["area_m2"].sum() == pytest.approx(761, abs=0.5)


def test_walkable_area_removes_buildings_and_water_only() -> None:
    boundary = gpd.GeoDataFrame(
        {"name": ["campus"]}, geometry=[box(0, 0, 100, 100)], crs=METRIC_CRS
    )
    landcover = gpd.GeoDataFrame(
        {"kind": ["water", "green"]},
        geometry=[box(50, 50, 60, 60), box(70, 70, 80, 80)],
        crs=METRIC_CRS,
    )
    walk = walkable_area(boundary, blds(box(10, 10, 20, 20), box(95, 95, 120, 120)), landcover)
    assert walk.area == pytest.approx(10_000 - 100 - 100 - 25)
    assert walk.contains(Point(75, 75))  # green space is walkable


def test_key_areas_from_pois_and_building_uses() -> None:
    buildings = gpd.GeoDataFrame(
        {"name": ["1号宿舍", "第一食堂", "图书馆"], "use": ["dormitory", "canteen", "library"]},
        geometry=[box(0, 0, 20, 10), box(50, 0, 70, 20), box(100, 0, 120, 20)],
        crs=METRIC_CRS,
    )
    pois = gpd.GeoDataFrame(
        {"name": ["南门", None, "图书馆"], "kind": ["gate", "entrance", "library"]},
        geometry=[Point(0, -50), Point(10, 0), Point(110, 0)],
        crs=METRIC_CRS,
    )
    keys = key_areas_from_layers(pois, buildings, buffer_m=10.0)
    got = {(n, k) for n, k in zip(keys["name"], keys["kind"], strict=True)}
    assert got == {
        ("南门", "gate"),
        ("dormitory entrance", "dormitory_entrance"),
        ("第一食堂", "canteen"),
    }
    canteen = keys.geometry[keys["kind"] == "canteen"].iloc[0]
    # A 10 m ring around the 20 × 20 m canteen: 4 sides × 20 m × 10 m + the rounded corners.
    assert canteen.area == pytest.approx(4 * 20 * 10 + math.pi * 100, rel=0.01)
    assert not canteen.intersects(Point(60, 10))
    gate = keys.geometry[keys["kind"] == "gate"].iloc[0]
    assert gate.area == pytest.approx(math.pi * 100, rel=0.01)


def test_campus_invariants_on_a_real_campus() -> None:
    folder = campus_dir("bupt")
    boundary = to_metric(gpd.read_file(folder / "boundary.geojson"))
    crs = boundary.crs
    buildings = gpd.read_file(folder / "buildings.geojson").to_crs(crs)
    walk = walkable_area(boundary, buildings)
    rng = np.random.default_rng(3)
    xmin, ymin, xmax, ymax = walk.bounds
    points: list[Point] = []
    while len(points) < 40:
        p = Point(*rng.uniform([xmin, ymin], [xmax, ymax]))
        if walk.contains(p):
            points.append(p)
    cameras = gpd.GeoDataFrame(
        {"heading_deg": rng.uniform(0, 360, 40), "hfov_deg": rng.choice([60.0, 90.0, 360.0], 40)},
        geometry=points,
        crs=crs,
    )
    xs = np.arange(xmin, xmax, 150.0)
    ys = np.arange(ymin, ymax, 150.0)
    cells = gpd.GeoDataFrame(
        {"code": [f"C{i}-{j}" for i in range(xs.size) for j in range(ys.size)]},
        geometry=[box(x, y, x + 150, y + 150) for x in xs for y in ys],
        crs=crs,
    )
    result = campus_coverage(cameras, buildings, walkable=walk, cells=cells)
    summary = result.summary()
    by_band = summary["by_band"]
    assert isinstance(by_band, dict)
    detect_or_better = sum(by_band[b] for b in ("identify", "recognise", "observe", "detect"))
    assert detect_or_better == pytest.approx(summary["covered_area_m2"], abs=1.0)
    # Covered + blind = walkable, up to the blind specks under 1 m² that are not reported.
    total = float(summary["covered_area_m2"]) + float(summary["blind_spot_area_m2"])  # type: ignore[arg-type]
    assert total == pytest.approx(walk.area, abs=50.0)
    assert float(summary["covered_area_m2"]) > 0  # type: ignore[arg-type]
    pct = [c["covered_pct"] for c in summary["cells"] if c["covered_pct"] is not None]  # type: ignore[attr-defined]
    assert pct and all(0.0 <= p <= 100.0 for p in pct)
    rec = [c["recognise_pct"] for c in summary["cells"] if c["recognise_pct"] is not None]  # type: ignore[attr-defined]
    assert all(r <= p + 1e-6 for r, p in zip(rec, pct, strict=True))
    # Outdoor coverage never enters a building.
    inside = shapely.intersection(
        result.band_unions["monitor"], shapely.union_all(buildings.geometry.to_numpy())
    )
    assert inside.area < 1e-3


def test_layers_coverage_projects_and_finds_key_areas() -> None:
    metric = gpd.GeoDataFrame(
        {"name": ["campus"]}, geometry=[box(500_000, 4_400_000, 500_200, 4_400_200)], crs=METRIC_CRS
    )
    to_4326 = lambda frame: frame.to_crs("EPSG:4326")  # noqa: E731
    buildings = gpd.GeoDataFrame(
        {"name": ["宿舍"], "use": ["dormitory"]},
        geometry=[box(500_050, 4_400_050, 500_080, 4_400_070)],
        crs=METRIC_CRS,
    )
    pois = gpd.GeoDataFrame(
        {"name": ["北门"], "kind": ["gate"]}, geometry=[Point(500_100, 4_400_195)], crs=METRIC_CRS
    )
    cameras = gpd.GeoDataFrame(
        {
            "heading_deg": [0.0],
            "hfov_deg": [90.0],
            "range_m": [30.0],
            **{k: [v] for k, v in SHARP.items()},
        },
        geometry=[Point(500_100, 4_400_180)],
        crs=METRIC_CRS,
    )
    layers = CampusLayers(
        boundary=to_4326(metric),
        buildings=to_4326(buildings),
        pois=to_4326(pois),
        cameras=to_4326(cameras),
    )
    summary = layers_coverage(layers, crs=METRIC_CRS).summary()
    assert summary["walkable_area_m2"] == pytest.approx(200 * 200 - 30 * 20, abs=1.0)
    assert summary["cameras"] == 1
    kinds = {k["kind"]: k["covered"] for k in summary["key_areas"]}  # type: ignore[attr-defined]
    assert kinds == {"gate": True, "dormitory": False}


def test_real_campus_without_cameras_is_all_blind_per_cell() -> None:
    # bupt as imported, no camera, cells of a building split: every walkable m² is a blind
    # spot and every cell 0 % covered (GEOS used to fail on a cell touching the walkable
    # space only along an edge)
    from tests.realdata import load_layers
    from zoning.grid.splitting import split

    layers = load_layers("bupt")
    boundary = to_metric(layers.boundary)
    cells = split(
        boundary,
        method="building",
        buildings=layers.buildings.to_crs(boundary.crs),
        barriers=layers.roads.to_crs(boundary.crs),
    )
    assert len(layers.cameras) == 0  # OSM maps no camera on these campuses
    result = layers_coverage(layers, cells=cells, crs=boundary.crs)
    summary = result.summary()
    assert summary["cameras"] == 0 and summary["covered_area_m2"] == 0
    assert summary["blind_spot_area_m2"] == pytest.approx(summary["walkable_area_m2"], rel=1e-6)
    pct = [c["covered_pct"] for c in summary["cells"]]  # type: ignore[union-attr]
    assert len(pct) == len(cells) and all(p in (0, None) for p in pct)
