"""The service layer: one module per feature, the only place that combines the pure feature
packages with storage. The CLI and the pages call these functions, never ``zoning.store``.

- ``campus``: import, export, list and read campuses
- ``grid``: split a campus into a draft plan
- ``plans``: drafts, edits, validation, diff, activation, QGIS import, audit trail
- ``safety``: checklists, the inspection schedule, submissions, completion reports
- ``ledger``: the hazard ledger and located complaints
- ``cameras``: coverage and suggested camera sites
- ``queries``: the read-only tables the map pages draw
- ``demo``: the synthetic demo campus and its history

Services open no connections of their own: they take an engine (see
:func:`zoning.store.engine.open_engine`) and return plain results.
"""

from zoning.services import cameras, campus, demo, grid, ledger, plans, queries, safety
from zoning.services.campus import (
    CampusSummary,
    ImportReport,
    PlanSummary,
    campus_summary,
    current_plan,
    export_campus,
    import_campus,
    list_campuses,
    list_plans,
    load_cells,
    load_layers,
    load_people,
    upsert_people,
)
from zoning.services.demo import seed_demo
from zoning.services.grid import SplitReport, split_campus

__all__ = [
    "CampusSummary",
    "ImportReport",
    "PlanSummary",
    "SplitReport",
    "cameras",
    "campus",
    "campus_summary",
    "current_plan",
    "demo",
    "export_campus",
    "grid",
    "import_campus",
    "ledger",
    "list_campuses",
    "list_plans",
    "load_cells",
    "load_layers",
    "load_people",
    "plans",
    "queries",
    "safety",
    "seed_demo",
    "split_campus",
    "upsert_people",
]
