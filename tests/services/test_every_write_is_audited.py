"""Every service that writes leaves exactly one audit row naming the real account (issue 15).

The writing services are found mechanically: an AST scan of ``zoning/services/*.py`` and
``zoning/store/*.py`` marks every function that calls ``writing(``, ``record(`` or
``….begin()`` (a transaction opened by hand: ``engine.begin()``), and then,
to a fixed point, every function that calls a marked one by name (a private helper of the
same module, a store function, another service). A new public service that writes and is
missing from :data:`CASES` fails :func:`test_every_writing_service_is_in_the_table`.

Each case runs on a fresh copy of 测试大学 (:mod:`tests.safety.permissions_campus`: a plan, a
schedule, three complaints; seeded once per backend, :mod:`tests.seeded_copies`) as a stored
account signed in by name (``auditor``, an admin: not the local operator), on both backends,
and checks the audit rows that appeared. The people grid's cases add the dormitory campus of
:mod:`tests.people_grid.dorms` with a small roster beside it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests import planner_campus
from tests.actors import ADMIN
from tests.grid import zoned_campus
from tests.people_grid import dorms
from tests.people_grid.college import HOLIDAY, noon
from tests.safety.permissions_campus import Seeded, seed
from tests.safety_campus import CAMPUS, centre
from tests.seeded_copies import SeededCopies
from tests.xss_campus import write_hostile_campus
from zoning.accounts import Actor
from zoning.clock import utcnow
from zoning.people import StaffRecord, parse_roster
from zoning.people.whereabouts import Holiday, declaration
from zoning.plans.edits import Reassign
from zoning.services import (
    accounts,
    attention,
    backup,
    campus,
    demo,
    demo_people,
    duty,
    grid,
    ledger,
    notify,
    people_figures,
    people_grid,
    plans,
    public,
    safety,
    stored_frames,
    whereabouts,
    zones,
)
from zoning.services.database import open_engine
from zoning.store.campus import save_campus

ROOT = Path(__file__).resolve().parents[2]
#: The account every case acts as (a stored admin; ``role`` of a case may change it).
ACCOUNT = "auditor"
PASSWORD = "a long enough password"
#: The calls that mark a function as writing: the write transaction (``writing(engine)`` or
#: ``engine.begin()``) and the audit row.
WRITE_CALLS = frozenset({"writing", "record", "begin"})


def _calls(node: ast.FunctionDef, aliases: dict[str, str]) -> set[str]:
    """Return the names a function calls (``f(…)`` and ``x.f(…)`` alike; an imported
    ``a as b`` by its own name ``a``)."""
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            if isinstance(sub.func, ast.Name):
                names.add(aliases.get(sub.func.id, sub.func.id))
            elif isinstance(sub.func, ast.Attribute):
                names.add(sub.func.attr)
    return names


def _functions(folder: Path) -> dict[tuple[str, str], set[str]]:
    """Return (module, function) → the names it calls, for the top-level functions."""
    found: dict[tuple[str, str], set[str]] = {}
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {
            alias.asname: alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
            if alias.asname
        }
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                found[(path.stem, node.name)] = _calls(node, aliases)
    return found


def writing_services() -> set[str]:
    """Return ``module.function`` of every public service that writes, directly or not."""
    services = _functions(ROOT / "zoning" / "services")
    everything = [*services.items(), *_functions(ROOT / "zoning" / "store").items()]
    writers = set(WRITE_CALLS)
    grew = True
    while grew:
        grew = False
        for (_, name), calls in everything:
            if name not in writers and calls & writers:
                writers.add(name)
                grew = True
    return {
        f"{module}.{name}"
        for (module, name), calls in services.items()
        if not name.startswith("_") and calls & writers
    }


@dataclass
class Ctx:
    """What a case works with: the database, the acting account, the seeded hazards, a
    folder for files, and what its ``prepare`` returned."""

    engine: Engine
    actor: Actor
    seeded: Seeded
    folder: Path
    prepared: Any = None


@dataclass(frozen=True)
class Case:
    """How to call a service once, and the audit rows it must leave: ``rows`` rows (all by
    the account; each of ``action`` unless None). ``prepare`` runs first as the local
    operator; its rows do not count. ``why`` says why ``rows`` is not 1."""

    call: Callable[[Ctx], object]
    action: str | None
    rows: int = 1
    why: str = ""
    prepare: Callable[[Ctx], object] | None = None
    role: str = "admin"


def _draft(ctx: Ctx) -> int:
    return plans.create_draft(ctx.engine, CAMPUS, actor=ADMIN).id


def _edited_draft(ctx: Ctx) -> int:
    draft = _draft(ctx)
    plans.apply_edit(ctx.engine, CAMPUS, draft, Reassign(("C-00-00",), "李二"), actor=ADMIN)
    return draft


def _planner_draft(ctx: Ctx) -> int:
    """A draft of 规划大学 (a plan that validates: 测试大学's square cells leave gaps)."""
    planner_campus.make_campus(ctx.engine)
    return plans.create_draft(ctx.engine, planner_campus.CAMPUS, actor=ADMIN).id


def _joined_complaint(ctx: Ctx) -> int:
    lon, lat = centre("C-00-00")
    again = ledger.add_complaint(
        ctx.engine, CAMPUS, actor=ADMIN, lon=lon + 0.0001, lat=lat, category="repairs",
        text="路灯又坏了", at=utcnow(),
    )  # fmt: skip
    assert again.joined, "the second repair next to the first must join its hazard"
    return int(again.complaint.id)


def _cells_file(ctx: Ctx) -> Path:
    out = ctx.folder / "plan.gpkg"
    campus.export_campus(ctx.engine, CAMPUS, fmt="gpkg", out=out, actor=ADMIN)
    cells = pyogrio.read_dataframe(out, layer="cells")
    assert len(cells) > 0
    return out


def _zones_file(ctx: Ctx) -> Path:
    return zoned_campus.write_layer(zoned_campus.north_south(), ctx.folder / "zones.geojson")


def _imported_zones(ctx: Ctx) -> object:
    return zones.import_zones(ctx.engine, CAMPUS, _zones_file(ctx), actor=ADMIN)


def _due(ctx: Ctx) -> tuple[str, str, str]:
    due = safety.todo(ctx.engine, CAMPUS, actor=ADMIN)
    row = due.iloc[0]
    return str(row["cell_code"]), str(row["template_code"]), str(row["period"])


def _submit(ctx: Ctx) -> object:
    cell, template, period = ctx.prepared
    return safety.submit_inspection(
        ctx.engine, CAMPUS, actor=ctx.actor, cell=cell, template=template,
        results={"*": "pass"}, period=period,
    )  # fmt: skip


def _token(ctx: Ctx) -> str:
    return accounts.open_session(ctx.engine, ctx.actor)


def _api_token(ctx: Ctx) -> tuple[int, str]:
    info, secret = accounts.add_token(ctx.engine, ADMIN, ACCOUNT, label="ci")
    return int(info.id), secret


def _backup_file(ctx: Ctx) -> Path:
    out = ctx.folder / "before.backup"
    backup.backup(ctx.engine, out, actor=ADMIN)
    return out


def _current_plan(ctx: Ctx) -> int:
    plan = campus.current_plan(ctx.engine, CAMPUS)
    assert plan is not None
    return plan.id


def _channel(ctx: Ctx) -> int:
    """A channel to an address nobody listens on (a test send records its failure)."""
    made = notify.add_channel(
        ctx.engine, actor=ADMIN, kind="wecom", target="http://127.0.0.1:9/cgi-bin/webhook/send"
    )
    return int(made.id)


def _history(ctx: Ctx) -> tuple[safety.CampusOps, demo.History]:
    """Three days of demo history drawn for 测试大学 (not stored)."""
    ops = safety.campus_ops(ctx.engine, CAMPUS)
    return ops, demo.make_history(ops, safety.checklist_templates(), seed=0, now=utcnow(), days=3)


def _people() -> pd.DataFrame:
    return pd.DataFrame(
        {"name": ["新网格员"], "role": ["owner"], "quarter": ["甲"], "phone": [None]},
        dtype=object,
    )


#: The people grid's cases work on the dormitory campus (:mod:`tests.people_grid.dorms`),
#: saved beside 测试大学, with this roster: 王二 (``STUDENT``) lives in 1号楼.
DORMS = dorms.CAMPUS
ROSTER = (
    "学号,姓名,学院,年级,班级,楼栋,房间,床位,电话,角色\n"
    f"1,王一,理学院,2024,数1,{dorms.DORM1},101,1,13800000001,网格员\n"
    f"2,王二,理学院,2024,数1,{dorms.DORM1},101,2,13800000002,\n"
    f"3,王三,理学院,2024,数2,{dorms.DORM2},201,1,,班长\n"
)
STAFF = [
    StaffRecord("李老师", "counsellor", "理学院", ("数1", "数2")),
    StaffRecord("张书记", "deputy_secretary", "理学院"),
]
STUDENT = "2"
#: Before the holiday (declarations), after its end (returns), after its deadline (late).
BEFORE, BACK, LATE = noon(date(2026, 1, 10)), noon(date(2026, 2, 21)), noon(date(2026, 2, 23))


def _dorms(ctx: Ctx) -> None:
    """Save the dormitory campus (no roster yet)."""
    save_campus(ctx.engine, name=DORMS, layers=dorms.dorm_campus())


def _roster(ctx: Ctx) -> None:
    """The dormitory campus with :data:`ROSTER`, :data:`STAFF` and the winter holiday."""
    _dorms(ctx)
    people_grid.import_roster(ctx.engine, DORMS, parse_roster(ROSTER), staff=STAFF, actor=ADMIN)
    whereabouts.add_holiday(ctx.engine, DORMS, HOLIDAY, actor=ADMIN, at=noon(date(2026, 1, 5)))


def _rollcall(ctx: Ctx) -> None:
    """The roster, and the roll call of the night of :data:`dorms.NIGHT_AT` open."""
    _roster(ctx)
    people_grid.open_rollcall(ctx.engine, DORMS, actor=ADMIN, at=dorms.NIGHT_AT)


def _code(ctx: Ctx) -> str:
    """An open roll call, and 1号楼's code at :data:`dorms.NIGHT_AT` (the secret made)."""
    _rollcall(ctx)
    return people_grid.current_code(
        ctx.engine, DORMS, building=dorms.DORM1, actor=ADMIN, at=dorms.NIGHT_AT
    )


def _check_in(ctx: Ctx) -> object:
    lon, lat = dorms.inside()
    return people_grid.check_in(
        ctx.engine, DORMS, student_no=STUDENT, lon=lon, lat=lat, accuracy_m=10.0,
        code=ctx.prepared, actor=ctx.actor, at=dorms.NIGHT_AT,
    )  # fmt: skip


def _declared(ctx: Ctx) -> None:
    """The roster, and :data:`STUDENT` declared going home for the holiday."""
    _roster(ctx)
    whereabouts.declare(
        ctx.engine, DORMS, HOLIDAY.name, student_no=STUDENT, actor=ADMIN, at=BEFORE,
        declaration=declaration("home", return_on=date(2026, 2, 21)),
    )  # fmt: skip


def _key_student(ctx: Ctx) -> None:
    """The roster, and :data:`STUDENT` on the key-student list."""
    _roster(ctx)
    attention.add(ctx.engine, DORMS, student_no=STUDENT, reason="家庭变故", actor=ADMIN, at=BEFORE)


TODAY = date.today()
#: Every writing service: how to call it on the prepared campus, and its audit rows.
CASES: dict[str, Case] = {
    "accounts.add_account": Case(
        lambda c: accounts.add_account(c.engine, c.actor, "newbie", "viewer", PASSWORD),
        "account.add",
    ),
    "accounts.set_password": Case(
        lambda c: accounts.set_password(c.engine, c.actor, ACCOUNT, PASSWORD + "!"),
        "account.passwd",
    ),
    "accounts.set_disabled": Case(
        lambda c: accounts.set_disabled(c.engine, c.actor, c.prepared),
        "account.disable",
        prepare=lambda c: accounts.add_account(c.engine, ADMIN, "leaver", "viewer", PASSWORD).name,
    ),
    "accounts.ensure_first_admin": Case(
        lambda c: accounts.ensure_first_admin(c.engine, by=c.actor.name),
        "account.add",
        role="planner",  # so that no admin exists yet and one is made
    ),
    "accounts.sign_in": Case(
        lambda c: accounts.sign_in(c.engine, ACCOUNT, PASSWORD), "account.sign_in"
    ),
    "accounts.sso_sign_in": Case(
        lambda c: accounts.sso_sign_in(c.engine, "preferred_username", ACCOUNT), "account.sign_in"
    ),
    "accounts.open_session": Case(
        _token, None, rows=0, why="session bookkeeping: the sign-in is the audited event"
    ),
    "accounts.session_actor": Case(
        lambda c: accounts.session_actor(c.engine, c.prepared),
        None,
        rows=0,
        why="a page view touches the session's idle clock: bookkeeping, not an action",
        prepare=_token,
    ),
    "accounts.sign_out": Case(
        lambda c: accounts.sign_out(c.engine, c.prepared), "account.sign_out", prepare=_token
    ),
    "accounts.add_token": Case(
        lambda c: accounts.add_token(c.engine, c.actor, ACCOUNT, label="ci"), "token.add"
    ),
    "accounts.revoke_token": Case(
        lambda c: accounts.revoke_token(c.engine, c.actor, ACCOUNT, c.prepared[0]),
        "token.revoke",
        prepare=_api_token,
    ),
    "accounts.token_actor": Case(
        lambda c: accounts.token_actor(c.engine, c.prepared[1]),
        None,
        rows=0,
        why="an API call records the token's last use: bookkeeping, not an action",
        prepare=_api_token,
    ),
    "backup.backup": Case(
        lambda c: backup.backup(c.engine, c.folder / "out.backup", actor=c.actor),
        "database.backup",
    ),
    "backup.restore": Case(
        lambda c: backup.restore(c.engine, c.prepared, actor=c.actor),
        "database.restore",
        prepare=_backup_file,
    ),
    "campus.import_campus": Case(
        lambda c: campus.import_campus(
            c.engine, write_hostile_campus(c.folder), campus="新校区", actor=c.actor
        ),
        "campus.import",
    ),
    "campus.export_campus": Case(
        lambda c: campus.export_campus(
            c.engine, CAMPUS, fmt="geojson", out=c.folder / "export", actor=c.actor
        ),
        "campus.export",
    ),
    "campus.upsert_people": Case(
        lambda c: campus.upsert_people(c.engine, CAMPUS, _people(), actor=c.actor),
        "people.import",
    ),
    "demo.seed_demo": Case(
        lambda c: demo.seed_demo(c.engine, actor=c.actor, history_days=3),
        None,
        rows=-1,
        why="the demo is several writes (campus import, split, activation, complaints…): "
        "each leaves its own row, all by the account",
    ),
    "demo.seed_history": Case(
        lambda c: demo.seed_history(c.engine, CAMPUS, actor=c.actor, days=3),
        "demo.history",
        why="the seeded inspections, hazards and complaints: one row with their counts",
    ),
    "demo.store_history": Case(
        lambda c: demo.store_history(c.engine, c.prepared[0], c.prepared[1], actor=c.actor),
        "demo.history",
        prepare=_history,
    ),
    "grid.split_campus": Case(
        lambda c: grid.split_campus(
            c.engine, CAMPUS, actor=c.actor, method="square", cell_size_m=50, reason="r"
        ),
        "plan.create",
    ),
    "ledger.list_hazards": Case(
        lambda c: ledger.list_hazards(c.engine, CAMPUS, actor=c.actor),
        "hazard.view",
        why="the list shows a sensitive hazard's details (the noise case): that view is "
        "audited, one row for the list",
    ),
    "ledger.show_hazard": Case(
        lambda c: ledger.show_hazard(c.engine, CAMPUS, c.seeded.noise, actor=c.actor),
        "hazard.view",
        why="a sensitive hazard's details are audited when shown",
    ),
    "ledger.list_complaints": Case(
        lambda c: ledger.list_complaints(c.engine, CAMPUS, actor=c.actor),
        "complaint.view",
        why="the list shows a sensitive complaint's text: that view is audited, one row",
    ),
    "ledger.move_hazard": Case(
        lambda c: ledger.move_hazard(c.engine, CAMPUS, c.seeded.repair, "register", actor=c.actor),
        "hazard.move",
    ),
    "ledger.export_ledger": Case(
        lambda c: ledger.export_ledger(c.engine, CAMPUS, c.prepared, actor=c.actor),
        "ledger.export",
        prepare=lambda c: ledger.list_hazards(c.engine, CAMPUS, actor=ADMIN),
    ),
    "ledger.add_complaint": Case(
        lambda c: ledger.add_complaint(
            c.engine,
            CAMPUS,
            actor=c.actor,
            lon=centre("C-03-03")[0],
            lat=centre("C-03-03")[1],
            category="repairs",
            text="水管漏水",
        ),
        "complaint.add",
    ),
    "ledger.report_hazard": Case(
        lambda c: ledger.report_hazard(
            c.engine,
            CAMPUS,
            actor=c.actor,
            lon=centre("C-03-02")[0],
            lat=centre("C-03-02")[1],
            domain="fire",
            description="灭火器过期",
        ),
        "hazard.report",
    ),
    "ledger.reply_publicly": Case(
        lambda c: ledger.reply_publicly(c.engine, CAMPUS, c.prepared, "已修复", actor=c.actor),
        "complaint.reply",
        prepare=lambda c: int(
            ledger.list_complaints(c.engine, CAMPUS, actor=ADMIN)[0].complaint.id
        ),
    ),
    "ledger.split_complaint": Case(
        lambda c: ledger.split_complaint(c.engine, CAMPUS, c.prepared, actor=c.actor),
        "complaint.split",
        prepare=_joined_complaint,
    ),
    "plans.create_draft": Case(
        lambda c: plans.create_draft(c.engine, CAMPUS, actor=c.actor, reason="r"), "plan.create"
    ),
    "plans.apply_edit": Case(
        lambda c: plans.apply_edit(
            c.engine, CAMPUS, c.prepared, Reassign(("C-00-00",), "李二"), actor=c.actor
        ),
        "plan.edit",
        prepare=_draft,
    ),
    "plans.undo": Case(
        lambda c: plans.undo(c.engine, CAMPUS, c.prepared, actor=c.actor),
        "plan.undo",
        prepare=_edited_draft,
    ),
    "plans.assign_plan_owners": Case(
        lambda c: plans.assign_plan_owners(
            c.engine, CAMPUS, c.prepared, mapping={"C-00-00": "李二"}, actor=c.actor
        ),
        "plan.edit",
        prepare=_draft,
    ),
    "plans.activate_plan": Case(
        lambda c: plans.activate_plan(
            c.engine, planner_campus.CAMPUS, c.prepared, reason="r", actor=c.actor
        ),
        "plan.activate",
        prepare=_planner_draft,
    ),
    "plans.import_plan": Case(
        lambda c: plans.import_plan(c.engine, c.prepared, campus=CAMPUS, actor=c.actor),
        "plan.create",
        prepare=_cells_file,
    ),
    "plans.export_audit_csv": Case(
        lambda c: plans.export_audit_csv(c.engine, CAMPUS, c.folder / "audit.csv", actor=c.actor),
        "audit.export",
    ),
    "zones.import_zones": Case(
        lambda c: zones.import_zones(c.engine, CAMPUS, c.prepared, actor=c.actor),
        "zones.import",
        prepare=_zones_file,
    ),
    "zones.import_zone_layer": Case(
        lambda c: zones.import_zone_layer(
            c.engine, CAMPUS, zoned_campus.north_south(), actor=c.actor, origin="drawn"
        ),
        "zones.import",
    ),
    "zones.rename_zone": Case(
        lambda c: zones.rename_zone(c.engine, CAMPUS, 1, "中区", actor=c.actor),
        "zones.rename",
        prepare=_imported_zones,
    ),
    "zones.export_zones": Case(
        lambda c: zones.export_zones(c.engine, CAMPUS, c.folder / "out.geojson", actor=c.actor),
        "zones.export",
        prepare=_imported_zones,
    ),
    "safety.export": Case(
        lambda c: safety.export(
            c.engine,
            CAMPUS,
            {"表": pd.DataFrame({"a": [1]})},
            actor=c.actor,
            what="report",
            fmt="csv",
        ),
        "report.export",
    ),
    "notify.add_channel": Case(
        lambda c: notify.add_channel(
            c.engine, actor=c.actor, kind="email", target="office@campus.example"
        ),
        "notify.add",
    ),
    "notify.remove_channel": Case(
        lambda c: notify.remove_channel(c.engine, c.prepared, actor=c.actor),
        "notify.remove",
        prepare=_channel,
    ),
    "notify.try_channel": Case(
        lambda c: notify.try_channel(c.engine, c.prepared, actor=c.actor),
        "notify.test",
        prepare=_channel,
    ),
    "notify.deliver": Case(
        lambda c: notify.deliver(c.engine),
        None,
        rows=0,
        why="sending queued messages is outbox bookkeeping; the change was audited",
        prepare=_channel,
    ),
    "stored_frames.store_frame": Case(
        lambda c: stored_frames.store_frame(
            c.engine,
            CAMPUS,
            "grid",
            pd.DataFrame({"cell_code": ["C-00-00"], "due": [1]}),
            plan_id=_current_plan(c),
            data_version=1,
            key=(),
            computed_at=utcnow(),
            actor=c.actor,
        ),
        None,
        rows=0,
        why="a cache of frames the pages computed from the database, not anyone's change",
    ),
    "notify.tick": Case(
        lambda c: notify.tick(c.engine, actor=c.actor),
        None,
        rows=0,
        why="with no channel nothing is queued, and a round that queues nothing records nothing",
    ),
    "public.export_qr_sheets": Case(
        lambda c: public.export_qr_sheets(c.engine, CAMPUS, actor=c.actor, out=c.folder / "q.pdf"),
        "qr.export",
    ),
    "public.add_open311_complaint": Case(
        lambda c: public.add_open311_complaint(
            c.engine,
            CAMPUS,
            actor=c.actor,
            category="repairs",
            text="长椅坏了",
            address="C-01-01",
            media_url="https://example.org/a.jpg",
            reported_by="Open311",
        ),
        "complaint.add",
    ),
    "public.submit_public_complaint": Case(
        lambda c: public.submit_public_complaint(
            c.engine,
            public.public_place(c.engine, CAMPUS, cell="C-00-00"),
            actor=c.actor,
            category="repairs",
            text="扫码反映：路灯坏了",
        ),
        "complaint.add",
    ),
    "safety.schedule": Case(
        lambda c: safety.schedule(c.engine, CAMPUS, through=TODAY + timedelta(days=60)),
        None,
        rows=0,
        why="the schedule is derived data (due rows, a schedule mark), made by the system",
    ),
    "safety.ensure_schedule": Case(
        lambda c: safety.ensure_schedule(
            c.engine, safety.campus_ops(c.engine, CAMPUS), TODAY + timedelta(days=60)
        ),
        None,
        rows=0,
        why="derived data, as schedule",
    ),
    "safety.ensure_campus_schedule": Case(
        lambda c: safety.ensure_campus_schedule(c.engine, CAMPUS, TODAY + timedelta(days=60)),
        None,
        rows=0,
        why="derived data, as schedule",
    ),
    "safety.todo": Case(
        lambda c: safety.todo(c.engine, CAMPUS, actor=c.actor),
        None,
        rows=0,
        why="a read (`inspections due`): it may extend the schedule, never audits",
    ),
    "safety.submit_inspection": Case(_submit, "inspection.submit", prepare=_due),
    "safety.completion_report": Case(
        lambda c: safety.completion_report(c.engine, CAMPUS, actor=c.actor),
        None,
        rows=0,
        why="a read (the report); the schedule it may extend is derived data",
    ),
    "safety.completion_reports": Case(
        lambda c: safety.completion_reports(c.engine, CAMPUS, actor=c.actor, by=("zone", "owner")),
        None,
        rows=0,
        why="a read, as completion_report",
    ),
    "safety.completion_tables": Case(
        lambda c: safety.completion_tables(
            c.engine,
            CAMPUS,
            actor=c.actor,
            by=("zone",),
            start=TODAY - timedelta(days=7),
            end=TODAY,
            now=utcnow(),
        ),
        None,
        rows=0,
        why="a read, as completion_report",
    ),
    # ---- the people grid (roster, roll call, whereabouts, key students, duty records)
    "people_grid.import_roster": Case(
        lambda c: people_grid.import_roster(
            c.engine, DORMS, parse_roster(ROSTER), staff=STAFF, actor=c.actor
        ),
        "students.import",
        prepare=_dorms,
        role="safety_officer",
    ),
    "demo_people.seed_people": Case(
        lambda c: demo_people.seed_people(
            c.engine, DORMS, students=20, actor=c.actor, now=dorms.NIGHT_AT
        ),
        None,
        rows=-1,
        why="the demo's people grid is many service calls (roster import, roll call, "
        "check-ins, holiday, declarations): each leaves its own row, all by the account",
        prepare=_dorms,
    ),
    "people_grid.demo_roster": Case(
        lambda c: people_grid.demo_roster(c.engine, DORMS, students=20, actor=c.actor),
        "students.import",
        prepare=_dorms,
        role="safety_officer",
    ),
    "people_grid.open_rollcall": Case(
        lambda c: people_grid.open_rollcall(c.engine, DORMS, actor=c.actor, at=dorms.NIGHT_AT),
        "rollcall.open",
        prepare=_roster,
        role="safety_officer",
    ),
    "people_grid.current_code": Case(
        lambda c: people_grid.current_code(
            c.engine, DORMS, building=dorms.DORM1, actor=c.actor, at=dorms.NIGHT_AT
        ),
        "rollcall.code",
        why="reading a building's roll-call code is audited (the building, never the code)",
        prepare=_rollcall,
        role="safety_officer",
    ),
    "people_grid.list_students": Case(
        lambda c: people_grid.list_students(c.engine, DORMS, actor=c.actor),
        "students.view",
        why="reading a student list is audited",
        prepare=_roster,
        role="safety_officer",
    ),
    "people_grid.rollcall_board": Case(
        lambda c: people_grid.rollcall_board(c.engine, DORMS, actor=c.actor),
        "rollcall.board",
        why="reading the roll-call board is audited",
        prepare=_rollcall,
        role="safety_officer",
    ),
    "people_figures.people_figures": Case(
        lambda c: people_figures.people_figures(c.engine, DORMS, actor=c.actor, at=LATE),
        "people.figures",
        why="reading the people grid's figures is audited",
        prepare=_declared,
        role="leadership",
    ),
    "whereabouts.returns_board": Case(
        lambda c: whereabouts.returns_board(c.engine, DORMS, HOLIDAY.name, actor=c.actor, at=LATE),
        "whereabouts.board",
        why="reading the whereabouts board is audited",
        prepare=_declared,
        role="safety_officer",
    ),
    "whereabouts.missing": Case(
        lambda c: whereabouts.missing(c.engine, DORMS, HOLIDAY.name, actor=c.actor, at=LATE),
        "whereabouts.view",
        why="reading a whereabouts list is audited",
        prepare=_declared,
        role="safety_officer",
    ),
    "people_grid.check_in": Case(
        _check_in,
        "rollcall.checkin",
        prepare=_code,  # an admin: check_in needs a student's own account or the grid member
    ),
    "people_grid.mark_absence": Case(
        lambda c: people_grid.mark_absence(
            c.engine,
            DORMS,
            student_no=STUDENT,
            reason="回家",
            until=date(2026, 3, 5),
            actor=c.actor,
            at=dorms.NIGHT_AT,
        ),
        "rollcall.leave",
        prepare=_rollcall,
        role="safety_officer",
    ),
    "people_grid.close_rollcall": Case(
        lambda c: people_grid.close_rollcall(c.engine, DORMS, actor=c.actor, at=dorms.NIGHT_AT),
        "rollcall.close",
        prepare=_rollcall,
        role="safety_officer",
    ),
    "whereabouts.add_holiday": Case(
        lambda c: whereabouts.add_holiday(
            c.engine,
            DORMS,
            Holiday("2026暑假", date(2026, 7, 10), date(2026, 8, 31), date(2026, 9, 1)),
            actor=c.actor,
            at=BEFORE,
        ),
        "whereabouts.holiday",
        prepare=_roster,
        role="safety_officer",
    ),
    "whereabouts.declare": Case(
        lambda c: whereabouts.declare(
            c.engine,
            DORMS,
            HOLIDAY.name,
            student_no=STUDENT,
            actor=c.actor,
            at=BEFORE,
            declaration=declaration(
                "travelling", destination="云南大理", contact="138", companions="父母"
            ),
        ),
        "whereabouts.declare",
        prepare=_roster,
        role="safety_officer",
    ),
    "whereabouts.verify": Case(
        lambda c: whereabouts.verify(
            c.engine, DORMS, HOLIDAY.name, student_no=STUDENT, actor=c.actor, at=BEFORE
        ),
        "whereabouts.verify",
        prepare=_declared,
        role="safety_officer",
    ),
    "whereabouts.mark_returned": Case(
        lambda c: whereabouts.mark_returned(
            c.engine, DORMS, HOLIDAY.name, student_no=STUDENT, actor=c.actor, at=BACK
        ),
        "whereabouts.returned",
        prepare=_declared,
        role="safety_officer",
    ),
    "whereabouts.follow_up": Case(
        lambda c: whereabouts.follow_up(
            c.engine,
            DORMS,
            HOLIDAY.name,
            student_no=STUDENT,
            contacted="家长",
            reason="车票改签",
            expected_return=date(2026, 2, 25),
            actor=c.actor,
            at=LATE,
        ),
        "whereabouts.followup",
        prepare=_declared,
        role="safety_officer",
    ),
    "whereabouts.export_workbook": Case(
        lambda c: whereabouts.export_workbook(
            c.engine, DORMS, HOLIDAY.name, actor=c.actor, at=LATE
        ),
        "whereabouts.export",
        why="an export of students' whereabouts and contacts is audited",
        prepare=_declared,
        role="safety_officer",
    ),
    "attention.add": Case(
        lambda c: attention.add(
            c.engine, DORMS, student_no=STUDENT, reason="家庭变故", actor=c.actor, at=BEFORE
        ),
        "attention.add",
        prepare=_roster,
        role="safety_officer",
    ),
    "attention.visit": Case(
        lambda c: attention.visit(
            c.engine,
            DORMS,
            student_no=STUDENT,
            visited_on=date(2026, 1, 12),
            note="情绪平稳",
            actor=c.actor,
            at=noon(date(2026, 1, 12)),
        ),
        "attention.visit",
        prepare=_key_student,
        role="safety_officer",
    ),
    "attention.list_attention": Case(
        lambda c: attention.list_attention(c.engine, DORMS, actor=c.actor, at=BEFORE),
        "attention.view",
        why="every view of the key-student list is audited",
        prepare=_key_student,
        role="safety_officer",
    ),
    "attention.due_for": Case(
        lambda c: attention.due_for(c.engine, DORMS, actor=c.actor, at=LATE),
        "attention.view",
        why="the due reminders are a view of the key-student list: audited",
        prepare=_key_student,
        role="safety_officer",
    ),
    "duty.duty_records": Case(
        lambda c: duty.duty_records(
            c.engine, DORMS, since=date(2026, 3, 1), until=date(2026, 3, 31), actor=c.actor
        ),
        "duty.view",
        why="reading the grid members' duty records is audited",
        prepare=_rollcall,
        role="safety_officer",
    ),
}


def test_every_writing_service_is_in_the_table() -> None:
    found = writing_services()
    assert found - set(CASES) == set(), "writing services without an audit case"
    assert set(CASES) - found == set(), "cases of services that no longer write"
    # the scan is not vacuous: the writers named in the issue are found
    assert {"ledger.add_complaint", "safety.submit_inspection", "ledger.move_hazard"} <= found


def test_the_scan_finds_a_writer_through_a_private_helper(tmp_path: Path) -> None:
    source = (
        "def _helper(engine):\n    with writing(engine) as conn:\n        pass\n"
        "def public(engine):\n    _helper(engine)\n"
        "def reader(engine):\n    return load(engine)\n"
        "def by_hand(engine):\n    with engine.begin() as conn:\n        conn.execute(x)\n"
        "from store import save as _save\n"
        "def aliased(engine):\n    _save(engine)\n"
    )
    (tmp_path / "mod.py").write_text(source)
    calls = _functions(tmp_path)
    assert calls[("mod", "public")] == {"_helper"}
    assert "writing" in calls[("mod", "_helper")]
    assert calls[("mod", "aliased")] == {"save"}  # the store's name, not the alias
    assert calls[("mod", "by_hand")] & WRITE_CALLS == {"begin"}
    assert not calls[("mod", "reader")] & WRITE_CALLS


def _audit_rows(engine: Engine) -> set[tuple[int, str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, actor, action, detail FROM audit_event")).all()
    return {(int(i), str(a), str(b), str(d)) for i, a, b, d in rows}


@pytest.fixture(scope="module")
def seeded_copies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededCopies[Seeded]]:
    """测试大学 seeded (:func:`seed`) once per backend, copied for each case."""
    copies = SeededCopies(tmp_path_factory.mktemp("audited"), "audited", seed)
    yield copies
    copies.close()


@pytest.fixture(params=["spatialite", "postgis"])
def seeded_db(
    request: pytest.FixtureRequest, tmp_path: Path, seeded_copies: SeededCopies[Seeded]
) -> Iterator[tuple[str, Seeded]]:
    """On each backend: the URL of a fresh copy of the seeded 测试大学, and its hazards."""
    if request.param == "postgis":
        url, seeded = seeded_copies.postgis(request.getfixturevalue("postgis_url"))
        yield url, seeded
        seeded_copies.drop(url)
    else:
        template: Path = request.getfixturevalue("spatialite_template")
        yield seeded_copies.spatialite(template, tmp_path / "campusgrid.sqlite")


@pytest.mark.parametrize("service", sorted(CASES))
def test_each_write_leaves_its_audit_rows_by_the_account(
    service: str, seeded_db: tuple[str, Seeded], tmp_path: Path
) -> None:
    case = CASES[service]
    db_url, seeded = seeded_db
    engine = open_engine(db_url)
    try:
        accounts.add_account(engine, ADMIN, ACCOUNT, case.role, PASSWORD)
        ctx = Ctx(engine, accounts.actor_named(engine, ACCOUNT), seeded, tmp_path)
        assert ctx.actor.name == ACCOUNT != ADMIN.name
        if case.prepare is not None:
            ctx.prepared = case.prepare(ctx)
        before = _audit_rows(engine)
        case.call(ctx)
        new = sorted(_audit_rows(engine) - before)
    finally:
        engine.dispose()
    if case.rows >= 0:
        assert len(new) == case.rows, f"{service}: {len(new)} audit rows, expected {case.rows}"
    else:
        assert len(new) >= 2, f"{service}: {len(new)} audit rows, expected several"
    assert [actor for _, actor, _, _ in new] == [ACCOUNT] * len(new), new
    if case.action is not None:
        assert [action for _, _, action, _ in new] == [case.action] * len(new), new
