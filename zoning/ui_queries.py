"""Read-only queries the map pages need, composed from :mod:`zoning.store` and
:mod:`zoning.operations` (nothing here writes; the schedule is materialised by
:func:`zoning.operations.completion_report`, which the pages call first).

- :func:`completion_grid`: inspection completion per cell × ISO week × domain, the one
  table the safety map's and the leadership heatmap's filters and week slider slice in
  memory (tens of thousands of rows on the large demo campus).
- :func:`hazards_table`: the ledger as one flat table with who answers for each hazard now.
- :func:`cell_detail`: what the safety map's side panel shows for one cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.operations import campus_ops, local_day
from zoning.operations_ledger import list_hazards
from zoning.store import operations as repo
from zoning.store.campuses import campus_id
from zoning.store.models import utcnow
from zoning.store.ops_models import Inspection

__all__ = ["CellDetail", "cell_detail", "completion_grid", "hazards_table"]

GRID_COLUMNS = ("cell_code", "zone", "week", "domain", "due", "on_time", "late", "missed")
HAZARD_COLUMNS = (
    "id", "domain", "severity", "state", "description", "cell", "zone", "owner",
    "reported_at", "deadline", "overdue_hours", "level", "responsible", "lon", "lat",
)  # fmt: skip


def completion_grid(
    engine: Engine,
    campus: str,
    *,
    start: date | None = None,
    end: date | None = None,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Return due, on_time, late, missed per cell_code × zone × week × domain.

    The range defaults to the last 90 days up to today (local). ``week`` is an ISO week
    label ("2026-W46"), ``zone`` a label ("3"). Raises NotFound for an unknown campus.
    """
    now = now or utcnow()
    end = end or local_day(now)
    start = start or end - timedelta(days=89)
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        table = repo.completion_query(
            conn, cid, by=("cell_code", "zone", "week", "domain"), start=start, end=end, now=now
        )
    table["zone"] = [repo.zone_label(z) for z in table["zone"]]
    return table[list(GRID_COLUMNS)].reset_index(drop=True)


def hazards_table(engine: Engine, campus: str, *, now: datetime | None = None) -> pd.DataFrame:
    """Return every hazard with the person who answers for it now (see HAZARD_COLUMNS).

    Times are UTC; ``overdue_hours`` is 0 for hazards not overdue. Raises NotFound.
    """
    views = list_hazards(engine, campus, now=now)
    rows = []
    for v in views:
        h = v.hazard
        rows.append(
            (
                int(h.id), h.domain, h.severity, h.state, h.description, h.cell_code, h.zone,
                h.owner, h.reported_at, h.deadline, float(v.overdue_hours), v.level,
                v.responsible, float(h.lon), float(h.lat),
            )
        )  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(HAZARD_COLUMNS))
    for col in ("reported_at", "deadline"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


@dataclass(frozen=True)
class CellDetail:
    """One cell's chain of responsibility, checklists of this period and recent inspections."""

    code: str
    zone: str | None
    owner: str | None
    #: (level, person): cell_owner → zone_leader → safety_office → leadership.
    chain: tuple[tuple[str, str], ...]
    #: template_code, domain, frequency, period, due_date, submitted_at.
    due_now: pd.DataFrame
    #: submitted_at, template_code, period, inspector, late (newest first).
    recent: pd.DataFrame


def cell_detail(
    engine: Engine, campus: str, code: str, *, now: datetime | None = None, recent: int = 5
) -> CellDetail:
    """Return the side-panel facts of cell ``code`` of the current plan. Raises NotFound."""
    now = now or utcnow()
    ops = campus_ops(engine, campus)
    row = ops.cells[ops.cells["code"] == code]
    zone = None if not len(row) else repo.zone_label(row["zone"].iloc[0])
    owner_value = None if not len(row) else row["owner"].iloc[0]
    owner = owner_value if isinstance(owner_value, str) and owner_value else None
    staff = ops.staff
    chain = (
        ("cell_owner", owner or staff.fallback_owners.get(zone or "", "")),
        ("zone_leader", staff.zone_leaders.get(zone or "", "")),
        ("safety_office", staff.safety_office),
        ("leadership", staff.leadership),
    )
    today = local_day(now)
    with engine.connect() as conn:
        due = repo.load_due(conn, ops.cid, cell_code=code, started_by=today)
        ins = Inspection
        rows = conn.execute(
            sa.select(ins.submitted_at, ins.template_code, ins.period, ins.inspector, ins.late)
            .where(ins.campus_id == ops.cid, ins.cell_code == code)
            .order_by(ins.submitted_at.desc())
            .limit(recent)
        ).fetchall()
    if len(due):
        ends = pd.to_datetime(due["due_date"]).dt.date
        due = due[ends >= today]
    due_now = due[
        ["template_code", "domain", "frequency", "period", "due_date", "submitted_at"]
    ].reset_index(drop=True)
    recent_frame = pd.DataFrame(
        [tuple(r) for r in rows],
        columns=["submitted_at", "template_code", "period", "inspector", "late"],
    )
    recent_frame["submitted_at"] = repo.utc_series(recent_frame["submitted_at"])
    return CellDetail(
        code=code, zone=zone, owner=owner, chain=chain, due_now=due_now, recent=recent_frame
    )
