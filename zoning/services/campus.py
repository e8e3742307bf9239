"""Campus services: import a campus from files, export it, list and read what is stored."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import Engine

from zoning.errors import InvalidInput
from zoning.services._progress import Progress, quiet
from zoning.store.campus import (
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
)

__all__ = [
    "CampusSummary",
    "ImportReport",
    "PlanSummary",
    "campus_summary",
    "current_plan",
    "export_campus",
    "import_campus",
    "list_campuses",
    "list_plans",
    "load_cells",
    "load_layers",
    "load_people",
    "upsert_people",
]


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


def import_campus(
    engine: Engine,
    paths: Sequence[str | Path],
    *,
    campus: str,
    boundary_name: str | None = None,
    crs: str | None = None,
    replace: bool = False,
    progress: Progress = quiet,
) -> ImportReport:
    """Read ``paths`` and store them as ``campus`` in one transaction.

    Raises ImportFailed (unreadable file, no boundary…) or InvalidInput (campus exists).
    """
    from zoning.campus.io.files import read_campus

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


def export_campus(
    engine: Engine,
    campus: str,
    *,
    fmt: Literal["gpkg", "geojson"],
    out: str | Path,
    plan_id: int | None = None,
) -> list[Path]:
    """Write ``campus``'s layers and a plan's cells (default: the current plan) to ``out``."""
    from zoning.campus.io import files as io

    if fmt not in ("gpkg", "geojson"):
        raise InvalidInput(f"Unknown export format {fmt!r}: use gpkg or geojson.")
    layers = load_layers(engine, campus)
    cells = load_cells(engine, campus, plan_id)
    written: list[Path] = io.export_campus(
        layers, cells=cells if len(cells) else None, out=out, fmt=fmt
    )
    return written
