"""Ledger and complaint services: list, show and move hazards; add, list and split complaints.

A likely-duplicate complaint joins the open hazard of the complaint it repeats (no second
hazard, so the ledger figures count the problem once); an officer may split it off into its
own hazard (:func:`split_complaint`).

Permissions (DESIGN.md: accounts and permissions): reading needs ``view_ledger`` and shows
only the rows in the actor's scope (:class:`zoning.safety.access.Access`); rows of a
sensitive domain come redacted unless the actor holds ``view_sensitive`` (a view of their
details is audited); work on a hazard needs ``report_hazards``, verify/rework/close
``verify_hazards`` and someone other than whoever rectified it; complaints need
``receive_complaints``. Every write leaves one audit row with the account.

Who answers for a hazard now follows the escalation chain of
:mod:`zoning.safety.ledger.workflow` over the zone staff of
:func:`zoning.services.safety.zone_staff` (cell owner → zone leader → safety office →
leadership; a vacant cell falls to its zone's fallback owner, 属地兜底).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy.engine import Connection, Engine

from zoning.accounts import Actor, Permission, Scope
from zoning.clock import as_utc, utcnow
from zoning.errors import InvalidInput, NotFound
from zoning.geo.crs import WGS84
from zoning.safety.access import (
    VERIFY_ACTIONS,
    Access,
    complaint_domain,
    rectified_by,
    redact_complaint,
    redact_hazard,
)
from zoning.safety.bounds import check_id, check_lonlat, check_number, check_text, check_time
from zoning.safety.complaints import (
    CellLocator,
    CellRef,
    Complaint,
    attach_complaint,
    hazard_for,
    route_complaint,
    split_off,
)
from zoning.safety.domains import DOMAIN_CODES, SENSITIVE_DOMAINS, is_domain
from zoning.safety.exports import ledger_frame
from zoning.safety.ledger.workflow import (
    LEVELS,
    OPEN_STATES,
    SEVERITIES,
    STATES,
    Hazard,
    allowed_actions,
    apply,
    new_hazard,
    overdue_hours,
    responsible_at,
)
from zoning.services import notify
from zoning.services._scope import scope_clause
from zoning.services.photos import HazardPhoto, discard_photos, store_photo, stored_photos
from zoning.services.safety import (
    NOBODY,
    CampusOps,
    Staff,
    access_in,
    acting_as,
    campus_access,
    campus_ops,
    export,
    on_behalf,
    on_campus,
)
from zoning.store import public as public_repo
from zoning.store import safety as repo
from zoning.store.audit import record
from zoning.store.campus import campus_id
from zoning.store.engine import writing
from zoning.store.zones import zone_names

__all__ = [
    "MAX_DUPLICATE_DISTANCE_M",
    "MAX_DUPLICATE_WINDOW_H",
    "MAX_REPORT_PHOTOS",
    "ComplaintView",
    "HazardView",
    "add_complaint",
    "export_ledger",
    "hazard_photos",
    "list_complaints",
    "list_hazards",
    "locator",
    "move_hazard",
    "reply_publicly",
    "report_hazard",
    "show_hazard",
    "split_complaint",
    "view",
]


#: The widest duplicate search a complaint may ask for: 10 km, and a year (366 days) back.
MAX_DUPLICATE_DISTANCE_M = 10_000.0
MAX_DUPLICATE_WINDOW_H = 366 * 24.0

# --------------------------------------------------------------------------- ledger


@dataclass(frozen=True)
class HazardView:
    """A hazard with who answers for it now, how late it is (h) and what may happen next."""

    hazard: Hazard
    level: str
    responsible: str
    overdue_hours: float
    allowed: tuple[str, ...]
    redacted: bool = False

    def to_json(self, *, history: bool = False) -> dict[str, Any]:
        """Return the hazard as JSON-ready data (with its history when asked)."""
        h = self.hazard
        data: dict[str, Any] = {
            "id": int(h.id),
            "source": h.source,
            "domain": h.domain,
            "severity": h.severity,
            "state": h.state,
            "description": h.description,
            "cell": h.cell_code,
            "zone": h.zone,
            "owner": h.owner,
            "assignee": h.assignee,
            "reported_by": h.reported_by,
            "reported_at": h.reported_at.isoformat(),
            "deadline": h.deadline.isoformat(),
            "overdue_hours": round(self.overdue_hours, 1),
            "level": self.level,
            "responsible": self.responsible,
            "allowed_actions": list(self.allowed),
            "lon": round(h.lon, 7),
            "lat": round(h.lat, 7),
            "redacted": self.redacted,
        }
        if history:
            data["history"] = [
                {
                    "action": t.action,
                    "from": t.from_state,
                    "to": t.to_state,
                    "by": t.by,
                    "at": t.at.isoformat(),
                    "note": t.note,
                    "deadline": t.deadline.isoformat() if t.deadline else None,
                    "assignee": t.assignee,
                }
                for t in h.history
            ]
        return data


def view(hazard: Hazard, staff: Staff, *, now: datetime) -> HazardView:
    """Return ``hazard`` with its responsible person at ``now`` (escalation chain)."""
    try:
        level, person = responsible_at(hazard, staff.chain(), now=now)
    except NotFound:
        level, person = LEVELS[0], NOBODY
    if not hazard.is_open:
        level, person = "closed", hazard.owner or NOBODY
    return HazardView(
        hazard, level, person, overdue_hours(hazard, now=now), allowed_actions(hazard)
    )


def list_hazards(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    status: str | None = None,
    overdue: bool = False,
    now: datetime | None = None,
) -> list[HazardView]:
    """Return the ledger rows in the actor's scope, optionally one ``status`` (a state, or
    ``open``) or only overdue; sensitive rows redacted unless the actor may see them.

    Needs ``view_ledger``. Showing a sensitive hazard's details is audited (``hazard.view``,
    one row for the list). Raises PermissionDenied, InvalidInput (status), NotFound (campus).
    """
    actor.require(Permission.VIEW_LEDGER, "read the hazard ledger")
    if status is not None and status != "open" and status not in STATES:
        raise InvalidInput(
            f"Unknown status {status!r}; use open or one of: {', '.join(STATES)}.",
            zh=f"未知的状态 {status!r}：请用 open 或以下之一：{', '.join(STATES)}。",
        )
    now = now or utcnow()
    ops = campus_ops(engine, campus)
    scope = access_in(ops.cells, campus, actor)
    states = list(OPEN_STATES) if status == "open" else [status] if status else None
    with engine.connect() as conn:
        where = None if actor.scope is Scope.CAMPUS else scope_clause(actor, scope.cells)
        loaded = repo.load_hazards(conn, ops.cid, states=states, where=where)  # a superset
        found = [h for h in loaded if scope.sees_hazard(h)]
    views = [_shown(view(h, ops.staff, now=now), scope) for h in found]
    if overdue:
        views = [v for v in views if v.overdue_hours > 0 and v.hazard.is_open]
    _audit_views(engine, ops.cid, actor, "hazard.view", "hazards", _sensitive_ids(views))
    return views


def _shown(found: HazardView, scope: Access) -> HazardView:
    """Return ``found`` as ``scope``'s actor may see it (redacted when sensitive)."""
    if scope.details(found.hazard.domain):
        return found
    return replace(found, hazard=redact_hazard(found.hazard), redacted=True)


