"""A likely-duplicate complaint joins the first one's open hazard; an officer splits it off.

Both backends (the ``db`` fixture): no second hazard, the attachment and the split in the
histories, the ledger figures counting the problem once, and the refusals.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.safety_campus import CAMPUS, centre, make_campus
from zoning.errors import InvalidInput, NotFound
from zoning.services import ledger
from zoning.services import safety as ops

#: Monday 2 March 2026, 09:00 in Beijing.
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def add(
    engine: Engine, *, hours: float, east_deg: float = 0.0, category: str = "repairs"
) -> ledger.ComplaintView:
    lon, lat = centre("C-01-02")
    return ledger.add_complaint(
        engine,
        CAMPUS,
        lon=lon + east_deg,
        lat=lat,
        category=category,
        text=f"路灯坏了 {hours} h",
        at=T0 + timedelta(hours=hours),
        actor=ADMIN,
    )


def test_a_likely_duplicate_joins_the_first_hazard_and_is_counted_once(db: Engine) -> None:
    make_campus(db)
    first = add(db, hours=0)
    again = add(db, hours=5, east_deg=0.0002)  # about 17 m east, 5 h later
    assert count(db, "hazard") == 1
    assert (again.hazard_id, again.joined, again.complaint.duplicate_of) == (
        first.hazard_id, True, first.complaint.id,
    )  # fmt: skip
    assert again.to_json()["joined_hazard_id"] == first.hazard_id
    assert first.joined is False and first.to_json()["joined_hazard_id"] is None
    hazard = ledger.show_hazard(db, CAMPUS, int(first.hazard_id or 0), now=T0, actor=ADMIN).hazard
    attach = hazard.history[-1]
    assert (attach.action, attach.from_state, attach.to_state) == ("attach", "reported", "reported")
    assert attach.note == f"duplicate complaint #{again.complaint.id} attached"
    assert (attach.by, attach.at) == ("接诉即办", T0 + timedelta(hours=5))
    assert hazard.deadline == T0 + timedelta(hours=24)  # the first complaint's deadline stays
    listed = {c.complaint.id: c for c in ledger.list_complaints(db, CAMPUS, actor=ADMIN)}
    assert (listed[first.complaint.id].joined, listed[again.complaint.id].joined) == (False, True)
    assert listed[again.complaint.id].hazard_id == first.hazard_id
    rates = ops.ledger_tables(
        db, CAMPUS, by=["zone"], start=date(2026, 3, 1), end=date(2026, 3, 8), actor=ADMIN
    )
    assert int(rates["zone"]["hazards_reported"].sum()) == 1
    assert int(rates["zone"]["hazards_due"].sum()) == 1


def test_a_repeat_of_a_finished_hazard_or_another_category_opens_its_own(db: Engine) -> None:
    make_campus(db)
    first = add(db, hours=0)
    noise = add(db, hours=1, category="noise")
    assert noise.hazard_id != first.hazard_id and not noise.joined
    ledger.move_hazard(
        db, CAMPUS, int(first.hazard_id or 0), "reject", by="安全处", note="不属实",
        at=T0 + timedelta(hours=2), actor=ADMIN,
    )  # fmt: skip
    again = add(db, hours=3)
    assert again.complaint.duplicate_of == first.complaint.id  # still flagged
    assert (again.joined, again.state) == (False, "reported")
    assert again.hazard_id not in (first.hazard_id, noise.hazard_id)
    assert count(db, "hazard") == 3


def test_an_officer_splits_a_joined_complaint_into_its_own_hazard(db: Engine) -> None:
    make_campus(db)
    first = add(db, hours=0)
    again = add(db, hours=5, east_deg=0.0002)
    cid = int(again.complaint.id)
    at = T0 + timedelta(hours=6)
    split, left = ledger.split_complaint(db, CAMPUS, cid, by="安全处", at=at, actor=ADMIN)
    assert left == first.hazard_id
    assert split.hazard_id not in (None, first.hazard_id) and split.joined is False
    assert count(db, "hazard") == 2
    own = ledger.show_hazard(db, CAMPUS, int(split.hazard_id or 0), now=at, actor=ADMIN).hazard
    assert (own.source, own.category, own.cell_code, own.owner) == (
        "complaint", "repairs", "C-01-02", "张一",
    )  # fmt: skip
    assert (own.reported_at, own.deadline) == (T0 + timedelta(hours=5), T0 + timedelta(hours=29))
    assert [(e.action, e.by) for e in own.history] == [("report", "安全处"), ("split", "安全处")]
    assert own.history[-1].note == f"complaint #{cid} split off from hazard #{first.hazard_id}"
    joined = ledger.show_hazard(db, CAMPUS, int(first.hazard_id or 0), now=at, actor=ADMIN).hazard
    assert [e.action for e in joined.history] == ["report", "attach", "split"]
    assert (joined.history[-1].by, joined.history[-1].at) == ("安全处", at)
    assert joined.history[-1].note == f"complaint #{cid} split off into hazard #{split.hazard_id}"
    listed = {c.complaint.id: c for c in ledger.list_complaints(db, CAMPUS, actor=ADMIN)}
    assert (listed[again.complaint.id].hazard_id, listed[again.complaint.id].joined) == (
        split.hazard_id, False,
    )  # fmt: skip
    # split once: it now has its own hazard, and a second split is refused
    with pytest.raises(InvalidInput, match=f"Complaint #{cid} is not attached"):
        ledger.split_complaint(db, CAMPUS, cid, by="安全处", at=at, actor=ADMIN)
    assert count(db, "hazard") == 2


def test_splitting_is_refused_for_a_first_complaint_a_stranger_or_no_complaint(
    db: Engine,
) -> None:
    make_campus(db)
    first = add(db, hours=0)
    again = add(db, hours=5)
    before = (count(db, "hazard"), count(db, "hazard_event"))
    with pytest.raises(InvalidInput, match="has its own hazard #"):
        ledger.split_complaint(db, CAMPUS, int(first.complaint.id), by="安全处", actor=ADMIN)
    with pytest.raises(NotFound, match="not a person"):
        ledger.split_complaint(db, CAMPUS, int(again.complaint.id), by="路人", actor=ADMIN)
    with pytest.raises(NotFound, match="No complaint 999"):
        ledger.split_complaint(db, CAMPUS, 999, by="安全处", actor=ADMIN)
    assert (count(db, "hazard"), count(db, "hazard_event")) == before
