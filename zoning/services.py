"""The service API the CLI and the pages call: one function per thing a user does.

Services open no connections of their own: they take an engine (see
:func:`zoning.store.engine.open_engine`), compose the pure geometry of ``zoning`` with the
repositories of ``zoning.store``, and return plain results.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import geopandas as gpd
import numpy as np
from pyproj import CRS
from sqlalchemy.engine import Engine

from zoning.errors import InvalidInput
from zoning.layers import CampusLayers
from zoning.store.campuses import (
    CampusSummary,
    campus_summary,
    list_campuses,
    load_layers,
    load_people,
    save_campus,
    upsert_people,
)
from zoning.store.plans import (
    PlanSummary,
    current_plan,
    list_plans,
    load_cells,
    retired_codes,
    save_plan,
)

__all__ = [
    "CampusSummary",
    "ImportReport",
    "PlanSummary",
    "SplitReport",
    "campus_summary",
    "current_plan",
    "export_campus",
    "import_campus",
    "list_campuses",
    "list_plans",
    "load_cells",
    "load_layers",
    "load_people",
    "seed_demo",
    "split_campus",
    "upsert_people",
]

Progress = Callable[[str], None]
SplitMethod = Literal["square", "hex", "unit", "building"]
SPLIT_METHODS: tuple[str, ...] = ("square", "hex", "unit", "building")


def _quiet(_message: str) -> None:
    return None


@dataclass(frozen=True)
class ImportReport:
    """What an import stored: the campus summary, warnings, and how long it took (s)."""

    campus: CampusSummary
    warnings: tuple[str, ...]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            **self.campus.to_json(),
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class SplitReport:
    """A stored split: the plan, the area figures (m²) and the validation problems."""

    plan: PlanSummary
    method: str
    campus_area_m2: float
    cells_area_m2: float
    area_m2: dict[str, float]
    problems: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the report in the form `campusgrid split --json` prints."""
        return {
            "plan_id": self.plan.id,
            "method": self.method,
            "cells": self.plan.cells,
            "campus_area_m2": round(self.campus_area_m2, 3),
            "cells_area_m2": round(self.cells_area_m2, 3),
            "area_m2": {k: round(v, 3) for k, v in self.area_m2.items()},
            "valid": not self.problems,
            "problems": self.problems,
        }


def import_campus(
    engine: Engine,
    paths: Sequence[str | Path],
    *,
    campus: str,
    boundary_name: str | None = None,
    crs: str | None = None,
    replace: bool = False,
    progress: Progress = _quiet,
) -> ImportReport:
    """Read ``paths`` and store them as ``campus`` in one transaction.

    Raises ImportFailed (unreadable file, no boundary…) or InvalidInput (campus exists).
    """
    from zoning.io import read_campus

    started = time.perf_counter()
    progress(f"reading {len(paths)} file(s)")
    layers = read_campus(paths, boundary_name=boundary_name, crs=crs)
    progress("writing to the database")
    save_campus(
        engine,
        name=campus,
        layers=layers,
        replace=replace,
        source=", ".join(Path(p).name for p in paths),
    )
    return ImportReport(
        campus=campus_summary(engine, campus),
        warnings=layers.warnings,
        seconds=time.perf_counter() - started,
    )


def _metric(layers: CampusLayers, summary: CampusSummary) -> tuple[CRS, gpd.GeoDataFrame]:
    crs = CRS.from_user_input(summary.metric_crs)
    return crs, layers.boundary.to_crs(crs)


