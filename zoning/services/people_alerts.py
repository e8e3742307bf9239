"""The people grid's part of the scheduler's round (``campusgrid tick``): roll-call reminders,
the board summary to each counsellor at close, and escalations up the chain.

- 15 minutes before a college's window closes, one reminder per dormitory building names the
  students not checked in yet (role ``student``).
- Once the roll call is closed (or its window over), each counsellor gets their classes'
  counts (``rollcall_summary``), and the missing students climb the chain
  (``people_escalated``): the dormitory's grid member at once, the counsellor after
  ``every_min`` minutes, the college's deputy secretary after twice that. A student marked
  meanwhile (leave, away, a late check-in) is no longer missing and climbs no further.
- A holiday's students not back at the return deadline (the day after ``return_by``, local)
  and without any follow-up note climb the same chain.

Each notice is queued (by the scheduler's round) once per (channel, key) however often the
round runs; the round that queues something records one audit row (``notify.people``).
Notices carry student numbers and counts, never names, phones or locations.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.clock import as_utc
from zoning.notify import Notice
from zoning.people import Hierarchy, Rules
from zoning.people.escalation import CHAIN, DEFAULT_EVERY_MIN, level_reached, reminder_due
from zoning.people.roster import DORM_ROLES
from zoning.services.people_grid import _hierarchy, _member
from zoning.store import people_grid as repo
from zoning.store.campus import campus_id

#: The events this round queues (see zoning.notify.EVENTS).
EVENTS = ("rollcall_reminder", "rollcall_summary", "people_escalated")
_LEVEL_ZH = {"grid_member": "宿舍网格员", "counsellor": "辅导员", "deputy_secretary": "学院副书记"}
#: Notices due, each with the key that names it once in the outbox.
Due = list[tuple[Notice, str]]
#: At most this many student numbers in one notice (the rest are counted).
MAX_LISTED = 50


def _numbers(nos: Sequence[str]) -> str:
    shown = "、".join(sorted(nos)[:MAX_LISTED])
    more = len(nos) - MAX_LISTED
    return shown + (f" …(+{more})" if more > 0 else "")


def _notice(
    event: str, *, campus: str, page: str, headline: str, place: str, recipients: Iterable[str],
    role: str, detail: str,
) -> Notice:  # fmt: skip
    names = "、".join(sorted(set(recipients))) or None
    return Notice.about(
        event, campus=campus, page=page, query={}, headline=headline, cell=None, place=place,
        deadline=None, recipient=names, role=role, detail=detail,
    )  # fmt: skip


def _chain_groups(
    students: Sequence[repo.StudentRow], hierarchy: Hierarchy, level: int
) -> dict[str, list[str]]:
    """Return group → the student numbers of ``students`` at chain ``level``."""
    out: dict[str, list[str]] = {}
    for s in students:
        if level == 0:
            group = s.building
        elif level == 1:
            group = hierarchy.counsellor(_member(s))
        else:
            group = s.college
        out.setdefault(group, []).append(s.student_no)
    return out


def _recipients(
    group: str, level: int, everyone: Sequence[repo.StudentRow], hierarchy: Hierarchy
) -> list[str]:
    """Return who answers for ``group`` at chain ``level``."""
    if level == 0:
        return [s.name for s in everyone if s.building == group and set(s.roles) & DORM_ROLES]
    if level == 1:
        return [group]
    return list(hierarchy.deputies_of.get(group, ()))


def _rollcall(
    conn: sa.Connection, cid: int, campus: str, now: datetime, every_min: int, out: Due
) -> None:
    """Add the reminders, summaries and escalations of the campus's latest roll call."""
    call = repo.latest_rollcall(conn, cid)
    if call is None:
        return
    rules = Rules.from_json(json.loads(call.rules))
    students = repo.load_students(conn, cid)
    marks = repo.marks(conn, call.id)
    leaves = repo.leaves_on(conn, cid, call.night)
    hierarchy = _hierarchy(conn, cid)
    by_college: dict[str, list[repo.StudentRow]] = defaultdict(list)
    for s in students:
        by_college[s.college].append(s)
    for college, members in sorted(by_college.items()):
        window = rules.window_of(college)
        _opens, closes = window.bounds(call.night, tz=rules.tz)
        unmarked = [s for s in members if s.id not in marks and s.id not in leaves]
        if call.closed_at is None and reminder_due(closes, now):
            for building, nos in _chain_groups(unmarked, hierarchy, 0).items():
                notice = _notice(
                    "rollcall_reminder", campus=campus, page="rollcall", place=building,
                    headline="晚点名即将结束，请尽快签到 / Roll call closes soon: check in",
                    recipients=[], role="student",
                    detail=f"{college} {building}: {len(nos)} 人未签到 not checked in: "
                    f"{_numbers(nos)}（截止 closes {window.label()}）",
                )  # fmt: skip
                key = f"people:rollcall:{call.id}:reminder:{college}:{building}"
                out.append((notice, key))
        ended = min(as_utc(call.closed_at), closes) if call.closed_at is not None else closes
        if now < ended:
            continue
        states = {**{s.id: "missing" for s in unmarked}, **leaves, **marks}
        missing = [s for s in members if states.get(s.id) == "missing"]
        _summaries(call, college, members, states, hierarchy, campus, out)
        level = level_reached(ended, now, every_min=every_min)
        for step in range(level + 1):
            for group, nos in _chain_groups(missing, hierarchy, step).items():
                notice = _notice(
                    "people_escalated", campus=campus, page="rollcall", place=group,
                    headline=f"晚点名未到 / Missing at roll call: {_LEVEL_ZH[CHAIN[step]]}",
                    recipients=_recipients(group, step, students, hierarchy), role=CHAIN[step],
                    detail=f"{call.night} {group}: {len(nos)} 人未到 missing: {_numbers(nos)}",
                )  # fmt: skip
                key = f"people:rollcall:{call.id}:missing:{step}:{college}:{group}"
                out.append((notice, key))


