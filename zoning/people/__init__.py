"""The people grid (学生网格, pure): the roster, the hierarchy dormitory → class → counsellor
→ college, and the nightly roll call's rules (window, location band, rotating code).

``roster`` reads the students' and staff CSVs; ``hierarchy`` groups students and counts a
night per level (:func:`board`) and says whose lists an account sees (:class:`Viewer`);
``rollcall`` holds the window, the location verdict and the rotating code; ``generate`` a
synthetic college for the demo and the benchmark.
"""

from zoning.people.generate import College, generate_college
from zoning.people.hierarchy import LEVELS, Hierarchy, Member, State, Viewer, board
from zoning.people.rollcall import (
    Rules,
    Verdict,
    Window,
    check_window,
    code_matches,
    judge_location,
    rotating_code,
    step_of,
)
from zoning.people.roster import (
    StaffRecord,
    StudentRecord,
    parse_roster,
    parse_staff,
    read_roster,
    read_staff,
)

__all__ = [
    "LEVELS",
    "College",
    "Hierarchy",
    "Member",
    "Rules",
    "StaffRecord",
    "State",
    "StudentRecord",
    "Verdict",
    "Viewer",
    "Window",
    "board",
    "check_window",
    "code_matches",
    "generate_college",
    "judge_location",
    "parse_roster",
    "parse_staff",
    "read_roster",
    "read_staff",
    "rotating_code",
    "step_of",
]
