"""A due item is submitted once; a correction is an amendment (both backends, real threads)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.safety_campus import CAMPUS, make_campus
from zoning.errors import InvalidInput
from zoning.services import safety as ops
from zoning.store import safety as repo
from zoning.store.campus import campus_id
from zoning.store.engine import create_engine, open_engine
from zoning.store.models.campus import AuditEvent
from zoning.store.models.safety import HazardRow, Inspection

#: Wednesday 4 March 2026, 10:00 in Beijing (week 2026-W10).
T1 = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def submit(engine: Engine, **extra: Any) -> ops.SubmitReport:
    """Submit C-00-00's security check of 2026-W10 by 张一 (every item passed unless given)."""
    args: dict[str, Any] = {
        "cell": "C-00-00", "template": "security", "by": "张一", "results": {"*": "pass"},
        "at": T1, "actor": ADMIN, **extra,
    }  # fmt: skip
    return ops.submit_inspection(engine, CAMPUS, **args)


def inspections(engine: Engine) -> list[tuple[int, int | None, str | None, str]]:
    """Return (id, amends, amend_reason, inspector) of every stored inspection, by id."""
    i = Inspection
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(i.id, i.amends, i.amend_reason, i.inspector).order_by(i.id)
        ).all()
    return [(int(r[0]), r[1], r[2], str(r[3])) for r in rows]


def audit_actions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(AuditEvent.action)
            .where(AuditEvent.action.like("inspection.%"))
            .order_by(AuditEvent.id)
        )
        return [str(a) for (a,) in found]


def test_a_second_submission_is_refused_naming_the_first(db: Engine) -> None:
    make_campus(db)
    first = submit(db)
    with pytest.raises(InvalidInput) as refused:
        submit(db, by="李二", at=T1 + timedelta(hours=3))
    message = str(refused.value)
    assert "\n" not in message
    assert "C-00-00" in message and "2026-W10" in message
    assert "张一" in message and "2026-03-04 10:00" in message  # who and when (Beijing time)
    assert f"inspection {first.inspection_id}" in message and "amend" in message
    assert [r[0] for r in inspections(db)] == [first.inspection_id]  # nothing more stored
    assert audit_actions(db) == ["inspection.submit"]
    # the same item named by its period rather than by the time: refused as well
    with pytest.raises(InvalidInput, match="already submitted by 张一"):
        submit(db, at=T1 + timedelta(days=8), period="2026-W10")


def test_an_amendment_is_kept_beside_the_first_and_audited(db: Engine) -> None:
    make_campus(db)
    first = submit(db, results={"*": "pass", "patrols": "fail"})
    assert len(first.hazard_ids) == 1
    fixed = submit(
        db,
        results={"*": "pass", "patrols": "fail", "cctv_working": "fail"},
        at=T1 + timedelta(hours=2),
        amend=True,
        reason="  camera 3 was missed  ",
    )
    assert fixed.amends == first.inspection_id and fixed.inspection_id != first.inspection_id
    assert fixed.late is False and fixed.period == first.period
    assert inspections(db) == [
        (first.inspection_id, None, None, "张一"),
        (fixed.inspection_id, first.inspection_id, "camera 3 was missed", "张一"),
    ]
    # only the newly failed item opens a hazard: patrols already has one in the ledger
    assert len(fixed.hazard_ids) == 1
    with db.connect() as conn:
        items = conn.execute(
            sa.select(HazardRow.item_code).where(HazardRow.id.in_(fixed.hazard_ids))
        ).scalars()
        assert list(items) == ["cctv_working"]
        # the due item keeps its first submission time (on time stays on time)
        due = repo.load_due(
            conn, campus_id(conn, CAMPUS), cell_code="C-00-00", template_code="security"
        )
    done = due[due["period"] == "2026-W10"]["submitted_at"].iloc[0]
    assert done == T1
    assert audit_actions(db) == ["inspection.submit", "inspection.amend"]
    second = submit(db, at=T1 + timedelta(hours=4), amend=True, reason="again")
    assert second.amends == first.inspection_id  # every amendment names the first
    with pytest.raises(InvalidInput, match="already submitted"):  # still not a plain repeat
        submit(db, at=T1 + timedelta(hours=5))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"amend": True}, "An amendment needs a reason"),
        ({"amend": True, "reason": "   "}, "An amendment needs a reason"),
        ({"reason": "typo"}, "A reason goes with an amendment only"),
        ({"amend": True, "reason": "x\x00y"}, "reason of the amendment"),
    ],
)
def test_amendment_arguments_are_checked(db: Engine, extra: dict[str, Any], message: str) -> None:
    make_campus(db)
    if extra.get("amend"):
        submit(db)
    before = inspections(db)
    with pytest.raises(InvalidInput, match=message):
        submit(db, at=T1 + timedelta(hours=1), **extra)
    assert inspections(db) == before


def test_nothing_to_amend_before_the_first_submission(db: Engine) -> None:
    make_campus(db)
    with pytest.raises(InvalidInput, match="has not been submitted yet: there is nothing to"):
        submit(db, amend=True, reason="fix")
    assert inspections(db) == [] and audit_actions(db) == []


def _engine_like(db: Engine) -> Engine:
    """A second engine on the same database (its own connection pool)."""
    url = db.url.render_as_string(hide_password=False)
    return create_engine(url) if url.startswith("sqlite") else open_engine(url)


def test_two_concurrent_submissions_exactly_one_wins(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both threads are inside their transaction before either claims the item (PostGIS: the
    second waits on the row, then finds it taken; SpatiaLite: the second cannot begin its
    write until the first commits, and the barrier gives up after 2 s)."""
    make_campus(db)
    ops.ensure_campus_schedule(db, CAMPUS, T1.date())
    barrier = threading.Barrier(2, timeout=2)
    claim: Callable[..., bool] = repo.claim_due

    def claim_together(*args: Any) -> bool:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return claim(*args)

    monkeypatch.setattr(repo, "claim_due", claim_together)
    engines = [db, _engine_like(db)]
    outcomes: list[object] = [None, None]

    def run(k: int) -> None:
        try:
            outcomes[k] = submit(engines[k], by=("张一", "李二")[k])
        except Exception as exc:
            outcomes[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    engines[1].dispose()
    won = [o for o in outcomes if isinstance(o, ops.SubmitReport)]
    lost = [o for o in outcomes if isinstance(o, InvalidInput)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    assert f"inspection {won[0].inspection_id}" in str(lost[0])
    assert [r[0] for r in inspections(db)] == [won[0].inspection_id]
    assert audit_actions(db) == ["inspection.submit"]


def test_the_database_refuses_a_second_first_submission(db: Engine) -> None:
    """The unique index behind :func:`claim_due`: a writer that skips the claim still
    cannot store two first submissions of one due item."""
    make_campus(db)
    report = submit(db)
    with db.connect() as conn:
        row = conn.execute(sa.select(Inspection).where(Inspection.id == report.inspection_id))
        first = row.mappings().one()
    copy = {k: v for k, v in first.items() if k not in ("id", "geometry")}
    with pytest.raises(sa.exc.IntegrityError), db.begin() as conn:
        conn.execute(
            sa.insert(Inspection).values(
                **copy, geometry=sa.func.ST_GeomFromText("POINT(0 0)", 4326)
            )
        )
    with db.begin() as conn:  # an amendment of it is fine
        conn.execute(
            sa.insert(Inspection).values(
                **{**copy, "amends": report.inspection_id, "amend_reason": "ok"},
                geometry=sa.func.ST_GeomFromText("POINT(0 0)", 4326),
            )
        )
    assert len(inspections(db)) == 2
