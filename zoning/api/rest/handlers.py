"""The API's handlers: each calls the same service as the CLI and the pages, with the
token's account, so every permission, scope, redaction and audit rule holds. Blocking
(database work): :mod:`zoning.api.rest.endpoint` runs them in worker threads."""

from __future__ import annotations

import json
from typing import Any

from zoning.accounts import MATRIX, Permission, Scope
from zoning.api.rest.endpoint import Call
from zoning.errors import NotFound
from zoning.services import campus as campuses
from zoning.services import ledger, safety

Reply = tuple[int, Any]


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


def campus_cells(call: Call) -> Reply:
    """The active plan's cells as a GeoJSON FeatureCollection (WGS-84); the owner's name
    only for accounts that read the ledger."""
    call.actor.require(Permission.VIEW_MAP, "see the cells")
    name = call.path["campus"]
    plans = campuses.list_plans(call.engine, name)  # NotFound for an unknown campus
    active = next((p for p in plans if p.status == "active"), None)
    if active is None:
        raise NotFound(f"Campus {name!r} has no active plan yet: activate one first.")
    cells = campuses.load_cells(call.engine, name, active.id)
    names = call.actor.can(Permission.VIEW_LEDGER)
    cells = cells.assign(owner=cells["owner"].where(cells["owner"].notna(), None))
    if not names:
        cells = cells.assign(owner=None)
    collection = json.loads(cells.to_json(na="null", drop_id=True))
    return 200, {**collection, "plan": active.to_json()}


def list_hazards(call: Call) -> Reply:
    """The hazards in the account's scope (sensitive ones redacted unless it may see them)."""
    views = ledger.list_hazards(
        call.engine,
        call.path["campus"],
        actor=call.actor,
        status=call.query.get("status"),
        overdue=bool(call.query.get("overdue", False)),
    )
    return 200, {"hazards": [v.to_json() for v in views]}


def _hazard_id(call: Call) -> int:
    return int(call.path["hazard_id"])


def show_hazard(call: Call) -> Reply:
    """One hazard with its history and who answers for it now."""
    found = ledger.show_hazard(call.engine, call.path["campus"], _hazard_id(call), actor=call.actor)
    return 200, found.to_json(history=True)


def move_hazard(call: Call) -> Reply:
    """Apply a workflow action to a hazard (register, dispatch, start, complete, verify,
    rework, close, reject, extend)."""
    b = call.body
    moved = ledger.move_hazard(
        call.engine,
        call.path["campus"],
        _hazard_id(call),
        b["action"],
        actor=call.actor,
        note=b.get("note", ""),
        deadline=b.get("deadline"),
        assignee=b.get("assignee"),
    )
    return 200, moved.to_json(history=True)


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
