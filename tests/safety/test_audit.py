"""The audit trail of the ledger, complaints, inspections and exports, on both backends:
each write leaves exactly one row with the real account; reads leave none (but a view of a
sensitive item's details leaves one); refused and failed writes leave none."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.safety.permissions_campus import (
    INSPECTOR,
    OFFICER,
    PLANNER,
    ZONE_LEADER,
    Seeded,
    audit_rows,
    seed,
)
from tests.safety_campus import CAMPUS, centre
from zoning.errors import InvalidInput, PermissionDenied
from zoning.services import ledger
from zoning.services import safety as ops


@pytest.fixture
def seeded(db: Engine) -> Seeded:
    return seed(db)


def new_rows(engine: Engine, before: int) -> list[tuple[str, str, dict[str, object]]]:
    return [(a, b, json.loads(c)) for a, b, c in audit_rows(engine)[before:]]


def test_every_ledger_write_leaves_one_row_with_the_account(db: Engine, seeded: Seeded) -> None:
    lon, lat = centre("C-00-00")
    writes = [
        ("complaint.add", OFFICER, lambda: ledger.add_complaint(
            db, CAMPUS, actor=OFFICER, lon=lon, lat=lat, category="repairs", text="路灯又坏了",
        )),
        ("complaint.split", OFFICER, lambda: ledger.split_complaint(db, CAMPUS, 4, actor=OFFICER)),
        ("hazard.move", ZONE_LEADER, lambda: ledger.move_hazard(
            db, CAMPUS, seeded.repair, "register", actor=ZONE_LEADER,
        )),
        ("hazard.move", ADMIN, lambda: ledger.move_hazard(
            db, CAMPUS, seeded.repair, "dispatch", actor=ADMIN, by="甲组长",
        )),
        ("inspection.submit", INSPECTOR, lambda: ops.submit_inspection(
            db, CAMPUS, actor=INSPECTOR, cell="C-00-00", template="security",
            results={"*": "pass"}, period="2026-W10",
        )),
        ("ledger.export", OFFICER, lambda: ledger.export_ledger(
            db, CAMPUS, ledger.list_hazards(db, CAMPUS, actor=OFFICER), actor=OFFICER, fmt="csv",
        )),
    ]  # fmt: skip
    for action, who, write in writes:
        before = len(audit_rows(db))
        write()
        rows = [r for r in new_rows(db, before) if r[1] != "hazard.view"]
        assert [(a, b) for a, b, _ in rows] == [(who.name, action)], action
    on_paper = audit_rows(db, "hazard.move")[-1]
    detail = json.loads(on_paper[2])
    assert detail["entered_by"] == ADMIN.name and detail["on_behalf_of"] == "甲组长"
    submitted = json.loads(audit_rows(db, "inspection.submit")[-1][2])
    assert submitted["inspector"] == "张一" and submitted["cell"] == "C-00-00"


def test_reads_refusals_and_failed_writes_leave_no_row(db: Engine, seeded: Seeded) -> None:
    before = len(audit_rows(db))
    ops.todo(db, CAMPUS, actor=INSPECTOR, day=date(2026, 7, 20))  # schedules ahead
    ops.todo(db, CAMPUS, actor=ADMIN, day=date(2026, 3, 10))
    ledger.list_hazards(db, CAMPUS, actor=INSPECTOR)  # the sensitive one comes redacted
    ledger.show_hazard(db, CAMPUS, seeded.repair, actor=OFFICER)  # not sensitive
    with pytest.raises(InvalidInput):
        ops.submit_inspection(
            db, CAMPUS, actor=INSPECTOR, cell="C-00-00", template="security",
            results={"*": "maybe"}, period="2026-W10",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        ledger.move_hazard(db, CAMPUS, seeded.urgent, "register", actor=ZONE_LEADER)
    with pytest.raises(PermissionDenied):
        ledger.export_ledger(db, CAMPUS, [], actor=INSPECTOR)
    assert new_rows(db, before) == []
    assert audit_rows(db, "inspections.schedule") == []
    with db.connect() as conn:
        marks = conn.execute(sa.text("SELECT count(*) FROM schedule_mark")).scalar_one()
    assert marks >= 2  # the campus's schedule, and the to-do's schedule ahead


def test_a_refused_submission_does_not_schedule(db: Engine, seeded: Seeded) -> None:
    with db.connect() as conn:
        marks = conn.execute(sa.text("SELECT count(*) FROM schedule_mark")).scalar_one()
    with pytest.raises(PermissionDenied):
        ops.submit_inspection(
            db, CAMPUS, actor=INSPECTOR, cell="C-02-00", template="security",
            results={"*": "pass"}, at=None,
        )  # fmt: skip
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM schedule_mark")).scalar_one() == marks


def test_seeing_sensitive_details_is_audited(db: Engine, seeded: Seeded) -> None:
    before = len(audit_rows(db))
    ledger.show_hazard(db, CAMPUS, seeded.noise, actor=ZONE_LEADER)
    ledger.list_complaints(db, CAMPUS, actor=OFFICER)
    ledger.list_complaints(db, CAMPUS, actor=PLANNER)  # redacted: nothing seen
    rows = new_rows(db, before)
    assert [(a, b) for a, b, _ in rows] == [
        (ZONE_LEADER.name, "hazard.view"),
        (OFFICER.name, "complaint.view"),
    ]
    assert rows[0][2] == {"hazard_id": seeded.noise}
    assert len(rows[1][2]["complaints"]) == 2  # type: ignore[arg-type]


def test_the_ledger_export_keeps_formulas_as_text(
    db: Engine, seeded: Seeded, tmp_path: Path
) -> None:
    lon, lat = centre("C-00-01")
    planted = '=HYPERLINK("http://example.invalid","x")'
    ledger.add_complaint(
        db, CAMPUS, actor=OFFICER, lon=lon, lat=lat, category="repairs", text=planted
    )
    views = ledger.list_hazards(db, CAMPUS, actor=OFFICER)
    path = tmp_path / "ledger.xlsx"
    ledger.export_ledger(db, CAMPUS, views, actor=OFFICER, path=path)
    cells = [c for row in openpyxl.load_workbook(path).active.iter_rows() for c in row]
    written = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert written and all(c.data_type == "s" for c in written)
    csv_text = ledger.export_ledger(db, CAMPUS, views, actor=OFFICER, fmt="csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text
    exported = json.loads(audit_rows(db, "ledger.export")[0][2])
    assert exported["path"] == str(path) and exported["rows"] == {"整改台账": 4}
