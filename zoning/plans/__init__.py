"""A plan's life after the split: ``edits`` (merge, split, reshape, reassign, move-zone,
undo; code lineage), ``diff`` (two plans compared) and ``qgis`` (a cells layer edited in
QGIS brought back with its codes).

Pure: no database, no CLI.
"""

from zoning.plans.diff import PlanDiff, diff_plans
from zoning.plans.edits import (
    Applied,
    DraftState,
    Edit,
    Link,
    Merge,
    MoveZone,
    Reassign,
    Reshape,
    SetOwners,
    Split,
    apply_edit,
    edit_from_json,
    edit_kind,
    edit_to_json,
    undo,
)
from zoning.plans.qgis import Imported, prepare_import, read_cells_layer

__all__ = [
    "Applied",
    "DraftState",
    "Edit",
    "Imported",
    "Link",
    "Merge",
    "MoveZone",
    "PlanDiff",
    "Reassign",
    "Reshape",
    "SetOwners",
    "Split",
    "apply_edit",
    "diff_plans",
    "edit_from_json",
    "edit_kind",
    "edit_to_json",
    "prepare_import",
    "read_cells_layer",
    "undo",
]
