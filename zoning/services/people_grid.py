"""People-grid services (学生网格): the roster, the nightly roll call and its board.

Each function takes an engine and the acting account, checks the permission and the part
of the grid the account answers for (:class:`zoning.people.Viewer`), composes the pure rules
of :mod:`zoning.people` with :mod:`zoning.store.people_grid`, and writes one transaction
with its audit row. A check-in's coordinates are used for the location check and dropped:
the mark and the audit row keep pass/fail, the distance band and the accuracy only.
"""

from __future__ import annotations

import json
import threading
import time as _time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

import shapely
import sqlalchemy as sa
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission, Role
from zoning.clock import as_utc, utcnow
from zoning.errors import InvalidInput, NotFound, StorageError
from zoning.people import (
    Hierarchy,
    Member,
    Rules,
    StaffRecord,
    State,
    StudentRecord,
    Verdict,
    Viewer,
    board,
    check_window,
    code_matches,
    generate_college,
    judge_location,
    rotating_code,
    step_of,
)
from zoning.people.rollcall import DEFAULT_MAX_ACCURACY_M, DEFAULT_TOLERANCE_M
from zoning.store import people_grid as repo
from zoning.store.audit import record
from zoning.store.campus import campus_id
from zoning.store.engine import BUSY, writing

P = Permission
#: Roles that see every student of the campus (and open and close the roll call).
EVERYONE: frozenset[Role] = frozenset({Role.ADMIN, Role.SAFETY_OFFICER})
#: How long (s) a building's site (its cell in metric metres) is reused between check-ins.
SITE_TTL_S = 60.0
_SITES: dict[tuple[str, int, str], tuple[float, BaseGeometry | None]] = {}
#: Seconds between the tries of a check-in that met a busy database (then it is refused).
BUSY_RETRIES_S: tuple[float, ...] = (0.05, 0.2, 0.5, 1.0)
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
T = TypeVar("T")


@dataclass(frozen=True)
class RosterReport:
    """What a roster import did."""

    added: int
    updated: int
    left: int
    staff_links: int | None


# --------------------------------------------------------------------------- who sees what


def _member(s: repo.StudentRow) -> Member:
    return Member(s.student_no, s.college, s.class_name, s.building, s.roles)


def _viewer(conn: sa.Connection, cid: int, campus: str, actor: Actor) -> Viewer:
    """Return the part of the grid ``actor`` answers for on ``campus``."""
    if actor.role in EVERYONE:
        return Viewer(everyone=True)
    if actor.campus not in (None, campus) or not actor.person:
        return Viewer()
    if actor.role in (Role.COUNSELLOR, Role.DEPUTY_SECRETARY):
        mine = [s for s in repo.load_staff(conn, cid) if s.name == actor.person]
        if actor.role is Role.COUNSELLOR:
            classes = {(s.college, k) for s in mine if s.role == "counsellor" for k in s.classes}
            return Viewer(counsellor=actor.person, classes=frozenset(classes))
        colleges = {s.college for s in mine if s.role == "deputy_secretary"}
        return Viewer(colleges=frozenset(colleges))
    me = repo.student_by_no(conn, cid, actor.person)
    if me is None or not me.active:
        return Viewer()
    if actor.role is Role.GRID_MEMBER:
        return Viewer.of_student(_member(me))
    return Viewer(student_no=me.student_no)


def _hierarchy(conn: sa.Connection, cid: int) -> Hierarchy:
    return Hierarchy.from_staff(repo.load_staff(conn, cid))


def _student(conn: sa.Connection, cid: int, student_no: str) -> repo.StudentRow:
    found = repo.student_by_no(conn, cid, student_no.strip())
    if found is None:
        raise NotFound(f"No student numbered {student_no!r}: check the number, or import them.")
    if not found.active:
        raise InvalidInput(f"Student {found.student_no} has left: re-import the roster first.")
    return found


# --------------------------------------------------------------------------- the roster


