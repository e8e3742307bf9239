"""The people grid as plain data: dormitory building → class → counsellor → college.

A student's chain is their dormitory building (its grid member), their class (its monitor),
the counsellor of that class and the college (its deputy secretary). :func:`board` counts a
night's roll call at each level; :class:`Viewer` says whose missing students an account may
see (the student's own chain, the safety office and admins).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from zoning.people.roster import CLASS_ROLES, DORM_ROLES, StaffRecord

#: The levels of the board, lowest first.
LEVELS: tuple[str, ...] = ("dormitory", "class", "counsellor", "college")
#: A student's state in a night's roll call.
State = Literal["present", "leave", "away", "missing"]
#: The counsellor of a class nobody answers for.
NOBODY = "未指定"


@dataclass(frozen=True)
class Member:
    """One active student as the hierarchy sees them."""

    student_no: str
    college: str
    class_name: str
    building: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hierarchy:
    """The staff links: (college, class) → counsellor, college → deputy secretaries."""

    counsellor_of: Mapping[tuple[str, str], str] = field(default_factory=dict)
    deputies_of: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_staff(cls, staff: Iterable[StaffRecord]) -> Hierarchy:
        """Return the hierarchy of ``staff`` (a class listed twice keeps its first counsellor).

        >>> h = Hierarchy.from_staff([StaffRecord("李", "counsellor", "理学院", ("数1",))])
        >>> h.counsellor(Member("1", "理学院", "数1", "1号楼")), h.counsellor(Member("2", "理学院", "数2", "1号楼"))
        ('李', '未指定')
        """  # noqa: E501
        counsellors: dict[tuple[str, str], str] = {}
        deputies: dict[str, list[str]] = defaultdict(list)
        for person in staff:
            if person.role == "counsellor":
                for name in person.classes:
                    counsellors.setdefault((person.college, name), person.name)
            elif person.name not in deputies[person.college]:
                deputies[person.college].append(person.name)
        return cls(counsellors, {k: tuple(v) for k, v in deputies.items()})

    def counsellor(self, member: Member) -> str:
        """Return the counsellor of ``member``'s class (:data:`NOBODY` when none)."""
        return self.counsellor_of.get((member.college, member.class_name), NOBODY)

    def group(self, member: Member, level: str) -> str:
        """Return the name of ``member``'s group at ``level`` (a class is ``college/class``)."""
        if level == "dormitory":
            return member.building
        if level == "class":
            return f"{member.college}/{member.class_name}"
        if level == "counsellor":
            return self.counsellor(member)
        return member.college


@dataclass(frozen=True)
class Viewer:
    """Whose students an account sees: ``everyone`` (admins, the safety office), else the
    colleges it is deputy secretary of, the classes it counsels or monitors, the buildings
    it is grid member of, and its own student number."""

    everyone: bool = False
    colleges: frozenset[str] = frozenset()
    counsellor: str | None = None
    classes: frozenset[tuple[str, str]] = frozenset()
    buildings: frozenset[str] = frozenset()
    student_no: str | None = None

    @classmethod
    def of_student(cls, me: Member) -> Viewer:
        """Return the view of a student account: a grid member's building, a monitor's class."""
        return cls(
            buildings=frozenset({me.building} if set(me.roles) & DORM_ROLES else set()),
            classes=frozenset(
                {(me.college, me.class_name)} if set(me.roles) & CLASS_ROLES else set()
            ),
            student_no=me.student_no,
        )

    def sees(self, member: Member, hierarchy: Hierarchy) -> bool:
        """True when ``member`` lies in this account's part of the grid."""
        return (
            self.everyone
            or member.college in self.colleges
            or (member.college, member.class_name) in self.classes
            or member.building in self.buildings
            or member.student_no == self.student_no
            or (self.counsellor is not None and hierarchy.counsellor(member) == self.counsellor)
        )

    def answers_for(self, level: str, group: str) -> bool:
        """True when this account is in the chain of ``group`` at ``level`` (sees its list)."""
        if self.everyone:
            return True
        if level == "dormitory":
            return group in self.buildings
        if level == "class":
            return any(f"{c}/{k}" == group for c, k in self.classes) or any(
                group.startswith(f"{c}/") for c in self.colleges
            )
        if level == "counsellor":
            return group == self.counsellor
        return group in self.colleges


def board(
    members: Iterable[Member],
    states: Mapping[str, State],
    hierarchy: Hierarchy,
    viewer: Viewer,
) -> dict[str, list[dict[str, Any]]]:
    """Return the night's counts per level: for each group ``expected``, ``present``,
    ``on_leave`` (leave or away), ``missing`` (no mark yet, or marked missing), and
    ``missing_students`` (student numbers, sorted) only where ``viewer`` answers for it.

    >>> m = [Member("1", "理", "数1", "A"), Member("2", "理", "数1", "A")]
    >>> out = board(m, {"1": "present"}, Hierarchy(), Viewer(everyone=True))
    >>> out["dormitory"][0]["present"], out["dormitory"][0]["missing_students"]
    (1, ['2'])
    """
    counts: dict[str, dict[str, Counter[str]]] = {level: defaultdict(Counter) for level in LEVELS}
    missing: dict[str, dict[str, list[str]]] = {level: defaultdict(list) for level in LEVELS}
    for member in members:
        state = states.get(member.student_no, "missing")
        key = "on_leave" if state in ("leave", "away") else state
        for level in LEVELS:
            group = hierarchy.group(member, level)
            tally = counts[level][group]
            tally["expected"] += 1
            tally[key] += 1
            if key == "missing":
                missing[level][group].append(member.student_no)
    out: dict[str, list[dict[str, Any]]] = {}
    for level in LEVELS:
        rows = []
        for group in sorted(counts[level]):
            tally = counts[level][group]
            row: dict[str, Any] = {
                "level": level,
                "group": group,
                **{k: tally[k] for k in ("expected", "present", "on_leave", "missing")},
            }
            if viewer.answers_for(level, group):
                row["missing_students"] = sorted(missing[level][group])
            rows.append(row)
        out[level] = rows
    return out
