"""Zone names, not numbers, where people read them: the completion report by zone and the
ledger export, on both backends (the numbers stay the keys underneath)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.grid import zoned_campus as zc
from zoning.services import grid, ledger, plans, safety
from zoning.services import zones as zone_ops
from zoning.store.plans import load_cells

#: Monday 2 March 2026, 09:00 in Beijing.
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _active_campus(db: Engine) -> None:
    """The campus split by its quarters (北区, 南区), activated at T0, a complaint in the
    north half and a week of due inspections."""
    zc.make_campus(db)
    report = grid.split_campus(db, zc.CAMPUS, method="square", cell_size_m=100, actor=ADMIN)
    plans.activate_plan(db, zc.CAMPUS, report.plan.id, reason="first", at=T0, actor=ADMIN)
    lon, lat = zc.LON + zc.NX * zc.D / 2, zc.LAT + zc.NY * zc.D * 0.8
    ledger.add_complaint(
        db, zc.CAMPUS, lon=lon, lat=lat, category="repairs", text="路灯坏了",
        at=T0 + timedelta(hours=1), actor=ADMIN,
    )  # fmt: skip
    safety.schedule(db, zc.CAMPUS, start=date(2026, 3, 2), through=date(2026, 3, 8))
    assert set(load_cells(db, zc.CAMPUS, report.plan.id)["zone"]) == {1, 2}


def test_the_completion_report_names_the_zones(db: Engine) -> None:
    _active_campus(db)
    report = safety.completion_report(
        db, zc.CAMPUS, by="zone", start=date(2026, 3, 2), end=date(2026, 3, 8),
        now=T0 + timedelta(days=7), actor=ADMIN,
    )  # fmt: skip
    assert sorted(report["zone"]) == ["北区", "南区"]
    assert report["due"].sum() > 0
    zone_ops.rename_zone(db, zc.CAMPUS, 1, "北校区", actor=ADMIN)
    again = safety.completion_report(
        db, zc.CAMPUS, by="zone", start=date(2026, 3, 2), end=date(2026, 3, 8),
        now=T0 + timedelta(days=7), actor=ADMIN,
    )  # fmt: skip
    assert sorted(again["zone"]) == ["北校区", "南区"]


def test_the_ledger_export_names_the_zone(db: Engine) -> None:
    _active_campus(db)
    views = ledger.list_hazards(db, zc.CAMPUS, actor=ADMIN)
    assert len(views) == 1 and views[0].hazard.zone == "1"  # the key: the number
    data = ledger.export_ledger(db, zc.CAMPUS, views, actor=ADMIN, fmt="csv")
    text = data.decode("utf-8-sig")
    assert "北区" in text and "南区" not in text