def import_roster(
    engine: Engine,
    campus: str,
    students: Sequence[StudentRecord],
    *,
    staff: Sequence[StaffRecord] | None = None,
    mark_left: bool = False,
    actor: Actor,
    at: datetime | None = None,
) -> RosterReport:
    """Import the roster (and the staff, when given) in one transaction: students are
    updated by number, those missing from the file marked left with ``mark_left`` (never
    deleted). Raises InvalidInput naming each line whose building the campus lacks."""
    actor.require(P.MANAGE_STUDENTS, "import the student roster")
    when = as_utc(at) if at else utcnow()
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        known = repo.building_names(conn, cid)
        bad = [r for r in students if r.building not in known]
        if bad:
            lines = "\n".join(
                f"line {r.line}: the building {r.building!r} is not a building of {campus}"
                for r in bad[:20]
            )
            dorms = "、".join(repo.dormitory_names(conn, cid)[:10]) or "none"
            raise InvalidInput(
                f"{len(bad)} roster line(s) name unknown buildings, nothing imported "
                f"(dormitories of {campus}: {dorms}):\n{lines}"
            )
        added, updated, left = repo.save_roster(conn, cid, students, mark_left=mark_left, at=when)
        links = None if staff is None else repo.save_staff(conn, cid, staff)
        detail = {"added": added, "updated": updated, "left": left, "staff_links": links}
        record(conn, campus_id=cid, actor=actor.name, action="students.import", detail=detail)
    return RosterReport(added, updated, left, links)


def demo_roster(
    engine: Engine, campus: str, *, students: int = 2_000, actor: Actor, seed: int = 20
) -> RosterReport:
    """Import a generated college (see :func:`zoning.people.generate_college`) living in the
    campus's dormitory buildings."""
    actor.require(P.MANAGE_STUDENTS, "import the student roster")
    with engine.connect() as conn:
        dorms = repo.dormitory_names(conn, campus_id(conn, campus))
    college = generate_college(dorms, students=students, seed=seed)
    return import_roster(
        engine, campus, college.students, staff=college.staff, actor=actor, mark_left=True
    )


def list_students(engine: Engine, campus: str, *, actor: Actor) -> list[dict[str, Any]]:
    """Return the students the account answers for, with their counsellor; the phone only
    with ``view_phones``. The reading is audited (``students.view``)."""
    actor.require(P.VIEW_STUDENTS, "see the student roster")
    with writing(engine) as conn:  # the reading is audited
        cid = campus_id(conn, campus)
        viewer = _viewer(conn, cid, campus, actor)
        hierarchy = _hierarchy(conn, cid)
        rows = []
        for s in repo.load_students(conn, cid):
            member = _member(s)
            if not viewer.sees(member, hierarchy):
                continue
            rows.append(
                {
                    "student_no": s.student_no, "name": s.name, "college": s.college,
                    "grade": s.grade, "class": s.class_name, "building": s.building,
                    "room": s.room, "bed": s.bed, "roles": list(s.roles),
                    "counsellor": hierarchy.counsellor(member),
                    "phone": s.phone if actor.can(P.VIEW_PHONES) else None,
                }
            )  # fmt: skip
        detail = {"students": len(rows)}
        record(conn, campus_id=cid, actor=actor.name, action="students.view", detail=detail)
    return rows


# --------------------------------------------------------------------------- the roll call


def _require_everyone(conn: sa.Connection, cid: int, campus: str, actor: Actor, doing: str) -> None:
    actor.require(P.RUN_ROLLCALL, doing)
    if not _viewer(conn, cid, campus, actor).everyone:
        raise actor.refuse(doing, "that belongs to the safety office or an admin", P.RUN_ROLLCALL)


def _tonight(conn: sa.Connection, cid: int, campus: str, at: datetime) -> tuple[Any, Rules]:
    """Return the open roll call of ``at``'s night and its rules; InvalidInput when none."""
    latest = repo.latest_rollcall(conn, cid)
    rules = Rules.from_json(json.loads(latest.rules)) if latest is not None else Rules()
    night = rules.night_of(at)
    call = repo.find_rollcall(conn, cid, night)
    if call is None:
        raise InvalidInput(
            f"No roll call is open on {campus} for the night of {night}: open it with "
            "`campusgrid rollcall open`."
        )
    if call.closed_at is not None:
        raise InvalidInput(f"The roll call of {night} on {campus} is closed.")
    return call, Rules.from_json(json.loads(call.rules))