def _sensitive_ids(views: list[HazardView]) -> list[int]:
    return [
        int(v.hazard.id) for v in views if v.hazard.domain in SENSITIVE_DOMAINS and not v.redacted
    ]


def _audit_views(
    engine: Engine, cid: int, actor: Actor, action: str, key: str, ids: list[int]
) -> None:
    """Record that ``actor`` saw the details of the sensitive rows ``ids`` (none: no row;
    one: the id itself under ``key``, several: their list)."""
    if ids:
        seen: int | list[int] = ids[0] if key.endswith("_id") else ids
        with writing(engine) as conn:
            record(conn, campus_id=cid, actor=actor.name, action=action, detail={key: seen})


def _outside(actor: Actor, doing: str, permission: Permission) -> Exception:
    return actor.refuse(
        doing, "it lies outside the cells you answer for (your zone or your own cells)", permission
    )


def show_hazard(
    engine: Engine, campus: str, hazard_id: int, *, actor: Actor, now: datetime | None = None
) -> HazardView:
    """Return one hazard with its history and responsible person (redacted when sensitive
    and the actor may not see it; a view of its details is audited as ``hazard.view``).

    Raises NotFound, PermissionDenied (no ``view_ledger``, or outside the actor's scope:
    the refusal tells nothing about the hazard).
    """
    actor.require(Permission.VIEW_LEDGER, "read the hazard ledger")
    hazard_id = check_id(hazard_id, what="Hazard")
    ops = campus_ops(engine, campus)
    scope = access_in(ops.cells, campus, actor)
    with engine.connect() as conn:
        hazard = repo.load_hazard(conn, ops.cid, hazard_id)
    if not scope.sees_hazard(hazard):
        raise _outside(actor, f"see hazard #{hazard_id}", Permission.VIEW_LEDGER)
    shown = _shown(view(hazard, ops.staff, now=now or utcnow()), scope)
    _audit_views(engine, ops.cid, actor, "hazard.view", "hazard_id", _sensitive_ids([shown])[:1])
    return shown


