"""A believable night and holiday for a generated college (pure, reproducible by seed).

:func:`draw_night` picks who checks in tonight (about :data:`PRESENT_SHARE`) and who is on
leave; :func:`draw_declarations` gives about :data:`DECLARED_SHARE` of the students a
holiday plan (most go home, some stay, some travel, a few of them alone or late, which the
whereabouts rules flag). :func:`demo_holiday` is the holiday a week from ``today``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from zoning.people.roster import StudentRecord
from zoning.people.whereabouts import Declaration, Holiday, declaration

#: Shares (0–1) of the students: checked in tonight, on leave tonight, declared.
PRESENT_SHARE = 0.80
LEAVE_SHARE = 0.03
DECLARED_SHARE = 0.85
_LEAVE_REASONS = ("病假：发烧就医", "事假：家中有事", "实习外出", "参加学科竞赛")
_DESTINATIONS = ("云南大理", "四川成都", "浙江杭州", "陕西西安", "海南三亚", "香港")
_HOMES = ("河北石家庄", "山东济南", "河南郑州", "天津", "北京", "山西太原", "辽宁沈阳")


@dataclass(frozen=True)
class Night:
    """Tonight's draw: the students checking in (in order) and those on leave (number,
    reason)."""

    present: tuple[str, ...]
    on_leave: tuple[tuple[str, str], ...]


def draw_night(students: Sequence[StudentRecord], *, seed: int = 20) -> Night:
    """Return who checks in tonight and who is on leave.

    >>> from zoning.people.generate import generate_college
    >>> night = draw_night(generate_college(["1号楼"], students=1000).students)
    >>> 700 < len(night.present) < 900, 10 < len(night.on_leave) < 60
    (True, True)
    """
    rng = random.Random(seed)
    present: list[str] = []
    leave: list[tuple[str, str]] = []
    for s in students:
        r = rng.random()
        if r < PRESENT_SHARE:
            present.append(s.student_no)
        elif r < PRESENT_SHARE + LEAVE_SHARE:
            leave.append((s.student_no, rng.choice(_LEAVE_REASONS)))
    return Night(tuple(present), tuple(leave))


def demo_holiday(today: date) -> Holiday:
    """Return the demo's holiday: a week from ``today``, seven days long, back a day after.

    >>> h = demo_holiday(date(2026, 3, 2))
    >>> h.starts, h.ends, h.return_by
    (datetime.date(2026, 3, 9), datetime.date(2026, 3, 15), datetime.date(2026, 3, 16))
    """
    starts = today + timedelta(days=7)
    return Holiday("演示假期", starts, starts + timedelta(days=6), starts + timedelta(days=7))


def draw_declarations(
    students: Sequence[StudentRecord], holiday: Holiday, *, seed: int = 20
) -> list[tuple[str, Declaration]]:
    """Return (student number, declaration) for about :data:`DECLARED_SHARE` of ``students``:
    about 70 % home, 15 % staying, 15 % travelling (some alone, some back late).

    >>> from zoning.people.generate import generate_college
    >>> college = generate_college(["1号楼"], students=1000)
    >>> found = draw_declarations(college.students, demo_holiday(date(2026, 3, 2)))
    >>> 800 < len(found) < 900, {d.plan for _, d in found} == {"home", "staying", "travelling"}
    (True, True)
    """
    rng = random.Random(seed + 1)
    out: list[tuple[str, Declaration]] = []
    for s in students:
        if rng.random() >= DECLARED_SHARE:
            continue
        back = holiday.return_by - timedelta(days=rng.choice((0, 0, 0, 1)))
        if rng.random() < 0.05:
            back = holiday.return_by + timedelta(days=2)  # late: flagged
        r = rng.random()
        if r < 0.15:
            decl = declaration("staying")
        elif r < 0.85:
            decl = declaration(
                "home", destination=rng.choice(_HOMES), leave_on=holiday.starts, return_on=back,
                contact=s.phone,
            )  # fmt: skip
        else:
            decl = declaration(
                "travelling", destination=rng.choice(_DESTINATIONS), leave_on=holiday.starts,
                return_on=back, contact=s.phone,
                companions=None if rng.random() < 0.3 else "同学两人",
            )  # fmt: skip
        out.append((s.student_no, decl))
    return out
