"""Bench: bulk-load 1,000,000 inspection item results, then weekly completion per cell.

Run by hand: ``.venv/bin/python -m bench.operations [--items 1000000] [--cells 2000]``.
Both backends: a SpatiaLite file in a temporary folder, and PostGIS through
``tests.pgserver.postgis_server()``. For each it prints:

- due rows, submissions and item results loaded, and rows/s for each (item results are
  the figure of the issue: goals ≥ 50,000 rows/s SpatiaLite, ≥ 100,000 rows/s PostGIS);
- the time of the set-based refresh of ``inspection_due.submitted_at`` (the maintained
  column the completion query reads);
- the median of 5 runs of the weekly completion per cell over all of it (goal ≤ 200 ms),
  and the same query's peer: the pandas path of :func:`zoning.safety.inspections.completion`
  over the same rows read from the database, with the ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import sqlalchemy as sa
from shapely import box

from tests.pgserver import postgis_server
from zoning.campus.layers import CampusLayers, conform
from zoning.safety import inspections as insp
from zoning.store import safety as repo
from zoning.store.campus import save_campus
from zoning.store.engine import open_engine
from zoning.store.plans import save_plan

LON, LAT, D = 117.70, 39.08, 0.0005
TEMPLATES = ("security", "traffic", "construction", "facilities", "events")
ITEMS_PER_CHECK = 8
START = date(2025, 12, 1)  # a Monday
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _campus(engine: sa.Engine, cells: int) -> tuple[int, int, list[str]]:
    side = int(np.ceil(np.sqrt(cells)))
    outline = box(LON, LAT, LON + side * D, LAT + side * D)
    boundary = conform(
        "boundary", gpd.GeoDataFrame({"name": ["bench"]}, geometry=[outline], crs=4326)
    )
    save_campus(engine, name="bench", layers=CampusLayers(boundary=boundary))
    codes, geoms = [], []
    for k in range(cells):
        x, y = k % side, k // side
        codes.append(f"B-{k:05d}")
        geoms.append(box(LON + x * D, LAT + y * D, LON + (x + 1) * D, LAT + (y + 1) * D))
    frame = gpd.GeoDataFrame(
        {"code": codes, "zone": [1 + k // 100 for k in range(cells)], "kind": "square",
         "area_m2": 2_000.0},
        geometry=geoms, crs=4326,
    )  # fmt: skip
    plan = save_plan(engine, campus="bench", cells=frame, method="square")
    with engine.connect() as conn:
        cid = int(conn.execute(sa.text("SELECT id FROM campus")).scalar_one())
    return cid, plan.id, codes


def _rows(cid: int, plan_id: int, codes: list[str], items: int, rng: np.random.Generator):  # type: ignore[no-untyped-def]
    """Yield due rows, submissions and item results (plain tuples) for ``items`` results."""
    checks = items // ITEMS_PER_CHECK
    weeks = int(np.ceil(checks / (len(codes) * len(TEMPLATES) * 0.95)))
    due, subs, results = [], [], []
    due_id, sub_id = 0, 0
    for w in range(weeks):
        start = START + timedelta(weeks=w)
        end = start + timedelta(days=6)
        due_at = datetime(end.year, end.month, end.day, 16, tzinfo=UTC)
        iso = end.isocalendar()
        week = f"{iso[0]}-W{iso[1]:02d}"
        draws = rng.random(len(codes) * len(TEMPLATES))
        k = 0
        for code in codes:
            for template in TEMPLATES:
                due_id += 1
                due.append((
                    due_id, cid, plan_id, code, 1, "owner", "square", None, template, 1,
                    "security", "weekly", week, start, end, due_at, week, None, LON, LAT,
                ))  # fmt: skip
                r = draws[k]
                k += 1
                if r < 0.95 and len(results) < items:
                    sub_id += 1
                    at = due_at - timedelta(hours=30) if r < 0.85 else due_at + timedelta(hours=5)
                    subs.append((
                        sub_id, cid, due_id, plan_id, code, 1, "owner", template, 1, "0" * 64,
                        week, "owner", at, at >= due_at, LON, LAT,
                    ))  # fmt: skip
                    outcome = "fail" if r < 0.01 else "pass"
                    for item in range(ITEMS_PER_CHECK):
                        results.append((sub_id, f"item_{item}", outcome, None, None))
    return due, subs, results[:items]


DUE_COLS = ("id", *repo.DUE_STORE_COLUMNS)


def bench(url: str, label: str, *, items: int, cells: int) -> dict[str, float]:
    engine = open_engine(url)
    cid, plan_id, codes = _campus(engine, cells)
    due, subs, results = _rows(cid, plan_id, codes, items, np.random.default_rng(0))
    figures: dict[str, float] = {}
    with engine.begin() as conn:
        t = time.perf_counter()
        repo.bulk_insert(conn, "inspection_due", DUE_COLS, due, point=True)
        figures["due_rows_per_s"] = len(due) / (time.perf_counter() - t)
        t = time.perf_counter()
        repo.bulk_insert(conn, "inspection", repo.INSPECTION_COLUMNS, subs, point=True)
        figures["submissions_per_s"] = len(subs) / (time.perf_counter() - t)
        t = time.perf_counter()
        n = repo.bulk_insert(conn, "inspection_result", repo.RESULT_COLUMNS, results)
        figures["item_results_s"] = time.perf_counter() - t
        figures["item_results_per_s"] = n / figures["item_results_s"]
        if conn.dialect.name == "postgresql":
            for table in ("inspection_due", "inspection", "inspection_result"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
    with engine.begin() as conn:
        t = time.perf_counter()
        repo.refresh_submitted(conn, cid)
        figures["refresh_submitted_s"] = time.perf_counter() - t
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    end = START + timedelta(weeks=60)
    runs = []
    for _ in range(5):
        with engine.connect() as conn:
            t = time.perf_counter()
            weekly = repo.completion_query(
                conn, cid, by=("cell_code", "week"), start=START, end=end, now=NOW
            )
            runs.append(time.perf_counter() - t)
    figures["weekly_completion_ms"] = 1000 * statistics.median(runs)
    figures["groups"] = len(weekly)
    # the peer: read the same rows and let pandas (zoning.safety.inspections.completion) count them
    t = time.perf_counter()
    with engine.connect() as conn:
        frame = repo.load_due(conn, cid)
    subs_frame = frame.loc[frame["submitted_at"].notna(), ["cell_code", "template_code", "period"]]
    subs_frame = subs_frame.assign(submitted_at=frame["submitted_at"])
    peer = insp.completion(
        frame.drop(columns=["submitted_at"]), subs_frame, now=NOW, by=("cell_code", "week")
    )
    figures["pandas_peer_ms"] = 1000 * (time.perf_counter() - t)
    assert int(peer["on_time"].sum()) == int(weekly["on_time"].sum())
    figures["items"] = n
    figures["due"] = len(due)
    figures["submissions"] = len(subs)
    engine.dispose()
    return figures


def _print(label: str, f: dict[str, float]) -> None:
    print(
        f"{label:10}  {int(f['items']):,} item results in {f['item_results_s']:.1f} s = "
        f"{f['item_results_per_s']:,.0f} rows/s | {int(f['due']):,} due rows "
        f"{f['due_rows_per_s']:,.0f}/s | {int(f['submissions']):,} submissions "
        f"{f['submissions_per_s']:,.0f}/s | refresh submitted_at {f['refresh_submitted_s']:.2f} s"
    )
    print(
        f"{'':10}  weekly completion per cell ({int(f['groups']):,} cell-weeks): "
        f"{f['weekly_completion_ms']:.0f} ms (median of 5); pandas peer "
        f"{f['pandas_peer_ms']:.0f} ms; ratio "
        f"{f['pandas_peer_ms'] / f['weekly_completion_ms']:.1f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--cells", type=int, default=2_000)
    args = parser.parse_args()
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
         if ln.startswith("model name")), platform.processor(),
    )  # fmt: skip
    print(f"machine: {os.cpu_count()} CPUs, {cpu}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        _print("SpatiaLite", bench(url, "SpatiaLite", items=args.items, cells=args.cells))
    with postgis_server() as url:
        _print("PostGIS", bench(url, "PostGIS", items=args.items, cells=args.cells))


if __name__ == "__main__":
    main()