def hazard_photos(
    engine: Engine, campus: str, hazard_id: int, *, actor: Actor
) -> list[HazardPhoto]:
    """Return the stored photos of one hazard (its failed checklist item's, its report's,
    the public form's of the complaints it holds), as the actor may see them: none for a
    hazard of a sensitive domain shown redacted (no ``view_sensitive``, or outside the
    chain). Needs ``view_ledger`` and the hazard within the actor's scope; raises
    PermissionDenied (telling nothing about the hazard), NotFound, InvalidInput (id)."""
    actor.require(Permission.VIEW_LEDGER, "see a hazard's photos")
    hazard_id = check_id(hazard_id, what="Hazard")
    ops = campus_ops(engine, campus)
    scope = access_in(ops.cells, campus, actor)
    with engine.connect() as conn:
        hazard = repo.load_hazard(conn, ops.cid, hazard_id)
    if not scope.sees_hazard(hazard):
        raise _outside(actor, f"see the photos of hazard #{hazard_id}", Permission.VIEW_LEDGER)
    if not scope.details(hazard.domain):
        return []
    return stored_photos(engine, ops.cid, [hazard_id]).get(hazard_id, [])


def move_hazard(
    engine: Engine,
    campus: str,
    hazard_id: int,
    action: str,
    *,
    actor: Actor,
    by: str | None = None,
    note: str = "",
    deadline: datetime | None = None,
    assignee: str | None = None,
    at: datetime | None = None,
    events: int | None = None,
) -> HazardView:
    """Apply ``action`` to a hazard and store the event; nothing changes on any error.

    ``events`` (the number of events the caller saw: its version) makes the move happen
    only if the hazard still has that many, else InvalidInput "changed by someone else".

    Verify, rework and close need ``verify_hazards`` and may not be done by whoever
    rectified the hazard (its last ``complete``, by person or by account); every other
    action needs ``report_hazards``; both within the actor's scope. The event records the
    actor's person (else its account name); ``by`` records paper work done by another
    person of the campus. One ``hazard.move`` audit row. ``dispatch`` defaults its assignee
    to the person responsible now. Raises PermissionDenied, IllegalTransition, InvalidInput
    (also when the hazard changed meanwhile) or NotFound.
    """
    needs = Permission.VERIFY_HAZARDS if action in VERIFY_ACTIONS else Permission.REPORT_HAZARDS
    actor.require(needs, f"{action} a hazard")
    now = utcnow()
    at = check_time(at, what="The time of the move", now=now) if at else now
    hazard_id = check_id(hazard_id, what="Hazard")
    check_text(note, what="The note")
    if deadline is not None:
        deadline = check_time(deadline, what="The deadline")
    ops = campus_ops(engine, campus)
    done_by = acting_as(actor, by, ops.people, campus)
    scope = access_in(ops.cells, campus, actor)
    with writing(engine) as conn:
        before = repo.load_hazard(conn, ops.cid, hazard_id)
        if not scope.sees_hazard(before):
            raise _outside(actor, f"{action} hazard #{hazard_id}", needs)
        if events is not None and len(before.history) != events:
            raise InvalidInput(
                f"Hazard {hazard_id} was changed by someone else meanwhile; show it and retry.",
                zh=f"隐患 {hazard_id} 刚被他人修改：请刷新查看后重试。",
            )
        if action in VERIFY_ACTIONS:
            _check_duties(conn, ops.cid, before, actor, done_by, action)
        if action == "dispatch" and assignee is None:
            assignee = view(before, ops.staff, now=at).responsible
        after = apply(
            before,
            action,
            by=done_by,
            at=at,
            note=note,
            deadline=as_utc(deadline) if deadline else None,
            assignee=assignee,
        )
        if not repo.update_hazard(conn, before, after):
            raise InvalidInput(
                f"Hazard {hazard_id} was changed by someone else meanwhile; show it and retry.",
                zh=f"隐患 {hazard_id} 刚被他人修改：请刷新查看后重试。",
            )
        record(
            conn,
            campus_id=ops.cid,
            actor=actor.name,
            action="hazard.move",
            detail={
                "hazard_id": hazard_id, "action": action, "from": before.state,
                "to": after.state, "by": done_by, "note": note, **on_behalf(actor, by),
            },
        )  # fmt: skip
        if action == "dispatch":
            notify.enqueue_hazard(
                conn, campus=campus, cid=ops.cid, hazard=after, hazard_id=hazard_id,
                event="assigned", key=f"hazard:{hazard_id}:assigned:{len(after.history)}",
                recipient=after.assignee, at=now,
            )  # fmt: skip
    return _shown(view(after, ops.staff, now=at), scope)


