"""Roles and row-level permissions in the ledger, complaints and inspections, on both
backends: what each role sees (rows, redacted fields) and what it is refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.safety.permissions_campus import (
    INSPECTOR,
    INSPECTOR_2,
    LEADERSHIP,
    NOISE,
    OFFICER,
    PHONE,
    PLANNER,
    VIEWER,
    ZONE_LEADER,
    Seeded,
    seed,
    walk_to_rectified,
)
from tests.safety_campus import CAMPUS
from zoning.accounts import Actor
from zoning.errors import PermissionDenied
from zoning.safety.access import REDACTED
from zoning.services import ledger
from zoning.services import safety as ops


@pytest.fixture
def seeded(db: Engine) -> Seeded:
    return seed(db)


def hazard_ids(engine: Engine, who: Actor) -> set[int]:
    return {int(v.hazard.id) for v in ledger.list_hazards(engine, CAMPUS, actor=who)}


def test_each_role_lists_the_hazards_of_its_scope(db: Engine, seeded: Seeded) -> None:
    everything = {seeded.repair, seeded.noise, seeded.urgent}
    assert hazard_ids(db, ADMIN) == everything
    assert hazard_ids(db, OFFICER) == everything
    assert hazard_ids(db, PLANNER) == everything
    assert hazard_ids(db, ZONE_LEADER) == {seeded.repair, seeded.noise}
    assert hazard_ids(db, INSPECTOR) == {seeded.repair, seeded.noise}
    assert hazard_ids(db, INSPECTOR_2) == {seeded.urgent}
    elsewhere = actor("inspector", person="张一", campus="另一所大学")
    assert hazard_ids(db, elsewhere) == set()


@pytest.mark.parametrize("who", [LEADERSHIP, VIEWER], ids=["leadership", "viewer"])
def test_leadership_and_viewers_read_no_ledger_rows(db: Engine, seeded: Seeded, who: Actor) -> None:
    for read in (
        lambda: ledger.list_hazards(db, CAMPUS, actor=who),
        lambda: ledger.show_hazard(db, CAMPUS, seeded.repair, actor=who),
        lambda: ledger.list_complaints(db, CAMPUS, actor=who),
    ):
        with pytest.raises(PermissionDenied, match="view_ledger") as refused:
            read()
        assert refused.value.permission == "view_ledger"


def test_sensitive_hazards_are_redacted_for_whoever_may_not_see_them(
    db: Engine, seeded: Seeded
) -> None:
    def noise(who: Actor) -> ledger.HazardView:
        return next(
            v
            for v in ledger.list_hazards(db, CAMPUS, actor=who)
            if int(v.hazard.id) == seeded.noise
        )

    for who in (ADMIN, OFFICER, ZONE_LEADER):
        shown = noise(who)
        assert not shown.redacted
        assert NOISE in shown.hazard.description
    for who in (INSPECTOR, PLANNER):
        shown = noise(who)
        assert shown.redacted and shown.to_json()["redacted"]
        assert shown.hazard.description == REDACTED
        assert shown.hazard.reported_by == REDACTED
        assert {t.by for t in shown.hazard.history} == {REDACTED}
        assert shown.hazard.state == "reported" and shown.hazard.cell_code == "C-01-01"
    repair = ledger.show_hazard(db, CAMPUS, seeded.repair, actor=INSPECTOR)
    assert not repair.redacted and repair.hazard.description == "路灯坏了"


def test_a_hazard_outside_the_scope_is_refused_without_its_details(
    db: Engine, seeded: Seeded
) -> None:
    with pytest.raises(PermissionDenied) as refused:
        ledger.show_hazard(db, CAMPUS, seeded.urgent, actor=INSPECTOR)
    assert "翻越" not in str(refused.value) and "outside" in str(refused.value)
    with pytest.raises(PermissionDenied):
        ledger.show_hazard(db, CAMPUS, seeded.urgent, actor=ZONE_LEADER)
    assert ledger.show_hazard(db, CAMPUS, seeded.urgent, actor=INSPECTOR_2).redacted


def test_complaints_by_role_with_texts_and_phones_redacted(db: Engine, seeded: Seeded) -> None:
    def complaints(who: Actor) -> dict[str, ledger.ComplaintView]:
        return {v.complaint.category: v for v in ledger.list_complaints(db, CAMPUS, actor=who)}

    full = complaints(OFFICER)
    assert set(full) == {"repairs", "noise", "urgent_safety"}
    assert full["noise"].complaint.text == NOISE and full["noise"].complaint.contact == PHONE
    mine = complaints(INSPECTOR)
    assert set(mine) == {"repairs", "noise"}
    assert mine["noise"].redacted and mine["noise"].complaint.text == REDACTED
    assert mine["noise"].complaint.contact == REDACTED
    assert mine["repairs"].complaint.text == "路灯坏了"
    assert mine["repairs"].complaint.contact == PHONE  # staff see phones
    planner = complaints(PLANNER)  # no view_phones: every contact hidden, texts kept
    assert {v.complaint.contact for v in planner.values()} == {REDACTED}
    assert planner["repairs"].complaint.text == "路灯坏了"
    assert planner["urgent_safety"].to_json()["text"] == REDACTED
    assert set(complaints(ZONE_LEADER)) == {"repairs", "noise"}
    assert complaints(ZONE_LEADER)["noise"].complaint.text == NOISE


def test_work_and_verification_need_their_permissions_and_scope(db: Engine, seeded: Seeded) -> None:
    with pytest.raises(PermissionDenied, match="verify_hazards"):
        ledger.move_hazard(db, CAMPUS, seeded.repair, "verify", actor=INSPECTOR)
    with pytest.raises(PermissionDenied, match="report_hazards"):
        ledger.move_hazard(db, CAMPUS, seeded.repair, "register", actor=PLANNER)
    with pytest.raises(PermissionDenied, match="outside"):
        ledger.move_hazard(db, CAMPUS, seeded.urgent, "register", actor=ZONE_LEADER)
    moved = ledger.move_hazard(db, CAMPUS, seeded.repair, "register", actor=ZONE_LEADER)
    assert moved.hazard.history[-1].by == "甲组长"  # the account's person, not a picked name


def test_whoever_rectified_cannot_verify_or_close(db: Engine, seeded: Seeded) -> None:
    walk_to_rectified(db, seeded.repair, rectifier=ZONE_LEADER)
    with pytest.raises(PermissionDenied, match="separation of duties") as refused:
        ledger.move_hazard(db, CAMPUS, seeded.repair, "verify", actor=ZONE_LEADER)
    assert "甲组长" in str(refused.value)
    assert ledger.show_hazard(db, CAMPUS, seeded.repair, actor=ADMIN).hazard.state == "rectified"
    ledger.move_hazard(db, CAMPUS, seeded.repair, "verify", actor=OFFICER)
    closed = ledger.move_hazard(db, CAMPUS, seeded.repair, "close", actor=OFFICER)
    assert closed.hazard.state == "closed"


def test_the_account_that_entered_a_rectification_on_paper_cannot_verify_it(
    db: Engine, seeded: Seeded
) -> None:
    ledger.move_hazard(db, CAMPUS, seeded.repair, "register", actor=OFFICER)
    ledger.move_hazard(db, CAMPUS, seeded.repair, "dispatch", actor=OFFICER)
    ledger.move_hazard(db, CAMPUS, seeded.repair, "start", actor=ADMIN, by="张一")
    done = ledger.move_hazard(db, CAMPUS, seeded.repair, "complete", actor=ADMIN, by="张一")
    assert done.hazard.history[-1].by == "张一"
    with pytest.raises(PermissionDenied, match="entered by"):
        ledger.move_hazard(db, CAMPUS, seeded.repair, "verify", actor=ADMIN)
    with pytest.raises(PermissionDenied, match="separation of duties"):
        ledger.move_hazard(db, CAMPUS, seeded.repair, "verify", actor=OFFICER, by="张一")
    verified = ledger.move_hazard(db, CAMPUS, seeded.repair, "verify", actor=ZONE_LEADER)
    assert verified.hazard.state == "verified"


def test_complaints_need_receive_complaints(db: Engine, seeded: Seeded) -> None:
    from tests.safety_campus import centre

    lon, lat = centre("C-00-00")
    with pytest.raises(PermissionDenied, match="receive_complaints"):
        ledger.add_complaint(
            db, CAMPUS, actor=INSPECTOR, lon=lon, lat=lat, category="repairs", text="x"
        )
    with pytest.raises(PermissionDenied, match="receive_complaints"):
        ledger.split_complaint(db, CAMPUS, 1, actor=INSPECTOR)


def test_todo_is_limited_to_the_inspectors_cells_and_the_leaders_zone(
    db: Engine, seeded: Seeded
) -> None:
    day = date(2026, 3, 10)
    mine = ops.todo(db, CAMPUS, actor=INSPECTOR, day=day)
    assert len(mine) and set(mine["owner"]) == {"张一"}
    zone = ops.todo(db, CAMPUS, actor=ZONE_LEADER, day=day)
    assert len(zone) and {str(z) for z in zone["zone"]} == {"1"}
    assert len(ops.todo(db, CAMPUS, actor=OFFICER, day=day)) > len(zone)
    with pytest.raises(PermissionDenied, match="own cells"):
        ops.todo(db, CAMPUS, actor=INSPECTOR, owner="李二", day=day)
    for who in (VIEWER, LEADERSHIP, PLANNER):
        with pytest.raises(PermissionDenied, match="submit_inspections"):
            ops.todo(db, CAMPUS, actor=who, day=day)


def test_submit_needs_the_cell_within_the_scope(db: Engine, seeded: Seeded) -> None:
    with pytest.raises(PermissionDenied, match="outside"):
        ops.submit_inspection(
            db, CAMPUS, actor=INSPECTOR, cell="C-02-00", template="security",
            results={"*": "pass"}, period="2026-W10",
        )  # fmt: skip
    with pytest.raises(PermissionDenied, match="submit_inspections"):
        ops.submit_inspection(
            db, CAMPUS, actor=VIEWER, cell="C-00-00", template="security", results={"*": "pass"}
        )


@pytest.mark.parametrize("who", [VIEWER, INSPECTOR], ids=["viewer", "inspector"])
def test_reports_and_exports_need_their_permissions(db: Engine, seeded: Seeded, who: Actor) -> None:
    if who is VIEWER:
        with pytest.raises(PermissionDenied, match="view_reports"):
            ops.completion_report(db, CAMPUS, actor=who)
        return
    views = ledger.list_hazards(db, CAMPUS, actor=who)
    with pytest.raises(PermissionDenied, match="export"):
        ledger.export_ledger(db, CAMPUS, views, actor=who)
    assert len(ops.completion_report(db, CAMPUS, actor=who, by="zone"))
