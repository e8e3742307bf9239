"""The API's handlers: each calls the same service as the CLI and the pages, with the
token's account, so every permission, scope, redaction and audit rule holds. Blocking
(database work): :mod:`zoning.api.rest.endpoint` runs them in worker threads."""

from __future__ import annotations

import json
import math
from typing import Any

import shapely

from zoning.accounts import MATRIX, Permission, Scope
from zoning.api.rest.endpoint import Call, Reply
from zoning.api.rest.errors import CHANGED_MEANWHILE, ApiError
from zoning.errors import InvalidInput, NotFound, PermissionDenied
from zoning.services import campus as campuses
from zoning.services import ledger, safety
from zoning.services.ledger import HazardView


def me(call: Call) -> Reply:
    """The token's account: name, role, scope, campus, person, zone and permissions."""
    a = call.actor
    return 200, {
        "name": a.name,
        "role": a.role.value,
        "scope": a.scope.value,
        "campus": a.campus,
        "person": a.person,
        "zone": a.zone,
        "permissions": sorted(p.value for p in MATRIX[a.role]),
    }


def list_campuses(call: Call) -> Reply:
    """The campuses the account may see (a zone leader's or inspector's own campus only)."""
    call.actor.require(Permission.VIEW_MAP, "see the campuses")
    found = campuses.list_campuses(call.engine)
    if call.actor.scope is not Scope.CAMPUS and call.actor.campus:
        found = [c for c in found if c.name == call.actor.campus]
    return 200, {"campuses": [c.to_json() for c in found]}


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Return ``min_lon,min_lat,max_lon,max_lat`` (degrees) as numbers; ApiError 422."""
    parts = text.split(",")
    try:
        box = tuple(float(p) for p in parts)
    except ValueError:
        box = ()
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise ApiError(422, "validation", "bbox: give min_lon,min_lat,max_lon,max_lat in "
                       "degrees, e.g. 117.69,39.07,117.71,39.09", field="bbox")  # fmt: skip
    w, s_, e, n = box
    if not (-180 <= w <= e <= 180 and -90 <= s_ <= n <= 90):
        raise ApiError(422, "validation", "bbox: west ≤ east within ±180°, south ≤ north "
                       "within ±90°", field="bbox")  # fmt: skip
    return w, s_, e, n


def campus_cells(call: Call) -> Reply:
    """The active plan's cells as a GeoJSON FeatureCollection (WGS-84), in code order,
    optionally those meeting ``bbox`` or in ``zone``; the owner's name only for accounts
    that read the ledger."""
    call.actor.require(Permission.VIEW_MAP, "see the cells")
    name = call.path["campus"]
    box = parse_bbox(call.query["bbox"]) if "bbox" in call.query else None
    plans = campuses.list_plans(call.engine, name)  # NotFound for an unknown campus
    active = next((p for p in plans if p.status == "active"), None)
    if active is None:
        raise NotFound(f"Campus {name!r} has no active plan yet: activate one first.")
    cells = campuses.load_cells(call.engine, name, active.id)
    if "zone" in call.query:
        cells = cells[cells["zone"].astype("string") == str(call.query["zone"])]
    if box is not None:
        cells = cells[cells.intersects(shapely.box(*box))]
    cells = cells.sort_values("code")
    names = call.actor.can(Permission.VIEW_LEDGER)
    cells = cells.assign(owner=cells["owner"].where(cells["owner"].notna(), None))
    if not names:
        cells = cells.assign(owner=None)
    collection = json.loads(cells.to_json(na="null", drop_id=True))
    return 200, {**collection, "plan": active.to_json()}


def hazard_feature(found: HazardView) -> dict[str, Any]:
    """Return one hazard as a GeoJSON Point feature (WGS-84), its fields as properties."""
    data = found.to_json()
    point = [data.pop("lon"), data.pop("lat")]
    return {"type": "Feature", "id": data["id"], "geometry": {"type": "Point",
            "coordinates": point}, "properties": data}  # fmt: skip


def list_hazards(call: Call) -> Reply:
    """The hazards in the account's scope, in id order (sensitive ones redacted unless it
    may see them); ``format=geojson`` gives a FeatureCollection of points."""
    views = ledger.list_hazards(
        call.engine,
        call.path["campus"],
        actor=call.actor,
        status=call.query.get("status"),
        overdue=bool(call.query.get("overdue", False)),
    )
    views = sorted(views, key=lambda v: int(v.hazard.id))
    if call.query.get("format") == "geojson":
        return 200, {"type": "FeatureCollection", "features": [hazard_feature(v) for v in views]}
    return 200, {"hazards": [v.to_json() for v in views]}


def _hazard_id(call: Call) -> int:
    return int(call.path["hazard_id"])


def etag_of(found: HazardView) -> str:
    """Return a hazard's ETag: its id and version (the number of its events)."""
    return f'"{int(found.hazard.id)}.{len(found.hazard.history)}"'


def _hidden(hazard_id: int) -> NotFound:
    """Return the 404 of a hazard outside the account's scope: word for word the store's
    answer for a hazard that does not exist (no existence leak)."""
    return NotFound(
        f"No hazard {hazard_id} on this campus: `campusgrid hazards list CAMPUS` lists them."
    )


def _hazard(call: Call, hazard_id: int) -> HazardView:
    """Return the hazard as the account sees it; 404 for one outside its scope (the same
    answer as a hazard that does not exist), 403 without the permission at all."""
    try:
        return ledger.show_hazard(call.engine, call.path["campus"], hazard_id, actor=call.actor)
    except PermissionDenied:
        if not call.actor.can(Permission.VIEW_LEDGER):
            raise
        raise _hidden(hazard_id) from None


