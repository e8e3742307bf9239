"""Benchmark: re-planning the large demo campus (12,844 cells, ~670,000 open due inspections).

    campusgrid demo --scale large --db sqlite:////tmp/large.sqlite     # once, ~3-4 min
    .venv/bin/python bench/activation.py /tmp/large.sqlite
    .venv/bin/python bench/activation.py --postgis postgresql://…/empty_db   # builds it there

Works on a copy of the file (the original is untouched): ``split --cell-size-m 120`` and
``assign-owners``, then times ``activate`` of that draft exactly as ``campusgrid activate``
runs it (validation, the automatic backup, the store's transaction that re-homes every open
hazard, complaint and due inspection), each phase on its own, in wall and CPU seconds. Then a
draft of the same cells is activated again (nothing changes cell: the cheap case).

Run it in a ``git worktree`` of an older commit with ``PYTHONPATH=<worktree>`` to compare.
Before issue 14 the activation failed on both backends ("too many SQL variables", "number of
parameters must be between 0 and 65535"); with the IN-lists batched by hand the old row-by-row
re-homing took 109 s on SpatiaLite. Goal: 20 s.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from zoning.accounts import local_operator
from zoning.services import plans
from zoning.services.database import open_engine
from zoning.services.grid import split_campus
from zoning.store import plan_edits

CAMPUS = "demo-large"
BEFORE_S = 109.0  # issue 14: SpatiaLite, the old row-by-row re-homing


class _Clock:
    """Wall and CPU seconds of named phases (wrapped module functions)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def wrap(self, module: Any, name: str, label: str) -> None:
        inner = getattr(module, name, None)
        if inner is None:  # an older tree without this phase
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            w, c = time.perf_counter(), time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.wall[label] = self.wall.get(label, 0.0) + time.perf_counter() - w
                self.cpu[label] = self.cpu.get(label, 0.0) + time.process_time() - c

        setattr(module, name, timed)


def _time_activation(url: str) -> tuple[dict[str, float], _Clock, int]:
    engine = open_engine(url)
    draft = split_campus(engine, CAMPUS, method="square", cell_size_m=120.0, actor=local_operator())
    plans.assign_plan_owners(engine, CAMPUS, draft.plan.id, mapping={}, actor=local_operator())
    clock = _Clock()
    clock.wrap(plans, "_problems", "validation")
    with contextlib.suppress(ImportError):  # before issue 14: no automatic backup
        clock.wrap(importlib.import_module("zoning.services.backup"), "automatic_backup", "backup")
    clock.wrap(plan_edits, "activate", "store transaction (re-homing)")
    w, c = time.perf_counter(), time.process_time()
    result = plans.activate_plan(
        engine, CAMPUS, draft.plan.id, reason="bench", actor=local_operator()
    )
    figures = {"activate_s": time.perf_counter() - w, "activate_cpu_s": time.process_time() - c}
    rows = sum(r.open_before for r in result.rehomed)
    phases = _Clock()
    phases.wall, phases.cpu = dict(clock.wall), dict(clock.cpu)  # this activation's alone
    again = plans.create_draft(engine, CAMPUS, from_plan=draft.plan.id, actor=local_operator())
    w = time.perf_counter()
    plans.activate_plan(
        engine, CAMPUS, again.id, reason="bench: same cells", actor=local_operator()
    )
    figures["same_cells_s"] = time.perf_counter() - w
    engine.dispose()
    return figures, phases, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("sqlite_file", type=Path, nargs="?", help="the large demo (SpatiaLite)")
    parser.add_argument("--postgis", help="an empty, migrated PostGIS database: the large demo is "
                        "built there first (minutes), then re-planned")  # fmt: skip
    args = parser.parse_args()
    if (args.sqlite_file is None) == (args.postgis is None):
        parser.error("give the SpatiaLite file of the large demo, or --postgis URL")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CAMPUSGRID_BACKUP_DIR"] = str(Path(tmp) / "backups")
        if args.postgis:
            from zoning.services import seed_demo

            url = args.postgis
            seed_demo(open_engine(url), scale="large", seed=0, actor=local_operator())
        else:
            copy = Path(tmp) / "large.sqlite"
            shutil.copy(args.sqlite_file, copy)
            url = f"sqlite:///{copy}"
        figures, clock, rows = _time_activation(url)
    print(f"open items re-homed               {rows:>10,}")
    print(f"activate (as the CLI runs it)     {figures['activate_s']:>8.1f} s wall "
          f"{figures['activate_cpu_s']:>6.1f} s CPU")  # fmt: skip
    for label, wall in clock.wall.items():
        print(f"  {label:<31} {wall:>8.1f} s wall {clock.cpu[label]:>6.1f} s CPU")
    print(f"activate again, same cells        {figures['same_cells_s']:>8.1f} s wall")
    print(f"before (issue 14)                 {BEFORE_S:>8.1f} s")
    print(f"ratio before / activate           {BEFORE_S / figures['activate_s']:>8.1f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
