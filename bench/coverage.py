"""Camera coverage benchmark: ours against a plain shadow method and a per-camera ray cast.

Run by hand: ``.venv/bin/python bench/coverage.py [--repeat 3]``. Uses the large demo
campus (``zoning.demo.build_demo(scale="large")``) when it exists, else a synthetic scene of
the same size: 3,000 buildings (rectangles, L-shapes, U-shapes, courtyards) on 3 × 3 km and
2,000 cameras, half mounted 0.3 m off a wall facing out, half in the open.

Peers, run in the same process on the same cameras:

* **plain shadows**: per camera, every edge of every building within range, one shadow
  quadrilateral per edge, unioned, subtracted from the sector: no culling, no bulk query.
* **ray cast**: per camera, 90 rays as shapely lines against the boundaries of the
  buildings within range; the nearest hit of each ray closes a polygon (approximate).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely import STRtree, affinity

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zoning.cameras.bands import BANDS
from zoning.cameras.coverage import (
    Buildings,
    CameraArrays,
    band_geometries,
    camera_arrays,
    campus_coverage,
)
from zoning.cameras.index import CoverageIndex
from zoning.cameras.occlusion import EdgePairs, building_edges, sector_polygons, shadow_quads
from zoning.geo.crs import to_metric

CRS = "EPSG:32650"


def synthetic_scene(
    *, buildings: int = 3000, cameras: int = 2000, size_m: float = 3000.0, seed: int = 0
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, shapely.Geometry]:
    """Return (cameras, buildings, walkable) of a synthetic campus in a metric CRS."""
    rng = np.random.default_rng(seed)
    shapes = [
        shapely.box(-20, -8, 20, 8),
        shapely.Polygon([(0, 0), (40, 0), (40, 12), (12, 12), (12, 30), (0, 30)]),
        shapely.Polygon([(0, 0), (10, 0), (10, 25), (30, 25), (30, 0), (40, 0), (40, 35), (0, 35)]),
        shapely.Polygon(
            [(0, 0), (45, 0), (45, 45), (0, 45)], holes=[[(12, 12), (33, 12), (33, 33), (12, 33)]]
        ),
    ]
    weights = [0.6, 0.2, 0.1, 0.1]
    footprints: list[shapely.Geometry] = []
    tree, built = STRtree([]), 0
    while len(footprints) < buildings:  # non-overlapping footprints at least 3 m apart
        k = rng.choice(len(shapes), p=weights)
        g = affinity.scale(shapes[k], *rng.uniform(0.6, 1.4, 2), origin=(0, 0))
        g = affinity.rotate(g, float(rng.uniform(0, 180)), origin=(0, 0))
        g = affinity.translate(g, *rng.uniform(0, size_m, 2))
        if len(footprints) - built >= 200:
            tree, built = STRtree(np.asarray(footprints, dtype=object)), len(footprints)
        if tree.query(g, predicate="dwithin", distance=3.0).size:
            continue
        if not any(f.distance(g) < 3.0 for f in footprints[built:]):
            footprints.append(g)
    fp = np.asarray(footprints, dtype=object)
    union = shapely.union_all(fp)
    xs, ys, heads = [], [], []
    on_wall = cameras // 2
    picks = rng.integers(0, buildings, on_wall)
    for b in picks:  # a camera 0.3 m outside a random exterior wall, facing out
        ring = np.asarray(shapely.get_coordinates(shapely.get_exterior_ring(fp[b])))
        e = int(rng.integers(len(ring) - 1))
        a, c = ring[e], ring[e + 1]
        t = rng.uniform(0.2, 0.8)
        px, py = a + (c - a) * t
        nx, ny = (c - a)[1], -(c - a)[0]  # right of a CCW shell edge is outside
        if shapely.is_ccw(shapely.get_exterior_ring(fp[b])) is False:
            nx, ny = -nx, -ny
        norm = math.hypot(nx, ny)
        xs.append(px + 0.3 * nx / norm)
        ys.append(py + 0.3 * ny / norm)
        heads.append((90.0 - math.degrees(math.atan2(ny, nx)) + rng.uniform(-40, 40)) % 360)
    while len(xs) < cameras:
        px, py = rng.uniform(0, size_m, 2)
        if not union.contains(shapely.Point(px, py)):
            xs.append(px)
            ys.append(py)
            heads.append(rng.uniform(0, 360))
    n = len(xs)
    cams = gpd.GeoDataFrame(
        {
            "source_id": [f"cam{i}" for i in range(n)],
            "name": [None] * n,
            "heading_deg": heads,
            "hfov_deg": rng.choice([60.0, 90.0, 110.0, 360.0], n, p=[0.3, 0.4, 0.2, 0.1]),
            "tilt_deg": np.full(n, 15.0),
            "mount_height_m": rng.uniform(3.0, 6.0, n),
            "resolution_px": rng.choice([1920, 2560, 3840], n),
            "range_m": rng.uniform(30.0, 80.0, n),
            "indoor": np.zeros(n, dtype=bool),
        },
        geometry=shapely.points(xs, ys),
        crs=CRS,
    )
    blds = gpd.GeoDataFrame({"height_m": np.full(buildings, 15.0)}, geometry=fp, crs=CRS)
    walkable = shapely.difference(shapely.box(0, 0, size_m, size_m), union)
    return cams, blds, walkable


def demo_scene() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, shapely.Geometry, str] | None:
    """Return the large demo campus in its metric CRS, or None if it cannot be built."""
    try:
        from zoning.demo.build import build_demo  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    from zoning.cameras.coverage import walkable_area

    try:
        layers = build_demo(scale="large", seed=0).layers
    except Exception as err:  # the demo is another module's work; fall back, say why
        print(f"build_demo(scale='large') failed ({err!r}); using the synthetic scene")
        return None
    cams = to_metric(layers.cameras)
    crs = cams.crs
    blds = layers.buildings.to_crs(crs)
    walk = walkable_area(layers.boundary.to_crs(crs), blds, layers.landcover.to_crs(crs))
    return cams, blds, walk, "zoning.demo.build_demo(scale='large', seed=0)"


# ----------------------------------------------------------------------------- peers


def plain_shadows(cams: CameraArrays, world: Buildings) -> np.ndarray:
    """Per camera: every edge of every building in range, quads unioned, no culling."""
    reach = cams.radii(BANDS)[:, -1]
    sectors = sector_polygons(cams.x, cams.y, cams.heading_deg, cams.hfov_deg, reach)
    out = np.empty(len(cams), dtype=object)
    for i in range(len(cams)):  # the peer's per-camera loop
        here = shapely.Point(cams.x[i], cams.y[i])
        hit = world.tree.query(here, predicate="dwithin", distance=reach[i])
        if hit.size == 0 or reach[i] <= 0:
            out[i] = sectors[i]
            continue
        edges = building_edges(world.footprints[hit])
        pairs = EdgePairs(
            camera=np.zeros(len(edges.a), dtype=np.int64), edge=np.arange(len(edges.a))
        )
        quads, _ = shadow_quads(
            cams.x[i : i + 1], cams.y[i : i + 1], reach[i : i + 1], pairs, edges
        )
        out[i] = shapely.difference(sectors[i], shapely.union_all(shapely.polygons(quads)))
    return out


def ray_cast(cams: CameraArrays, world: Buildings, *, rays: int = 90) -> np.ndarray:
    """Per camera: ``rays`` shapely rays, nearest hit on the buildings in range."""
    reach = cams.radii(BANDS)[:, -1]
    out = np.empty(len(cams), dtype=object)
    boundaries = shapely.boundary(world.footprints)
    for i in range(len(cams)):  # the peer's per-camera loop
        x, y, r = cams.x[i], cams.y[i], reach[i]
        if r <= 0:
            out[i] = shapely.Polygon()
            continue
        fov = math.radians(min(cams.hfov_deg[i], 360.0))
        full = fov >= 2 * math.pi
        ang = (
            math.radians(90.0 - cams.heading_deg[i])
            - fov / 2
            + np.linspace(0, fov, rays, endpoint=not full)
        )
        ends = np.column_stack([x + r * np.cos(ang), y + r * np.sin(ang)])
        lines = shapely.linestrings(np.stack([np.tile([x, y], (rays, 1)), ends], axis=1))
        hit = world.tree.query(shapely.Point(x, y), predicate="dwithin", distance=r)
        dist = np.full(rays, r)
        if hit.size:
            walls = shapely.union_all(boundaries[hit])
            cross = shapely.intersection(lines, walls)
            some = ~shapely.is_empty(cross)
            dist[some] = np.minimum(r, shapely.distance(shapely.Point(x, y), cross[some]))
        pts = np.column_stack([x + dist * np.cos(ang), y + dist * np.sin(ang)])
        out[i] = shapely.Polygon(pts if full else np.vstack([[x, y], pts]))
    return out


# ----------------------------------------------------------------------------- timing


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    python = platform.python_version()
    return f"nproc {os.cpu_count()}, {cpu}, Python {python}, GEOS {shapely.geos_version_string}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--synthetic", action="store_true", help="skip the demo campus")
    args = parser.parse_args()
    scene = None if args.synthetic else demo_scene()
    if scene is None:
        cams_frame, blds_frame, walkable = synthetic_scene()
        label = "synthetic: 3,000 buildings on 3 × 3 km, 2,000 cameras (seed 0)"
    else:
        cams_frame, blds_frame, walkable, label = scene
    print(f"scene: {label}; {len(blds_frame)} buildings, {len(cams_frame)} cameras")
    print(f"machine: {machine()}")

    world = Buildings(blds_frame)
    cams = camera_arrays(cams_frame)
    one_band = (BANDS[-1],)

    t_ours1, ours1 = best_of(args.repeat, lambda: band_geometries(cams, world, bands=one_band))
    t_ours5, _ = best_of(args.repeat, lambda: band_geometries(cams, world))
    t_campus, result = best_of(
        args.repeat, lambda: campus_coverage(cams_frame, blds_frame, walkable=walkable)
    )
    t_plain, plain = best_of(1, lambda: plain_shadows(cams, world))
    t_rays, rays = best_of(1, lambda: ray_cast(cams, world))

    exact = shapely.area(np.asarray(ours1, dtype=object)[:, 0])
    plain_area = shapely.area(np.asarray(plain, dtype=object))
    ray_area = shapely.area(np.asarray(rays, dtype=object))
    big = exact > 1.0
    plain_err = np.max(np.abs(plain_area[big] - exact[big]) / exact[big])
    ray_rel = np.abs(ray_area[big] - exact[big]) / exact[big]
    ray_err, ray_p90 = np.median(ray_rel), np.percentile(ray_rel, 90)

    # Per-cell figures (what the map pages ask for): a 30 m square grid over the scene.
    from zoning.grid.splitting import square_cells

    walk_geom = walkable if isinstance(walkable, shapely.Geometry) else walkable.union_all()
    squares = square_cells(shapely.convex_hull(walk_geom), cell_size_m=30.0)
    cells = gpd.GeoDataFrame(
        {"code": [f"C{i}" for i in range(len(squares))]}, geometry=list(squares), crs=cams_frame.crs
    )
    t_cells, with_cells = best_of(
        1, lambda: campus_coverage(cams_frame, blds_frame, walkable=walkable, cells=cells)
    )
    t_naive_base, naive_base = best_of(
        1, lambda: shapely.area(shapely.intersection(cells.geometry.to_numpy(), walk_geom))
    )
    ours_cells = with_cells.cells  # type: ignore[attr-defined]
    covered = ours_cells["covered_pct"].to_numpy()
    walk_ok = np.isfinite(covered)
    print(
        f"per-cell: {len(cells)} cells; cells with walkable space per the naive overlay "
        f"{int((np.asarray(naive_base) > 1e-9).sum())}, per ours {int(walk_ok.sum())}"
    )

    t_build, index = best_of(
        args.repeat, lambda: CoverageIndex(cams_frame, blds_frame, walkable=walkable)
    )
    assert isinstance(index, CoverageIndex)
    rng = np.random.default_rng(1)
    keys = list(cams_frame.index[rng.integers(0, len(cams_frame), 30)])
    moves = []
    for key in keys:
        cam = index.camera(key)
        t = time.perf_counter()
        index.move(key, x=cam.x + rng.uniform(-5, 5), heading_deg=(cam.heading_deg + 30) % 360)
        moves.append(time.perf_counter() - t)
    t_move = statistics.median(moves)

    rows = [
        ("ours, coverage polygon per camera (useful range)", t_ours1, ""),
        ("ours, + 5 IEC bands per camera", t_ours5, ""),
        ("ours, campus_coverage (bands, unions, summary)", t_campus, ""),
        ("ours, campus_coverage + per-cell shares of 30 m cells", t_cells, ""),
        (
            "peer: each cell ∩ the whole walkable polygon (the per-cell base only)",
            t_naive_base,
            f"{t_naive_base / max(t_cells - t_campus, 1e-9):.1f}× (vs ours' per-cell part)",
        ),
        ("peer: plain shadow polygons, no culling", t_plain, f"{t_plain / t_ours1:.1f}×"),
        ("peer: ray cast, 90 rays per camera", t_rays, f"{t_rays / t_ours1:.1f}×"),
        ("CoverageIndex build (tiles of 250 m)", t_build, ""),
        ("CoverageIndex.move, median of 30", t_move, ""),
    ]
    print("\n| step | seconds | peer / ours |\n|---|---:|---:|")
    for name, secs, ratio in rows:
        print(f"| {name} | {secs:.3f} | {ratio} |")
    print(f"\nplain shadows vs ours, max relative area difference: {plain_err:.2e}")
    print(
        f"ray cast (90 rays) vs exact, relative area error: median {ray_err:.2%}, p90 {ray_p90:.2%}"
    )
    assert hasattr(result, "summary")
    summary = result.summary()  # type: ignore[attr-defined]
    print(
        f"walkable {summary['walkable_area_m2']:.0f} m², covered ≥ detect "
        f"{summary['covered_area_m2']:.0f} m², blind spots {summary['blind_spot_area_m2']:.0f} m²"
    )


if __name__ == "__main__":
    main()
