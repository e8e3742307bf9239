"""Repository of the people grid: the roster, staff links, roll calls, marks, leave, secrets,
holidays and whereabouts, return follow-ups, key students and their visits.

Functions take an open connection (the service holds the transaction) and return plain
rows; the rules live in :mod:`zoning.people` and the services.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

from zoning.people import StaffRecord, StudentRecord
from zoning.store.models.campus import (
    Building,
    Campus,
    GridCell,
    GridPlan,
    table_of,
)
from zoning.store.models.people_grid import (
    Attention,
    AttentionVisit,
    Holiday,
    Leave,
    ReturnFollowup,
    Rollcall,
    RollcallMark,
    RollcallSecret,
    StaffLink,
    Student,
    Whereabouts,
)

STUDENT = table_of(Student)
MARK = table_of(RollcallMark)
_FIELDS = ("name", "college", "grade", "class_name", "building", "room", "bed", "phone")


@dataclass(frozen=True)
class StudentRow:
    """A stored student."""

    id: int
    student_no: str
    name: str
    college: str
    grade: str | None
    class_name: str
    building: str
    room: str | None
    bed: str | None
    phone: str | None
    roles: tuple[str, ...]
    active: bool


def _student(row: sa.Row[Any]) -> StudentRow:
    m = row._mapping
    roles = tuple(r for r in str(m["roles"] or "").split(";") if r)
    return StudentRow(
        int(m["id"]), str(m["student_no"]), str(m["name"]), str(m["college"]), m["grade"],
        str(m["class_name"]), str(m["building"]), m["room"], m["bed"], m["phone"], roles,
        bool(m["active"]),
    )  # fmt: skip


def _values(record: StudentRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "college": record.college,
        "grade": record.grade,
        "class_name": record.class_name,
        "building": record.building,
        "room": record.room,
        "bed": record.bed,
        "phone": record.phone,
        "roles": ";".join(record.roles),
    }


def load_students(conn: sa.Connection, cid: int, *, active: bool = True) -> list[StudentRow]:
    """Return the students of campus ``cid`` (only the active ones by default), by number."""
    query = sa.select(STUDENT).where(STUDENT.c.campus_id == cid).order_by(STUDENT.c.student_no)
    if active:
        query = query.where(STUDENT.c.active.is_(True))
    return [_student(r) for r in conn.execute(query)]


def student_by_no(conn: sa.Connection, cid: int, student_no: str) -> StudentRow | None:
    """Return the student numbered ``student_no`` on campus ``cid`` (active or not)."""
    row = conn.execute(
        sa.select(STUDENT).where(STUDENT.c.campus_id == cid, STUDENT.c.student_no == student_no)
    ).first()
    return None if row is None else _student(row)


def save_roster(
    conn: sa.Connection,
    cid: int,
    records: Sequence[StudentRecord],
    *,
    mark_left: bool,
    at: datetime,
) -> tuple[int, int, int]:
    """Insert new students and update known ones by number (a returning leaver becomes
    active); with ``mark_left`` mark the active students missing from ``records`` as left.
    Nothing is deleted. Return (added, updated, left)."""
    known = {s.student_no: s for s in load_students(conn, cid, active=False)}
    fresh = [r for r in records if r.student_no not in known]
    if fresh:
        conn.execute(
            sa.insert(STUDENT),
            [
                {"campus_id": cid, "student_no": r.student_no, "active": True, **_values(r)}
                for r in fresh
            ],
        )
    updated = 0
    for record in records:
        old = known.get(record.student_no)
        if old is None:
            continue
        values = _values(record)
        same = all(getattr(old, k) == values[k] for k in _FIELDS) and (
            ";".join(old.roles) == values["roles"]
        )
        if same and old.active:
            continue
        conn.execute(
            sa.update(STUDENT)
            .where(STUDENT.c.id == old.id)
            .values(**values, active=True, left_at=None)
        )
        updated += 1
    left = 0
    if mark_left:
        listed = {r.student_no for r in records}
        gone = [s.id for s in known.values() if s.active and s.student_no not in listed]
        for start in range(0, len(gone), 500):
            conn.execute(
                sa.update(STUDENT)
                .where(STUDENT.c.id.in_(gone[start : start + 500]))
                .values(active=False, left_at=at)
            )
        left = len(gone)
    return len(fresh), updated, left


def save_staff(conn: sa.Connection, cid: int, staff: Iterable[StaffRecord]) -> int:
    """Replace the campus's staff links with ``staff``; return how many links were written."""
    table = table_of(StaffLink)
    conn.execute(sa.delete(table).where(table.c.campus_id == cid))
    rows: dict[tuple[str, str, str, str | None], dict[str, Any]] = {}
    for person in staff:
        for klass in person.classes if person.role == "counsellor" else (None,):
            key = (person.name, person.role, person.college, klass)
            rows[key] = dict(
                campus_id=cid, person=person.name, role=person.role,
                college=person.college, class_name=klass,
            )  # fmt: skip
    if rows:
        conn.execute(sa.insert(table), list(rows.values()))
    return len(rows)


