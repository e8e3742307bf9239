"""Point location benchmark: ``zoning.assign.locate`` against ``geopandas.sjoin``.

Run by hand: ``.venv/bin/python bench/assign.py [--repeat 3] [--points 1000000]``.
1,000,000 random points (about 85 % inside the campus) are located in about 10,000 cells
of the large demo campus (``zoning.demo.build_demo(scale="large")``, else a synthetic 6 km²
campus): irregular cells (an H3 split, clipped) and a square split. Ours builds its index
every run (``locate``); the prebuilt-index figure (``CellIndex.locate``) is printed too. The
peer is ``geopandas.sjoin(points, cells, predicate="intersects")`` on the same points. Both
answers are checked to agree on every point that lies in exactly one cell.
"""

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
from zoning.assign import CellIndex, locate
from zoning.grid import campus_geometry, split


def one_case(label: str, cells: gpd.GeoDataFrame, points: gpd.GeoSeries, repeat: int) -> None:
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    ours_s, rows = best_of(repeat, lambda: locate(points, cells))
    index = CellIndex(cells)
    query_s, _ = best_of(repeat, lambda: index.locate(xy))
    frame = gpd.GeoDataFrame(geometry=points)
    peer_s, joined = best_of(
        repeat, lambda: gpd.sjoin(frame, cells[["geometry"]], predicate="intersects")
    )
    assert isinstance(rows, np.ndarray) and isinstance(joined, gpd.GeoDataFrame)
    counts = joined.index.value_counts()
    single = joined[joined.index.isin(counts.index[counts == 1])]
    agree = np.array_equal(rows[single.index.to_numpy()], single["index_right"].to_numpy())
    outside = int((rows < 0).sum())
    print(
        f"{label}: {len(points):,} points in {len(cells):,} cells ({outside:,} outside): "
        f"ours {ours_s:.3f} s (index prebuilt: {query_s:.3f} s), geopandas.sjoin {peer_s:.3f} s, "
        f"ratio {peer_s / ours_s:.1f}× ({peer_s / query_s:.1f}× prebuilt); agree: {agree}"
    )


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
    one_case(f"square {size:.1f} m", square, points, args.repeat)
    res = min(
        range(8, 14), key=lambda r: abs(campus.area / h3.average_hexagon_area(r, "m^2") - 1e4)
    )
    hexes = split(boundary, method="hex", h3_res=res)
    one_case(f"H3 res {res}", hexes, points, args.repeat)


if __name__ == "__main__":
    main()
