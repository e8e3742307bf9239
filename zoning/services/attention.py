"""Key students (重点关注) of the people grid: a counsellor's list, its visits (走访) and the
reminders of students with no recent visit or a missed roll call.

The list is visible only to the student's counsellor, the deputy secretary of the
student's college and the safety office (and admins); every view of it (a list, the due
reminders) writes an audit row. :func:`attention_due` is the scheduler's reading: it checks
nobody and is not audited, it only says whom a reminder is for.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission, Role
from zoning.clock import as_utc, local_day, utcnow
from zoning.errors import InvalidInput, NotFound
from zoning.people import Hierarchy
from zoning.services.people_grid import EVERYONE, _hierarchy, _member, _student
from zoning.store import people_grid as repo
from zoning.store.audit import record
from zoning.store.campus import campus_id
from zoning.store.engine import writing

P = Permission
#: Days without a visit after which a key student is due one.
VISIT_EVERY_DAYS = 14
_WHO = "only the student's counsellor, the college's deputy secretary and the safety office may"


def _keeper(
    conn: sa.Connection, cid: int, campus: str, actor: Actor, doing: str
) -> tuple[Hierarchy, Any]:
    """Return the hierarchy and a test ``student row → visible`` for ``actor``; refuse the
    roles that never see the list."""
    actor.require(P.VIEW_STUDENTS, doing)
    hierarchy = _hierarchy(conn, cid)
    if actor.role in EVERYONE:
        return hierarchy, lambda s: True
    if actor.campus not in (None, campus) or not actor.person:
        raise actor.refuse(doing, _WHO, P.VIEW_STUDENTS)
    if actor.role is Role.COUNSELLOR:
        me = actor.person
        return hierarchy, lambda s: hierarchy.counsellor(_member(s)) == me
    if actor.role is Role.DEPUTY_SECRETARY:
        colleges = {
            s.college
            for s in repo.load_staff(conn, cid)
            if s.name == actor.person and s.role == "deputy_secretary"
        }
        return hierarchy, lambda s: s.college in colleges
    raise actor.refuse(doing, _WHO, P.VIEW_STUDENTS)


def add(
    engine: Engine,
    campus: str,
    *,
    student_no: str,
    reason: str,
    actor: Actor,
    at: datetime | None = None,
) -> None:
    """Put a student on the key-student list with ``reason`` (again, if they were removed)."""
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("--reason must say why, in at most 500 characters.")
    when = as_utc(at) if at else utcnow()
    doing = f"put student {student_no} on the key-student list"
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        _h, visible = _keeper(conn, cid, campus, actor, doing)
        actor.require(P.RUN_ROLLCALL, doing)
        student = _student(conn, cid, student_no)
        if not visible(student):
            raise actor.refuse(doing, _WHO, P.VIEW_STUDENTS)
        values = dict(reason=reason, since=local_day(when), added_by=actor.name, created_at=when)
        repo.put_attention(conn, cid, student.id, values)
        detail = {"student_no": student.student_no}
        record(conn, campus_id=cid, actor=actor.name, action="attention.add", detail=detail)


def visit(
    engine: Engine,
    campus: str,
    *,
    student_no: str,
    visited_on: date,
    note: str,
    actor: Actor,
    at: datetime | None = None,
) -> None:
    """Log a visit (走访) to a key student: the day and a note."""
    note = note.strip()
    if not note or len(note) > 2000:
        raise InvalidInput("--note must say what was found, in at most 2000 characters.")
    when = as_utc(at) if at else utcnow()
    if visited_on > local_day(when):
        raise InvalidInput(f"--on {visited_on} lies in the future: log a visit once made.")
    doing = f"log a visit to student {student_no}"
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        _h, visible = _keeper(conn, cid, campus, actor, doing)
        actor.require(P.RUN_ROLLCALL, doing)
        student = _student(conn, cid, student_no)
        if not visible(student):
            raise actor.refuse(doing, _WHO, P.VIEW_STUDENTS)
        row = repo.find_attention(conn, cid, student.id)
        if row is None or not row.active:
            raise NotFound(
                f"Student {student.student_no} is not on the key-student list: add them with "
                "`campusgrid attention add`."
            )
        repo.insert_visit(
            conn,
            dict(attention_id=row.id, visited_on=visited_on, note=note, by=actor.name,
                 created_at=when),
        )  # fmt: skip
        detail = {"student_no": student.student_no, "visited_on": visited_on.isoformat()}
        record(conn, campus_id=cid, actor=actor.name, action="attention.visit", detail=detail)


def _listed(conn: sa.Connection, cid: int) -> list[dict[str, Any]]:
    """Return every active key student of the campus with their last visit."""
    hierarchy = _hierarchy(conn, cid)
    students = {s.id: s for s in repo.load_students(conn, cid, active=False)}
    out = []
    for row in repo.attention_rows(conn, cid):
        s = students[int(row.student_id)]
        last = row.last_visit
        out.append(
            {
                "student_no": s.student_no, "name": s.name, "college": s.college,
                "class": s.class_name, "building": s.building,
                "counsellor": hierarchy.counsellor(_member(s)), "reason": row.reason,
                "since": row.since.isoformat(),
                "last_visit": None if last is None else last.isoformat(),
                "visits": int(row.visits or 0), "_student": s,
                "_from": last or row.since,
            }
        )  # fmt: skip
    return out


def _due(
    conn: sa.Connection, cid: int, rows: list[dict[str, Any]], day: date, days: int
) -> list[dict[str, Any]]:
    if days < 1:
        raise InvalidInput(f"--days {days} is out of range: use 1 or more.")
    earliest = min((r["_from"] for r in rows), default=day)
    missed = repo.missed_nights(conn, cid, earliest)
    out = []
    for r in rows:
        reasons = []
        if (day - r["_from"]).days >= days:
            reasons.append(f"no visit for {(day - r['_from']).days} days")
        night = missed.get(r["_student"].id)
        if night is not None and night >= r["_from"]:
            reasons.append(f"missed the roll call of {night.isoformat()}")
        if reasons:
            out.append({**r, "due": reasons})
    return out


def _public(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]


def attention_due(
    engine: Engine, campus: str, now: datetime, *, days: int = VISIT_EVERY_DAYS
) -> list[dict[str, Any]]:
    """Return the key students due a reminder at ``now``: no visit (or since being listed)
    for ``days`` days, or marked missing in a roll call since their last visit; each with
    ``due`` (the reasons) and ``counsellor`` (whom to remind). For the scheduler."""
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        return _public(_due(conn, cid, _listed(conn, cid), local_day(as_utc(now)), days))


def _view(
    engine: Engine, campus: str, actor: Actor, at: datetime | None, days: int | None
) -> list[dict[str, Any]]:
    when = as_utc(at) if at else utcnow()
    doing = "see the key-student list"
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        _h, visible = _keeper(conn, cid, campus, actor, doing)
        rows = [r for r in _listed(conn, cid) if visible(r["_student"])]
        if days is not None:
            rows = _due(conn, cid, rows, local_day(when), days)
        detail = {"students": len(rows), "due_days": days}
        record(conn, campus_id=cid, actor=actor.name, action="attention.view", detail=detail)
    return _public(rows)


def list_attention(
    engine: Engine, campus: str, *, actor: Actor, at: datetime | None = None
) -> list[dict[str, Any]]:
    """Return the key students ``actor`` may see (their counsellor, the deputy secretary,
    the safety office); the view is audited."""
    return _view(engine, campus, actor, at, None)


def due_for(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    at: datetime | None = None,
    days: int = VISIT_EVERY_DAYS,
) -> list[dict[str, Any]]:
    """Return the key students ``actor`` may see that are due a visit (see
    :func:`attention_due`); the view is audited."""
    return _view(engine, campus, actor, at, days)


__all__ = [
    "VISIT_EVERY_DAYS",
    "add",
    "attention_due",
    "due_for",
    "list_attention",
    "visit",
]
