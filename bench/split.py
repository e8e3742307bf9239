"""Grid split benchmark: ours against geopandas.overlay (and PostGIS, when configured).

Run by hand: ``.venv/bin/python bench/split.py [--repeat 3] [--case square --case large]``.
Sections (``--case`` names in brackets):

1. [square] square split of a real campus (swjtu, 162 ha) into 20 m cells:
   ``zoning.grid.splitting.square_cells`` against ``geopandas.overlay(grid, campus,
   how="intersection")`` on the same grid;
2. [large] a 100,000-cell square split of the large demo campus (``zoning.demo.build_demo(
   scale="large")``, else a synthetic 6 km² irregular campus with a lake): the clip alone and
   the whole ``split()`` (zones + codes);
3. [unit] unit and building splits of every real campus in ``../shared/data/campuses``;
4. [postgis] PostGIS ``ST_SquareGrid`` + ``ST_Intersection`` on the swjtu grid, when the
   environment variable ``CAMPUSGRID_BENCH_PG`` holds a SQLAlchemy URL
   (``postgresql+psycopg://…``).

Times are the best of ``--repeat`` runs, in one process.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.realdata import ALL, load_metric
from tests.realdata import CAMPUSES_DIR as CAMPUSES
from zoning.geo.crs import to_metric
from zoning.grid.splitting import campus_geometry, split, square_cells, square_tiles


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def real_campus(name: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, gpd.GeoDataFrame]:
    """Return a real campus as the product imports it (metric CRS)."""
    return load_metric(name)


def large_campus() -> tuple[gpd.GeoDataFrame, str]:
    """Return the large demo campus (metric CRS), or a synthetic one while the demo is missing."""
    try:
        from zoning.demo.build import build_demo

        layers = build_demo(scale="large", seed=0).layers
        return to_metric(layers.boundary), "zoning.demo.build_demo(scale='large', seed=0)"
    except Exception as err:  # the demo is another module's work; fall back, say why
        print(f"build_demo(scale='large') unavailable ({err!r}); using a synthetic campus")
    rng = np.random.default_rng(0)
    t = np.linspace(0, 2 * np.pi, 2000, endpoint=False)
    r = 1200 + sum(
        rng.uniform(20, 120) * np.cos(k * t + rng.uniform(0, 6.28)) for k in range(2, 12)
    )
    outline = shapely.Polygon(np.column_stack([500_000 + 1.3 * r * np.cos(t), 3e6 + r * np.sin(t)]))
    campus = outline.difference(shapely.Point(500_300, 3_000_100).buffer(150))
    return gpd.GeoDataFrame(geometry=[campus], crs="EPSG:32650"), "synthetic 6 km² blob with a lake"


def overlay_peer(boundary: gpd.GeoDataFrame, cell_size_m: float) -> gpd.GeoDataFrame:
    campus = campus_geometry(boundary)
    grid = gpd.GeoDataFrame(
        geometry=square_tiles(campus.bounds, cell_size_m=cell_size_m), crs=boundary.crs
    )
    return gpd.overlay(grid, gpd.GeoDataFrame(geometry=[campus], crs=boundary.crs))


def square_vs_overlay(repeat: int) -> None:
    boundary, _, _ = real_campus("swjtu")
    campus = campus_geometry(boundary)
    ours_s, ours = best_of(repeat, lambda: square_cells(campus, cell_size_m=20.0))
    peer_s, peer = best_of(repeat, lambda: overlay_peer(boundary, 20.0))
    assert isinstance(ours, np.ndarray) and isinstance(peer, gpd.GeoDataFrame)
    print(
        f"square 20 m, swjtu: ours {ours_s:.3f} s ({len(ours):,} cells), "
        f"geopandas.overlay {peer_s:.3f} s ({len(peer):,} rows), ratio {peer_s / ours_s:.1f}×"
    )


def large_square(repeat: int) -> None:
    boundary, source = large_campus()
    campus = campus_geometry(boundary)
    size = math.sqrt(campus.area / 100_000)
    clip_s, cells = best_of(repeat, lambda: square_cells(campus, cell_size_m=size))
    assert isinstance(cells, np.ndarray)
    full_s, _ = best_of(repeat, lambda: split(boundary, method="square", cell_size_m=size))
    peer_s, peer = best_of(1, lambda: overlay_peer(boundary, size))
    assert isinstance(peer, gpd.GeoDataFrame)
    print(
        f"square {size:.2f} m on {source} ({campus.area / 1e4:,.0f} ha): {len(cells):,} cells; "
        f"clip {clip_s:.3f} s, whole split() with zones and codes {full_s:.3f} s; "
        f"geopandas.overlay {peer_s:.3f} s, ratio {peer_s / clip_s:.1f}×"
    )


def unit_real(repeat: int) -> None:
    for name in ALL:
        if not (CAMPUSES / name).is_dir():
            print(f"{name}: no data")
            continue
        boundary, roads, buildings = real_campus(name)
        for method in ("unit", "building"):
            seconds, cells = best_of(
                repeat,
                lambda b=boundary, m=method, r=roads, f=buildings: split(
                    b, method=m, barriers=r, buildings=f
                ),
            )
            assert isinstance(cells, gpd.GeoDataFrame)
            print(f"{method} split of {name}: {seconds:.3f} s, {len(cells)} cells")


def postgis(repeat: int) -> None:
    """Run the PostGIS peer on CAMPUSGRID_BENCH_PG, else on a throw-away local server."""
    url = os.environ.get("CAMPUSGRID_BENCH_PG")
    if url:
        postgis_peer(repeat, url)
        return
    from tests.pgserver import find_pg_bin, postgis_server

    if find_pg_bin() is None:
        print("PostGIS ST_SquareGrid + ST_Intersection: skipped (no PostGIS; make test-deps)")
        return
    with postgis_server() as local_url:
        import sqlalchemy as sa

        with sa.create_engine(local_url).begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        postgis_peer(repeat, local_url)


def postgis_peer(repeat: int, url: str) -> None:

    boundary, _, _ = real_campus("swjtu")
    large, _label = large_campus()
    for label, frame, size in (("swjtu", boundary, 20.0), ("large demo", large, 10.67)):
        postgis_case(repeat, url, label, frame, size)


def postgis_case(
    repeat: int, url: str, label: str, boundary: gpd.GeoDataFrame, size: float
) -> None:
    import sqlalchemy as sa

    campus = campus_geometry(boundary)
    srid = boundary.crs.to_epsg()
    sql = sa.text(
        """
        WITH campus AS (SELECT ST_GeomFromText(:wkt, :srid) AS g),
             grid AS (SELECT s.geom FROM campus, ST_SquareGrid(:size, campus.g) AS s)
        SELECT count(*), sum(ST_Area(cells.g)) FROM (
          SELECT CASE WHEN ST_ContainsProperly(campus.g, grid.geom) THEN grid.geom
                      ELSE ST_Intersection(grid.geom, campus.g) END AS g
          FROM grid, campus WHERE ST_Intersects(grid.geom, campus.g)
        ) AS cells
        """
    )
    engine = sa.create_engine(url)
    with engine.connect() as conn:

        def run() -> int:
            # sum(ST_Area) makes PostgreSQL compute every clipped cell, not just count rows
            row = conn.execute(sql, {"wkt": campus.wkt, "srid": srid, "size": size}).one()
            return int(row[0])

        peer_s, rows = best_of(repeat, run)
    ours_s, ours = best_of(repeat, lambda: square_cells(campus, cell_size_m=size))
    assert isinstance(ours, np.ndarray)
    print(
        f"square {size:g} m, {label}: ours {ours_s:.3f} s ({len(ours):,} cells), PostGIS "
        f"ST_SquareGrid + ST_Intersection {peer_s:.3f} s ({rows:,} rows), "
        f"ratio {peer_s / ours_s:.1f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--case",
        action="append",
        choices=list(CASES),
        help="run only this section (repeatable; default: all): " + ", ".join(CASES),
    )
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()}, shapely {shapely.__version__}, {os.cpu_count()} CPUs"
    )
    for name in args.case or list(CASES):
        CASES[name](args.repeat)


#: The sections of the benchmark, in the order they run.
CASES: dict[str, Callable[[int], None]] = {
    "square": square_vs_overlay,
    "large": large_square,
    "unit": unit_real,
    "postgis": postgis,
}


if __name__ == "__main__":
    main()
