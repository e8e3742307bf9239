"""Demo history: deterministic, believable (lagging zones, open overdue hazards), stored."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.safety_campus import CAMPUS, make_campus
from zoning.safety.ledger.workflow import validate_history
from zoning.services import ledger as ledger_ops
from zoning.services import safety as ops
from zoning.services.demo import History, make_history, store_history

NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


def _history(db: Engine, seed: int = 3) -> tuple[ops.CampusOps, History]:
    campus = ops.campus_ops(db, CAMPUS)
    return campus, make_history(campus, ops.checklist_templates(), seed=seed, now=NOW, days=90)


def test_same_seed_same_history_other_seed_other_history(db: Engine) -> None:
    make_campus(db, start=date(2026, 2, 1))
    _, first = _history(db)
    _, again = _history(db)
    _, other = _history(db, seed=4)
    key = lambda h: (  # noqa: E731
        [(s.submission.cell_code, s.submission.period, s.submission.submitted_at)
         for s in h.submissions],
        [(x.id, x.state, x.deadline) for x in h.hazards],
        [(c.category, c.lon, c.received_at) for c in h.complaints],
    )  # fmt: skip
    assert key(first) == key(again)
    assert key(first) != key(other)


def test_history_tells_a_story(db: Engine) -> None:
    make_campus(db, start=date(2026, 2, 1))
    _, history = _history(db)
    assert len(history.lagging_zones) == 2  # three zones: two lag
    for hazard in history.hazards:
        validate_history(hazard)
    states = Counter(h.state for h in history.hazards)
    assert states["closed"] > sum(v for k, v in states.items() if k != "closed")
    open_late = [h for h in history.hazards if h.is_open and h.deadline < NOW]
    assert open_late, "some hazards must be open and overdue (they escalate)"
    assert len(history.complaints) >= 20
    due = history.due[pd.to_datetime(history.due["due_at"], utc=True) <= pd.Timestamp(NOW)]
    done = due["submitted_at"].notna() & (
        pd.to_datetime(due["submitted_at"], utc=True) < pd.to_datetime(due["due_at"], utc=True)
    )
    on_time = done.groupby(due["zone"]).mean()
    lagging = on_time[list(history.lagging_zones)]
    others = on_time.drop(list(history.lagging_zones))
    assert lagging.max() < others.min()
    assert others.min() > 0.8


def test_stored_history_feeds_the_report_and_the_ledger(db: Engine) -> None:
    make_campus(db, start=date(2026, 2, 1))
    with db.begin() as conn:  # start from an empty schedule, as the demo does
        conn.execute(sa.text("DELETE FROM inspection_due"))
    campus, history = _history(db)
    counts = store_history(db, campus, history, actor=ADMIN)
    assert counts["item_results"] >= 5 * counts["inspections"] > 0
    assert counts["hazards"] == len(history.hazards)
    report = ops.completion_report(
        db, CAMPUS, by="zone", start=date(2026, 3, 3), end=date(2026, 5, 31), now=NOW, actor=ADMIN
    )
    worst = report.sort_values("on_time_rate")["zone"].head(2).tolist()
    assert sorted(worst) == sorted(history.lagging_zones)
    overdue = ledger_ops.list_hazards(db, CAMPUS, overdue=True, now=NOW, actor=ADMIN)
    assert overdue and {v.level for v in overdue} - {"cell_owner"}
    listed = ledger_ops.list_complaints(db, CAMPUS, actor=ADMIN)
    assert len(listed) == len(history.complaints)
    assert any(c.complaint.duplicate_of for c in listed)
