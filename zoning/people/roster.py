"""The roster of a college's students and its staff, read from the CSV files a college keeps.

Students, one row each (English or Chinese headers, UTF-8 with or without a BOM)::

    student_no,name,college,grade,class,building,room,bed,phone,roles
    2021001,王伟,计算机学院,2021,计科2101,学生宿舍1号楼,305,2,13800000001,网格员;党员

``building`` names a building of the campus as imported; ``roles`` holds any of
:data:`STUDENT_ROLES` separated by ``;`` or ``、``. Staff, one row each::

    name,role,college,classes
    李老师,辅导员,计算机学院,计科2101;计科2102
    张书记,副书记,计算机学院,

A counsellor (辅导员) answers for the classes listed; a deputy party secretary (副书记) for the
college. Every bad line is reported with its line number, one line each.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from zoning.errors import ImportFailed

#: Roster columns, in order, and their Chinese headers.
STUDENT_COLUMNS: tuple[str, ...] = (
    "student_no", "name", "college", "grade", "class", "building", "room", "bed", "phone", "roles",
)  # fmt: skip
STUDENT_HEADERS_ZH: dict[str, str] = dict(
    zip(
        ("学号", "姓名", "学院", "年级", "班级", "楼栋", "房间", "床位", "电话", "角色"),
        STUDENT_COLUMNS,
        strict=True,
    )
)
#: The columns a roster must have and each row fill (the others may be left out).
REQUIRED: tuple[str, ...] = ("student_no", "name", "college", "class", "building")
STAFF_COLUMNS: tuple[str, ...] = ("name", "role", "college", "classes")
STAFF_HEADERS_ZH: dict[str, str] = {
    "姓名": "name",
    "角色": "role",
    "学院": "college",
    "班级": "classes",
}

#: A student's roles in the people grid (English aliases accepted).
STUDENT_ROLES: dict[str, str] = {
    "宿舍长": "宿舍长", "dorm_head": "宿舍长",
    "网格员": "网格员", "grid_member": "网格员",
    "班长": "班长", "class_monitor": "班长", "monitor": "班长",
    "党员": "党员", "party_member": "党员",
}  # fmt: skip
#: Student roles that make a student the grid member of their dormitory building.
DORM_ROLES: frozenset[str] = frozenset({"网格员", "宿舍长"})
#: Student roles that make a student a grid member of their class.
CLASS_ROLES: frozenset[str] = frozenset({"班长"})
#: Staff roles → the stored role.
STAFF_ROLES: dict[str, str] = {
    "辅导员": "counsellor", "counsellor": "counsellor",
    "副书记": "deputy_secretary", "deputy_secretary": "deputy_secretary",
    "deputy secretary": "deputy_secretary",
}  # fmt: skip
#: A roster larger than this is refused (bytes): 20,000 students take about 2 MB.
MAX_ROSTER_BYTES = 50_000_000
_SEPARATORS = (";", "、", "；", ",", "，")


@dataclass(frozen=True)
class StudentRecord:
    """One student of the roster (texts stripped; ``roles`` in :data:`STUDENT_ROLES` form)."""

    student_no: str
    name: str
    college: str
    grade: str | None
    class_name: str
    building: str
    room: str | None
    bed: str | None
    phone: str | None
    roles: tuple[str, ...] = ()
    line: int = 0
    """The line of the CSV it came from (0: not from a file)."""


@dataclass(frozen=True)
class StaffRecord:
    """A counsellor (their ``classes``) or a deputy secretary (their ``college``)."""

    name: str
    role: str
    college: str
    classes: tuple[str, ...] = ()


def split_list(text: str | None) -> tuple[str, ...]:
    """Return the items of a ``;`` / ``、`` separated list, stripped, each once, in order.

    >>> split_list("网格员、党员; 网格员")
    ('网格员', '党员')
    """
    items = [text or ""]
    for sep in _SEPARATORS:
        items = [part for item in items for part in item.split(sep)]
    return tuple(dict.fromkeys(p.strip() for p in items if p.strip()))


def _text(path: Path, *, what: str) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_ROSTER_BYTES:
            raise ImportFailed(
                f"{path.name} is {size:,} bytes: a {what} over {MAX_ROSTER_BYTES:,} is refused."
            )
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ImportFailed(f"{path} does not exist: check the {what} file's path.") from None
    except IsADirectoryError:
        raise ImportFailed(f"{path} is a folder: name the {what} CSV file.") from None
    except UnicodeDecodeError:
        raise ImportFailed(
            f"{path.name} is not UTF-8 text: save the {what} as CSV UTF-8 and import it again."
        ) from None


def _rows(
    text: str, *, name: str, columns: tuple[str, ...], zh: dict[str, str]
) -> list[tuple[int, dict[str, str]]]:
    """Return (line number, {column: text}) for each non-empty row under the header."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise ImportFailed(f"{name} is empty: the first line must be the header.")
    keys = [zh.get(h.strip(), h.strip().lower()) for h in header]
    missing = [c for c in columns if c not in keys]
    if missing:
        raise ImportFailed(
            f"{name} line 1: the header lacks {', '.join(missing)}; it needs "
            f"{','.join(columns)} (or the Chinese headers)."
        )
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        rows.append((reader.line_num, dict(zip(keys, values, strict=False))))
    return rows


