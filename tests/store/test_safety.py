"""Safety operations stored on both backends: schedules, submissions, ledger, complaints."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.safety_campus import CAMPUS, PEOPLE, cells_frame, centre, make_campus
from tests.small_campus import LAT, LON
from zoning.errors import IllegalTransition, InvalidInput, NotFound
from zoning.safety.ledger.workflow import validate_history
from zoning.services import ledger as ledger_ops
from zoning.services import safety as ops
from zoning.store import safety as repo
from zoning.store.models.safety import OPS_TABLES

#: Monday 2 March 2026, 09:00 in Beijing.
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_migration_creates_the_tables_and_the_completion_index(db: Engine) -> None:
    inspector = sa.inspect(db)
    assert set(OPS_TABLES) <= set(inspector.get_table_names())
    indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("inspection_due")}
    # migration 0005: the completion grid's order (cell × zone × week × domain), covering
    assert indexes["ix_inspection_due_completion"] == [
        "campus_id", "cell_code", "zone", "week", "domain", "due_date", "due_at", "submitted_at",
    ]  # fmt: skip


def test_zone_staff_follows_the_quarters_of_the_owners() -> None:
    cells = cells_frame()
    cells["zone"] = cells["zone"].astype(str)
    people = PEOPLE.assign(id=range(1, len(PEOPLE) + 1))
    staff = ops.zone_staff(cells, people)
    assert staff.zone_leaders == {"1": "甲组长", "2": "乙组长", "3": "丙组长"}
    assert staff.fallback_owners["3"] == "王三"  # holds 2 of zone 3's 4 cells
    assert (staff.safety_office, staff.leadership) == ("安全处", "校长")
    assert staff.cell_owners["C-04-03"] is None


def test_schedule_is_idempotent_and_gives_vacant_cells_the_fallback_owner(db: Engine) -> None:
    make_campus(db)
    first = count(db, "inspection_due")
    assert first > 0
    assert ops.schedule(db, CAMPUS, start=date(2026, 2, 1), through=date(2026, 6, 30)) == 0
    assert count(db, "inspection_due") == first
    with db.connect() as conn:
        cid = conn.execute(sa.text("SELECT id FROM campus")).scalar_one()
        due = repo.load_due(conn, cid, cell_code="C-04-03")
        versions = repo.template_versions(conn)
    assert set(due["owner"]) == {"王三"}
    assert len(versions) >= 6 and versions["content_hash"].str.len().eq(64).all()


def test_ensure_campus_schedule_loads_the_campus_only_when_rows_are_missing(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_campus(db)  # scheduled through 30 June
    first = count(db, "inspection_due")
    loaded = []
    real = ops.campus_ops

    def campus_ops(engine: Engine, campus: str) -> ops.CampusOps:
        loaded.append(campus)
        return real(engine, campus)

    monkeypatch.setattr(ops, "campus_ops", campus_ops)
    ops.ensure_campus_schedule(db, CAMPUS, date(2026, 3, 30))  # 92 days on: 30 June
    assert (loaded, count(db, "inspection_due")) == ([], first)
    ops.ensure_campus_schedule(db, CAMPUS, date(2026, 4, 15))  # through 16 July
    assert loaded == [CAMPUS] and count(db, "inspection_due") > first
    after = count(db, "inspection_due")
    ops.ensure_schedule(db, real(db, CAMPUS), date(2026, 4, 15))  # what it stands for
    ops.ensure_campus_schedule(db, CAMPUS, date(2026, 4, 15))
    assert (loaded, count(db, "inspection_due")) == ([CAMPUS], after)
    with pytest.raises(NotFound):
        ops.ensure_campus_schedule(db, "nowhere", date(2026, 4, 15))


def test_submissions_count_on_time_late_and_missed(db: Engine) -> None:
    make_campus(db)
    # week 2026-W10 (2–8 March) is due at Monday 9 March 00:00 Beijing = 8 March 16:00 UTC
    on_time = ops.submit_inspection(
        db,
        CAMPUS,
        cell="C-00-00",
        template="security",
        by="张一",
        results={"*": "pass"},
        at=T0 + timedelta(days=2),
        actor=ADMIN,
    )
    late = ops.submit_inspection(
        db,
        CAMPUS,
        cell="C-00-01",
        template="security",
        by="张一",
        results={"*": "pass"},
        at=T0 + timedelta(days=8),
        period="2026-W10",
        actor=ADMIN,
    )
    assert (on_time.period, on_time.late) == ("2026-W10", False)
    assert (late.period, late.late) == ("2026-W10", True)
    report = ops.completion_report(
        db,
        CAMPUS,
        by="cell",
        start=date(2026, 3, 8),
        end=date(2026, 3, 8),
        now=T0 + timedelta(days=9),
        actor=ADMIN,
    )
    security = report.set_index("cell_code")
    assert security.loc["C-00-00", "on_time"] >= 1
    assert security.loc["C-00-01", "late"] == 1
    assert security.loc["C-01-00", "missed"] == security.loc["C-01-00", "due"] > 0
    by_week = ops.completion_report(
        db,
        CAMPUS,
        by="week",
        start=date(2026, 3, 2),
        end=date(2026, 3, 8),
        now=T0 + timedelta(days=9),
        actor=ADMIN,
    )
    assert by_week["week"].tolist() == ["2026-W10"]
    assert by_week["on_time"].iloc[0] + by_week["late"].iloc[0] == 2 * 1 + 0  # security only


def test_a_failed_item_opens_a_located_hazard_with_a_deadline(db: Engine) -> None:
    make_campus(db)
    lon, lat = centre("C-02-01")
    report = ops.submit_inspection(
        db,
        CAMPUS,
        cell="C-02-01",
        template="security",
        by="李二",
        results={"*": "pass", "patrols": "fail", "cctv_working": "na"},
        notes={"patrols": "夜间无巡逻"},
        at=T0,
        lon=lon,
        lat=lat,
        actor=ADMIN,
    )
    assert len(report.hazard_ids) == 1
    hazard = ledger_ops.show_hazard(db, CAMPUS, report.hazard_ids[0], now=T0, actor=ADMIN).hazard
    assert (hazard.domain, hazard.severity, hazard.cell_code, hazard.zone) == (
        "security",
        "general",
        "C-02-01",
        "2",
    )
    assert hazard.deadline - hazard.reported_at == timedelta(days=7)
    assert (round(hazard.lon, 6), round(hazard.lat, 6)) == (round(lon, 6), round(lat, 6))
    assert "夜间无巡逻" in hazard.description
    assert count(db, "inspection_result") == 8


def test_submission_errors_store_nothing(db: Engine) -> None:
    make_campus(db)
    before = count(db, "inspection")
    with pytest.raises(InvalidInput):
        ops.submit_inspection(
            db,
            CAMPUS,
            cell="C-00-00",
            template="security",
            by="张一",
            results={"*": "maybe"},
            at=T0,
            actor=ADMIN,
        )
    with pytest.raises(InvalidInput):  # items missing
        ops.submit_inspection(
            db,
            CAMPUS,
            cell="C-00-00",
            template="security",
            by="张一",
            results={"cctv_working": "pass"},
            at=T0,
            actor=ADMIN,
        )
    with pytest.raises(NotFound):
        ops.submit_inspection(
            db,
            CAMPUS,
            cell="C-00-00",
            template="security",
            by="路人",
            results={"*": "pass"},
            at=T0,
            actor=ADMIN,
        )
    assert count(db, "inspection") == before


def _open_hazard(db: Engine) -> int:
    report = ops.submit_inspection(
        db,
        CAMPUS,
        cell="C-04-03",
        template="security",
        by="王三",
        results={"*": "pass", "patrols": "fail"},
        at=T0,
        actor=ADMIN,
    )
    return report.hazard_ids[0]


def test_ledger_moves_are_stored_and_illegal_ones_change_nothing(db: Engine) -> None:
    make_campus(db)
    hid = _open_hazard(db)
    ledger_ops.move_hazard(
        db, CAMPUS, hid, "register", by="安全处", at=T0 + timedelta(hours=1), actor=ADMIN
    )
    moved = ledger_ops.move_hazard(
        db, CAMPUS, hid, "dispatch", by="安全处", at=T0 + timedelta(hours=2), actor=ADMIN
    )
    assert moved.hazard.assignee == "王三"  # vacant cell → zone 3's fallback owner
    with pytest.raises(IllegalTransition, match="'close' is not allowed"):
        ledger_ops.move_hazard(
            db, CAMPUS, hid, "close", by="安全处", at=T0 + timedelta(hours=3), actor=ADMIN
        )
    new_deadline = T0 + timedelta(days=14)
    ledger_ops.move_hazard(
        db,
        CAMPUS,
        hid,
        "extend",
        by="安全处",
        note="等待配件",
        deadline=new_deadline,
        at=T0 + timedelta(hours=3),
        actor=ADMIN,
    )
    shown = ledger_ops.show_hazard(db, CAMPUS, hid, now=T0 + timedelta(days=1), actor=ADMIN)
    validate_history(shown.hazard)
    assert [t.action for t in shown.hazard.history] == ["report", "register", "dispatch", "extend"]
    assert shown.hazard.deadline == new_deadline
    assert shown.allowed == ("start", "extend")
    assert count(db, "hazard_event") == 4


def test_overdue_hazards_escalate_up_the_chain(db: Engine) -> None:
    make_campus(db)
    hid = _open_hazard(db)  # general: 7 days
    steps = {1: "cell_owner", 8: "zone_leader", 15: "safety_office", 30: "leadership"}
    people = {"cell_owner": "王三", "zone_leader": "丙组长", "safety_office": "安全处"}
    for days, level in steps.items():
        view = ledger_ops.show_hazard(db, CAMPUS, hid, now=T0 + timedelta(days=days), actor=ADMIN)
        assert view.level == level
        assert view.responsible == people.get(level, "校长")
    late = ledger_ops.list_hazards(
        db, CAMPUS, overdue=True, now=T0 + timedelta(days=8), actor=ADMIN
    )
    assert [v.hazard.id for v in late] == [str(hid)]
    assert (
        ledger_ops.list_hazards(db, CAMPUS, overdue=True, now=T0 + timedelta(days=1), actor=ADMIN)
        == []
    )
    with pytest.raises(InvalidInput):
        ledger_ops.list_hazards(db, CAMPUS, status="lost", actor=ADMIN)


def test_complaints_route_flag_duplicates_and_refuse_outside_points(db: Engine) -> None:
    make_campus(db)
    lon, lat = centre("C-01-02")
    first = ledger_ops.add_complaint(
        db,
        CAMPUS,
        lon=lon,
        lat=lat,
        category="repairs",
        text="路灯坏了",
        contact="139",
        at=T0,
        actor=ADMIN,
    )
    again = ledger_ops.add_complaint(
        db,
        CAMPUS,
        lon=lon + 0.0002,
        lat=lat,
        category="repairs",
        text="路灯还是坏的",
        at=T0 + timedelta(hours=5),
        actor=ADMIN,
    )
    other = ledger_ops.add_complaint(
        db,
        CAMPUS,
        lon=lon,
        lat=lat,
        category="noise",
        text="太吵",
        at=T0 + timedelta(hours=6),
        actor=ADMIN,
    )
    assert (first.complaint.cell_code, first.complaint.owner) == ("C-01-02", "张一")
    assert first.complaint.response_deadline == T0 + timedelta(hours=24)
    assert again.complaint.duplicate_of == first.complaint.id
    assert other.complaint.duplicate_of is None
    hazard = ledger_ops.show_hazard(
        db, CAMPUS, int(first.hazard_id or 0), now=T0, actor=ADMIN
    ).hazard
    assert (hazard.source, hazard.category, hazard.deadline) == (
        "complaint",
        "repairs",
        T0 + timedelta(hours=24),
    )
    before = (count(db, "complaint"), count(db, "hazard"))
    with pytest.raises(InvalidInput, match="outside the campus"):
        ledger_ops.add_complaint(
            db, CAMPUS, lon=LON - 1, lat=LAT, category="repairs", text="x", at=T0, actor=ADMIN
        )
    assert (count(db, "complaint"), count(db, "hazard")) == before
    listed = ledger_ops.list_complaints(db, CAMPUS, actor=ADMIN)
    assert [c.complaint.id for c in listed] == [
        first.complaint.id,
        again.complaint.id,
        other.complaint.id,
    ]


def test_bulk_insert_keeps_utc_times_on_both_backends(db: Engine) -> None:
    make_campus(db)
    stamp = datetime(2026, 3, 2, 17, 30, 15, 123456, tzinfo=UTC)
    with db.begin() as conn:
        cid = conn.execute(sa.text("SELECT id FROM campus")).scalar_one()
        due = repo.load_due(conn, cid, cell_code="C-00-00", template_code="security")
        due_id = int(due["id"].iloc[0])
        assert repo.claim_due(conn, due_id, stamp)
        assert not repo.claim_due(conn, due_id, stamp + timedelta(hours=1))  # taken: ignored
    with db.connect() as conn:
        again = repo.load_due(conn, cid, cell_code="C-00-00", template_code="security")
    assert again.loc[again["id"] == due_id, "submitted_at"].iloc[0] == pd.Timestamp(stamp)


def _summary_and_truth(db: Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Return completion_week's rows and the same counts recomputed from inspection_due."""
    key = "campus_id, cell_code, week, due_date, due_at"
    with db.connect() as conn:
        summary = conn.execute(
            sa.text(f"SELECT {key}, due, submitted, on_time FROM completion_week ORDER BY {key}")
        ).fetchall()
        truth = conn.execute(
            sa.text(
                f"SELECT {key}, count(*), count(submitted_at), "
                "sum(CASE WHEN submitted_at < due_at THEN 1 ELSE 0 END) "
                f"FROM inspection_due GROUP BY {key} ORDER BY {key}"
            )
        ).fetchall()
    return [tuple(r) for r in summary], [tuple(r) for r in truth]


