"""Ledger and complaint services: list, show and move hazards; add, list and split complaints.

A likely-duplicate complaint joins the open hazard of the complaint it repeats (no second
hazard, so the ledger figures count the problem once); an officer may split it off into its
own hazard (:func:`split_complaint`).

Who answers for a hazard now follows the escalation chain of
:mod:`zoning.safety.ledger.workflow` over the zone staff of
:func:`zoning.services.safety.zone_staff` (cell owner → zone leader → safety office →
leadership; a vacant cell falls to its zone's fallback owner, 属地兜底).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Engine

from zoning.accounts import Actor
from zoning.clock import as_utc, utcnow
from zoning.errors import InvalidInput, NotFound
from zoning.safety.bounds import check_id, check_lonlat, check_number, check_text, check_time
from zoning.safety.complaints import (
    CellLocator,
    Complaint,
    attach_complaint,
    hazard_for,
    route_complaint,
    split_off,
)
from zoning.safety.ledger.workflow import (
    LEVELS,
    OPEN_STATES,
    STATES,
    Hazard,
    allowed_actions,
    apply,
    overdue_hours,
    responsible_at,
)
from zoning.services.safety import NOBODY, CampusOps, Staff, campus_ops
from zoning.store import safety as repo
from zoning.store.campus import campus_id
from zoning.store.engine import writing

__all__ = [
    "MAX_DUPLICATE_DISTANCE_M",
    "MAX_DUPLICATE_WINDOW_H",
    "ComplaintView",
    "HazardView",
    "add_complaint",
    "list_complaints",
    "list_hazards",
    "locator",
    "move_hazard",
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
    """Return the ledger, optionally one ``status`` (a state, or ``open``) or only overdue."""
    if status is not None and status != "open" and status not in STATES:
        raise InvalidInput(f"Unknown status {status!r}; use open or one of: {', '.join(STATES)}.")
    now = now or utcnow()
    ops = campus_ops(engine, campus)
    states = list(OPEN_STATES) if status == "open" else [status] if status else None
    with engine.connect() as conn:
        found = repo.load_hazards(conn, ops.cid, states=states)
    views = [view(h, ops.staff, now=now) for h in found]
    return [v for v in views if v.overdue_hours > 0 and v.hazard.is_open] if overdue else views


def show_hazard(
    engine: Engine, campus: str, hazard_id: int, *, actor: Actor, now: datetime | None = None
) -> HazardView:
    """Return one hazard with its history and responsible person. Raises NotFound."""
    check_id(hazard_id, what="Hazard")
    ops = campus_ops(engine, campus)
    with engine.connect() as conn:
        hazard = repo.load_hazard(conn, ops.cid, hazard_id)
    return view(hazard, ops.staff, now=now or utcnow())


def move_hazard(
    engine: Engine,
    campus: str,
    hazard_id: int,
    action: str,
    *,
    actor: Actor,
    by: str,
    note: str = "",
    deadline: datetime | None = None,
    assignee: str | None = None,
    at: datetime | None = None,
) -> HazardView:
    """Apply ``action`` to a hazard and store the event; nothing changes on any error.

    ``dispatch`` defaults its assignee to the person responsible now. Raises
    IllegalTransition, InvalidInput, NotFound, or StorageError-free InvalidInput when the
    hazard changed meanwhile.
    """
    now = utcnow()
    at = check_time(at, what="The time of the move", now=now) if at else now
    check_id(hazard_id, what="Hazard")
    check_text(note, what="The note")
    if deadline is not None:
        deadline = check_time(deadline, what="The deadline")
    ops = campus_ops(engine, campus)
    if by not in set(ops.people["name"]):
        raise NotFound(f"{by!r} is not a person of campus {campus!r}: check the name.")
    with writing(engine) as conn:
        before = repo.load_hazard(conn, ops.cid, hazard_id)
        if action == "dispatch" and assignee is None:
            assignee = view(before, ops.staff, now=at).responsible
        after = apply(
            before,
            action,
            by=by,
            at=at,
            note=note,
            deadline=as_utc(deadline) if deadline else None,
            assignee=assignee,
        )
        if not repo.update_hazard(conn, before, after):
            raise InvalidInput(
                f"Hazard {hazard_id} was changed by someone else meanwhile; show it and retry."
            )
    return view(after, ops.staff, now=at)


# --------------------------------------------------------------------------- complaints


@dataclass(frozen=True)
class ComplaintView:
    """A stored complaint with its ledger item id and state; ``joined`` when that hazard
    was opened by an earlier complaint (this one is a likely duplicate attached to it)."""

    complaint: Complaint
    hazard_id: int | None
    state: str | None
    joined: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the complaint as JSON-ready data (the contact included)."""
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
) -> ComplaintView:
    """Route a located complaint to its cell's owner, open its ledger item, store both.

    A likely duplicate (same category within ``duplicate_distance_m`` metres and
    ``duplicate_window_hours`` hours) whose first complaint's hazard is still open joins
    that hazard instead (``joined``; its history records the attachment by ``reported_by``).
    ``at`` (default now) may not be in the future; the duplicate search looks at most
    MAX_DUPLICATE_DISTANCE_M (10 km) around and MAX_DUPLICATE_WINDOW_H (a year) back.
    Raises InvalidInput (outside the campus, unknown category, empty text, a time or number
    out of range): nothing stored.
    """
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
    complaint = replace(routed.complaint, id=str(complaint_id))
    return ComplaintView(complaint, hazard_id, state, joined=joins is not None)


