"""The SQLAlchemy 2 + GeoAlchemy2 tables: ``campus`` (the base, campuses, the map layers,
people, grid plans and cells, the audit trail), ``plans`` (plan edits, activations, code
lineage), ``accounts`` (accounts, web sessions), ``idempotency`` (the API's
Idempotency-Key answers), ``notify`` (channels, outbox, job leases), ``people_grid``
(students, roll calls), ``zones`` (named zones, 片区), ``snapshots`` (stored page frames)
and ``safety`` (checklists, inspections, hazards and their events, complaints).
The tables are created by the Alembic migrations in ``zoning/store/migrations``.
"""

from zoning.store.models.accounts import Account, WebSession
from zoning.store.models.campus import (
    SRID,
    AuditEvent,
    Base,
    Building,
    Camera,
    Campus,
    GridCell,
    GridPlan,
    Landcover,
    Person,
    Poi,
    RetiredCode,
    Road,
    table_of,
)
from zoning.store.models.idempotency import IdempotencyKey
from zoning.store.models.notify import JobLease, NotifyChannel, OutboxRow
from zoning.store.models.people_grid import (
    Attention,
    AttentionVisit,
    Holiday,
    Leave,
    ReturnFollowup,
    Rollcall,
    RollcallMark,
    RollcallSecret,
    StaffLink,
    Student,
    Whereabouts,
)
from zoning.store.models.plans import CodeLineage, PlanActivation, PlanEdit
from zoning.store.models.safety import (
    OPS_TABLES,
    ChecklistVersion,
    ComplaintRow,
    CompletionWeek,
    HazardEvent,
    HazardRow,
    Inspection,
    InspectionDue,
    InspectionResult,
)
from zoning.store.models.snapshots import FrameSnapshot
from zoning.store.models.zones import ZONE_SOURCES, Zone

__all__ = [
    "OPS_TABLES",
    "SRID",
    "ZONE_SOURCES",
    "Account",
    "Attention",
    "AttentionVisit",
    "AuditEvent",
    "Base",
    "Building",
    "Camera",
    "Campus",
    "ChecklistVersion",
    "CodeLineage",
    "ComplaintRow",
    "CompletionWeek",
    "FrameSnapshot",
    "GridCell",
    "GridPlan",
    "HazardEvent",
    "HazardRow",
    "Holiday",
    "IdempotencyKey",
    "Inspection",
    "InspectionDue",
    "InspectionResult",
    "JobLease",
    "Landcover",
    "Leave",
    "NotifyChannel",
    "OutboxRow",
    "Person",
    "PlanActivation",
    "PlanEdit",
    "Poi",
    "RetiredCode",
    "ReturnFollowup",
    "Road",
    "Rollcall",
    "RollcallMark",
    "RollcallSecret",
    "StaffLink",
    "Student",
    "WebSession",
    "Whereabouts",
    "Zone",
    "table_of",
]
