"""campusgrid's domain: campus data, grid zoning, cameras, checklists, the ledger and storage.

The public API is the service layer and the errors it raises::

    from zoning import open_engine, split_campus
    report = split_campus(open_engine("sqlite:///data/campusgrid.sqlite"), "demo",
                          method="square", cell_size_m=100)

Layers, top to bottom (enforced by the import contracts in ``pyproject.toml``):
``cli`` → ``services`` → ``store`` → the pure feature packages (``campus``, ``grid``,
``plans``, ``cameras``, ``safety``, ``demo``) → ``geo``, with ``errors`` and ``clock`` at
the bottom. Nothing here imports streamlit, pydeck or ``maps`` (see DESIGN.md).

The service names load on first use, so ``import zoning.grid`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from zoning.errors import (
    ActivationRefused,
    CampusgridError,
    FetchFailed,
    IllegalTransition,
    ImportFailed,
    InvalidInput,
    InvalidPlan,
    NotFound,
    PlanConflict,
    StorageError,
)

if TYPE_CHECKING:
    from zoning.services import (
        export_campus as export_campus,
    )
    from zoning.services import (
        import_campus as import_campus,
    )
    from zoning.services import (
        list_campuses as list_campuses,
    )
    from zoning.services import (
        list_plans as list_plans,
    )
    from zoning.services import (
        seed_demo as seed_demo,
    )
    from zoning.services import (
        split_campus as split_campus,
    )
    from zoning.services.cameras import (
        campus_coverage as campus_coverage,
    )
    from zoning.services.cameras import (
        suggest_cameras as suggest_cameras,
    )
    from zoning.services.ledger import (
        add_complaint as add_complaint,
    )
    from zoning.services.ledger import (
        list_hazards as list_hazards,
    )
    from zoning.services.ledger import (
        move_hazard as move_hazard,
    )
    from zoning.services.plans import (
        activate_plan as activate_plan,
    )
    from zoning.services.plans import (
        create_draft as create_draft,
    )
    from zoning.services.plans import (
        diff as diff,
    )
    from zoning.services.plans import (
        validate_plan as validate_plan,
    )
    from zoning.services.safety import (
        completion_report as completion_report,
    )
    from zoning.services.safety import (
        submit_inspection as submit_inspection,
    )
    from zoning.services.safety import (
        todo as todo,
    )
    from zoning.store.engine import open_engine as open_engine


__version__ = "0.1.0"

#: Public name → the module that defines it (imported on first use).
_LAZY: dict[str, str] = {
    "open_engine": "zoning.store.engine",
    "import_campus": "zoning.services",
    "export_campus": "zoning.services",
    "list_campuses": "zoning.services",
    "list_plans": "zoning.services",
    "seed_demo": "zoning.services",
    "split_campus": "zoning.services",
    "validate_plan": "zoning.services.plans",
    "create_draft": "zoning.services.plans",
    "diff": "zoning.services.plans",
    "activate_plan": "zoning.services.plans",
    "todo": "zoning.services.safety",
    "submit_inspection": "zoning.services.safety",
    "completion_report": "zoning.services.safety",
    "list_hazards": "zoning.services.ledger",
    "move_hazard": "zoning.services.ledger",
    "add_complaint": "zoning.services.ledger",
    "campus_coverage": "zoning.services.cameras",
    "suggest_cameras": "zoning.services.cameras",
}

__all__ = [
    "ActivationRefused",
    "CampusgridError",
    "FetchFailed",
    "IllegalTransition",
    "ImportFailed",
    "InvalidInput",
    "InvalidPlan",
    "NotFound",
    "PlanConflict",
    "StorageError",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    """Load a public service name from its module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'zoning' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
