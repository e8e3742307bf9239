"""The demo's people grid: a generated college living in the campus's dormitory buildings,
tonight's roll call open with about 80 % checked in, and a holiday with declarations.

:func:`seed_people` goes through the ordinary services (roster import, roll call open,
leave, check-in, holiday, declaration), so each of their calls writes its own audit row.
The roll call is of the latest night whose window has opened by ``now`` (last night before
21:30), so every check-in lies in the past and inside the window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission
from zoning.clock import as_utc, local_day, utcnow
from zoning.people import Rules, generate_college
from zoning.people.demo_activity import demo_holiday, draw_declarations, draw_night
from zoning.people.rollcall import step_of
from zoning.services import people_grid, whereabouts
from zoning.services._progress import Progress, quiet
from zoning.store import people_grid as repo
from zoning.store.campus import campus_id

#: The demo's GPS accuracy of a check-in, metres.
ACCURACY_M = 15.0
#: The longest spread of the demo's check-ins after the window opens.
SPREAD = timedelta(minutes=60)


def _night_start(rules: Rules, now: datetime) -> datetime:
    """Return when the window of the latest night that has opened by ``now`` opened."""
    night = rules.night_of(now)
    opens, _ = rules.window.bounds(night, tz=rules.tz)
    if opens > now:
        opens, _ = rules.window.bounds(night - timedelta(days=1), tz=rules.tz)
    return opens


def seed_people(
    engine: Engine,
    campus: str,
    *,
    students: int,
    actor: Actor,
    seed: int = 20,
    now: datetime | None = None,
    progress: Progress = quiet,
) -> dict[str, Any]:
    """Import ``students`` generated students (with counsellors, deputy secretaries and
    grid members) into ``campus``'s dormitories, open the latest night's roll call and
    check about 80 % in (3 % on leave), and add a holiday a week ahead with about 85 %
    declared. Return the counts. Raises InvalidInput when the campus has no dormitory,
    PermissionDenied (manage_students, and what the services it calls need)."""
    actor.require(Permission.MANAGE_STUDENTS, "seed the demo's students")
    when = as_utc(now) if now else utcnow()
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        dorms = repo.dormitory_names(conn, cid)
    college = generate_college(dorms, students=students, seed=seed)
    progress(f"importing {students:,} students into {len(dorms)} dormitory buildings")
    people_grid.import_roster(
        engine, campus, college.students, staff=college.staff, actor=actor, mark_left=True,
        at=when,
    )  # fmt: skip
    rules = Rules()
    opens = _night_start(rules, when)
    people_grid.open_rollcall(engine, campus, actor=actor, rules=rules, at=opens)
    night = draw_night(college.students, seed=seed)
    by_no = {s.student_no: s for s in college.students}
    for no, reason in night.on_leave:
        until = rules.night_of(opens) + timedelta(days=2)
        people_grid.mark_absence(
            engine, campus, student_no=no, reason=reason, until=until, actor=actor, at=opens
        )
    progress(f"checking {len(night.present):,} students in to the roll call")
    with engine.connect() as conn:
        sites = repo.building_sites(conn, cid, dorms)
    points = {name: site.representative_point() for name, site in sites.items()}
    spread = min(SPREAD, max(when - opens, timedelta(seconds=1)))
    step = spread / max(1, len(night.present))
    codes: dict[tuple[str, int], str] = {}
    for k, no in enumerate(night.present):
        at = opens + step * k
        building = by_no[no].building
        key = (building, step_of(at))
        if key not in codes:
            codes[key] = people_grid.current_code(
                engine, campus, building=building, actor=actor, at=at
            )
        point = points[building]
        people_grid.check_in(
            engine, campus, student_no=no, lon=point.x, lat=point.y, accuracy_m=ACCURACY_M,
            code=codes[key], actor=actor, at=at,
        )  # fmt: skip
    holiday = demo_holiday(local_day(when))
    whereabouts.add_holiday(engine, campus, holiday, actor=actor, at=when)
    declared = draw_declarations(college.students, holiday, seed=seed)
    progress(f"recording {len(declared):,} holiday declarations")
    for no, decl in declared:
        whereabouts.declare(
            engine, campus, holiday.name, student_no=no, declaration=decl, actor=actor, at=when
        )
    return {
        "students": len(college.students),
        "staff": len(college.staff),
        "present": len(night.present),
        "on_leave": len(night.on_leave),
        "declared": len(declared),
        "holiday": holiday.name,
    }
