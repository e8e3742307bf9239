"""Duty records of the people grid's grid members (网格员履职记录), per term: the roll calls
of their building (closed nights, and those with nobody missing), the check-ins they made
for others, the leaves they marked, the holiday declarations they verified and the returns
they marked; for the comprehensive assessment (综合素质测评) as a workbook.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission
from zoning.errors import InvalidInput
from zoning.people.roster import DORM_ROLES
from zoning.services.people_grid import _hierarchy, _member, _viewer
from zoning.store import people_grid as repo
from zoning.store.accounts import load_accounts
from zoning.store.audit import record
from zoning.store.campus import campus_id
from zoning.store.engine import writing

P = Permission
COLUMNS_ZH = {
    "student_no": "学号", "name": "姓名", "college": "学院", "class": "班级",
    "building": "楼栋", "accounts": "账号", "nights": "点名次数",
    "nights_complete": "全员到齐次数", "checkins": "代为签到", "leaves": "登记请假/在外",
    "verified": "核实去向", "returned": "登记返校",
}  # fmt: skip


def duty_records(
    engine: Engine, campus: str, *, since: date, until: date, actor: Actor
) -> list[dict[str, Any]]:
    """Return one row per grid member (宿舍长/网格员) of the account's part for the term
    ``since``..``until`` (days, both included); the reading is audited."""
    actor.require(P.VIEW_STUDENTS, "see the grid members' duty records")
    if until < since:
        raise InvalidInput(f"--until {until} lies before --since {since}.")
    if (until - since).days > 366:
        raise InvalidInput("A term is at most a year: narrow --since/--until.")
    start = datetime.combine(since, time(), UTC) - timedelta(hours=14)  # covers UTC+14
    end = datetime.combine(until + timedelta(days=1), time(), UTC) + timedelta(hours=12)
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        viewer = _viewer(conn, cid, campus, actor)
        hierarchy = _hierarchy(conn, cid)
        members = [
            s
            for s in repo.load_students(conn, cid)
            if set(s.roles) & DORM_ROLES and viewer.sees(_member(s), hierarchy)
        ]
        accounts: dict[str, list[str]] = {}
        for a in load_accounts(conn):
            if a.person and a.campus in (None, campus):
                accounts.setdefault(a.person, []).append(a.name)
        names = [n for s in members for n in accounts.get(s.student_no, [])]
        counts = repo.duty_counts(conn, cid, names, start, end)
        nights = repo.closed_nights(conn, cid, since, until)
        missing = repo.missing_by_building(conn, cid, since, until)
        rows = []
        for s in members:
            mine = accounts.get(s.student_no, [])

            def total(what: str, mine: list[str] = mine) -> int:
                return sum(counts.get((n, what), 0) for n in mine)

            others = sum(
                c
                for (by, what), c in counts.items()
                if by in mine and what.startswith("checkin:") and what != f"checkin:{s.student_no}"
            )
            rows.append(
                {
                    "student_no": s.student_no, "name": s.name, "college": s.college,
                    "class": s.class_name, "building": s.building, "accounts": ", ".join(mine),
                    "nights": len(nights),
                    "nights_complete": sum(not missing.get((n, s.building)) for n in nights),
                    "checkins": others, "leaves": total("leaves"),
                    "verified": total("verified"), "returned": total("returned"),
                }
            )  # fmt: skip
        detail = {"since": since.isoformat(), "until": until.isoformat(), "members": len(rows)}
        record(conn, campus_id=cid, actor=actor.name, action="duty.view", detail=detail)
    return rows


def duty_workbook(rows: list[dict[str, Any]], *, campus: str, since: date, until: date) -> bytes:
    """Return the duty records as a workbook with Chinese headers."""
    from zoning.safety.exports import workbook_bytes

    frame = pd.DataFrame(rows, columns=list(COLUMNS_ZH)).rename(columns=COLUMNS_ZH)
    return workbook_bytes(
        {"网格员履职": frame},
        title=f"{campus} 网格员履职记录",
        preamble=[("学期", f"{since.isoformat()} – {until.isoformat()}")],
    )


__all__ = ["COLUMNS_ZH", "duty_records", "duty_workbook"]
