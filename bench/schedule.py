"""Bench: the schedule of the demo campus, before and after per-building checklists.

Run by hand: ``.venv/bin/python -m bench.schedule [--scale small|large] [--days 90]``.
Seeds the demo (square split, no history) into a SpatiaLite file in a temporary folder,
then, for the same ``--days`` (from a Monday), prints the due rows and the time of:

- *before*: every template by its cell-kind rules only (the per-building flag off: what
  the schedule did before dormitory, fire, food and lab checks followed the buildings);
- *per cell* (what ships): one row per cell × template × period naming the buildings held;
- *per building* (the alternative not taken): one row per building × template × period,
  each at its own building's cadence; counted, not stored;

and the whole :func:`zoning.services.safety.schedule` (compute + store) for before and
per cell, plus :func:`campus_ops` (reads the cells and buildings, finds what each holds).
Times are the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from zoning.accounts import local_operator
from zoning.safety import inspections as insp
from zoning.safety.checklists import ChecklistTemplate, periods_due_between
from zoning.services import safety
from zoning.services.demo import seed_demo
from zoning.services.grid import split_campus
from zoning.services.plans import activate_plan
from zoning.store.engine import open_engine

START = date(2026, 3, 2)  # a Monday


def _best(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t)
    return min(times), result


def _per_building_rows(
    ops: safety.CampusOps, templates: Mapping[str, ChecklistTemplate], start: date, end: date
) -> int:
    """Rows if every per-building template had one row per building at its own cadence
    (building cells as today: by their kind rules)."""
    periods = {f: len(periods_due_between(start, end, f)) for f in ("daily", "weekly",
               "monthly", "quarterly")}  # fmt: skip
    kinds = ops.cells["kind"].astype(str)
    rules = insp.scheduled_rules(ops.cells.drop(columns=["buildings"]), templates)
    rows = sum(periods[f] for f in rules["frequency"])
    for kind, held in zip(kinds, ops.cells["buildings"], strict=True):
        if kind in insp.BUILDING_KINDS:
            continue
        for template in templates.values():
            for _, use in held:
                if template.covers_building(use):
                    rows += periods[template.frequency_for(use)]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", choices=("small", "large"), default="small")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    end = START + timedelta(days=args.days - 1)
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        t = time.perf_counter()
        summary = seed_demo(engine, actor=local_operator(), scale=args.scale, history_days=0)
        print(f"seeded the {args.scale} demo in {time.perf_counter() - t:.1f} s")
        campus = summary.name
        ops_s, ops = _best(lambda: safety.campus_ops(engine, campus), args.repeat)
        now = safety.checklist_templates()
        before = {c: replace(t, per_building=False) for c, t in now.items()}
        held = sum(1 for h in ops.cells["buildings"] if len(h))
        print(f"{len(ops.cells):,} cells, {held:,} holding buildings; campus_ops {ops_s:.3f} s")

        def due(templates: Mapping[str, ChecklistTemplate]) -> Any:
            return insp.due_inspections(
                ops.cells, templates, start=START, end=end,
                fallback_owners=ops.staff.fallback_owners,
            )  # fmt: skip

        def store(templates: Mapping[str, ChecklistTemplate]) -> int:
            with engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM inspection_due"))
                conn.execute(sa.text("DELETE FROM schedule_mark"))
            return safety.schedule(
                engine, campus, start=START, through=end, templates=templates, ops=ops
            )

        b_s, b_due = _best(lambda: due(before), args.repeat)
        a_s, a_due = _best(lambda: due(now), args.repeat)
        bs_s, b_n = _best(lambda: store(before), args.repeat)
        as_s, a_n = _best(lambda: store(now), args.repeat)
        per_building = _per_building_rows(ops, now, START, end)
        print(f"{args.days} days from {START}:")
        print(
            f"  before      {len(b_due):>9,} due rows  compute {b_s:.3f} s  schedule {bs_s:.3f} s"
        )
        print(f"  per cell    {len(a_due):>9,} due rows  compute {a_s:.3f} s  schedule {as_s:.3f} s"
              f"  ({len(a_due) / max(len(b_due), 1):.2f}x rows)")  # fmt: skip
        print(f"  per building {per_building:>8,} due rows (counted)"
              f"  ({per_building / max(len(b_due), 1):.2f}x rows)")  # fmt: skip
        assert b_n == len(b_due) and a_n == len(a_due)
        named = a_due[a_due["buildings"].notna()]
        print("  per-building rows by domain:", named.groupby("domain").size().to_dict())
        # The reference: the same campus split by building, scheduled as before this change.
        split = split_campus(engine, campus, actor=local_operator(), method="building")
        activate_plan(engine, campus, split.plan.id, actor=local_operator(), reason="bench")
        by_building = safety.campus_ops(engine, campus)
        ref = insp.due_inspections(by_building.cells, before, start=START, end=end)
        print(f"  building split, before: {len(ref):,} due rows ({len(by_building.cells):,} cells)")
        engine.dispose()


if __name__ == "__main__":
    main()
