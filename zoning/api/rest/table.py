"""The route table: every API endpoint, described once (:class:`Endpoint`). The server's
routes and the OpenAPI document are both made from :data:`ENDPOINTS`."""

from __future__ import annotations

from zoning.api.rest import handlers as h
from zoning.api.rest import map_handlers as m
from zoning.api.rest import rollcall_handlers as rc
from zoning.api.rest.endpoint import Endpoint, Field
from zoning.safety.complaints import DEFAULT_CATEGORIES
from zoning.safety.domains import DOMAIN_CODES
from zoning.safety.ledger.workflow import ACTIONS, SEVERITIES, STATES
from zoning.services.safety import REPORT_KEYS

LEDGER = "ledger"
INSPECTIONS = "inspections"
MAP = "map"


def _listing(key: str) -> dict[str, object]:
    return {
        "type": "object",
        "required": [key, "next_cursor", "total"],
        "properties": {
            key: {"type": "array", "items": {"type": "object"}},
            "next_cursor": {"type": ["string", "null"]},
            "total": {"type": "integer"},
        },
    }


def _collection() -> dict[str, object]:
    return {
        "type": "object",
        "required": ["type", "features", "next_cursor"],
        "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {"type": "array"},
            "next_cursor": {"type": ["string", "null"]},
            "total": {"type": "integer"},
        },
    }


def _either(key: str) -> dict[str, object]:
    return {
        "type": "object",
        "required": ["next_cursor"],
        "properties": {
            key: {"type": "array", "items": {"type": "object"}},
            "features": {"type": "array"},
            "next_cursor": {"type": ["string", "null"]},
            "total": {"type": "integer"},
        },
    }