def show_hazard(call: Call) -> Reply:
    """One hazard with its history and who answers for it now; its ``ETag`` is what
    ``If-Match`` must name to move it."""
    found = _hazard(call, _hazard_id(call))
    return 200, found.to_json(history=True), {"ETag": etag_of(found)}


def _version(call: Call, found: HazardView) -> int:
    """Return the hazard version ``If-Match`` names; 428 when missing, 412 when stale."""
    given = call.if_match
    if not given:
        raise ApiError(428, "precondition_required", "Send If-Match with the hazard's ETag "
                       "(GET the hazard first), so that two changes cannot both win.")  # fmt: skip
    current = etag_of(found)
    tags = [t.strip().removeprefix("W/") for t in given.split(",")]
    if current not in tags and "*" not in tags:
        raise ApiError(412, "precondition_failed", "The hazard changed since you read it "
                       f"(now {current}): GET it again, check, and retry.")  # fmt: skip
    return len(found.hazard.history)


def move_hazard(call: Call) -> Reply:
    """Apply a workflow action to a hazard (register, dispatch, start, complete, verify,
    rework, close, reject, extend); needs ``If-Match`` with its current ETag."""
    b = call.body
    hazard_id = _hazard_id(call)
    events = _version(call, _hazard(call, hazard_id))
    try:
        moved = ledger.move_hazard(
            call.engine,
            call.path["campus"],
            hazard_id,
            b["action"],
            actor=call.actor,
            note=b.get("note", ""),
            deadline=b.get("deadline"),
            assignee=b.get("assignee"),
            events=events,
        )
    except InvalidInput as err:
        if CHANGED_MEANWHILE in str(err):
            raise ApiError(412, "precondition_failed", str(err)) from None
        raise
    return 200, moved.to_json(history=True), {"ETag": etag_of(moved)}


def list_complaints(call: Call) -> Reply:
    """The complaints in the account's scope, oldest first."""
    found = ledger.list_complaints(call.engine, call.path["campus"], actor=call.actor)
    return 200, {"complaints": [c.to_json() for c in found]}


def add_complaint(call: Call) -> Reply:
    """Record a located complaint: routed to its cell's owner, its ledger item opened (or a
    likely duplicate joined)."""
    b = call.body
    made = ledger.add_complaint(
        call.engine,
        call.path["campus"],
        actor=call.actor,
        lon=b["lon"],
        lat=b["lat"],
        category=b["category"],
        text=b["text"],
        contact=b.get("contact"),
        reported_by=b.get("reported_by", "API"),
    )
    return 201, made.to_json()


def report_hazard(call: Call) -> Reply:
    """Report a hazard seen at a spot, without a checklist: opened in the ledger at the cell
    there, for its owner; photos (multipart) go into the photo store."""
    b = call.body
    made = ledger.report_hazard(
        call.engine,
        call.path["campus"],
        actor=call.actor,
        lon=b["lon"],
        lat=b["lat"],
        domain=b["domain"],
        description=b["description"],
        severity=b.get("severity", "general"),
        photos=[call.photos[k] for k in sorted(call.photos)] or None,
        at=b.get("at"),
    )
    return 201, made.to_json(history=True), {"ETag": etag_of(made)}


def inspections_due(call: Call) -> Reply:
    """The open inspections (overdue, due today, open) in the account's scope."""
    table = safety.todo(
        call.engine,
        call.path["campus"],
        actor=call.actor,
        owner=call.query.get("owner"),
        day=call.query.get("date"),
    )
    return 200, {"due": json.loads(table.to_json(orient="records", date_format="iso"))}


def my_inspections(call: Call) -> Reply:
    """The token's account's own open inspections (overdue, due today, open): the cells
    whose owner is its person."""
    person = call.actor.person
    if not person:
        raise InvalidInput(
            f"Account {call.actor.name!r} is not linked to a person, so it has no inspections: "
            "link it with `campusgrid users add … --person NAME`, or use inspections/due."
        )
    table = safety.todo(
        call.engine, call.path["campus"], actor=call.actor, owner=person,
        day=call.query.get("date"),
    )  # fmt: skip
    return 200, {"due": json.loads(table.to_json(orient="records", date_format="iso"))}


def submit_inspection(call: Call) -> Reply:
    """Submit a checklist for a cell; every failed item opens a hazard."""
    b = call.body
    report = safety.submit_inspection(
        call.engine,
        call.path["campus"],
        actor=call.actor,
        cell=b["cell"],
        template=b["template"],
        results=b["results"],
        notes=b.get("notes"),
        photos=dict(call.photos) or None,
        at=b.get("at"),
        lon=b.get("lon"),
        lat=b.get("lat"),
        period=b.get("period"),
    )
    return 201, report.to_json()


def completion_report(call: Call) -> Reply:
    """Completion (due, on time, late, missed) and ledger rates per cell, zone, owner,
    domain or week."""
    by = call.query.get("by", "cell")
    table = safety.completion_report(
        call.engine,
        call.path["campus"],
        actor=call.actor,
        by=by,
        start=call.query.get("from"),
        end=call.query.get("to"),
    )
    return 200, {"by": by, "rows": json.loads(table.to_json(orient="records"))}


def ledger_report(call: Call) -> Reply:
    """The ledger half of the report: closure, on-time closure, rework and extension rates
    and hours to close of the hazards due in the range, per cell, zone, owner, domain or
    week."""
    by = call.query.get("by", "cell")
    _, start, end = safety.report_window(
        [by], start=call.query.get("from"), end=call.query.get("to"), now=None
    )
    tables = safety.ledger_tables(
        call.engine, call.path["campus"], actor=call.actor, by=[by], start=start, end=end
    )
    rows = json.loads(tables[by].to_json(orient="records", date_format="iso"))
    return 200, {"by": by, "from": start.isoformat(), "to": end.isoformat(), "rows": rows}