def _recount(db: Engine, *, start: date, end: date, now: datetime) -> pd.DataFrame:
    """Return on_time, late, missed, pending per cell × week counted in pandas."""
    with db.connect() as conn:
        cid = conn.execute(sa.text("SELECT id FROM campus")).scalar_one()
        due = repo.load_due(conn, cid, start=start, end=end)
    done = due["submitted_at"].notna() & (due["submitted_at"] <= pd.Timestamp(now))
    due = due.assign(
        week=[f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in due["due_date"]],
        on_time=done & (due["submitted_at"] < due["due_at"]),
        late=done & (due["submitted_at"] >= due["due_at"]),
        missed=~done & (due["due_at"] <= pd.Timestamp(now)),
        pending=~done & (due["due_at"] > pd.Timestamp(now)),
    )
    counts = ["on_time", "late", "missed", "pending"]
    table = due.groupby(["cell_code", "week"])[counts].sum().astype("int64")
    return table.sort_index()


def test_completion_summary_follows_schedule_submissions_and_edits(db: Engine) -> None:
    make_campus(db, start=date(2026, 3, 2))
    ops.submit_inspection(  # on time
        db, CAMPUS, cell="C-00-00", template="security", by="张一", results={"*": "pass"},
        at=T0 + timedelta(days=2), actor=ADMIN,
    )  # fmt: skip
    ops.submit_inspection(  # late
        db, CAMPUS, cell="C-00-01", template="security", by="张一", results={"*": "pass"},
        at=T0 + timedelta(days=8), period="2026-W10", actor=ADMIN,
    )  # fmt: skip
    ops.submit_inspection(  # late, then amended: the first submission's time stays
        db, CAMPUS, cell="C-01-00", template="security", by="张一", results={"*": "pass"},
        at=T0 + timedelta(days=8), period="2026-W10", actor=ADMIN,
    )  # fmt: skip
    ops.submit_inspection(
        db, CAMPUS, cell="C-01-00", template="security", by="张一", results={"*": "pass"},
        at=T0 + timedelta(days=8, hours=1), period="2026-W10", actor=ADMIN, amend=True,
        reason="a typo",
    )  # fmt: skip
    ops.schedule(db, CAMPUS, through=date(2026, 7, 31))  # a schedule change adds rows
    summary, truth = _summary_and_truth(db)
    assert summary == truth and len(summary) > 0
    with db.begin() as conn:  # direct edits: re-homing moves an open row, deletes
        conn.execute(
            sa.text(
                "UPDATE inspection_due SET cell_code = 'C-09-09' WHERE id = "
                "(SELECT min(id) FROM inspection_due WHERE cell_code = 'C-04-03' "
                "AND submitted_at IS NULL)"
            )
        )
        conn.execute(sa.text("DELETE FROM inspection_due WHERE cell_code = 'C-04-02'"))
    summary, truth = _summary_and_truth(db)
    assert summary == truth
    assert not any(row[1] == "C-04-02" for row in summary)
    with db.connect() as conn:
        cid = conn.execute(sa.text("SELECT id FROM campus")).scalar_one()
        weeks = {"start": date(2026, 3, 2), "end": date(2026, 3, 29)}
        # after every submission (the summary answers), and before some (rows recounted)
        for now in (T0 + timedelta(days=9), T0 + timedelta(days=3)):
            table = repo.completion_query(conn, cid, by=("cell_code", "week"), now=now, **weeks)
            expected = _recount(db, now=now, **weeks)
            got = table.set_index(["cell_code", "week"])[list(expected.columns)]
            pd.testing.assert_frame_equal(got, expected, check_names=False)
            by_week = repo.completion_query(conn, cid, by="week", now=now, **weeks)
            assert by_week["due"].sum() == table["due"].sum()
        first = table[(table["cell_code"] == "C-01-00") & (table["week"] == "2026-W10")]
        assert first["late"].tolist() == [0]  # back-dated submission: on time as of day 3