def _check_duties(
    conn: Connection, cid: int, hazard: Hazard, actor: Actor, done_by: str, action: str
) -> None:
    """Refuse ``action`` (verify, rework, close) by whoever rectified ``hazard``: the person
    recorded on its last ``complete`` or the account that entered it."""
    rectifier = rectified_by(hazard)
    if rectifier is None:
        return
    entered = repo.move_entered_by(conn, cid, int(hazard.id), "complete")
    mine = {actor.name, done_by} | ({actor.person} if actor.person else set())
    if rectifier in mine or entered == actor.name:
        who = rectifier if rectifier in mine else f"{rectifier} (entered by {entered})"
        raise actor.refuse(
            f"{action} hazard #{hazard.id}",
            f"it was rectified by {who}: separation of duties, someone else (the zone leader "
            "or the safety office) must verify and close it",
            Permission.VERIFY_HAZARDS,
        )


def export_ledger(
    engine: Engine,
    campus: str,
    views: list[HazardView],
    *,
    actor: Actor,
    fmt: str = "xlsx",
    path: Path | None = None,
) -> bytes:
    """Return (and write to ``path`` when given) ``views`` (from :func:`list_hazards` as the
    same actor) as the 整改台账 workbook or CSV, formula-safe, with each hazard's photo count
    and stored file names (none for a redacted row); needs ``export``; one ``ledger.export``
    audit row (format, rows, hazard ids)."""
    actor.require(Permission.EXPORT, "export the ledger")
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
    photos = stored_photos(engine, cid, [int(v.hazard.id) for v in views if not v.redacted])
    zones = zone_names(engine, campus)  # named zones (片区) show their names
    rows = []
    for v in views:
        names = [p.name for p in photos.get(int(v.hazard.id), [])]
        row = {**v.to_json(), "photo_count": len(names), "photos": "; ".join(names)}
        if zones and "zone" in row:
            row["zone"] = repo.zone_label(row["zone"], zones)
        rows.append(row)
    frame = ledger_frame(rows)
    return export(
        engine,
        campus,
        {"整改台账": frame},
        actor=actor,
        what="ledger",
        fmt=fmt,
        title=f"{campus} 整改台账",
        path=path,
        detail={"hazards": [int(v.hazard.id) for v in views]},
    )


# --------------------------------------------------------------------------- complaints