def split_campus(
    engine: Engine,
    campus: str,
    *,
    method: str,
    cell_size_m: float | None = None,
    h3_res: int | None = None,
    min_area_m2: float | None = None,
    max_area_m2: float | None = None,
    zones: int | None = None,
    author: str | None = None,
    reason: str | None = None,
    progress: Progress = _quiet,
) -> SplitReport:
    """Split ``campus`` with ``method`` and store the cells as a new draft plan.

    Cells are computed in the campus's metric CRS and stored in EPSG:4326. Owners are
    balanced among the campus's owners when it has any. Raises NotFound, InvalidInput.
    """
    from zoning import grid

    if method not in SPLIT_METHODS:
        raise InvalidInput(
            f"Unknown split method {method!r}: use one of {', '.join(SPLIT_METHODS)}."
        )
    summary = campus_summary(engine, campus)
    layers = load_layers(engine, campus)
    crs, boundary = _metric(layers, summary)
    params: dict[str, Any] = {
        k: v
        for k, v in {
            "cell_size_m": cell_size_m,
            "h3_res": h3_res,
            "min_area_m2": min_area_m2,
            "max_area_m2": max_area_m2,
            "zones": zones,
        }.items()
        if v is not None
    }
    progress(f"splitting {campus} ({method})")
    cells = grid.split(
        boundary,
        method=cast(SplitMethod, method),
        cell_size_m=cell_size_m,
        h3_res=h3_res,
        min_area_m2=min_area_m2,
        max_area_m2=max_area_m2,
        barriers=layers.roads.to_crs(crs) if len(layers.roads) else None,
        buildings=layers.buildings.to_crs(crs) if len(layers.buildings) else None,
        campus_code=summary.code,
        zones=zones,
        retired_codes=retired_codes(engine, campus),
    )
    cells = _with_owners(engine, campus, cells, layers=layers, crs=crs)
    problems = _problems(cells, boundary)
    progress(f"storing {len(cells)} cells")
    plan = save_plan(
        engine,
        campus=campus,
        cells=cells.to_crs("EPSG:4326"),
        method=method,
        params=params,
        author=author,
        reason=reason,
    )
    areas = np.asarray(cells.geometry.area, dtype=float)
    return SplitReport(
        plan=plan,
        method=method,
        campus_area_m2=float(boundary.geometry.area.sum()),
        cells_area_m2=float(areas.sum()),
        area_m2={
            "min": float(areas.min()) if len(areas) else 0.0,
            "median": float(np.median(areas)) if len(areas) else 0.0,
            "max": float(areas.max()) if len(areas) else 0.0,
        },
        problems=problems,
    )


def _with_owners(
    engine: Engine, campus: str, cells: gpd.GeoDataFrame, *, layers: CampusLayers, crs: CRS
) -> gpd.GeoDataFrame:
    """Return ``cells`` with an ``owner`` column balanced among the campus's owners."""
    people = load_people(engine, campus)
    owners = people[people["role"] == "owner"] if len(people) else people
    if not len(owners):
        out = cells.copy()
        out["owner"] = None
        return out
    try:
        from zoning.owners import assign_owners
    except ImportError:  # pragma: no cover - owners arrive with the zoning engine
        out = cells.copy()
        out["owner"] = None
        return out
    buildings = layers.buildings.to_crs(crs) if len(layers.buildings) else None
    result: gpd.GeoDataFrame = assign_owners(cells, owners, buildings=buildings)
    return result


def _problems(cells: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    try:
        from zoning.topology import problems_to_json, validate
    except ImportError:  # pragma: no cover - validation arrives with the zoning engine
        return []
    found = validate(cells, campus=boundary, require_owner=False)
    rows: list[dict[str, Any]] = problems_to_json(found)
    return rows


def seed_demo(
    engine: Engine,
    *,
    scale: Literal["small", "large"] = "small",
    seed: int = 0,
    progress: Progress = _quiet,
    history_days: int = 90,
) -> CampusSummary:
    """Build the synthetic demo campus, store it (replacing any old one) with a first plan
    and ``history_days`` days of safety operations (0: none)."""
    from zoning.demo import build_demo

    progress(f"building the {scale} demo campus (seed {seed})")
    demo = build_demo(scale=scale, seed=seed)
    progress("writing it to the database")
    save_campus(
        engine,
        name=demo.name,
        layers=demo.layers,
        code=demo.code,
        people=demo.people,
        replace=True,
        source=f"campusgrid demo --scale {scale} --seed {seed}",
    )
    cell_size_m = 100.0 if scale == "small" else 30.0
    first = split_campus(
        engine,
        demo.name,
        method="square",
        cell_size_m=cell_size_m,
        author="campusgrid demo",
        reason="first plan of the demo campus",
        progress=progress,
    )
    from zoning.planner import activate_plan

    progress(f"activating plan {first.plan.id}")
    activate_plan(
        engine,
        demo.name,
        first.plan.id,
        by="campusgrid demo",
        reason="first plan of the demo campus",
    )
    if history_days > 0:
        from zoning.demo_history import seed_history

        progress(f"adding {history_days} days of inspections, hazards and complaints")
        seed_history(engine, demo.name, seed=seed, days=history_days)
    return campus_summary(engine, demo.name)


def export_campus(
    engine: Engine,
    campus: str,
    *,
    fmt: Literal["gpkg", "geojson"],
    out: str | Path,
    plan_id: int | None = None,
) -> list[Path]:
    """Write ``campus``'s layers and a plan's cells (default: the current plan) to ``out``."""
    from zoning import io

    if fmt not in ("gpkg", "geojson"):
        raise InvalidInput(f"Unknown export format {fmt!r}: use gpkg or geojson.")
    layers = load_layers(engine, campus)
    cells = load_cells(engine, campus, plan_id)
    written: list[Path] = io.export_campus(
        layers, cells=cells if len(cells) else None, out=out, fmt=fmt
    )
    return written
