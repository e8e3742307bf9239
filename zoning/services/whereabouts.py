"""Holiday whereabouts and returns (假期去向、返校) of the people grid.

Before a holiday each student declares where they will be (:func:`declare`), the class
monitor sees who has not (:func:`missing` ``undeclared``), the dorm grid member verifies
(:func:`verify`) and risky plans are flagged to the counsellor (``flagged``). After it the
grid member marks each student back (:func:`mark_returned`); everyone not back by the
deadline is listed (``not_back``) and followed up with a note of each contact
(:func:`follow_up`), escalated to the counsellor, until every student is accounted for
(:func:`returns_board`). Each write is one transaction with its audit row; lists are limited
to the account's part of the grid (:class:`zoning.people.Viewer`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission
from zoning.clock import as_utc, local_day, utcnow
from zoning.errors import InvalidInput, NotFound
from zoning.people import Hierarchy, Viewer
from zoning.people.whereabouts import FLAGS, Declaration, Holiday, risk_flags
from zoning.services.people_grid import _hierarchy, _member, _student, _viewer
from zoning.store import people_grid as repo
from zoning.store.audit import record
from zoning.store.campus import campus_id
from zoning.store.engine import writing

P = Permission
#: Days after the return deadline before a student not back and not followed up is
#: escalated to the counsellor without a note.
GRACE_DAYS = 1
#: What :func:`missing` lists.
Listing = Literal["undeclared", "unverified", "flagged", "not_back"]
LISTINGS: tuple[str, ...] = ("undeclared", "unverified", "flagged", "not_back")
PLAN_ZH = {"staying": "留校", "home": "回家", "travelling": "外出旅行"}
STATUS_ZH = {
    "returned": "已返校",
    "staying": "留校",
    "accounted": "已跟进",
    "expected": "未到截止",
    "overdue": "逾期未返",
    "escalated": "已上报辅导员",
}


def _holiday(conn: sa.Connection, cid: int, campus: str, name: str) -> tuple[Any, Holiday]:
    row = repo.find_holiday(conn, cid, name.strip())
    if row is None:
        known = "、".join(repo.holiday_names(conn, cid)[:10]) or "none yet"
        raise NotFound(
            f"{campus} has no holiday named {name!r} (holidays: {known}): add it with "
            "`campusgrid whereabouts holiday-add`."
        )
    return row, Holiday(row.name, row.starts, row.ends, row.return_by)


def add_holiday(
    engine: Engine, campus: str, holiday: Holiday, *, actor: Actor, at: datetime | None = None
) -> dict[str, Any]:
    """Add a holiday of ``campus``; refuse a name the campus already has."""
    actor.require(P.MANAGE_STUDENTS, "add a holiday")
    when = as_utc(at) if at else utcnow()
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        if repo.find_holiday(conn, cid, holiday.name) is not None:
            raise InvalidInput(f"{campus} already has a holiday named {holiday.name!r}.")
        values = dict(
            campus_id=cid, name=holiday.name, starts=holiday.starts, ends=holiday.ends,
            return_by=holiday.return_by, created_by=actor.name, created_at=when,
        )  # fmt: skip
        repo.insert_holiday(conn, values)
        detail = {"holiday": holiday.name, "return_by": holiday.return_by.isoformat()}
        record(conn, campus_id=cid, actor=actor.name, action="whereabouts.holiday", detail=detail)
    return {
        "holiday": holiday.name,
        "starts": holiday.starts.isoformat(),
        "ends": holiday.ends.isoformat(),
        "return_by": holiday.return_by.isoformat(),
    }


def _act_for(
    conn: sa.Connection, cid: int, campus: str, actor: Actor, student: repo.StudentRow, doing: str
) -> None:
    """Refuse unless ``actor`` answers for ``student`` and is not the student."""
    actor.require(P.RUN_ROLLCALL, doing)
    viewer = _viewer(conn, cid, campus, actor)
    own = viewer.student_no == student.student_no and not viewer.everyone
    if own or not viewer.sees(_member(student), _hierarchy(conn, cid)):
        why = "nobody does that for themselves" if own else "the student is not in your part"
        raise actor.refuse(doing, why, P.RUN_ROLLCALL)


def declare(
    engine: Engine,
    campus: str,
    holiday: str,
    *,
    student_no: str,
    declaration: Declaration,
    actor: Actor,
    at: datetime | None = None,
) -> tuple[str, ...]:
    """Record a student's declaration (the student themselves, or someone answering for
    them); a change clears the verification. Return the risk flags (keys of FLAGS)."""
    when = as_utc(at) if at else utcnow()
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        _row, rules = _holiday(conn, cid, campus, holiday)
        row = _row
        student = _student(conn, cid, student_no)
        viewer = _viewer(conn, cid, campus, actor)
        if viewer.student_no == student.student_no and not viewer.everyone:
            actor.require(P.CHECK_IN, "declare their holiday whereabouts")
        else:
            _act_for(conn, cid, campus, actor, student, f"declare for student {student_no}")
        if local_day(when) > rules.return_by:
            raise InvalidInput(f"{rules.name} is over (return deadline {rules.return_by}).")
        flags = risk_flags(declaration, rules)
        values = dict(
            plan=declaration.plan, destination=declaration.destination,
            leave_on=declaration.leave_on, return_on=declaration.return_on,
            companions=declaration.companions, contact=declaration.contact,
            flags=";".join(flags), declared_by=actor.name, declared_at=when,
            verified_by=None, verified_at=None,
        )  # fmt: skip
        repo.put_whereabouts(conn, row.id, student.id, values)
        detail = {"holiday": rules.name, "student_no": student.student_no,
                  "plan": declaration.plan, "flags": list(flags)}  # fmt: skip
        record(conn, campus_id=cid, actor=actor.name, action="whereabouts.declare", detail=detail)
    return flags


def _mark(
    engine: Engine, campus: str, holiday: str, student_no: str, actor: Actor,
    at: datetime | None, what: Literal["verify", "returned"],
) -> None:  # fmt: skip
    when = as_utc(at) if at else utcnow()
    doing = (
        f"verify the whereabouts of student {student_no}"
        if what == "verify"
        else f"mark student {student_no} back"
    )
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        row, rules = _holiday(conn, cid, campus, holiday)
        student = _student(conn, cid, student_no)
        _act_for(conn, cid, campus, actor, student, doing)
        found = repo.whereabouts_one(conn, row.id, student.id)
        if what == "verify":
            if found is None or found.plan is None:
                raise InvalidInput(
                    f"Student {student.student_no} has not declared for {rules.name} yet: "
                    "declare first (`campusgrid whereabouts declare`)."
                )
            values: dict[str, Any] = {"verified_by": actor.name, "verified_at": when}
        else:
            if local_day(when) < rules.starts:
                raise InvalidInput(f"{rules.name} starts on {rules.starts}: nobody is back yet.")
            if found is not None and found.returned_at is not None:
                raise InvalidInput(f"Student {student.student_no} is already marked back.")
            values = {"returned_by": actor.name, "returned_at": when}
        repo.put_whereabouts(conn, row.id, student.id, values)
        detail = {"holiday": rules.name, "student_no": student.student_no}
        record(conn, campus_id=cid, actor=actor.name, action=f"whereabouts.{what}", detail=detail)


def verify(
    engine: Engine, campus: str, holiday: str, *, student_no: str, actor: Actor,
    at: datetime | None = None,
) -> None:  # fmt: skip
    """Verify a student's declaration (their dorm grid member, class monitor or staff; never
    the student)."""
    _mark(engine, campus, holiday, student_no, actor, at, "verify")


def mark_returned(
    engine: Engine, campus: str, holiday: str, *, student_no: str, actor: Actor,
    at: datetime | None = None,
) -> None:  # fmt: skip
    """Mark a student back on campus after the holiday (by whoever answers for them)."""
    _mark(engine, campus, holiday, student_no, actor, at, "returned")


def follow_up(
    engine: Engine,
    campus: str,
    holiday: str,
    *,
    student_no: str,
    contacted: str,
    reason: str,
    expected_return: date | None,
    escalate: bool = False,
    actor: Actor,
    at: datetime | None = None,
) -> None:
    """Note a contact about a student not back (who was contacted, why they are late, when
    they expect to return); ``escalate`` hands the student to the counsellor."""
    contacted, reason = contacted.strip(), reason.strip()
    if not contacted or len(contacted) > 500:
        raise InvalidInput("--contacted must say who was contacted, in at most 500 characters.")
    if not reason or len(reason) > 500:
        raise InvalidInput("--reason must say why they are not back, in at most 500 characters.")
    when = as_utc(at) if at else utcnow()
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        row, rules = _holiday(conn, cid, campus, holiday)
        student = _student(conn, cid, student_no)
        _act_for(conn, cid, campus, actor, student, f"follow up student {student_no}")
        found = repo.whereabouts_one(conn, row.id, student.id)
        if found is not None and (found.returned_at is not None or found.plan == "staying"):
            raise InvalidInput(f"Student {student.student_no} is back: there is nothing to follow.")
        if expected_return is not None and expected_return < rules.starts:
            raise InvalidInput(f"--expected-return {expected_return} lies before the holiday.")
        repo.insert_followup(
            conn,
            dict(holiday_id=row.id, student_id=student.id, contacted=contacted, reason=reason,
                 expected_return=expected_return, escalated=escalate, by=actor.name, at=when),
        )  # fmt: skip
        detail = {"holiday": rules.name, "student_no": student.student_no, "escalated": escalate}
        record(conn, campus_id=cid, actor=actor.name, action="whereabouts.followup", detail=detail)


# --------------------------------------------------------------------------- reading


def _status(row: Any, notes: Sequence[Any], rules: Holiday, day: date) -> str:
    """Return a student's return status: returned, staying, accounted (a follow-up note
    says where they are), expected (before the deadline), overdue, escalated."""
    if row is not None and row.returned_at is not None:
        return "returned"
    if row is not None and row.plan == "staying":
        return "staying"
    if any(n.escalated for n in notes):
        return "escalated"
    if notes:
        return "accounted"
    if day <= rules.return_by:
        return "expected"
    return "escalated" if day > rules.return_by + timedelta(days=GRACE_DAYS) else "overdue"


def _rows(
    conn: sa.Connection, cid: int, campus: str, holiday: str, actor: Actor, day: date
) -> tuple[Holiday, Hierarchy, list[dict[str, Any]]]:
    """Return the holiday and one row per active student the account answers for."""
    row, rules = _holiday(conn, cid, campus, holiday)
    viewer: Viewer = _viewer(conn, cid, campus, actor)
    hierarchy = _hierarchy(conn, cid)
    found = repo.whereabouts_of(conn, row.id)
    notes = repo.followups(conn, row.id)
    out = []
    for s in repo.load_students(conn, cid):
        member = _member(s)
        if not viewer.sees(member, hierarchy):
            continue
        w = found.get(s.id)
        mine = notes.get(s.id, [])
        last = mine[-1] if mine else None
        out.append(
            {
                "student_no": s.student_no, "name": s.name, "college": s.college,
                "class": s.class_name, "building": s.building, "room": s.room,
                "counsellor": hierarchy.counsellor(member),
                "plan": None if w is None else w.plan,
                "destination": None if w is None else w.destination,
                "leave_on": None if w is None or w.leave_on is None else w.leave_on.isoformat(),
                "return_on": None if w is None or w.return_on is None else w.return_on.isoformat(),
                "companions": None if w is None else w.companions,
                "contact": None if w is None else w.contact,
                "flags": [] if w is None or not w.flags else w.flags.split(";"),
                "verified": w is not None and w.verified_at is not None,
                "status": _status(w, mine, rules, day),
                "followups": len(mine),
                "last_note": None if last is None else f"{last.contacted}: {last.reason}",
                "expected_return": None
                if last is None or last.expected_return is None
                else last.expected_return.isoformat(),
            }
        )  # fmt: skip
    return rules, hierarchy, out


def _want(row: dict[str, Any], what: str) -> bool:
    if what == "undeclared":
        return row["plan"] is None
    if what == "unverified":
        return row["plan"] is not None and not row["verified"]
    if what == "flagged":
        return bool(row["flags"])
    return row["status"] not in ("returned", "staying")


def missing(
    engine: Engine,
    campus: str,
    holiday: str,
    *,
    what: str = "not_back",
    actor: Actor,
    at: datetime | None = None,
) -> list[dict[str, Any]]:
    """Return the students of the account's part who have not declared (``undeclared``),
    whose declaration is not verified (``unverified``), whose plan is flagged (``flagged``,
    with the reasons) or who are not back (``not_back``, each with their status and the
    last follow-up note). The reading is audited (``whereabouts.view``)."""
    if what not in LISTINGS:
        raise InvalidInput(f"--what {what!r} is unknown: use {', '.join(LISTINGS)}.")
    actor.require(P.VIEW_STUDENTS, "see the holiday whereabouts")
    day = local_day(as_utc(at) if at else utcnow())
    with writing(engine) as conn:  # the reading is audited
        cid = campus_id(conn, campus)
        rules, _h, rows = _rows(conn, cid, campus, holiday, actor, day)
        found = [r for r in rows if _want(r, what)]
        detail = {"holiday": rules.name, "what": what, "students": len(found)}
        record(conn, campus_id=cid, actor=actor.name, action="whereabouts.view", detail=detail)
    return found


def returns_board(
    engine: Engine, campus: str, holiday: str, *, actor: Actor, at: datetime | None = None
) -> dict[str, Any]:
    """Return per class of the account's part (every class for counts-only accounts, with
    ``view_reports``): expected, declared, flagged, verified, staying, returned, followed up,
    not back and unaccounted (not back without a note), and the totals; ``all_accounted``
    once nobody is unaccounted. The reading is audited (``whereabouts.board``)."""
    if not (actor.can(P.VIEW_STUDENTS) or actor.can(P.VIEW_REPORTS)):
        actor.require(P.VIEW_STUDENTS, "see the return counts")
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        out = _counts(conn, cid, campus, holiday, actor, at)
        detail = {"holiday": out["holiday"]}
        record(conn, campus_id=cid, actor=actor.name, action="whereabouts.board", detail=detail)
    return out


def holidays(engine: Engine, campus: str, *, actor: Actor) -> list[dict[str, Any]]:
    """Return the campus's holidays (name, first and last day, return deadline), latest
    first; for any account of the people grid (``view_students``, ``check_in`` or
    ``view_reports``)."""
    if not any(actor.can(p) for p in (P.VIEW_STUDENTS, P.CHECK_IN, P.VIEW_REPORTS)):
        actor.require(P.VIEW_STUDENTS, "see the holidays")
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        names = repo.holiday_names(conn, cid)
        rows = [_holiday(conn, cid, campus, n)[1] for n in names]
    return [
        {"name": h.name, "starts": h.starts.isoformat(), "ends": h.ends.isoformat(),
         "return_by": h.return_by.isoformat()}
        for h in rows
    ]  # fmt: skip


def _counts(
    conn: sa.Connection, cid: int, campus: str, holiday: str, actor: Actor, at: datetime | None
) -> dict[str, Any]:
    """Return :func:`returns_board`'s counts without auditing them."""
    counts_only = not actor.can(P.VIEW_STUDENTS)
    day = local_day(as_utc(at) if at else utcnow())
    seen = actor if not counts_only else _everyone_view(actor)
    rules, _h, rows = _rows(conn, cid, campus, holiday, seen, day)
    classes: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        tally = classes[f"{r['college']}/{r['class']}"]
        tally["expected"] += 1
        unaccounted = r["status"] in ("expected", "overdue") or (
            r["status"] == "escalated" and not r["followups"]
        )
        for key, hit in (
            ("declared", r["plan"] is not None),
            ("flagged", bool(r["flags"])),
            ("verified", bool(r["verified"])),
            ("staying", r["status"] == "staying"),
            ("returned", r["status"] == "returned"),
            ("followed_up", r["followups"] > 0 and r["status"] in ("accounted", "escalated")),
            ("not_back", r["status"] not in ("returned", "staying")),
            ("unaccounted", unaccounted),
        ):
            tally[key] += int(hit)
    keys = ("expected", "declared", "flagged", "verified", "staying", "returned",
            "followed_up", "not_back", "unaccounted")  # fmt: skip
    per_class: list[dict[str, Any]] = [
        {"class": k, **{x: classes[k][x] for x in keys}} for k in sorted(classes)
    ]
    total = {x: sum(int(classes[k][x]) for k in classes) for x in keys}
    return {
        "holiday": rules.name,
        "return_by": rules.return_by.isoformat(),
        "classes": per_class,
        "total": total,
        "all_accounted": total["unaccounted"] == 0,
    }


