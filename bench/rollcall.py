"""A night's roll call at scale: N students (default 20,000) check in within a simulated
30-minute window through the service, from several threads, on a real database.

Prints the check-ins per second the service takes and the board's refresh time (the
latest roll call's counts per level, as the admin sees them, with the missing lists).

    .venv/bin/python bench/rollcall.py [--students 20000] [--threads 8] [--db URL]

Without --db a fresh SpatiaLite file in a temporary folder is used.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import geopandas as gpd
from shapely import box

from zoning.accounts import local_operator
from zoning.campus.layers import CampusLayers, conform
from zoning.people import generate_college
from zoning.services import people_grid as grid
from zoning.store.campus import save_campus
from zoning.store.engine import open_engine

CAMPUS = "点名基准"
LON, LAT, D = 117.70, 39.08, 0.001
START = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)  # 21:30 in Beijing
ADMIN = local_operator("bench")


def campus(dorms: int) -> CampusLayers:
    """A campus with ``dorms`` dormitory buildings in a row."""
    names = [f"学生宿舍{i + 1}号楼" for i in range(dorms)]
    shapes = [
        box(LON + 2 * i * D, LAT + D, LON + (2 * i + 1) * D, LAT + 2 * D) for i in range(dorms)
    ]
    buildings = gpd.GeoDataFrame(
        {"source_id": names, "name": names, "use": ["dormitory"] * dorms, "levels": [6] * dorms,
         "height_m": [18.0] * dorms, "height_source": ["levels"] * dorms},
        geometry=shapes, crs=4326,
    )  # fmt: skip
    boundary = gpd.GeoDataFrame(
        {"name": [CAMPUS]}, geometry=[box(LON, LAT, LON + 2 * dorms * D, LAT + 3 * D)], crs=4326
    )
    return CampusLayers(conform("boundary", boundary), conform("buildings", buildings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--dorms", type=int, default=20)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='rollcall-bench-')}/bench.sqlite"
    engine = open_engine(url)
    layers = campus(args.dorms)
    save_campus(engine, name=CAMPUS, layers=layers)
    names = list(layers.buildings["name"])
    sites = dict(zip(names, layers.buildings.geometry.representative_point(), strict=True))
    grid.demo_roster(engine, CAMPUS, students=args.students, actor=ADMIN)
    college = generate_college(names, students=args.students)
    grid.open_rollcall(engine, CAMPUS, actor=ADMIN, at=START)
    step = timedelta(minutes=30) / args.students
    plan = [(s, START + i * step) for i, s in enumerate(college.students)]

    def one(item: tuple[object, datetime]) -> None:
        student, at = item
        code = grid.current_code(engine, CAMPUS, building=student.building, actor=ADMIN, at=at)  # type: ignore[attr-defined]
        point = sites[student.building]  # type: ignore[attr-defined]
        grid.check_in(
            engine, CAMPUS, student_no=student.student_no, lon=point.x, lat=point.y,  # type: ignore[attr-defined]
            accuracy_m=15.0, code=code, actor=ADMIN, at=at,
        )  # fmt: skip

    began = time.perf_counter()
    with ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(one, plan))
    took = time.perf_counter() - began
    refresh = []
    for _ in range(5):
        t0 = time.perf_counter()
        grid.rollcall_board(engine, CAMPUS, actor=ADMIN)
        refresh.append(time.perf_counter() - t0)
    backend = engine.dialect.name
    print(
        f"backend {backend}, {args.students} students, {args.threads} threads, {args.dorms} dorms"
    )
    print(f"check-ins: {args.students / took:.0f} per second ({took:.1f} s for all; a 30-minute "
          f"window needs {args.students / 1800:.1f} per second)")  # fmt: skip
    print(f"board refresh: median {statistics.median(refresh) * 1000:.0f} ms (5 runs)")


if __name__ == "__main__":
    main()