def load_staff(conn: sa.Connection, cid: int) -> list[StaffRecord]:
    """Return the campus's counsellors (with their classes) and deputy secretaries."""
    table = table_of(StaffLink)
    found: dict[tuple[str, str, str], list[str]] = {}
    for row in conn.execute(
        sa.select(table.c.person, table.c.role, table.c.college, table.c.class_name)
        .where(table.c.campus_id == cid)
        .order_by(table.c.id)
    ):
        classes = found.setdefault((row.person, row.role, row.college), [])
        if row.class_name:
            classes.append(row.class_name)
    return [StaffRecord(p, r, c, tuple(k)) for (p, r, c), k in found.items()]


def building_names(conn: sa.Connection, cid: int) -> set[str]:
    """Return the names of the campus's buildings."""
    return {
        str(n)
        for n in conn.execute(
            sa.select(Building.name).where(Building.campus_id == cid, Building.name.is_not(None))
        ).scalars()
    }


def dormitory_names(conn: sa.Connection, cid: int) -> list[str]:
    """Return the names of the campus's dormitory (or residential) buildings, by id."""
    return list(
        dict.fromkeys(
            str(n)
            for n in conn.execute(
                sa.select(Building.name)
                .where(Building.campus_id == cid, Building.name.is_not(None))
                .where(Building.use.in_(("dormitory", "residential")))
                .order_by(Building.id)
            ).scalars()
        )
    )


def building_sites(conn: sa.Connection, cid: int, names: Iterable[str]) -> dict[str, BaseGeometry]:
    """Return each named building's site in lon/lat: the cells of the current plan (active,
    else the newest draft) that hold a point of the building, else the footprint itself."""
    wanted = set(names)
    found: dict[str, BaseGeometry] = {}
    for name, wkb in conn.execute(
        sa.select(Building.name, sa.func.ST_AsBinary(Building.geometry))
        .where(Building.campus_id == cid, Building.name.in_(wanted))
        .order_by(Building.id)
    ):
        found.setdefault(str(name), shapely.from_wkb(bytes(wkb)))
    plans = conn.execute(
        sa.select(GridPlan.id, GridPlan.status)
        .where(GridPlan.campus_id == cid, GridPlan.status.in_(("active", "draft")))
        .order_by(GridPlan.status, GridPlan.version.desc())
    ).all()
    if not plans or not found:
        return found
    cells = [
        shapely.from_wkb(bytes(w))
        for (w,) in conn.execute(
            sa.select(sa.func.ST_AsBinary(GridCell.geometry)).where(GridCell.plan_id == plans[0].id)
        )
    ]
    tree = shapely.STRtree(cells)
    sites: dict[str, BaseGeometry] = {}
    for name, footprint in found.items():
        point = footprint.representative_point()
        hits = tree.query(point, predicate="intersects")
        sites[name] = shapely.union_all([cells[i] for i in hits]) if len(hits) else footprint
    return sites


def metric_crs(conn: sa.Connection, cid: int) -> str:
    """Return the campus's metric CRS."""
    return str(conn.execute(sa.select(Campus.metric_crs).where(Campus.id == cid)).scalar_one())


def code_secret(conn: sa.Connection, cid: int, at: datetime) -> bytes:
    """Return the campus's rotating-code secret, made (32 random bytes) on first use."""
    table = table_of(RollcallSecret)
    found = conn.execute(sa.select(table.c.secret).where(table.c.campus_id == cid)).scalar()
    if found is None:
        found = secrets.token_hex(32)
        conn.execute(sa.insert(table), [{"campus_id": cid, "secret": found, "created_at": at}])
    return bytes.fromhex(str(found))


