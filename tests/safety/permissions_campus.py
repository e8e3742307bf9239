"""测试大学 with three complaints (hence three hazards) and an actor of each role, for the
permission and audit tests (the services called directly, on both backends).

Zone 1 (cells C-00-*, C-01-*) is 张一's and 甲组长's, zone 2 (C-02-*, C-03-*) 李二's and
乙组长's. The complaints: a repair in C-00-00 (facilities), noise in C-01-01 (public
security: sensitive) and an urgent-safety call in C-02-00 (public security, zone 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.safety_campus import CAMPUS, centre, make_campus
from zoning.accounts import Actor
from zoning.services import ledger

INSPECTOR = actor("inspector", person="张一", campus=CAMPUS, name="zhang")
INSPECTOR_2 = actor("inspector", person="李二", campus=CAMPUS, name="li")
ZONE_LEADER = actor("zone_leader", person="甲组长", zone=1, campus=CAMPUS, name="jia")
OFFICER = actor("safety_officer", person="安全处", campus=CAMPUS, name="office")
PLANNER = actor("planner", name="planner")
LEADERSHIP = actor("leadership", person="校长", name="head")
VIEWER = actor("viewer", name="guest")

PHONE = "13800000000"
NOISE = "宿舍楼下有人深夜争吵，疑似有人情绪失控"


@dataclass(frozen=True)
class Seeded:
    """The ids of the seeded hazards: ``repair`` and ``noise`` in zone 1, ``urgent`` in 2."""

    repair: int
    noise: int
    urgent: int


def seed(engine: Engine) -> Seeded:
    """Store the campus and the three complaints (by the admin)."""
    make_campus(engine)
    ids = []
    for cell, category, text in (
        ("C-00-00", "repairs", "路灯坏了"),
        ("C-01-01", "noise", NOISE),
        ("C-02-00", "urgent_safety", "有陌生人翻越围墙"),
    ):
        lon, lat = centre(cell)
        found = ledger.add_complaint(
            engine, CAMPUS, actor=ADMIN, lon=lon, lat=lat, category=category, text=text,
            contact=PHONE,
        )  # fmt: skip
        assert found.hazard_id is not None
        ids.append(found.hazard_id)
    return Seeded(*ids)


def audit_rows(engine: Engine, action: str | None = None) -> list[tuple[str, str, str]]:
    """Return (actor, action, detail) of the audit rows, oldest first (of ``action``)."""
    stmt = "SELECT actor, action, detail FROM audit_event"
    if action is not None:
        stmt += " WHERE action = :action"
    with engine.connect() as conn:
        rows = conn.execute(sa.text(stmt + " ORDER BY id"), {"action": action}).all()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def walk_to_rectified(engine: Engine, hazard_id: int, *, rectifier: Actor) -> None:
    """Move a reported hazard to ``rectified``: the office registers and dispatches it,
    ``rectifier`` starts and completes the rectification."""
    for action, who in (
        ("register", OFFICER), ("dispatch", OFFICER), ("start", rectifier),
        ("complete", rectifier),
    ):  # fmt: skip
        ledger.move_hazard(engine, CAMPUS, hazard_id, action, actor=who)