_LON = Field("lon", "number", "Longitude, WGS-84 degrees.", required=True, low=-180, high=180)
_LAT = Field("lat", "number", "Latitude, WGS-84 degrees.", required=True, low=-90, high=90)
_WINDOW = (Field("from", "date", "First day (default 89 days before the last)."),
           Field("to", "date", "Last day (default today)."))  # fmt: skip


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/me", h.me, "The token's account, role and permissions", None,
             tag="accounts"),
    Endpoint("GET", "/campuses", h.list_campuses, "The campuses", "view_map", tag=MAP,
             response=_listing("campuses"), pages="campuses"),
    Endpoint("GET", "/campuses/{campus}/plans", m.list_plans,
             "The campus's plans, oldest first", "view_map", tag=MAP,
             response=_listing("plans"), pages="plans"),
    Endpoint("GET", "/campuses/{campus}/plans/{plan_id}", m.show_plan, "One plan", "view_map",
             tag=MAP),
    Endpoint("GET", "/campuses/{campus}/cells/at", m.cell_at,
             "Which cell and owner held a spot, now or at a time", "view_map", tag=MAP,
             query=(_LON, _LAT,
                    Field("at", "date-time", "The moment, with its time zone (default now).")),
             response={"type": "object", "required": ["code", "plan_id"],
                       "properties": {"code": {"type": "string"},
                                      "plan_id": {"type": "integer"},
                                      "owner": {"type": ["string", "null"]}}}),
    Endpoint("GET", "/campuses/{campus}/cells", h.campus_cells,
             "The active plan's cells (GeoJSON FeatureCollection, WGS-84)", "view_map", tag=MAP,
             query=(Field("bbox", "string", "Only cells meeting min_lon,min_lat,max_lon,max_lat "
                          "(degrees)."),
                    Field("zone", "string", "Only the cells of this zone.")),
             response=_collection(), pages="features"),
    Endpoint("GET", "/campuses/{campus}/cameras", m.list_cameras, "The campus's cameras",
             "view_map", tag=MAP, response=_listing("cameras"), pages="cameras"),
    Endpoint("GET", "/campuses/{campus}/cameras/coverage", m.camera_coverage,
             "The camera coverage summary (areas in m², cells in %)", "view_map", tag=MAP),
    Endpoint("GET", "/campuses/{campus}/hazards", h.list_hazards,
             "The hazard ledger in the account's scope", "view_ledger", tag=LEDGER,
             query=(Field("status", "string", "Only this state, or open (every open state).",
                          enum=("open", *STATES)),
                    Field("overdue", "boolean", "Only open hazards past their deadline."),
                    Field("format", "string", "geojson: a FeatureCollection of points.",
                          enum=("json", "geojson"))),
             response=_either("hazards"), pages=("hazards", "features")),
    Endpoint("GET", "/campuses/{campus}/hazards/{hazard_id}", h.show_hazard,
             "One hazard with its history (and its ETag)", "view_ledger", tag=LEDGER,
             etag=True),
    Endpoint("POST", "/campuses/{campus}/hazards/{hazard_id}/moves", h.move_hazard,
             "Move a hazard along its workflow (verify/rework/close need verify_hazards)",
             "report_hazards", tag=LEDGER, if_match=True, etag=True,
             body=(Field("action", "string", "The workflow action.", required=True,
                         enum=ACTIONS),
                   Field("note", "string", "Why (required for reject, rework, extend)."),
                   Field("deadline", "date-time", "New deadline (extend, dispatch)."),
                   Field("assignee", "string", "Who rectifies (dispatch; default: the "
                         "person responsible now)."))),
    Endpoint("POST", "/campuses/{campus}/hazards", h.report_hazard,
             "Report a hazard where you stand, without a checklist (JSON, or multipart with "
             "at most 5 photos: the fields as part 'checklist', files 'photo.NAME'); it opens "
             "at the cell there, for its owner", "report_hazards", tag=LEDGER, status=201,
             multipart=True, etag=True,
             body=(_LON, _LAT,
                   Field("domain", "string", "The safety domain.", required=True,
                         enum=DOMAIN_CODES),
                   Field("description", "string", "What is wrong.", required=True),
                   Field("severity", "string", "general (7 days to fix, the default) or major "
                         "(24 h; notifies).", enum=SEVERITIES),
                   Field("at", "date-time", "When it was seen (default now; not in the "
                         "future)."))),
    Endpoint("GET", "/campuses/{campus}/complaints", h.list_complaints,
             "The complaints in the account's scope", "view_ledger", tag=LEDGER,
             response=_listing("complaints"), pages="complaints"),
    Endpoint("POST", "/campuses/{campus}/complaints", h.add_complaint,
             "Record a located complaint (routed to its cell's owner)", "receive_complaints",
             tag=LEDGER, status=201,
             body=(_LON, _LAT,
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
             response=_listing("due"), pages="due"),
    Endpoint("GET", "/campuses/{campus}/inspections/mine", h.my_inspections,
             "My open inspections: the token's account's own cells", "submit_inspections",
             tag=INSPECTIONS, query=(Field("date", "date", "The day (default today)."),),
             response=_listing("due"), pages="due"),
    Endpoint("POST", "/campuses/{campus}/inspections", h.submit_inspection,
             "Submit a checklist (JSON, or multipart with photos); every failed item opens a "
             "hazard", "submit_inspections", tag=INSPECTIONS, status=201, multipart=True,
             body=(Field("cell", "string", "The cell code.", required=True),
                   Field("template", "string", "The checklist code, e.g. fire.",
                         required=True),
                   Field("results", "object", 'ITEM → pass|fail|na; "*" sets the rest.',
                         required=True),
                   Field("notes", "object", "ITEM → note."),
                   Field("at", "date-time", "When (default now; not in the future)."),
                   Field("lon", "number", "Where (default: the cell), WGS-84 degrees.",
                         low=-180, high=180),
                   Field("lat", "number", "Where (default: the cell), WGS-84 degrees.",
                         low=-90, high=90),
                   Field("period", "string", "The period of a late one, e.g. 2026-W09."))),
    Endpoint("POST", "/campuses/{campus}/rollcall/checkins", rc.check_in,
             "Check in to tonight's roll call (晚点名) with the building's code and the phone's "
             "location; the point is checked and dropped, only the distance band and the "
             "accuracy are kept. Refusals answer 400 with error.reason (already, code, "
             "imprecise, far, window, not_open, closed, no_location, no_student, other)",
             "check_in", tag="rollcall", status=201,
             body=(Field("code", "string", "The building's current 6-digit code, from its "
                         "grid member.", required=True),
                   Field("lon", "number", "Longitude, WGS-84 degrees (leave out with lat when "
                         "the phone has no location).", low=-180, high=180),
                   Field("lat", "number", "Latitude, WGS-84 degrees.", low=-90, high=90),
                   Field("accuracy_m", "number", "The location's accuracy radius (m).",
                         low=0, high=100_000),
                   Field("student", "string", "The student number (default: the account's; a "
                         "grid member may check in a student of their building)."))),
    Endpoint("GET", "/campuses/{campus}/reports/completion", h.completion_report,
             "Completion and ledger rates per cell, zone, owner, domain or week",
             "view_reports", tag="reports",
             query=(Field("by", "string", "Group by (default cell).", enum=tuple(REPORT_KEYS)),
                    *_WINDOW),
             response=_listing("rows"), pages="rows"),
    Endpoint("GET", "/campuses/{campus}/reports/ledger", h.ledger_report,
             "Ledger rates (closure, on time, rework, extension) per cell, zone, owner, domain "
             "or week", "view_reports", tag="reports",
             query=(Field("by", "string", "Group by (default cell).", enum=tuple(REPORT_KEYS)),
                    *_WINDOW),
             response=_listing("rows"), pages="rows"),
)  # fmt: skip
