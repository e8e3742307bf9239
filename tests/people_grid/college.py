"""Shared set-up for the holiday and key-student tests: the dormitory campus with a
generated college, and the accounts of its chain."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.people_grid.dorms import CAMPUS, DORM1, DORM2, dorm_campus
from zoning.accounts import Actor, Role
from zoning.people import College, generate_college
from zoning.people.whereabouts import Holiday
from zoning.services import people_grid as grid
from zoning.services import whereabouts
from zoning.store.campus import save_campus

HOLIDAY = Holiday("2026寒假", date(2026, 1, 20), date(2026, 2, 20), date(2026, 2, 22))


def noon(day: date) -> datetime:
    """Noon of ``day`` in Beijing, as UTC."""
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


def build_college(db: Engine, students: int) -> College:
    """Save the campus, import a generated college of ``students`` and add :data:`HOLIDAY`."""
    save_campus(db, name=CAMPUS, layers=dorm_campus())
    college = generate_college([DORM1, DORM2], students=students, seed=7)
    grid.import_roster(db, CAMPUS, college.students, staff=college.staff, actor=ADMIN)
    whereabouts.add_holiday(db, CAMPUS, HOLIDAY, actor=ADMIN, at=noon(date(2026, 1, 5)))
    return college


def counsellor_of(college: College, class_name: str) -> Actor:
    """Return the account of the counsellor of ``class_name``."""
    name = next(s.name for s in college.staff if class_name in s.classes)
    return actor(Role.COUNSELLOR, person=name, campus=CAMPUS, name=f"acct-{name}")


def student_with(college: College, role: str, building: str | None = None) -> str:
    """Return the number of the first student holding ``role`` (in ``building``)."""
    return next(
        s.student_no for s in college.students if role in s.roles and building in (None, s.building)
    )