def _clean(row: dict[str, str], column: str) -> str | None:
    value = (row.get(column) or "").strip()
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp")), None)
    if bad is not None:
        raise ValueError(f"the {column} contains the control character U+{ord(bad):04X}")
    if len(value) > 200:
        raise ValueError(f"the {column} is longer than 200 characters")
    return value or None


def _fail(name: str, errors: list[str]) -> ImportFailed:
    shown = errors[:20]
    more = f"\n… and {len(errors) - 20} more bad lines" if len(errors) > 20 else ""
    return ImportFailed(
        f"{name}: {len(errors)} bad line(s), nothing imported; fix them and import again:\n"
        + "\n".join(shown)
        + more
    )


def parse_roster(text: str, *, name: str = "roster.csv") -> list[StudentRecord]:
    """Return the students of a roster CSV's ``text``; ImportFailed listing every bad line.

    >>> rows = parse_roster("学号,姓名,学院,年级,班级,楼栋,房间,床位,电话,角色\\n"
    ...                     "1,王伟,理学院,2024,数学1班,1号楼,101,1,,班长、党员\\n")
    >>> rows[0].class_name, rows[0].roles
    ('数学1班', ('班长', '党员'))
    """
    students: list[StudentRecord] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for line, row in _rows(text, name=name, columns=REQUIRED, zh=STUDENT_HEADERS_ZH):
        try:
            values = {c: _clean(row, c) for c in STUDENT_COLUMNS}
            empty = [c for c in REQUIRED if not values[c]]
            if empty:
                raise ValueError(f"the {', '.join(empty)} is empty")
            roles = []
            for role in split_list(values["roles"]):
                if role not in STUDENT_ROLES and role.lower() not in STUDENT_ROLES:
                    known = "、".join(dict.fromkeys(STUDENT_ROLES.values()))
                    raise ValueError(f"the role {role!r} is unknown (use {known})")
                roles.append(STUDENT_ROLES.get(role) or STUDENT_ROLES[role.lower()])
            number = str(values["student_no"])
            if number in seen:
                raise ValueError(f"student number {number} is already on line {seen[number]}")
            seen[number] = line
            students.append(
                StudentRecord(
                    student_no=number,
                    name=str(values["name"]),
                    college=str(values["college"]),
                    grade=values["grade"],
                    class_name=str(values["class"]),
                    building=str(values["building"]),
                    room=values["room"],
                    bed=values["bed"],
                    phone=values["phone"],
                    roles=tuple(dict.fromkeys(roles)),
                    line=line,
                )
            )
        except ValueError as exc:
            errors.append(f"{name} line {line}: {exc}")
    if errors:
        raise _fail(name, errors)
    if not students:
        raise ImportFailed(f"{name} has a header but no students: add one row per student.")
    return students


def parse_staff(text: str, *, name: str = "staff.csv") -> list[StaffRecord]:
    """Return the counsellors and deputy secretaries of a staff CSV's ``text``.

    >>> staff = parse_staff("name,role,college,classes\\n李老师,辅导员,理学院,数1;数2\\n")
    >>> staff[0].role, staff[0].classes
    ('counsellor', ('数1', '数2'))
    """
    staff: list[StaffRecord] = []
    errors: list[str] = []
    for line, row in _rows(text, name=name, columns=STAFF_COLUMNS, zh=STAFF_HEADERS_ZH):
        try:
            values = {c: _clean(row, c) for c in STAFF_COLUMNS}
            if not values["name"] or not values["college"]:
                raise ValueError("the name and the college must be filled")
            role = STAFF_ROLES.get(str(values["role"] or "").lower())
            if role is None:
                raise ValueError(
                    f"the role {values['role']!r} is unknown (use 辅导员/counsellor or "
                    "副书记/deputy_secretary)"
                )
            classes = split_list(values["classes"])
            if role == "counsellor" and not classes:
                raise ValueError("a counsellor needs their classes (separated by ; or 、)")
            staff.append(StaffRecord(str(values["name"]), role, str(values["college"]), classes))
        except ValueError as exc:
            errors.append(f"{name} line {line}: {exc}")
    if errors:
        raise _fail(name, errors)
    return staff


def read_roster(path: Path) -> list[StudentRecord]:
    """Read a roster CSV file (see :func:`parse_roster`); ImportFailed when unreadable."""
    return parse_roster(_text(path, what="roster"), name=path.name)


def read_staff(path: Path) -> list[StaffRecord]:
    """Read a staff CSV file (see :func:`parse_staff`); ImportFailed when unreadable."""
    return parse_staff(_text(path, what="staff list"), name=path.name)
