"""Benchmark the QGIS round trip on the large demo: `import-plan` of an exported plan with
one vertex slipped 0.3 m into the neighbour, with and without ``--snap-m 0.5``, and the edge
repair against the naive peer (``shapely.snap`` of every cell onto its neighbours).

Build the campus once, then run (a copy of the database is used; nothing is changed)::

    .venv/bin/campusgrid demo --scale large --db sqlite:////tmp/f2large.sqlite
    .venv/bin/python bench/plan_import.py --db sqlite:////tmp/f2large.sqlite

Prints the wall time of each step (best of ``--repeat``), ours, the peer's and the ratio,
and whether each result stores as valid cells.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoning.accounts import local_operator
from zoning.grid.topology import validate
from zoning.services import plans
from zoning.services.campus import export_campus
from zoning.store.engine import open_engine
from zoning.store.plans import load_cells

T = TypeVar("T")
SLIP_M = 0.3
SNAP_M = 0.5


def best(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Return the best wall time (s) of ``repeat`` runs and the last result."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    assert out is not None
    return min(times), out


def slip_one_vertex(cells: gpd.GeoDataFrame, metric: str) -> tuple[gpd.GeoDataFrame, str]:
    """Return the cells (lon/lat) with a vertex added in the middle of the east edge of the
    cell nearest the middle of the campus, moved ``SLIP_M`` into its east neighbour."""
    m = cells.to_crs(metric)
    centre = shapely.centroid(shapely.union_all(np.asarray(m.geometry.values)))
    k = int(np.argmin(shapely.distance(np.asarray(m.geometry.values), centre)))
    poly = (
        shapely.get_geometry(m.geometry.iloc[k], 0)
        if m.geom_type.iloc[k] != "Polygon"
        else (m.geometry.iloc[k])
    )
    ring = shapely.get_coordinates(poly.exterior)[:-1]
    east = int(np.argmax(ring[:, 0] + np.roll(ring[:, 0], -1)))  # the edge furthest east
    a, b = ring[east], ring[(east + 1) % len(ring)]
    mid = (a + b) / 2 + np.array([SLIP_M, 0.0])
    slipped = shapely.Polygon(np.insert(ring, east + 1, mid, axis=0))
    out = cells.copy()  # the other cells keep their coordinates, as in QGIS
    lonlat = gpd.GeoSeries([slipped], crs=metric).to_crs("EPSG:4326").iloc[0]
    out.loc[out.index[k], "geometry"] = shapely.MultiPolygon([lonlat])
    return out, str(cells["code"].iloc[k])


def naive_snap(geoms: list[BaseGeometry], snap_m: float) -> list[BaseGeometry]:
    """The peer: every cell snapped onto the union of the cells around it."""
    arr = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(arr)
    out = []
    for k, geom in enumerate(geoms):  # a Python loop over every cell: what the peer does
        near = [j for j in tree.query(shapely.buffer(geom, 2 * snap_m)).tolist() if j != k]
        out.append(shapely.snap(geom, shapely.union_all(arr[near]), snap_m))
    return out


def stored_valid(geoms: list[BaseGeometry], metric: str, campus: BaseGeometry) -> str:
    """Return what is wrong with the cells: invalid once stored in lon/lat, not one polygon,
    and the kinds of problems the validation finds."""
    lonlat = gpd.GeoSeries(geoms, crs=metric).to_crs("EPSG:4326")
    found = validate(gpd.GeoDataFrame(geometry=geoms, crs=metric), campus=campus,
                     require_owner=False)  # fmt: skip
    kinds = sorted({p.kind for p in found}) or "none"
    return (f"invalid in lon/lat {int((~lonlat.is_valid).sum())}, not one polygon "
            f"{int((lonlat.geom_type != 'Polygon').sum())}, problems {kinds}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite:////tmp/f2large.sqlite")
    parser.add_argument("--campus", default="demo-large")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = Path(args.db.removeprefix("sqlite:///"))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder) / "bench.sqlite"
        shutil.copy(source, work)
        engine = open_engine(f"sqlite:///{work}")
        base = load_cells(engine, args.campus)
        active = next(p for p in plans.list_plans(engine, args.campus) if p.status == "active")
        metric = base.estimate_utm_crs().to_string()  # the campus's UTM zone
        exported = Path(folder) / "plan.gpkg"
        export_campus(
            engine, args.campus, fmt="gpkg", out=exported, plan_id=active.id, actor=local_operator()
        )
        edited, code = slip_one_vertex(pyogrio.read_dataframe(exported, layer="cells"), metric)
        pyogrio.write_dataframe(edited, exported, layer="cells", driver="GPKG",
                                geometry_type="MultiPolygon", promote_to_multi=True)  # fmt: skip
        print(f"{args.campus}: {len(base)} cells; cell {code} has a vertex {SLIP_M} m into "
              f"its neighbour; {metric}")  # fmt: skip

        for snap in (None, SNAP_M):
            seconds, report = best(
                lambda snap=snap: plans.import_plan(  # type: ignore[misc]
                    engine, exported, campus=args.campus, snap_m=snap, actor=local_operator()
                ),
                args.repeat,
            )
            kinds = sorted({p["kind"] for p in report.problems})
            name = f"--snap-m {snap}" if snap else "(no --snap-m)"
            print(f"import-plan {name:16} {seconds:6.2f} s  valid={not report.problems} "
                  f"{kinds or ''} kept={len(report.imported.kept)} "
                  f"snapped={report.imported.snapped}")  # fmt: skip

        # The repair alone: ours (topology-aware, checked after conversion) vs the peer.
        from zoning.plans._repair import repair

        m_edit = edited.to_crs(metric)
        geoms = [shapely.get_geometry(g, 0) for g in m_edit.geometry]
        prev = np.asarray(base.to_crs(metric).geometry.values, dtype=object)
        campus = shapely.union_all(prev)
        ours, fixed = best(
            lambda: repair(geoms, base=prev, campus=campus,
                           metric_crs=CRS.from_user_input(metric).to_string(), snap_m=SNAP_M),
            args.repeat,
        )  # fmt: skip
        peer, snapped = best(lambda: naive_snap(geoms, SNAP_M), args.repeat)
        moved = sum(1 for g, h in zip(snapped, geoms, strict=True) if not g.equals_exact(h, 0.0))
        print(f"edge repair, snap {SNAP_M} m: ours {ours:.3f} s  peer (shapely.snap of every "
              f"cell) {peer:.3f} s  ratio {peer / ours:.1f}x")  # fmt: skip
        print(f"  ours: {fixed.stats}; {stored_valid(fixed.geoms, metric, campus)}")
        print(f"  peer: {moved} cells changed; {stored_valid(snapped, metric, campus)}")


if __name__ == "__main__":
    main()