def open_rollcall(
    engine: Engine, campus: str, *, actor: Actor, rules: Rules | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Open the roll call of the night of ``at`` (default now) with ``rules``; refuse a
    holiday and a night already opened. Return its night, window and expected count."""
    rules = rules or Rules()
    when = as_utc(at) if at else utcnow()
    night = rules.night_of(when)
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        _require_everyone(conn, cid, campus, actor, "open the roll call")
        if night in rules.holidays:
            raise InvalidInput(f"{night} is a holiday: there is no roll call that night.")
        if repo.find_rollcall(conn, cid, night) is not None:
            raise InvalidInput(f"The roll call of {night} on {campus} is already open.")
        expected = len(repo.load_students(conn, cid))
        if not expected:
            raise InvalidInput(f"{campus} has no students: import the roster first.")
        repo.insert_rollcall(
            conn, cid, night=night, at=when, rules=json.dumps(rules.to_json()), by=actor.name
        )
        detail = {"night": night.isoformat(), "window": rules.window.label()}
        record(conn, campus_id=cid, actor=actor.name, action="rollcall.open", detail=detail)
    return {"night": night.isoformat(), "window": rules.window.label(), "expected": expected}


def current_code(
    engine: Engine, campus: str, *, building: str, actor: Actor, at: datetime | None = None
) -> str:
    """Return the rotating code of ``building`` now: only to its grid member, a counsellor
    of a class living there, the safety office and admins. Each reading is audited
    (``rollcall.code``, the building but never the code)."""
    actor.require(P.RUN_ROLLCALL, "see a roll-call code")
    when = as_utc(at) if at else utcnow()

    def work() -> bytes:
        with writing(engine) as conn:  # the secret is made on first use
            cid = campus_id(conn, campus)
            if building not in repo.building_names(conn, cid):
                raise NotFound(f"{campus} has no building named {building!r}.")
            viewer = _viewer(conn, cid, campus, actor)
            hierarchy = _hierarchy(conn, cid)
            allowed = viewer.everyone or building in viewer.buildings
            if not allowed and viewer.counsellor is not None:
                allowed = any(
                    s.building == building and hierarchy.counsellor(_member(s)) == viewer.counsellor
                    for s in repo.load_students(conn, cid)
                )
            if not allowed:
                raise actor.refuse(
                    f"see the roll-call code of {building}",
                    "only its grid member, its students' counsellors and the safety office may",
                    P.RUN_ROLLCALL,
                )
            secret = repo.code_secret(conn, cid, when)
            detail = {"building": building}
            record(conn, campus_id=cid, actor=actor.name, action="rollcall.code", detail=detail)
            return secret

    secret = _retrying(engine, work)
    return rotating_code(secret, building, step_of(when))


def _write_lock(engine: Engine) -> AbstractContextManager[Any]:
    """Return the process's lock on a SQLite file's writes (SQLite has one writer; its
    busy handler is not fair to many threads), nothing for PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(str(engine.url), threading.Lock())


def _retrying(engine: Engine, work: Callable[[], T]) -> T:
    """Run the write ``work`` (serialised per process on SQLite), retrying a busy or locked
    database :data:`BUSY_RETRIES_S` times; then StorageError saying to try again."""
    for wait in (*BUSY_RETRIES_S, None):
        try:
            with _write_lock(engine):
                return work()
        except StorageError as exc:
            if str(exc) != BUSY:
                raise
            if wait is None:
                raise StorageError(
                    "The roll call is busy: too many check-ins at this instant; nothing was "
                    "recorded, check in again in a moment."
                ) from exc
            _time.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


@lru_cache(maxsize=16)
def _to_metric(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _site(conn: sa.Connection, cid: int, building: str) -> BaseGeometry | None:
    """Return the building's site (its cell, else its footprint) in the campus's metric CRS;
    kept :data:`SITE_TTL_S` seconds (a newly activated plan counts within a minute)."""
    key = (str(conn.engine.url), cid, building)
    hit = _SITES.get(key)
    if hit is not None and hit[0] > _time.monotonic():
        return hit[1]
    site = repo.building_sites(conn, cid, [building]).get(building)
    if site is not None:
        site = shapely.transform(site, _project(repo.metric_crs(conn, cid)), interleaved=False)
    if len(_SITES) > 10_000:
        _SITES.clear()
    _SITES[key] = (_time.monotonic() + SITE_TTL_S, site)
    return site


def _project(crs: str) -> Any:
    transformer = _to_metric(crs)
    return lambda x, y: transformer.transform(x, y)


def check_in(
    engine: Engine,
    campus: str,
    *,
    student_no: str,
    lon: float,
    lat: float,
    accuracy_m: float,
    code: str,
    actor: Actor,
    at: datetime | None = None,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    max_accuracy_m: float = DEFAULT_MAX_ACCURACY_M,
) -> Verdict:
    """Check a student in: the student themselves (an account linked to their number) or
    their dormitory's grid member. Refused (InvalidInput, with the reason): no open roll
    call, outside the window, a wrong or expired code, too far, too imprecise, already
    checked in. Stores the band and the accuracy, never ``lon``/``lat``."""
    actor.require(P.CHECK_IN, "check in to the roll call")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"The location {lon}, {lat} is not a longitude and latitude.")
    if not 0 <= accuracy_m <= 100_000:
        raise InvalidInput(f"--accuracy-m {accuracy_m} is out of range: use 0 to 100000 m.")
    when = as_utc(at) if at else utcnow()

    def work() -> Verdict:
        with writing(engine) as conn:
            cid = campus_id(conn, campus)
            call, rules = _tonight(conn, cid, campus, when)
            student = _student(conn, cid, student_no)
            viewer = _viewer(conn, cid, campus, actor)
            own = viewer.student_no == student.student_no
            if not (viewer.everyone or own or student.building in viewer.buildings):
                raise actor.refuse(
                    f"check in student {student.student_no}",
                    "only the student or their dormitory's grid member may",
                    P.CHECK_IN,
                )
            if repo.mark_of(conn, call.id, student.id) == "present":
                raise InvalidInput(f"Student {student.student_no} is already checked in tonight.")
            check_window(rules, student.college, call.night, when)
            if not code_matches(repo.code_secret(conn, cid, when), student.building, code, when):
                raise InvalidInput(
                    "Check-in refused: the code is wrong or expired; read the current code from "
                    f"the grid member of {student.building}."
                )
            site = _site(conn, cid, student.building)
            if site is None:
                raise NotFound(f"The building {student.building!r} is no longer on the map.")
            x, y = _to_metric(repo.metric_crs(conn, cid)).transform(lon, lat)
            verdict = judge_location(
                float(shapely.distance(site, shapely.Point(x, y))),
                accuracy_m,
                tolerance_m=tolerance_m,
                max_accuracy_m=max_accuracy_m,
            )
            if not verdict.passed:
                raise InvalidInput(f"Check-in refused: {verdict.reason}.")
            repo.put_marks(
                conn,
                [dict(rollcall_id=call.id, student_id=student.id, state="present", at=when,
                      band=verdict.band, accuracy_m=accuracy_m, by=actor.name)],
            )  # fmt: skip
            detail = {
                "student_no": student.student_no, "band": verdict.band, "accuracy_m": accuracy_m,
                "on_behalf": None if own else student.student_no,
            }  # fmt: skip
            record(conn, campus_id=cid, actor=actor.name, action="rollcall.checkin", detail=detail)
        return verdict

    return _retrying(engine, work)


def mark_absence(
    engine: Engine,
    campus: str,
    *,
    student_no: str,
    reason: str,
    until: date,
    kind: str = "leave",
    actor: Actor,
    at: datetime | None = None,
) -> None:
    """Record a leave (请假, ``kind`` leave) or an approved absence (在外, ``away``) up to
    ``until``, and mark it in tonight's roll call when one is open. A grid member acts for
    their building or class, a counsellor for their classes; nobody approves their own."""
    actor.require(P.RUN_ROLLCALL, "mark a leave")
    if kind not in ("leave", "away"):
        raise InvalidInput(f"The kind {kind!r} is unknown: use leave or away.")
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("--reason must say why, in at most 500 characters.")
    when = as_utc(at) if at else utcnow()
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        student = _student(conn, cid, student_no)
        viewer = _viewer(conn, cid, campus, actor)
        latest = repo.latest_rollcall(conn, cid)
        rules = Rules.from_json(json.loads(latest.rules)) if latest is not None else Rules()
        night = rules.night_of(when)
        if until < night:
            raise InvalidInput(f"--until {until} lies before tonight ({night}).")
        if until > night + timedelta(days=366):
            raise InvalidInput(f"--until {until} is more than a year away: use an earlier day.")
        mine = viewer.student_no == student.student_no and not viewer.everyone
        if mine or not viewer.sees(_member(student), _hierarchy(conn, cid)):
            why = "nobody approves their own leave" if mine else "the student is not in your part"
            raise actor.refuse(f"mark student {student.student_no} on {kind}", why, P.RUN_ROLLCALL)
        repo.insert_leave(
            conn, student.id, kind=kind, reason=reason, since=night, until=until,
            by=actor.name, at=when,
        )  # fmt: skip
        call = repo.find_rollcall(conn, cid, night)
        if (
            call is not None
            and call.closed_at is None
            and repo.mark_of(conn, call.id, student.id) != "present"
        ):
            repo.put_marks(
                conn,
                [dict(rollcall_id=call.id, student_id=student.id, state=kind, at=when,
                      band=None, accuracy_m=None, by=actor.name)],
            )  # fmt: skip
        detail = {"student_no": student.student_no, "kind": kind, "until": until.isoformat()}
        record(conn, campus_id=cid, actor=actor.name, action=f"rollcall.{kind}", detail=detail)


def _states(conn: sa.Connection, cid: int, call: Any) -> tuple[list[Member], dict[str, State]]:
    students = repo.load_students(conn, cid)
    marks = repo.marks(conn, call.id)
    leaves = repo.leaves_on(conn, cid, call.night)
    states: dict[str, State] = {}
    for s in students:
        state = marks.get(s.id) or leaves.get(s.id)
        if state in ("present", "leave", "away", "missing"):
            states[s.student_no] = state  # type: ignore[assignment]
    return [_member(s) for s in students], states


def close_rollcall(
    engine: Engine, campus: str, *, actor: Actor, at: datetime | None = None
) -> dict[str, Any]:
    """Close tonight's roll call: everyone expected without a mark or a leave is marked
    missing. Return the board (see :func:`rollcall_board`)."""
    when = as_utc(at) if at else utcnow()
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        _require_everyone(conn, cid, campus, actor, "close the roll call")
        call, _rules = _tonight(conn, cid, campus, when)
        students = repo.load_students(conn, cid)
        marks = repo.marks(conn, call.id)
        leaves = repo.leaves_on(conn, cid, call.night)
        rows = [
            dict(rollcall_id=call.id, student_id=s.id, state=leaves.get(s.id, "missing"),
                 at=when, band=None, accuracy_m=None, by=actor.name)
            for s in students
            if s.id not in marks
        ]  # fmt: skip
        repo.put_marks(conn, rows)
        repo.close_rollcall(conn, call.id, when)
        missing = sum(r["state"] == "missing" for r in rows)
        detail = {"night": call.night.isoformat(), "missing": missing}
        record(conn, campus_id=cid, actor=actor.name, action="rollcall.close", detail=detail)
    with engine.connect() as conn:
        return _board(conn, campus_id(conn, campus), campus, actor, call.night)


def rollcall_board(
    engine: Engine, campus: str, *, actor: Actor, night: date | None = None
) -> dict[str, Any]:
    """Return the board of a night (default: the latest roll call): per level (dormitory,
    class, counsellor, college) the counts, and the missing student numbers of the groups
    the account answers for. Needs ``view_students`` or ``view_reports`` (counts only).
    The reading is audited (``rollcall.board``)."""
    if not (actor.can(P.VIEW_STUDENTS) or actor.can(P.VIEW_REPORTS)):
        actor.require(P.VIEW_STUDENTS, "see the roll-call board")
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        out = _board(conn, cid, campus, actor, night)
        detail = {"night": out["night"]}
        record(conn, campus_id=cid, actor=actor.name, action="rollcall.board", detail=detail)
    return out


def _board(
    conn: sa.Connection, cid: int, campus: str, actor: Actor, night: date | None
) -> dict[str, Any]:
    """Return the board of ``night`` (default: the latest roll call) as ``actor`` sees it."""
    call = (
        repo.latest_rollcall(conn, cid) if night is None else repo.find_rollcall(conn, cid, night)
    )
    if call is None:
        raise NotFound(f"{campus} has no roll call yet: open one with `campusgrid rollcall open`.")
    viewer = _viewer(conn, cid, campus, actor) if actor.can(P.VIEW_STUDENTS) else Viewer()
    members, states = _states(conn, cid, call)
    levels = board(members, states, _hierarchy(conn, cid), viewer)
    return {"night": call.night.isoformat(), "closed": call.closed_at is not None, "levels": levels}


__all__ = [
    "RosterReport",
    "check_in",
    "close_rollcall",
    "current_code",
    "demo_roster",
    "import_roster",
    "list_students",
    "mark_absence",
    "open_rollcall",
    "rollcall_board",
]