def find_rollcall(conn: sa.Connection, cid: int, night: date) -> sa.Row[Any] | None:
    """Return the roll call of ``night`` on campus ``cid``."""
    table = table_of(Rollcall)
    return conn.execute(
        sa.select(table).where(table.c.campus_id == cid, table.c.night == night)
    ).first()


def latest_rollcall(conn: sa.Connection, cid: int) -> sa.Row[Any] | None:
    """Return the campus's latest roll call (by night)."""
    table = table_of(Rollcall)
    return conn.execute(
        sa.select(table).where(table.c.campus_id == cid).order_by(table.c.night.desc()).limit(1)
    ).first()


def insert_rollcall(
    conn: sa.Connection, cid: int, *, night: date, at: datetime, rules: str, by: str
) -> int:
    """Insert a roll call; return its id."""
    table = table_of(Rollcall)
    return int(
        conn.execute(
            sa.insert(table)
            .values(campus_id=cid, night=night, opened_at=at, rules=rules, opened_by=by)
            .returning(table.c.id)
        ).scalar_one()
    )


def close_rollcall(conn: sa.Connection, rollcall_id: int, at: datetime) -> None:
    """Set the roll call's ``closed_at``."""
    table = table_of(Rollcall)
    conn.execute(sa.update(table).where(table.c.id == rollcall_id).values(closed_at=at))


def marks(conn: sa.Connection, rollcall_id: int) -> dict[int, str]:
    """Return student id → state of the roll call's marks."""
    return {
        int(s): str(state)
        for s, state in conn.execute(
            sa.select(MARK.c.student_id, MARK.c.state).where(MARK.c.rollcall_id == rollcall_id)
        )
    }


def mark_of(conn: sa.Connection, rollcall_id: int, student_id: int) -> str | None:
    """Return the student's state in the roll call, None when unmarked."""
    found = conn.execute(
        sa.select(MARK.c.state).where(
            MARK.c.rollcall_id == rollcall_id, MARK.c.student_id == student_id
        )
    ).scalar()
    return None if found is None else str(found)


