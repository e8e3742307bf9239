"""Point location benchmark: ``zoning.grid.locate.locate`` against ``geopandas.sjoin``.

Run by hand: ``.venv/bin/python bench/assign.py [--repeat 3] [--points 1000000]``.
1,000,000 random points (about 90 % inside the campus) are located in about 10,000 cells
of the large demo campus (``zoning.demo.build_demo(scale="large")``, else a synthetic 6 km²
campus): a square split (clipped) and irregular cells (an H3 split, clipped). The square
split is located twice: by the square-grid fast path (detected) and by the general bucket
path (the same cells with the grid hidden, see ``general_only``). Ours builds its index
every run (``locate``); the prebuilt-index figure (``CellIndex.locate``) is printed too. The
peer is ``geopandas.sjoin(points, cells, predicate="intersects")`` on the same points (a
GeoSeries, so both sides extract the coordinates). Both answers are checked to agree on
every point that lies in exactly one cell."""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.split import best_of, large_campus
from zoning.grid.locate import CellIndex, locate
from zoning.grid.splitting import campus_geometry, split


def general_only(cells: gpd.GeoDataFrame, size_m: float) -> gpd.GeoDataFrame:
    """The same cells with a vertex added in the middle of every tile edge: no longer boxes,
    so the square fast path is not detected and the general bucket path runs."""
    geoms = shapely.segmentize(np.asarray(cells.geometry.values), max_segment_length=0.6 * size_m)
    return gpd.GeoDataFrame(geometry=geoms, crs=cells.crs)


def one_case(
    label: str, cells: gpd.GeoDataFrame, points: gpd.GeoSeries, repeat: int, peer_s: float
) -> None:
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    ours_s, rows = best_of(repeat, lambda: locate(points, cells))
    index = CellIndex(cells)
    query_s, _ = best_of(repeat, lambda: index.locate(points))
    assert isinstance(rows, np.ndarray)
    assert np.array_equal(index.locate(xy), rows)  # coordinates give the same answer
    path = "square fast path" if index.grid is not None else "general path"
    outside = int((rows < 0).sum())
    print(
        f"{label} ({path}): {len(points):,} points in {len(cells):,} cells ({outside:,} "
        f"outside): ours {ours_s:.3f} s (index prebuilt: {query_s:.3f} s), geopandas.sjoin "
        f"{peer_s:.3f} s, ratio {peer_s / ours_s:.1f}× ({peer_s / query_s:.1f}× prebuilt)"
    )


def peer(cells: gpd.GeoDataFrame, points: gpd.GeoSeries, repeat: int) -> tuple[float, np.ndarray]:
    """Time geopandas.sjoin; return its time and, per point, its cell when it found one."""
    frame = gpd.GeoDataFrame(geometry=points)
    peer_s, joined = best_of(
        repeat, lambda: gpd.sjoin(frame, cells[["geometry"]], predicate="intersects")
    )
    assert isinstance(joined, gpd.GeoDataFrame)
    counts = joined.index.value_counts()
    single = joined[joined.index.isin(counts.index[counts == 1])]
    answer = np.full(len(points), -2)
    answer[single.index.to_numpy()] = single["index_right"].to_numpy()
    return peer_s, answer


def check(rows: np.ndarray, answer: np.ndarray, label: str) -> None:
    single = answer > -2
    agree = np.array_equal(rows[single], answer[single])
    print(f"  {label}: agrees with sjoin on every point in one cell: {agree}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--points", type=int, default=1_000_000)
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()}, shapely {shapely.__version__}, {os.cpu_count()} CPUs"
    )
    boundary, source = large_campus()
    campus = campus_geometry(boundary)
    print(f"campus: {source}, {campus.area / 1e4:,.0f} ha")
    rng = np.random.default_rng(0)
    minx, miny, maxx, maxy = campus.bounds
    xy = rng.uniform([minx, miny], [maxx, maxy], size=(args.points, 2))
    points = gpd.GeoSeries(shapely.points(xy), crs=boundary.crs)
    size = math.sqrt(campus.area / 10_000)
    square = split(boundary, method="square", cell_size_m=size)
    peer_s, answer = peer(square, points, args.repeat)
    one_case(f"square {size:.1f} m", square, points, args.repeat, peer_s)
    check(locate(points, square), answer, "square fast path")
    general = general_only(square, size)
    one_case(f"square {size:.1f} m", general, points, args.repeat, peer_s)
    check(locate(points, general), answer, "general path on the square cells")
    res = min(
        range(8, 14), key=lambda r: abs(campus.area / h3.average_hexagon_area(r, "m^2") - 1e4)
    )
    hexes = split(boundary, method="hex", h3_res=res)
    peer_s, answer = peer(hexes, points, args.repeat)
    one_case(f"H3 res {res}", hexes, points, args.repeat, peer_s)
    check(locate(points, hexes), answer, "H3")


if __name__ == "__main__":
    main()