def _summaries(
    call: Any, college: str, members: Sequence[repo.StudentRow], states: dict[int, str],
    hierarchy: Hierarchy, campus: str, out: Due,
) -> None:  # fmt: skip
    """Add each counsellor's counts of the night (once per roll call)."""
    tallies: dict[str, Counter[str]] = defaultdict(Counter)
    for s in members:
        state = states.get(s.id, "missing")
        tally = tallies[hierarchy.counsellor(_member(s))]
        tally["expected"] += 1
        tally["on_leave" if state in ("leave", "away") else state] += 1
    for counsellor, tally in sorted(tallies.items()):
        notice = _notice(
            "rollcall_summary", campus=campus, page="rollcall", place=college,
            headline="晚点名结果 / Roll-call summary", recipients=[counsellor], role="counsellor",
            detail=f"{call.night} {college}: 应到 expected {tally['expected']}，已到 present "
            f"{tally['present']}，请假 on leave {tally['on_leave']}，未到 missing "
            f"{tally['missing']}",
        )  # fmt: skip
        key = f"people:rollcall:{call.id}:summary:{college}:{counsellor}"
        out.append((notice, key))


def _returns(
    conn: sa.Connection, cid: int, campus: str, now: datetime, every_min: int, out: Due
) -> None:
    """Add the escalations of students not back at a holiday's deadline, not followed up."""
    students: list[repo.StudentRow] | None = None
    hierarchy: Hierarchy | None = None
    for name in repo.holiday_names(conn, cid):
        holiday = repo.find_holiday(conn, cid, name)
        assert holiday is not None
        local = datetime.combine(holiday.return_by + timedelta(days=1), time(0, 0))
        due = local.replace(tzinfo=ZoneInfo(Rules().tz))
        level = level_reached(due, now, every_min=every_min)
        if level < 0:
            continue
        if students is None:
            students = repo.load_students(conn, cid)
            hierarchy = _hierarchy(conn, cid)
        assert hierarchy is not None
        found = repo.whereabouts_of(conn, holiday.id)
        notes = repo.followups(conn, holiday.id)
        late = [
            s for s in students
            if s.id not in notes
            and not (s.id in found and (found[s.id].returned_at is not None
                                        or found[s.id].plan == "staying"))
        ]  # fmt: skip
        for step in range(level + 1):
            for group, nos in _chain_groups(late, hierarchy, step).items():
                notice = _notice(
                    "people_escalated", campus=campus, page="whereabouts", place=group,
                    headline=f"假期未返校 / Not back after {name}: {_LEVEL_ZH[CHAIN[step]]}",
                    recipients=_recipients(group, step, students, hierarchy), role=CHAIN[step],
                    detail=f"{name}（返校截止 deadline {holiday.return_by}）{group}: {len(nos)} "
                    f"人未返校且未跟进 not back, no follow-up: {_numbers(nos)}",
                )  # fmt: skip
                key = f"people:return:{holiday.id}:{step}:{group}"
                out.append((notice, key))


def due_notices(
    engine: Engine, campus: str, *, now: datetime, every_min: int = DEFAULT_EVERY_MIN
) -> Due:
    """Return the campus's roll-call reminders, summaries and escalations due at ``now``
    (see the module's docstring), each with the key that names it once. The scheduler's
    reading (:func:`zoning.services.notify.tick` queues them): it checks nobody."""
    out: Due = []
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        _rollcall(conn, cid, campus, now, every_min, out)
        _returns(conn, cid, campus, now, every_min, out)
    return out


__all__ = ["EVENTS", "due_notices"]
