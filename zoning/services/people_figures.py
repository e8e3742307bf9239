"""The people grid's figures for leadership (学生网格 · 今晚点名 / 假期返校): counts only.

Tonight (the latest roll call): per college the students due, checked in, on leave (请假),
away (在外) and missing (not checked in yet while the roll call is open; marked missing once
closed). The current holiday: declared, flagged, returned and not back, per college. No
student's name or number leaves this module; the reading is audited (``people.figures``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission
from zoning.clock import as_utc, local_day, utcnow
from zoning.services.whereabouts import _counts, _everyone_view, _holiday
from zoning.store import people_grid as repo
from zoning.store.audit import record
from zoning.store.campus import campus_id
from zoning.store.engine import writing

P = Permission
#: The counts of a night, per college and in total.
NIGHT_KEYS = ("due", "checked_in", "on_leave", "away", "missing")
#: The counts of a holiday, per college and in total.
HOLIDAY_KEYS = ("expected", "declared", "flagged", "returned", "not_back")
#: A holiday counts as current from this many days before it starts (declarations).
DECLARE_AHEAD_DAYS = 30


def _rows(tally: dict[str, Counter[str]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"college": c, **{k: int(tally[c][k]) for k in keys}} for c in sorted(tally)]


def _total(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, int]:
    return {k: sum(int(r[k]) for r in rows) for k in keys}


def _tonight(conn: sa.Connection, cid: int) -> dict[str, Any] | None:
    """Return the latest roll call's counts per college, None when there is none."""
    call = repo.latest_rollcall(conn, cid)
    if call is None:
        return None
    marks = repo.marks(conn, call.id)
    leaves = repo.leaves_on(conn, cid, call.night)
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for s in repo.load_students(conn, cid):
        state = marks.get(s.id) or leaves.get(s.id) or "missing"
        counts = tally[s.college]
        counts["due"] += 1
        counts[{"present": "checked_in", "leave": "on_leave"}.get(state, state)] += 1
    rows = _rows(tally, NIGHT_KEYS)
    return {
        "night": call.night.isoformat(),
        "closed": call.closed_at is not None,
        "colleges": rows,
        "total": _total(rows, NIGHT_KEYS),
    }


def _current_holiday(conn: sa.Connection, cid: int, day: date) -> str | None:
    """Return the name of the latest holiday that has started or starts within
    :data:`DECLARE_AHEAD_DAYS` days of ``day``, None when there is none."""
    soon = day + timedelta(days=DECLARE_AHEAD_DAYS)
    for name in repo.holiday_names(conn, cid):  # latest start first
        row = repo.find_holiday(conn, cid, name)
        if row is not None and row.starts <= soon:
            return name
    return None


def _holiday_figures(
    conn: sa.Connection, cid: int, campus: str, actor: Actor, at: datetime
) -> dict[str, Any] | None:
    """Return the current holiday's counts per college, None when there is none."""
    name = _current_holiday(conn, cid, local_day(at))
    if name is None:
        return None
    _row, rules = _holiday(conn, cid, campus, name)
    found = _counts(conn, cid, campus, name, _everyone_view(actor), at)
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for row in found["classes"]:
        college = str(row["class"]).split("/", 1)[0]
        for key in HOLIDAY_KEYS:
            tally[college][key] += int(row[key])
    rows = _rows(tally, HOLIDAY_KEYS)
    return {
        "holiday": rules.name,
        "starts": rules.starts.isoformat(),
        "return_by": rules.return_by.isoformat(),
        "colleges": rows,
        "total": _total(rows, HOLIDAY_KEYS),
    }


def people_figures(
    engine: Engine, campus: str, *, actor: Actor, at: datetime | None = None
) -> dict[str, Any]:
    """Return the campus's people-grid counts for ``view_reports``: ``students`` (active,
    0 without a roster), ``tonight`` (the latest roll call: ``night``, ``closed``, per
    college and ``total`` of :data:`NIGHT_KEYS`; None without one) and ``holiday`` (the
    current holiday, per college and ``total`` of :data:`HOLIDAY_KEYS`; None without one).
    Counts only, never a name; the reading is audited (``people.figures``)."""
    actor.require(P.VIEW_REPORTS, "see the people grid's figures")
    when = as_utc(at) if at else utcnow()
    with writing(engine) as conn:  # the reading is audited
        cid = campus_id(conn, campus)
        students = len(repo.load_students(conn, cid))
        tonight = _tonight(conn, cid) if students else None
        holiday = _holiday_figures(conn, cid, campus, actor, when) if students else None
        detail = {
            "students": students,
            "night": None if tonight is None else tonight["night"],
            "holiday": None if holiday is None else holiday["holiday"],
        }
        record(conn, campus_id=cid, actor=actor.name, action="people.figures", detail=detail)
    return {"students": students, "tonight": tonight, "holiday": holiday}


__all__ = ["HOLIDAY_KEYS", "NIGHT_KEYS", "people_figures"]
