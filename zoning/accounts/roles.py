"""The roles and the permission matrix: who may do what (DESIGN.md: accounts and permissions).

The matrix is written once, here; the services check it (never only the pages), the CLI
prints it (``campusgrid users roles``) and the README repeats it. *Where* a role may act is
its :class:`~zoning.accounts.actor.Scope`: an inspector in the cells they own, a zone leader
in their zone, everyone else campus-wide.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """An account's role in the chain of responsibility."""

    ADMIN = "admin"
    PLANNER = "planner"
    SAFETY_OFFICER = "safety_officer"
    ZONE_LEADER = "zone_leader"
    INSPECTOR = "inspector"
    LEADERSHIP = "leadership"
    VIEWER = "viewer"
    COUNSELLOR = "counsellor"
    DEPUTY_SECRETARY = "deputy_secretary"
    GRID_MEMBER = "grid_member"
    STUDENT = "student"


class Permission(StrEnum):
    """One thing an account may do; the value is the name a refusal prints."""

    MANAGE_ACCOUNTS = "manage_accounts"
    """Add, disable and reset accounts; back up and restore the database."""
    IMPORT_CAMPUS = "import_campus"
    """Import a campus, seed the demo, export a campus's layers."""
    EDIT_PLANS = "edit_plans"
    """Split, draft, edit, assign owners, import a plan from QGIS."""
    ACTIVATE_PLANS = "activate_plans"
    """Make a draft plan the active one."""
    VIEW_MAP = "view_map"
    """The campus map: buildings, cells, cameras and their coverage."""
    VIEW_REPORTS = "view_reports"
    """Aggregates: completion and closure rates, rankings, trends."""
    VIEW_LEDGER = "view_ledger"
    """Hazard and complaint records (within the scope)."""
    VIEW_SENSITIVE = "view_sensitive"
    """Details, people and photos of mental-health and public-security items."""
    VIEW_PHONES = "view_phones"
    """People's phone numbers."""
    SUBMIT_INSPECTIONS = "submit_inspections"
    """Submit a checklist for a due inspection (within the scope)."""
    REPORT_HAZARDS = "report_hazards"
    """Report a hazard, and work on one: dispatch, rectify, reject, reopen (within the scope)."""
    VERIFY_HAZARDS = "verify_hazards"
    """Verify a rectification and close a hazard (not one's own rectification)."""
    RECEIVE_COMPLAINTS = "receive_complaints"
    """Record a complaint from the hotline or a passer-by, and split a wrong duplicate."""
    EXPORT = "export"
    """Download or write workbooks and CSV files."""
    VIEW_AUDIT = "view_audit"
    """Read the audit trail."""
    MANAGE_STUDENTS = "manage_students"
    """Import the student roster and the staff (people grid)."""
    VIEW_STUDENTS = "view_students"
    """The students of the account's part of the people grid, and the roll-call board."""
    RUN_ROLLCALL = "run_rollcall"
    """Run the nightly roll call: its codes, leave and away marks (within the part)."""
    CHECK_IN = "check_in"
    """Check in to the nightly roll call (oneself, or a grid member's students)."""


P = Permission
_STAFF = frozenset({P.VIEW_MAP, P.VIEW_REPORTS, P.VIEW_LEDGER, P.VIEW_PHONES})

#: role → the permissions it holds. The admin holds all of them.
MATRIX: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PLANNER: frozenset(
        {P.VIEW_MAP, P.VIEW_REPORTS, P.VIEW_LEDGER, P.IMPORT_CAMPUS, P.EDIT_PLANS}
        | {P.ACTIVATE_PLANS, P.EXPORT, P.VIEW_AUDIT}
    ),
    Role.SAFETY_OFFICER: _STAFF
    | {P.VIEW_SENSITIVE, P.SUBMIT_INSPECTIONS, P.REPORT_HAZARDS, P.VERIFY_HAZARDS}
    | {P.RECEIVE_COMPLAINTS, P.EXPORT, P.VIEW_AUDIT}
    | {P.MANAGE_STUDENTS, P.VIEW_STUDENTS, P.RUN_ROLLCALL},
    Role.ZONE_LEADER: _STAFF
    | {P.VIEW_SENSITIVE, P.SUBMIT_INSPECTIONS, P.REPORT_HAZARDS, P.VERIFY_HAZARDS}
    | {P.RECEIVE_COMPLAINTS, P.EXPORT},
    Role.INSPECTOR: _STAFF | {P.SUBMIT_INSPECTIONS, P.REPORT_HAZARDS},
    Role.LEADERSHIP: frozenset({P.VIEW_MAP, P.VIEW_REPORTS, P.EXPORT}),
    Role.VIEWER: frozenset({P.VIEW_MAP}),
    Role.COUNSELLOR: frozenset({P.VIEW_MAP, P.VIEW_STUDENTS, P.VIEW_PHONES, P.RUN_ROLLCALL}),
    Role.DEPUTY_SECRETARY: frozenset({P.VIEW_MAP, P.VIEW_STUDENTS, P.VIEW_PHONES, P.RUN_ROLLCALL}),
    Role.GRID_MEMBER: frozenset({P.VIEW_MAP, P.VIEW_STUDENTS, P.RUN_ROLLCALL, P.CHECK_IN}),
    Role.STUDENT: frozenset({P.VIEW_MAP, P.CHECK_IN}),
}

#: What each role is for, in the two UI languages (the CLI prints the English one).
DESCRIPTION: dict[Role, tuple[str, str]] = {
    Role.ADMIN: ("系统管理员：账号、备份及全部操作", "accounts, backups and everything else"),
    Role.PLANNER: ("网格规划：划分、编辑、启用网格方案", "draws, edits and activates grid plans"),
    Role.SAFETY_OFFICER: ("安全办：全校隐患、投诉、核验", "the safety office: all of the campus"),
    Role.ZONE_LEADER: (
        "片区负责人：本片区的巡查、隐患、核验",
        "one zone: its inspections, hazards",
    ),
    Role.INSPECTOR: ("网格员：本人网格的巡查与隐患", "a grid owner: their own cells"),
    Role.LEADERSHIP: (
        "校领导：统计与排名，不含个人信息",
        "aggregates and rankings, no personal data",
    ),
    Role.VIEWER: ("只读：地图", "the map only"),
    Role.COUNSELLOR: ("辅导员：所带班级的学生与点名", "a counsellor: their classes' students"),
    Role.DEPUTY_SECRETARY: ("学院副书记：本学院的学生与点名", "a college's students"),
    Role.GRID_MEMBER: (
        "学生网格员/班长：本楼栋或本班的点名",
        "a student grid member: their building or class",
    ),
    Role.STUDENT: ("学生：本人点名签到", "a student: their own check-in"),
}


def can(role: Role, permission: Permission) -> bool:
    """True when ``role`` holds ``permission``.

    >>> verify = Permission.VERIFY_HAZARDS
    >>> can(Role.INSPECTOR, verify), can(Role.ZONE_LEADER, verify)
    (False, True)
    """
    return permission in MATRIX[role]


def roles_with(permission: Permission) -> list[Role]:
    """Return the roles that hold ``permission``, in the order of :class:`Role`.

    >>> [r.value for r in roles_with(Permission.ACTIVATE_PLANS)]
    ['admin', 'planner']
    """
    return [role for role in Role if permission in MATRIX[role]]