def split_complaint(
    engine: Engine,
    campus: str,
    complaint_id: int,
    *,
    actor: Actor,
    by: str,
    at: datetime | None = None,
) -> tuple[ComplaintView, int]:
    """Give a complaint that joined another complaint's hazard its own hazard.

    The new hazard is reported at the complaint's receipt and due by its response deadline,
    at its (current) cell and owner; both histories record the split by ``by`` at ``at``
    (default now). Returns the complaint (now on its own hazard) and the hazard it left.
    Raises NotFound (no such complaint or person) or InvalidInput (the complaint has its own
    hazard already, or a hazard changed meanwhile): nothing stored.
    """
    now = utcnow()
    at = check_time(at, what="The time of the split", now=now) if at else now
    check_id(complaint_id, what="Complaint")
    ops = campus_ops(engine, campus)
    if by not in set(ops.people["name"]):
        raise NotFound(f"{by!r} is not a person of campus {campus!r}: check the name.")
    with writing(engine) as conn:
        found = repo.load_complaints(conn, ops.cid, ids=[complaint_id])
        if not found:
            raise NotFound(
                f"No complaint {complaint_id} on campus {campus!r}: "
                f"`campusgrid complaints list {campus}` lists them."
            )
        complaint, joined_id, _ = found[0]
        first = repo.first_complaints(conn, ops.cid)
        if joined_id is None or first.get(joined_id) == complaint_id:
            own = f"has its own hazard #{joined_id}" if joined_id else "has no hazard"
            raise InvalidInput(
                f"Complaint #{complaint_id} is not attached to another complaint's hazard "
                f"(it {own}); only a complaint that joined a hazard can be split."
            )
        opened = hazard_for(complaint, reported_by=by)
        (own_id,) = repo.save_hazards(conn, ops.cid, [repo.HazardRecord(opened, ops.plan_id)])
        own_before = repo.load_hazard(conn, ops.cid, own_id)
        joined_before = repo.load_hazard(conn, ops.cid, joined_id)
        joined_after, own_after = split_off(
            joined_before, own_before, complaint_id=str(complaint_id), by=by, at=at
        )
        _store_move(conn, joined_before, joined_after)
        _store_move(conn, own_before, own_after)
        if not repo.relink_complaint(conn, ops.cid, complaint_id, old=joined_id, new=own_id):
            raise InvalidInput(
                f"Complaint #{complaint_id} was changed by someone else meanwhile; list it and "
                "retry."
            )
    return ComplaintView(complaint, own_id, own_after.state), joined_id


def _store_move(conn: Connection, before: Hazard, after: Hazard) -> None:
    if not repo.update_hazard(conn, before, after):
        raise InvalidInput(
            f"Hazard {before.id} was changed by someone else meanwhile; show it and retry."
        )


def list_complaints(engine: Engine, campus: str, *, actor: Actor) -> list[ComplaintView]:
    """Return the campus's complaints, oldest first (``joined``: attached to an earlier
    complaint's hazard)."""
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        first = repo.first_complaints(conn, cid)
        return [
            ComplaintView(c, h, s, joined=h is not None and first.get(h) != int(c.id))
            for c, h, s in repo.load_complaints(conn, cid)
        ]