def _everyone_view(actor: Actor) -> Actor:
    """Return an actor seeing every student, for counts that name nobody."""
    from dataclasses import replace

    from zoning.accounts import Role

    return replace(actor, role=Role.SAFETY_OFFICER)


def export_workbook(
    engine: Engine, campus: str, holiday: str, *, actor: Actor, at: datetime | None = None
) -> bytes:
    """Return the college's workbook (Chinese headers): 去向 (each student of the account's
    part), 返校统计 (per class) and 跟进 (students not back); the export is audited."""
    from zoning.safety.exports import workbook_bytes

    actor.require(P.VIEW_STUDENTS, "export the holiday whereabouts")
    day = local_day(as_utc(at) if at else utcnow())
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        rules, _h, rows = _rows(conn, cid, campus, holiday, actor, day)
        board = _counts(conn, cid, campus, holiday, actor, at)
    status_zh = STATUS_ZH
    people = pd.DataFrame(
        [
            {
                "学号": r["student_no"], "姓名": r["name"], "学院": r["college"],
                "班级": r["class"], "楼栋": r["building"], "房间": r["room"],
                "辅导员": r["counsellor"], "去向": PLAN_ZH.get(r["plan"] or "", "未填报"),
                "目的地": r["destination"], "离校日期": r["leave_on"], "返校日期": r["return_on"],
                "同行人": r["companions"], "联系方式": r["contact"],
                "风险提示": "；".join(FLAGS[f] for f in r["flags"]),
                "已核实": "是" if r["verified"] else "否", "返校状态": status_zh[r["status"]],
            }
            for r in rows
        ],
        columns=["学号", "姓名", "学院", "班级", "楼栋", "房间", "辅导员", "去向", "目的地",
                 "离校日期", "返校日期", "同行人", "联系方式", "风险提示", "已核实", "返校状态"],
    )  # fmt: skip
    zh = {"class": "班级", "expected": "应返", "declared": "已填报", "flagged": "风险",
          "verified": "已核实", "staying": "留校", "returned": "已返校", "followed_up": "已跟进",
          "not_back": "未返校", "unaccounted": "未掌握"}  # fmt: skip
    counts = pd.DataFrame(board["classes"], columns=list(zh)).rename(columns=zh)
    late = pd.DataFrame(
        [
            {"学号": r["student_no"], "姓名": r["name"], "班级": r["class"],
             "辅导员": r["counsellor"], "返校状态": status_zh[r["status"]],
             "跟进次数": r["followups"], "最近跟进": r["last_note"],
             "预计返校": r["expected_return"]}
            for r in rows
            if r["status"] not in ("returned", "staying")
        ],
        columns=["学号", "姓名", "班级", "辅导员", "返校状态", "跟进次数", "最近跟进", "预计返校"],
    )  # fmt: skip
    data = workbook_bytes(
        {"去向": people, "返校统计": counts, "跟进": late},
        title=f"{campus} {rules.name} 假期去向与返校",
        preamble=[("返校截止", rules.return_by.isoformat()), ("导出日期", day.isoformat())],
    )
    with writing(engine) as conn:
        detail = {"holiday": rules.name, "students": len(rows)}
        record(
            conn, campus_id=campus_id(conn, campus), actor=actor.name,
            action="whereabouts.export", detail=detail,
        )  # fmt: skip
    return data


__all__ = [
    "GRACE_DAYS",
    "LISTINGS",
    "add_holiday",
    "declare",
    "export_workbook",
    "follow_up",
    "holidays",
    "mark_returned",
    "missing",
    "returns_board",
    "verify",
]
