"""The route table: every API endpoint, described once (:class:`Endpoint`). The server's
routes and the OpenAPI document are both made from :data:`ENDPOINTS`."""

from __future__ import annotations

from zoning.api.rest import handlers as h
from zoning.api.rest.endpoint import Endpoint, Field
from zoning.safety.complaints import DEFAULT_CATEGORIES
from zoning.safety.ledger.workflow import ACTIONS, STATES
from zoning.services.safety import REPORT_KEYS

LEDGER = "ledger"
INSPECTIONS = "inspections"
MAP = "map"


def _listing(key: str) -> dict[str, object]:
    return {"type": "object", "properties": {key: {"type": "array", "items": {"type": "object"}}}}


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/me", h.me, "The token's account, role and permissions", None,
             tag="accounts"),
    Endpoint("GET", "/campuses", h.list_campuses, "The campuses", "view_map", tag=MAP,
             response=_listing("campuses")),
    Endpoint("GET", "/campuses/{campus}/cells", h.campus_cells,
             "The active plan's cells (GeoJSON FeatureCollection, WGS-84)", "view_map", tag=MAP,
             response={"type": "object", "required": ["type", "features"],
                       "properties": {"type": {"const": "FeatureCollection"},
                                      "features": {"type": "array"}}}),
    Endpoint("GET", "/campuses/{campus}/hazards", h.list_hazards,
             "The hazard ledger in the account's scope", "view_ledger", tag=LEDGER,
             query=(Field("status", "string", "Only this state, or open (every open state).",
                          enum=("open", *STATES)),
                    Field("overdue", "boolean", "Only open hazards past their deadline.")),
             response=_listing("hazards")),
    Endpoint("GET", "/campuses/{campus}/hazards/{hazard_id}", h.show_hazard,
             "One hazard with its history", "view_ledger", tag=LEDGER),
    Endpoint("POST", "/campuses/{campus}/hazards/{hazard_id}/moves", h.move_hazard,
             "Move a hazard along its workflow (verify/rework/close need verify_hazards)",
             "report_hazards", tag=LEDGER,
             body=(Field("action", "string", "The workflow action.", required=True,
                         enum=ACTIONS),
                   Field("note", "string", "Why (required for reject, rework, extend)."),
                   Field("deadline", "date-time", "New deadline (extend, dispatch)."),
                   Field("assignee", "string", "Who rectifies (dispatch; default: the "
                         "person responsible now)."))),
    Endpoint("GET", "/campuses/{campus}/complaints", h.list_complaints,
             "The complaints in the account's scope", "view_ledger", tag=LEDGER,
             response=_listing("complaints")),
    Endpoint("POST", "/campuses/{campus}/complaints", h.add_complaint,
             "Record a located complaint (routed to its cell's owner)", "receive_complaints",
             tag=LEDGER, status=201,
             body=(Field("lon", "number", "Longitude, WGS-84 degrees.", required=True),
                   Field("lat", "number", "Latitude, WGS-84 degrees.", required=True),
                   Field("category", "string", "The complaint category.", required=True,
                         enum=tuple(DEFAULT_CATEGORIES)),
                   Field("text", "string", "What is wrong.", required=True),
                   Field("contact", "string", "How to reach the complainant."),
                   Field("reported_by", "string", "The channel (default API)."))),
    Endpoint("GET", "/campuses/{campus}/inspections/due", h.inspections_due,
             "The inspections due (overdue, due today, open) in the account's scope",
             "submit_inspections", tag=INSPECTIONS,
             query=(Field("owner", "string", "Only this owner's list."),
                    Field("date", "date", "The day (default today).")),
             response=_listing("due")),
    Endpoint("POST", "/campuses/{campus}/inspections", h.submit_inspection,
             "Submit a checklist; every failed item opens a hazard", "submit_inspections",
             tag=INSPECTIONS, status=201,
             body=(Field("cell", "string", "The cell code.", required=True),
                   Field("template", "string", "The checklist code, e.g. fire.",
                         required=True),
                   Field("results", "object", 'ITEM → pass|fail|na; "*" sets the rest.',
                         required=True),
                   Field("notes", "object", "ITEM → note."),
                   Field("at", "date-time", "When (default now; not in the future)."),
                   Field("lon", "number", "Where (default: the cell), WGS-84 degrees."),
                   Field("lat", "number", "Where (default: the cell), WGS-84 degrees."),
                   Field("period", "string", "The period of a late one, e.g. 2026-W09."))),
    Endpoint("GET", "/campuses/{campus}/reports/completion", h.completion_report,
             "Completion and ledger rates per cell, zone, owner, domain or week",
             "view_reports", tag="reports",
             query=(Field("by", "string", "Group by (default cell).", enum=tuple(REPORT_KEYS)),
                    Field("from", "date", "First day (default 89 days before the last)."),
                    Field("to", "date", "Last day (default today).")),
             response=_listing("rows")),
)  # fmt: skip
