"""Campus services: import a campus from files, export it, list and read what is stored."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission
from zoning.campus.people import clean_people
from zoning.errors import InvalidInput
from zoning.services._limits import check_feature_counts, check_import_size
from zoning.services._progress import Progress, quiet
from zoning.services.on_paper import person_on_paper
from zoning.store.campus import (
    CampusSummary,
    campus_history,
    campus_summary,
    list_campuses,
    load_layers,
    record_event,
    save_campus,
)
from zoning.store.campus import load_people as _stored_people
from zoning.store.campus import upsert_people as _upsert_people
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
    "on_behalf_of",
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
    actor: Actor,
    campus: str,
    boundary_name: str | None = None,
    crs: str | None = None,
    boundary_file: str | Path | None = None,
    boundary_from: str | None = None,
    fields: Sequence[str] = (),
    layer_map: Sequence[str] = (),
    replace: bool = False,
    discard_history: bool = False,
    progress: Progress = quiet,
) -> ImportReport:
    """Read ``paths`` and store them as ``campus`` in one transaction.

    ``boundary_file`` takes the outline from another file; ``boundary_from`` (buildings,
    roads or all) builds one from the features; ``fields`` (``name=楼栋名称``) and
    ``layer_map`` (``围墙=boundary,建筑=buildings``) name attributes and layers the files do
    not (see :func:`zoning.campus.io.files.read_campus`). Raises ImportFailed (unreadable file, no
    boundary, a campus cut by the extract…) or InvalidInput (campus exists).

    ``replace`` swaps an existing campus's map and keeps its plans and history (open items
    follow the territory at the next activation); ``discard_history`` also deletes them. A
    replace is backed up first (``zoning.services.backup``); the audit trail always stays.

    Size limits (:mod:`zoning.services._limits`): the files together at most
    ``$CAMPUSGRID_MAX_IMPORT_MB`` (512 MB), checked before reading, and each layer at most
    ``$CAMPUSGRID_MAX_FEATURES`` (500,000) features, checked before writing (InvalidInput).
    """
    actor.require(Permission.IMPORT_CAMPUS, "import a campus")
    if discard_history and not replace:
        raise InvalidInput("--discard-history only goes with --replace.")
    from zoning.campus.io.files import read_campus

    started = time.perf_counter()
    check_import_size([*paths, *([boundary_file] if boundary_file else [])])
    progress(f"reading {len(paths)} file(s)")
    layers = read_campus(
        paths,
        boundary_name=boundary_name,
        crs=crs,
        boundary_file=boundary_file,
        boundary_from=boundary_from,
        fields=fields,
        layer_map=layer_map,
    )
    check_feature_counts(layers.counts())
    warnings = layers.warnings
    backup: Path | None = None
    history = campus_history(engine, campus) if replace else None
    if history is not None:
        from zoning.services.backup import automatic_backup

        progress("backing up the database before replacing the campus")
        backup = automatic_backup(engine, reason="replace")
        if discard_history:
            warnings += (f"history discarded ({_history_text(history)}); backup: {backup}",)
        elif any(history.values()):
            warnings += (
                f"history kept ({_history_text(history)}): the plans were drawn on the old "
                "map; run `campusgrid validate`, and split/activate a new plan if needed "
                "(open items follow the territory)",
            )
    progress("writing to the database")
    save_campus(
        engine,
        name=campus,
        layers=layers,
        replace=replace,
        discard_history=discard_history,
        source=", ".join(Path(p).name for p in paths),
        backup=None if backup is None else str(backup),
        actor=actor.name,
    )
    return ImportReport(
        campus=campus_summary(engine, campus),
        warnings=warnings,
        seconds=time.perf_counter() - started,
    )


def _history_text(history: dict[str, int]) -> str:
    return ", ".join(f"{n} {name}" for name, n in history.items() if n) or "none"


def export_campus(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    fmt: Literal["gpkg", "geojson"],
    out: str | Path,
    plan_id: int | None = None,
) -> list[Path]:
    """Write ``campus``'s layers and a plan's cells (default: the current plan) to ``out``;
    the export is audited (``campus.export``). Raises PermissionDenied (import_campus),
    InvalidInput, NotFound."""
    from zoning.campus.io import files as io

    actor.require(Permission.IMPORT_CAMPUS, "export a campus")
    if fmt not in ("gpkg", "geojson"):
        raise InvalidInput(f"Unknown export format {fmt!r}: use gpkg or geojson.")
    layers = load_layers(engine, campus)
    cells = load_cells(engine, campus, plan_id)
    plans = list_plans(engine, campus)
    source = next((p for p in plans if p.id == plan_id), None) or current_plan(engine, campus)
    written: list[Path] = io.export_campus(
        layers,
        cells=cells if len(cells) else None,
        out=out,
        fmt=fmt,
        plan=(source.id, source.version) if source is not None and len(cells) else None,
    )
    detail = {
        "format": fmt,
        "files": [p.name for p in written],
        "plan_id": source.id if source is not None and len(cells) else None,
    }
    record_event(engine, campus, actor=actor.name, action="campus.export", detail=detail)
    return written


def on_behalf_of(
    engine: Engine, campus: str, person: str | None, *, option: str = "--by"
) -> str | None:
    """Return ``person`` stripped when it names a person of ``campus`` (stored); None when
    empty: :func:`zoning.services.on_paper.person_on_paper`. Raises NotFound, InvalidInput."""
    if person is None or not person.strip():
        return None
    names = _stored_people(engine, campus)["name"].dropna()
    return person_on_paper(person, names, campus, option=option)


def load_people(engine: Engine, campus: str, *, actor: Actor) -> pd.DataFrame:
    """Return the people of ``campus`` (id, name, role, quarter, phone); the phone column is
    empty (None) unless ``actor`` holds view_phones. Raises NotFound."""
    people = _stored_people(engine, campus)
    if actor.can(Permission.VIEW_PHONES):
        return people
    return people.assign(phone=pd.Series([None] * len(people), index=people.index, dtype=object))


def upsert_people(
    engine: Engine,
    campus: str,
    people: pd.DataFrame,
    *,
    actor: Actor,
    by: str | None = None,
) -> tuple[int, int]:
    """Add or update the people of ``people`` on ``campus``; return (added, updated).

    ``by`` is the person whose paper list it is: someone of the campus or of the list.
    Raises PermissionDenied (import_campus), NotFound.
    """
    actor.require(Permission.IMPORT_CAMPUS, "import people")
    people = clean_people(people)
    on_behalf: str | None = None
    if by is not None and by.strip():
        listed = set(people["name"].dropna().astype(str)) if "name" in people else set()
        on_behalf = by.strip() if by.strip() in listed else on_behalf_of(engine, campus, by)
    return _upsert_people(engine, campus, people, actor=actor.name, on_behalf=on_behalf)
