"""A synthetic college for the demo, the tests and the benchmark (pure, reproducible).

:func:`generate_college` fills the given dormitory buildings with ``students`` students in
classes of about 30, counsellors of about 8 classes and a deputy secretary per college; each
building gets a grid member (网格员) and each class a monitor (班长). The same ``seed`` gives
the same college.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from zoning.errors import InvalidInput
from zoning.people.roster import StaffRecord, StudentRecord

COLLEGES: tuple[str, ...] = (
    "计算机学院", "机械工程学院", "经济管理学院", "外国语学院", "材料学院", "化学化工学院",
    "土木工程学院", "文学院", "数学学院", "医学院",
)  # fmt: skip
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红娟建国志鹏宇浩然欣怡子涵"
CLASS_SIZE = 30
CLASSES_PER_COUNSELLOR = 8
BEDS_PER_ROOM = 4
ROOMS_PER_FLOOR = 30
MAX_STUDENTS = 200_000


@dataclass(frozen=True)
class College:
    """A generated roster and its staff."""

    students: tuple[StudentRecord, ...]
    staff: tuple[StaffRecord, ...]


def generate_college(buildings: Sequence[str], *, students: int = 2_000, seed: int = 20) -> College:
    """Return ``students`` students living in ``buildings`` (dormitory names), with staff.

    >>> college = generate_college(["1号楼", "2号楼"], students=100)
    >>> len(college.students), sorted({s.building for s in college.students})
    (100, ['1号楼', '2号楼'])
    >>> sum("网格员" in s.roles for s in college.students)
    2
    """
    if not buildings:
        raise InvalidInput("The campus has no dormitory building to fill: import one first.")
    if not 1 <= students <= MAX_STUDENTS:
        raise InvalidInput(f"--students {students} is out of range: use 1 to {MAX_STUDENTS}.")
    rng = random.Random(seed)
    n_classes = max(1, round(students / CLASS_SIZE))
    n_colleges = min(len(COLLEGES), max(1, n_classes // 10))
    records: list[StudentRecord] = []
    per_building = -(-students // len(buildings))
    grid_members: set[str] = set()
    monitors: set[int] = set()
    for index in range(students):
        klass = index % n_classes  # classmates spread over the buildings, as in life
        college = COLLEGES[klass % n_colleges]
        grade = str(2022 + klass % 4)
        building = buildings[index // per_building]
        slot = index % per_building
        room = slot // BEDS_PER_ROOM
        roles: list[str] = []
        if building not in grid_members:
            grid_members.add(building)
            roles += ["网格员", "党员"]
        if klass not in monitors:
            monitors.add(klass)
            roles.append("班长")
        records.append(
            StudentRecord(
                student_no=f"{grade}{index + 1:06d}",
                name=rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2)))),
                college=college,
                grade=grade,
                class_name=f"{college[:2]}{grade[2:]}{klass + 1:03d}班",
                building=building,
                room=f"{room // ROOMS_PER_FLOOR + 1}{room % ROOMS_PER_FLOOR + 1:02d}",
                bed=str(slot % BEDS_PER_ROOM + 1),
                phone=f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}",
                roles=tuple(roles),
            )
        )
    staff: list[StaffRecord] = []
    by_college: dict[str, list[str]] = {}
    for record in records:
        classes = by_college.setdefault(record.college, [])
        if record.class_name not in classes:
            classes.append(record.class_name)
    for number, (college, classes) in enumerate(sorted(by_college.items())):
        staff.append(StaffRecord(f"{_SURNAMES[number % len(_SURNAMES)]}书记", "deputy_secretary",
                                 college))  # fmt: skip
        for start in range(0, len(classes), CLASSES_PER_COUNSELLOR):
            group = tuple(classes[start : start + CLASSES_PER_COUNSELLOR])
            name = f"{college[:2]}辅导员{start // CLASSES_PER_COUNSELLOR + 1}"
            staff.append(StaffRecord(name, "counsellor", college, group))
    return College(tuple(records), tuple(staff))