def put_marks(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert marks (``rollcall_id, student_id, state, at, band, accuracy_m, by``), replacing
    a student's earlier mark in the same roll call."""
    for row in rows:
        conn.execute(
            sa.delete(MARK).where(
                MARK.c.rollcall_id == row["rollcall_id"], MARK.c.student_id == row["student_id"]
            )
        )
    if rows:
        conn.execute(sa.insert(MARK), list(rows))


def insert_leave(
    conn: sa.Connection,
    student_id: int,
    *,
    kind: str,
    reason: str,
    since: date,
    until: date,
    by: str,
    at: datetime,
) -> None:
    """Record a leave (``kind`` leave) or an approved absence (``away``)."""
    conn.execute(
        sa.insert(table_of(Leave)),
        [dict(student_id=student_id, kind=kind, reason=reason, since=since, until=until,
              by=by, created_at=at)],
    )  # fmt: skip


def leaves_on(conn: sa.Connection, cid: int, night: date) -> dict[int, str]:
    """Return student id → ``leave``/``away`` for the campus's leaves covering ``night``."""
    table = table_of(Leave)
    rows = conn.execute(
        sa.select(table.c.student_id, table.c.kind)
        .join(STUDENT, STUDENT.c.id == table.c.student_id)
        .where(STUDENT.c.campus_id == cid, table.c.since <= night, table.c.until >= night)
        .order_by(table.c.id)
    )
    return {int(s): str(k) for s, k in rows}


# --------------------------------------------------------------------------- holidays

HOLIDAY = table_of(Holiday)
WHEREABOUTS = table_of(Whereabouts)
FOLLOWUP = table_of(ReturnFollowup)
ATTENTION = table_of(Attention)
VISIT = table_of(AttentionVisit)


def find_holiday(conn: sa.Connection, cid: int, name: str) -> sa.Row[Any] | None:
    """Return the campus's holiday named ``name``."""
    return conn.execute(
        sa.select(HOLIDAY).where(HOLIDAY.c.campus_id == cid, HOLIDAY.c.name == name)
    ).first()


def holiday_names(conn: sa.Connection, cid: int) -> list[str]:
    """Return the names of the campus's holidays, latest start first."""
    return [
        str(n)
        for n in conn.execute(
            sa.select(HOLIDAY.c.name)
            .where(HOLIDAY.c.campus_id == cid)
            .order_by(HOLIDAY.c.starts.desc())
        ).scalars()
    ]


def insert_holiday(conn: sa.Connection, values: dict[str, Any]) -> int:
    """Insert a holiday (``campus_id, name, starts, ends, return_by, created_by,
    created_at``); return its id."""
    return int(
        conn.execute(sa.insert(HOLIDAY).values(**values).returning(HOLIDAY.c.id)).scalar_one()
    )


def whereabouts_of(conn: sa.Connection, holiday_id: int) -> dict[int, sa.Row[Any]]:
    """Return student id → the holiday's whereabouts row."""
    return {
        int(r.student_id): r
        for r in conn.execute(sa.select(WHEREABOUTS).where(WHEREABOUTS.c.holiday_id == holiday_id))
    }


def whereabouts_one(conn: sa.Connection, holiday_id: int, student_id: int) -> sa.Row[Any] | None:
    """Return the student's whereabouts row of the holiday."""
    return conn.execute(
        sa.select(WHEREABOUTS).where(
            WHEREABOUTS.c.holiday_id == holiday_id, WHEREABOUTS.c.student_id == student_id
        )
    ).first()


def put_whereabouts(
    conn: sa.Connection, holiday_id: int, student_id: int, values: dict[str, Any]
) -> None:
    """Update the student's whereabouts row of the holiday with ``values``, made if missing."""
    where = (WHEREABOUTS.c.holiday_id == holiday_id) & (WHEREABOUTS.c.student_id == student_id)
    if conn.execute(sa.update(WHEREABOUTS).where(where).values(**values)).rowcount == 0:
        conn.execute(
            sa.insert(WHEREABOUTS),
            [{"holiday_id": holiday_id, "student_id": student_id, "flags": "", **values}],
        )


def insert_followup(conn: sa.Connection, values: dict[str, Any]) -> None:
    """Insert a return follow-up (``holiday_id, student_id, contacted, reason,
    expected_return, escalated, by, at``)."""
    conn.execute(sa.insert(FOLLOWUP), [values])


def followups(conn: sa.Connection, holiday_id: int) -> dict[int, list[sa.Row[Any]]]:
    """Return student id → the holiday's follow-up notes, oldest first."""
    found: dict[int, list[sa.Row[Any]]] = {}
    for r in conn.execute(
        sa.select(FOLLOWUP).where(FOLLOWUP.c.holiday_id == holiday_id).order_by(FOLLOWUP.c.id)
    ):
        found.setdefault(int(r.student_id), []).append(r)
    return found


# --------------------------------------------------------------------------- key students


def find_attention(conn: sa.Connection, cid: int, student_id: int) -> sa.Row[Any] | None:
    """Return the student's key-student row (active or not)."""
    return conn.execute(
        sa.select(ATTENTION).where(
            ATTENTION.c.campus_id == cid, ATTENTION.c.student_id == student_id
        )
    ).first()


def put_attention(conn: sa.Connection, cid: int, student_id: int, values: dict[str, Any]) -> None:
    """Put the student on the campus's key-student list (``reason, since, added_by,
    created_at``), reactivating an earlier row."""
    where = (ATTENTION.c.campus_id == cid) & (ATTENTION.c.student_id == student_id)
    done = conn.execute(sa.update(ATTENTION).where(where).values(**values, active=True))
    if done.rowcount == 0:
        conn.execute(
            sa.insert(ATTENTION),
            [{"campus_id": cid, "student_id": student_id, "active": True, **values}],
        )


def attention_rows(conn: sa.Connection, cid: int) -> list[sa.Row[Any]]:
    """Return the campus's active key students with their last visit day (``last_visit``,
    None when never visited) and number of visits (``visits``)."""
    last = (
        sa.select(
            VISIT.c.attention_id,
            sa.func.max(VISIT.c.visited_on).label("last_visit"),
            sa.func.count().label("visits"),
        )
        .group_by(VISIT.c.attention_id)
        .subquery()
    )
    return list(
        conn.execute(
            sa.select(ATTENTION, last.c.last_visit, last.c.visits)
            .outerjoin(last, last.c.attention_id == ATTENTION.c.id)
            .where(ATTENTION.c.campus_id == cid, ATTENTION.c.active.is_(True))
            .order_by(ATTENTION.c.id)
        )
    )


def insert_visit(conn: sa.Connection, values: dict[str, Any]) -> None:
    """Insert a visit (``attention_id, visited_on, note, by, created_at``)."""
    conn.execute(sa.insert(VISIT), [values])


def missed_nights(conn: sa.Connection, cid: int, since: date) -> dict[int, date]:
    """Return student id → the latest night from ``since`` on they were marked missing."""
    call = table_of(Rollcall)
    rows = conn.execute(
        sa.select(MARK.c.student_id, sa.func.max(call.c.night))
        .join(call, call.c.id == MARK.c.rollcall_id)
        .where(call.c.campus_id == cid, call.c.night >= since, MARK.c.state == "missing")
        .group_by(MARK.c.student_id)
    )
    return {int(s): n for s, n in rows}


# --------------------------------------------------------------------------- duty records


def closed_nights(conn: sa.Connection, cid: int, since: date, until: date) -> list[date]:
    """Return the nights from ``since`` to ``until`` whose roll call was closed."""
    call = table_of(Rollcall)
    return list(
        conn.execute(
            sa.select(call.c.night)
            .where(call.c.campus_id == cid, call.c.night.between(since, until))
            .where(call.c.closed_at.is_not(None))
            .order_by(call.c.night)
        ).scalars()
    )


def missing_by_building(
    conn: sa.Connection, cid: int, since: date, until: date
) -> dict[tuple[date, str], int]:
    """Return (night, building) → how many students were marked missing that night."""
    call = table_of(Rollcall)
    rows = conn.execute(
        sa.select(call.c.night, STUDENT.c.building, sa.func.count())
        .join(MARK, MARK.c.rollcall_id == call.c.id)
        .join(STUDENT, STUDENT.c.id == MARK.c.student_id)
        .where(call.c.campus_id == cid, call.c.night.between(since, until))
        .where(MARK.c.state == "missing")
        .group_by(call.c.night, STUDENT.c.building)
    )
    return {(n, str(b)): int(c) for n, b, c in rows}


def duty_counts(
    conn: sa.Connection, cid: int, names: Sequence[str], since: datetime, until: datetime
) -> dict[tuple[str, str], int]:
    """Return (account, what) → how many of the campus's records the accounts ``names``
    made in [since, until): ``checkins`` (present marks of students other than the account's
    own, keyed by the student number as ``checkin:NO``), ``leaves`` (leave and away marks),
    ``verified`` and ``returned`` (holiday whereabouts)."""
    out: dict[tuple[str, str], int] = {}
    if not names:
        return out
    wanted = list(names)
    for by, no, count in conn.execute(
        sa.select(MARK.c.by, STUDENT.c.student_no, sa.func.count())
        .join(STUDENT, STUDENT.c.id == MARK.c.student_id)
        .where(STUDENT.c.campus_id == cid, MARK.c.by.in_(wanted), MARK.c.state == "present")
        .where(MARK.c.at >= since, MARK.c.at < until)
        .group_by(MARK.c.by, STUDENT.c.student_no)
    ):
        out[(str(by), f"checkin:{no}")] = int(count)
    leave = table_of(Leave)
    for by, count in conn.execute(
        sa.select(leave.c.by, sa.func.count())
        .join(STUDENT, STUDENT.c.id == leave.c.student_id)
        .where(STUDENT.c.campus_id == cid, leave.c.by.in_(wanted))
        .where(leave.c.created_at >= since, leave.c.created_at < until)
        .group_by(leave.c.by)
    ):
        out[(str(by), "leaves")] = int(count)
    for what in ("verified", "returned"):
        by_col, at_col = WHEREABOUTS.c[f"{what}_by"], WHEREABOUTS.c[f"{what}_at"]
        for by, count in conn.execute(
            sa.select(by_col, sa.func.count())
            .join(STUDENT, STUDENT.c.id == WHEREABOUTS.c.student_id)
            .where(STUDENT.c.campus_id == cid, by_col.in_(wanted))
            .where(at_col >= since, at_col < until)
            .group_by(by_col)
        ):
            out[(str(by), what)] = int(count)
    return out