@dataclass(frozen=True)
class ComplaintView:
    """A stored complaint with its ledger item id and state; ``joined`` when that hazard
    was opened by an earlier complaint (this one is a likely duplicate attached to it)."""

    complaint: Complaint
    hazard_id: int | None
    state: str | None
    joined: bool = False
    redacted: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the complaint as JSON-ready data (the contact included, as the actor may
        see it)."""
        c = self.complaint
        return {
            "id": int(c.id),
            "category": c.category,
            "text": c.text,
            "contact": c.contact,
            "received_at": c.received_at.isoformat(),
            "response_deadline": c.response_deadline.isoformat(),
            "cell": c.cell_code,
            "zone": c.zone,
            "owner": c.owner,
            "duplicate_of": int(c.duplicate_of) if c.duplicate_of else None,
            "hazard_id": self.hazard_id,
            "joined_hazard_id": self.hazard_id if self.joined else None,
            "state": self.state,
            "lon": round(c.lon, 7),
            "lat": round(c.lat, 7),
            "redacted": self.redacted,
        }


def locator(ops: CampusOps) -> CellLocator:
    """Return a cell locator over the current plan (metric CRS)."""
    return CellLocator(ops.cells[["code", "zone", "owner", "geometry"]].to_crs(ops.metric_crs))


def add_complaint(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    lon: float,
    lat: float,
    category: str,
    text: str,
    contact: str | None = None,
    at: datetime | None = None,
    reported_by: str = "接诉即办",
    duplicate_distance_m: float = 50.0,
    duplicate_window_hours: float = 72.0,
    then: Callable[[Connection, ComplaintView], None] | None = None,
) -> ComplaintView:
    """Route a located complaint to its cell's owner, open its ledger item, store both.

    A likely duplicate (same category within ``duplicate_distance_m`` metres and
    ``duplicate_window_hours`` hours) whose first complaint's hazard is still open joins
    that hazard instead (``joined``; its history records the attachment by ``reported_by``).
    ``at`` (default now) may not be in the future; the duplicate search looks at most
    MAX_DUPLICATE_DISTANCE_M (10 km) around and MAX_DUPLICATE_WINDOW_H (a year) back.
    Needs ``receive_complaints``; one ``complaint.add`` audit row. Raises PermissionDenied,
    InvalidInput (outside the campus, unknown category, empty text, a time or number out of
    range): nothing stored.

    ``then(conn, view)`` runs last inside the same transaction (to store what belongs to the
    complaint, such as its tracking number): if it raises, nothing is stored.
    """
    actor.require(Permission.RECEIVE_COMPLAINTS, "record a complaint")
    now = utcnow()
    at = check_time(at, what="The complaint time", now=now) if at else now
    check_lonlat(lon, lat, what="The complaint location")
    check_text(text, what="The complaint text", empty=False)
    check_text(category, what="The category", limit=100)
    if contact is not None:
        check_text(contact, what="The contact", limit=200)
    check_text(reported_by, what="The reporter", limit=200, empty=False)
    duplicate_distance_m = check_number(
        duplicate_distance_m, what="The duplicate distance", low=0.0,
        high=MAX_DUPLICATE_DISTANCE_M, unit="m",
    )  # fmt: skip
    duplicate_window_hours = check_number(
        duplicate_window_hours, what="The duplicate window", low=0.0,
        high=MAX_DUPLICATE_WINDOW_H, unit="h",
    )  # fmt: skip
    ops = campus_ops(engine, campus)
    with writing(engine) as conn:
        since = at - timedelta(hours=duplicate_window_hours)
        loaded = repo.load_complaints(conn, ops.cid, since=since)
        previous = [c for c, _, _ in loaded]
        open_hazard = {c.id: h for c, h, s in loaded if h is not None and s in OPEN_STATES}
        routed = route_complaint(
            complaint_id="new",
            lon=lon,
            lat=lat,
            category=category,
            text=text,
            received_at=at,
            locate=locator(ops),
            contact=contact,
            reported_by=reported_by,
            fallback_owners=ops.staff.fallback_owners,
            previous=previous,
            duplicate_distance_m=duplicate_distance_m,
            duplicate_window_hours=duplicate_window_hours,
        )
        joins = open_hazard.get(routed.complaint.duplicate_of or "")
        if joins is None:
            (hazard_id,) = repo.save_hazards(
                conn, ops.cid, [repo.HazardRecord(routed.hazard, ops.plan_id)]
            )
        else:
            hazard_id = joins
        (complaint_id,) = repo.save_complaints(
            conn, ops.cid, [repo.ComplaintRecord(routed.complaint, ops.plan_id, hazard_id)]
        )
        state = "reported"
        if joins is not None:
            before = repo.load_hazard(conn, ops.cid, joins)
            after = attach_complaint(before, complaint_id=str(complaint_id), by=reported_by, at=at)
            _store_move(conn, before, after)
            state = after.state
        record(
            conn,
            campus_id=ops.cid,
            actor=actor.name,
            action="complaint.add",
            detail={
                "complaint_id": complaint_id, "hazard_id": hazard_id, "joined": joins is not None,
                "category": category, "cell": routed.complaint.cell_code,
            },
        )  # fmt: skip
        if joins is None:
            notify.enqueue_complaint(
                conn, campus=campus, cid=ops.cid, hazard=routed.hazard, hazard_id=hazard_id,
                complaint_id=complaint_id, at=now,
            )  # fmt: skip
        complaint = replace(routed.complaint, id=str(complaint_id))
        made = ComplaintView(complaint, hazard_id, state, joined=joins is not None)
        if then is not None:
            then(conn, made)
    return made


#: The longest public reply (characters).
MAX_REPLY = 2000


@dataclass(frozen=True)
class PublicReply:
    """A stored public reply: its id, the complaint it answers, the text and when (UTC)."""

    id: int
    complaint_id: int
    text: str
    at: datetime


def reply_publicly(
    engine: Engine,
    campus: str,
    complaint_id: int,
    text: str,
    *,
    actor: Actor,
    at: datetime | None = None,
) -> PublicReply:
    """Add an official public reply to a complaint: the reporter sees its text (never who
    wrote it) on the tracking page and as Open311 ``status_notes``.

    Needs ``receive_complaints`` and the complaint within the actor's scope; one
    ``complaint.reply`` audit row. Raises PermissionDenied, NotFound (no such complaint),
    InvalidInput (empty or over MAX_REPLY characters, a time in the future): nothing stored.
    """
    actor.require(Permission.RECEIVE_COMPLAINTS, "reply to a complaint")
    now = utcnow()
    at = check_time(at, what="The reply time", now=now) if at else now
    complaint_id = check_id(complaint_id, what="Complaint")
    text = text.strip()
    check_text(text, what="The reply", limit=MAX_REPLY, empty=False)
    ops = campus_ops(engine, campus)
    scope = access_in(ops.cells, campus, actor)
    with writing(engine) as conn:
        found = repo.load_complaints(conn, ops.cid, ids=[complaint_id])
        if not found:
            raise NotFound(
                f"No complaint {complaint_id} on campus {campus!r}: "
                f"`campusgrid complaints list {campus}` lists them.",
                zh=f"校区 {campus!r} 没有投诉 {complaint_id}：请在投诉列表中查看。",
            )
        if not scope.sees_complaint(found[0][0]):
            doing = f"reply to complaint #{complaint_id}"
            raise _outside(actor, doing, Permission.RECEIVE_COMPLAINTS)
        reply_id = public_repo.save_reply(
            conn, campus_id=ops.cid, complaint_id=complaint_id, text=text, by=actor.name, at=at
        )
        record(
            conn,
            campus_id=ops.cid,
            actor=actor.name,
            action="complaint.reply",
            detail={"complaint_id": complaint_id, "reply_id": reply_id, "text": text},
        )
    return PublicReply(reply_id, complaint_id, text, as_utc(at))


def split_complaint(
    engine: Engine,
    campus: str,
    complaint_id: int,
    *,
    actor: Actor,
    by: str | None = None,
    at: datetime | None = None,
) -> tuple[ComplaintView, int]:
    """Give a complaint that joined another complaint's hazard its own hazard.

    The new hazard is reported at the complaint's receipt and due by its response deadline,
    at its (current) cell and owner; both histories record the split by ``by`` at ``at``
    (default now). Returns the complaint (now on its own hazard) and the hazard it left.
    Needs ``receive_complaints`` and the complaint within the actor's scope; the split is
    recorded as the actor's person (else account), or ``by`` for paper work done by another
    person of the campus; one ``complaint.split`` audit row. Raises PermissionDenied,
    NotFound (no such complaint or person) or InvalidInput (the complaint has its own
    hazard already, or a hazard changed meanwhile): nothing stored.
    """
    actor.require(Permission.RECEIVE_COMPLAINTS, "split a complaint")
    now = utcnow()
    at = check_time(at, what="The time of the split", now=now) if at else now
    complaint_id = check_id(complaint_id, what="Complaint")
    ops = campus_ops(engine, campus)
    done_by = acting_as(actor, by, ops.people, campus)
    scope = access_in(ops.cells, campus, actor)
    with writing(engine) as conn:
        found = repo.load_complaints(conn, ops.cid, ids=[complaint_id])
        if not found:
            raise NotFound(
                f"No complaint {complaint_id} on campus {campus!r}: "
                f"`campusgrid complaints list {campus}` lists them.",
                zh=f"校区 {campus!r} 没有投诉 {complaint_id}：请在投诉列表中查看。",
            )
        complaint, joined_id, _ = found[0]
        if not scope.sees_complaint(complaint):
            raise _outside(actor, f"split complaint #{complaint_id}", Permission.RECEIVE_COMPLAINTS)
        first = repo.first_complaints(conn, ops.cid)
        if joined_id is None or first.get(joined_id) == complaint_id:
            own = f"has its own hazard #{joined_id}" if joined_id else "has no hazard"
            raise InvalidInput(
                f"Complaint #{complaint_id} is not attached to another complaint's hazard "
                f"(it {own}); only a complaint that joined a hazard can be split.",
                zh=f"投诉 #{complaint_id} 没有并入其他投诉的隐患：只有并入的投诉才能拆分。",
            )
        opened = hazard_for(complaint, reported_by=done_by)
        (own_id,) = repo.save_hazards(conn, ops.cid, [repo.HazardRecord(opened, ops.plan_id)])
        own_before = repo.load_hazard(conn, ops.cid, own_id)
        joined_before = repo.load_hazard(conn, ops.cid, joined_id)
        joined_after, own_after = split_off(
            joined_before, own_before, complaint_id=str(complaint_id), by=done_by, at=at
        )
        _store_move(conn, joined_before, joined_after)
        _store_move(conn, own_before, own_after)
        if not repo.relink_complaint(conn, ops.cid, complaint_id, old=joined_id, new=own_id):
            raise InvalidInput(
                f"Complaint #{complaint_id} was changed by someone else meanwhile; list it and "
                "retry.",
                zh=f"投诉 #{complaint_id} 刚被他人修改：请刷新列表后重试。",
            )
        record(
            conn,
            campus_id=ops.cid,
            actor=actor.name,
            action="complaint.split",
            detail={
                "complaint_id": complaint_id, "from_hazard": joined_id, "to_hazard": own_id,
                "by": done_by, **on_behalf(actor, by),
            },
        )  # fmt: skip
    shown = _shown_complaint(ComplaintView(complaint, own_id, own_after.state), scope)
    return shown, joined_id


def _store_move(conn: Connection, before: Hazard, after: Hazard) -> None:
    if not repo.update_hazard(conn, before, after):
        raise InvalidInput(
            f"Hazard {before.id} was changed by someone else meanwhile; show it and retry.",
            zh=f"隐患 {before.id} 刚被他人修改：请刷新查看后重试。",
        )


def list_complaints(engine: Engine, campus: str, *, actor: Actor) -> list[ComplaintView]:
    """Return the complaints in the actor's scope, oldest first (``joined``: attached to an
    earlier complaint's hazard).

    Needs ``view_ledger``. A sensitive complaint's text and contact are redacted unless the
    actor holds ``view_sensitive``; a contact needs ``view_phones`` too. A list showing a
    sensitive complaint's details is audited (``complaint.view``, one row).
    """
    actor.require(Permission.VIEW_LEDGER, "read the complaints")
    scope = campus_access(engine, campus, actor)
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        first = repo.first_complaints(conn, cid)
        views = [
            _shown_complaint(
                ComplaintView(c, h, s, joined=h is not None and first.get(h) != int(c.id)), scope
            )
            for c, h, s in repo.load_complaints(conn, cid)
            if scope.sees_complaint(c)
        ]
    seen = [
        int(v.complaint.id)
        for v in views
        if complaint_domain(v.complaint.category) in SENSITIVE_DOMAINS and not v.redacted
    ]
    _audit_views(engine, cid, actor, "complaint.view", "complaints", seen)
    return views


def _shown_complaint(found: ComplaintView, scope: Access) -> ComplaintView:
    """Return ``found`` as ``scope``'s actor may see it (text and contact redacted when
    sensitive, the contact without ``view_phones``)."""
    details = scope.details(complaint_domain(found.complaint.category))
    phones = details and scope.actor.can(Permission.VIEW_PHONES)
    if details and phones:
        return found
    complaint = redact_complaint(found.complaint, text=not details, contact=True)
    return replace(found, complaint=complaint, redacted=not details)


# --------------------------------------------------------------------------- reports


#: The most photos one hazard report may carry.
MAX_REPORT_PHOTOS = 5


def report_hazard(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    lon: float,
    lat: float,
    domain: str,
    description: str,
    severity: str = "general",
    photos: Sequence[str | Path] | None = None,
    at: datetime | None = None,
) -> HazardView:
    """Open a hazard seen at (``lon``, ``lat``) (WGS-84 degrees), without a checklist.

    The hazard (source ``report``) lies at the point, in the current plan's cell there (a
    spot within 50 m of the campus but in no cell goes to the nearest cell), with that
    cell's zone and owner (a vacant cell's zone fallback owner); its deadline follows its
    ``severity`` (major 24 h, general 7 days). ``at`` (default now) may not be in the
    future; the reporter is the actor's person (else its account name). Photos (at most
    MAX_REPORT_PHOTOS) are checked and copied into the photo store; the stored paths are
    kept in the ``hazard.report`` audit row. A major hazard queues the "major" notification.
    Needs ``report_hazards`` and the cell within the actor's scope. Raises
    PermissionDenied, InvalidInput (off campus, unknown domain or severity, empty
    description, a time, a photo) or NotFound (campus): nothing stored.
    """
    actor.require(Permission.REPORT_HAZARDS, "report a hazard")
    now = utcnow()
    at = check_time(at, what="The report time", now=now) if at else now
    check_text(description, what="The hazard description", empty=False)
    if not is_domain(domain):
        raise InvalidInput(
            f"Unknown domain {domain!r}; use one of: {', '.join(DOMAIN_CODES)}.",
            zh=f"未知的安全领域 {domain!r}：请用以下之一：{', '.join(DOMAIN_CODES)}。",
        )
    if severity not in SEVERITIES:
        raise InvalidInput(
            f"Unknown severity {severity!r}; use one of: {', '.join(SEVERITIES)}.",
            zh=f"未知的隐患等级 {severity!r}：请用以下之一：{', '.join(SEVERITIES)}。",
        )
    given = list(photos or [])
    if len(given) > MAX_REPORT_PHOTOS:
        raise InvalidInput(
            f"{len(given)} photos given: a hazard report takes at most {MAX_REPORT_PHOTOS}.",
            zh=f"给了 {len(given)} 张照片：一次隐患上报最多 {MAX_REPORT_PHOTOS} 张。",
        )
    ops = campus_ops(engine, campus)
    lon, lat = on_campus(ops, lon, lat, what="The hazard location")
    cell = _cell_at(ops, lon, lat)
    owner = cell.owner or ops.staff.fallback_owners.get(cell.zone or "")
    scope = access_in(ops.cells, campus, actor)
    if not scope.sees(cell=cell.code, zone=cell.zone, owner=owner):
        raise _outside(actor, f"report a hazard in cell {cell.code}", Permission.REPORT_HAZARDS)
    hazard = new_hazard(
        hazard_id="new", source="report", domain=domain, severity=severity,
        description=description, lon=lon, lat=lat, reported_by=acting_as(actor, None,
        ops.people, campus), reported_at=at, cell_code=cell.code, zone=cell.zone, owner=owner,
    )  # fmt: skip
    stored: list[str] = []
    new_photos: list[str] = []
    try:
        for number, source in enumerate(given, start=1):
            path, created = store_photo(engine, source, what=f"Photo {number}")
            stored.append(path)
            if created:
                new_photos.append(path)
        with writing(engine) as conn:
            (hazard_id,) = repo.save_hazards(
                conn, ops.cid, [repo.HazardRecord(hazard, ops.plan_id)]
            )
            record(
                conn,
                campus_id=ops.cid,
                actor=actor.name,
                action="hazard.report",
                detail={
                    "hazard_id": hazard_id, "cell": cell.code, "domain": domain,
                    "severity": severity, "photos": stored,
                },
            )  # fmt: skip
            if severity == "major":
                notify.enqueue_hazard(
                    conn, campus=campus, cid=ops.cid, hazard=hazard, hazard_id=hazard_id,
                    event="major", key=f"hazard:{hazard_id}:major", recipient=owner, at=now,
                )  # fmt: skip
    except BaseException:
        discard_photos(new_photos)  # nothing half-written: no photo without its hazard
        raise
    opened = replace(hazard, id=str(hazard_id))
    return _shown(view(opened, ops.staff, now=max(now, at)), scope)


def _cell_at(ops: CampusOps, lon: float, lat: float) -> CellRef:
    """Return the current cell covering (lon, lat), else the nearest one (a spot that
    :func:`~zoning.services.safety.on_campus` accepted lies within 50 m of one)."""
    found = locator(ops)(lon, lat)
    if found is not None:
        return found
    metric = ops.cells.to_crs(ops.metric_crs)
    point = gpd.GeoSeries([shapely.Point(lon, lat)], crs=WGS84).to_crs(ops.metric_crs).iloc[0]
    row = metric.iloc[int(np.argmin(metric.geometry.distance(point).to_numpy()))]
    zone = row["zone"]
    return CellRef(
        code=str(row["code"]),
        zone=None if pd.isna(zone) else str(zone),
        owner=None if pd.isna(row["owner"]) else str(row["owner"]),
    )
