"""Cold loads of the safety map (run by hand): the completion grid and the hazards table.

    .venv/bin/python bench/ui_loads.py [--db sqlite:////tmp/cg_large.sqlite] [--repeat 3]

What ``app_pages/_ui/caches.py`` does on a cold server for the safety map and the leadership page,
timed step by step, each repeat in a fresh Python process (fresh engine, empty module
caches, modules already imported as in a running server; the OS file cache stays warm):

- ``_completion_grid``: ``operations.campus_ops`` (current cells, their uses, the staff),
  ``operations.ensure_schedule`` (nothing to do when the schedule is up to date), then
  ``ui_queries.completion_grid`` (cell × zone × ISO week × domain over 90 days);
- ``_hazards``: ``ui_queries.hazards_table`` (the ledger with who answers for each hazard).

Prints each repeat, then the best and the median of the whole cold path (goal ≤ 1.5 s on
the large demo database), and the same with ``operations.ensure_campus_schedule`` in place
of ``campus_ops`` + ``ensure_schedule`` (a change to ``_ui`` this measures, timed last in
the same process, after the other steps). The database must hold a campus with a plan
(``campusgrid demo --scale large``); only ``ensure_schedule`` writes to it, as the app does
(and the first open migrates its schema, as the app does).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "sqlite:////tmp/cg_large.sqlite"
STEPS = ("campus_ops", "ensure_schedule", "completion_grid", "hazards_table")
GOAL_S = 1.5


def one_run(url: str) -> dict[str, float]:
    """Time the cold path once in this process (a fresh engine); return seconds per step."""
    from zoning import services
    from zoning.accounts import local_operator
    from zoning.clock import local_day, utcnow
    from zoning.services import queries as ui_queries
    from zoning.services import safety as operations
    from zoning.store.engine import open_engine

    engine = open_engine(url)
    campus = services.list_campuses(engine)[0].name
    times: dict[str, float] = {}
    started = time.perf_counter()
    ops = operations.campus_ops(engine, campus)
    times["campus_ops"] = time.perf_counter() - started
    t = time.perf_counter()
    operations.ensure_schedule(engine, ops, local_day(utcnow()))
    times["ensure_schedule"] = time.perf_counter() - t
    t = time.perf_counter()
    operator = local_operator()  # the CLI's admin: every cell, no redaction
    grid = ui_queries.completion_grid(engine, campus, actor=operator)
    times["completion_grid"] = time.perf_counter() - t
    t = time.perf_counter()
    hazards = ui_queries.hazards_table(engine, campus, actor=operator)
    times["hazards_table"] = time.perf_counter() - t
    times["grid_rows"] = float(len(grid))
    times["hazard_rows"] = float(len(hazards))
    t = time.perf_counter()  # what _ui could call instead of campus_ops + ensure_schedule
    operations.ensure_campus_schedule(engine, campus, local_day(utcnow()))
    times["ensure_campus_schedule"] = time.perf_counter() - t
    engine.dispose()
    return times


def _child(url: str) -> dict[str, float]:
    """Run :func:`one_run` in a fresh interpreter and return its figures."""
    out = subprocess.run(
        [sys.executable, __file__, "--db", url, "--child"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def _machine() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), "")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} CPUs, {cpu or platform.processor()}, "
        f"Python {platform.python_version()}, load average {load}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=DEFAULT_DB, help=f"database URL (default {DEFAULT_DB})")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        # imported before the clock starts, as in a running server

        print(json.dumps(one_run(args.db)))
        return
    print(_machine())
    print(f"database: {args.db}")
    totals, grids, hazard_times, proposed = [], [], [], []
    for k in range(args.repeat):
        f = _child(args.db)
        grid_path = f["campus_ops"] + f["ensure_schedule"] + f["completion_grid"]
        total = grid_path + f["hazards_table"]
        totals.append(total)
        grids.append(grid_path)
        hazard_times.append(f["hazards_table"])
        proposed.append(f["ensure_campus_schedule"] + f["completion_grid"] + f["hazards_table"])
        print(
            f"run {k + 1}: campus_ops {f['campus_ops']:.2f} s, ensure_schedule "
            f"{f['ensure_schedule']:.2f} s, completion_grid {f['completion_grid']:.2f} s "
            f"({int(f['grid_rows']):,} rows) | hazards_table {f['hazards_table']:.2f} s "
            f"({int(f['hazard_rows']):,} rows) | _completion_grid {grid_path:.2f} s, "
            f"total {total:.2f} s"
        )
    print(
        f"_completion_grid: best {min(grids):.2f} s, median {statistics.median(grids):.2f} s | "
        f"_hazards: best {min(hazard_times):.2f} s, median "
        f"{statistics.median(hazard_times):.2f} s"
    )
    print(
        f"cold path (both): best {min(totals):.2f} s, median {statistics.median(totals):.2f} s "
        f"(goal ≤ {GOAL_S} s: {'met' if min(totals) <= GOAL_S else 'missed'})"
    )
    print(
        f"with ensure_campus_schedule in _ui: best {min(proposed):.2f} s, median "
        f"{statistics.median(proposed):.2f} s"
    )


if __name__ == "__main__":
    main()
