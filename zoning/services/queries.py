"""Read-only queries the map pages need, composed from :mod:`zoning.store` and
:mod:`zoning.services.safety` (nothing here writes; the schedule is materialised by
:func:`zoning.services.safety.completion_report`, which the pages call first).

- :func:`completion_grid`: inspection completion per cell × ISO week × domain, the one
  table the safety map's and the leadership heatmap's filters and week slider slice in
  memory (tens of thousands of rows on the large demo campus).
- :func:`hazards_table`: the ledger as one flat table with who answers for each hazard now.
- :func:`cell_detail`: what the safety map's side panel shows for one cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.clock import as_utc, local_day, utcnow
from zoning.safety.ledger.workflow import FINAL_STATES, OPEN_STATES
from zoning.services.ledger import view
from zoning.services.safety import NOBODY, campus_ops, campus_staff
from zoning.store import safety as repo
from zoning.store.campus import campus_id
from zoning.store.models.safety import HazardEvent, HazardRow, Inspection, InspectionDue

__all__ = [
    "CellDetail",
    "OpsVersion",
    "cell_detail",
    "completion_grid",
    "hazards_table",
    "hazards_table_since",
    "inspected_cells",
    "ops_version",
    "owner_grid",
]

GRID_COLUMNS = (
    "cell_code", "zone", "week", "domain", "due", "on_time", "late", "missed", "pending",
)  # fmt: skip
HAZARD_COLUMNS = (
    "id", "domain", "severity", "state", "description", "cell", "zone", "owner",
    "reported_at", "deadline", "overdue_hours", "level", "responsible", "lon", "lat",
)  # fmt: skip


class OpsVersion(NamedTuple):
    """A cheap fingerprint of the operations data (cache key for the pages): the local day
    and the largest ids of each kind of row (None: no row yet)."""

    day: str
    campus_id: int
    inspection: int | None
    due: int | None
    hazard: int | None
    event: int | None

    @property
    def inspections(self) -> tuple[object, ...]:
        """The part completion figures depend on: day, inspections and due rows."""
        return (self.day, self.campus_id, self.inspection, self.due)

    @property
    def hazards(self) -> tuple[object, ...]:
        """The part the hazard figures depend on: day, hazards and their events."""
        return (self.day, self.campus_id, self.hazard, self.event)


def ops_version(engine: Engine, campus: str, *, now: datetime | None = None) -> OpsVersion:
    """Return the operations data's fingerprint (see :class:`OpsVersion`).

    Inspections, hazards and their events are only added (a state change is a new event),
    so the largest ids (any campus: the rowid look-up is instant) change whenever they do;
    due rows are added as schedules move on (a new schedule adds rows). The local day is in
    it because schedules (what is due) move with the calendar.
    """
    day = local_day(now or utcnow())
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        ids = conn.execute(
            sa.select(
                sa.select(sa.func.max(Inspection.id)).scalar_subquery(),
                sa.select(sa.func.max(InspectionDue.id)).scalar_subquery(),
                sa.select(sa.func.max(HazardRow.id)).scalar_subquery(),
                sa.select(sa.func.max(HazardEvent.id)).scalar_subquery(),
            )
        ).one()
    return OpsVersion(day.isoformat(), cid, *(None if v is None else int(v) for v in ids))


def inspected_cells(engine: Engine, campus: str, *, after: int, upto: int) -> list[str]:
    """Return the codes of the cells whose inspections have ids in (``after``, ``upto``]
    (the inspection's own cell and its due row's): the cells whose completion those
    submissions changed."""
    i, d = Inspection, InspectionDue
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        rows = conn.execute(
            sa.select(i.cell_code, d.cell_code)
            .outerjoin(d, d.id == i.due_id)
            .where(i.campus_id == cid, i.id > after, i.id <= upto)
        ).all()
    return sorted({code for row in rows for code in row if code is not None})


def completion_grid(
    engine: Engine,
    campus: str,
    *,
    start: date | None = None,
    end: date | None = None,
    now: datetime | None = None,
    cells: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return due, on_time, late, missed, pending per cell_code × zone × week × domain.

    The range defaults to the last 90 days up to today (local). ``week`` is an ISO week
    label ("2026-W46"), ``zone`` a label ("3"). With ``cells``, only those cells' rows.
    Raises NotFound for an unknown campus.
    """
    now = now or utcnow()
    end = end or local_day(now)
    start = start or end - timedelta(days=89)
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        table = repo.completion_query(
            conn,
            cid,
            by=("cell_code", "zone", "week", "domain"),
            start=start,
            end=end,
            now=now,
            many_groups=True,
            cells=cells,
        )
    table["zone"] = repo.zone_labels(table["zone"])
    return table[list(GRID_COLUMNS)].reset_index(drop=True)


OWNER_GRID_COLUMNS = ("cell_code", "owner", "due", "on_time", "late", "missed", "pending")


def owner_grid(
    engine: Engine,
    campus: str,
    *,
    now: datetime | None = None,
    cells: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return due, on_time, late, missed, pending per cell_code × owner (the owner each due
    row names) over the last 90 days up to today (local); with ``cells``, only those
    cells' rows. The report by owner sums it; after new submissions only their cells need
    counting again. Raises NotFound for an unknown campus."""
    now = now or utcnow()
    end = local_day(now)
    with engine.connect() as conn:
        table = repo.completion_query(
            conn,
            campus_id(conn, campus),
            by=("cell_code", "owner"),
            start=end - timedelta(days=89),
            end=end,
            now=now,
            cells=cells,
        )
    return table[list(OWNER_GRID_COLUMNS)].reset_index(drop=True)


def hazards_table(engine: Engine, campus: str, *, now: datetime | None = None) -> pd.DataFrame:
    """Return every hazard with the person who answers for it now (see HAZARD_COLUMNS).

    Times are UTC; ``overdue_hours`` is 0 for hazards not overdue. Raises NotFound.
    Open hazards go through the ledger (escalation needs their history); closed and
    rejected ones, most of the table, are read flat: their level is ``closed``, the
    person their owner, and their clock stopped at their last complete or reject.
    """
    now = now or utcnow()
    with engine.connect() as conn:
        final = _final_hazards(conn, campus_id(conn, campus), now=now)
    return _with_open_hazards(engine, campus, final, now=now)


#: At most this many hazards re-read by :func:`hazards_table_since`; more, the whole table.
HAZARDS_SPLICED = 5000


def hazards_table_since(
    engine: Engine,
    campus: str,
    previous: pd.DataFrame,
    *,
    hazard: int | None,
    event: int | None,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Return :func:`hazards_table` from a ``previous`` one, read when the largest hazard
    and event ids were ``hazard`` and ``event``: the open hazards are read again (their
    escalation moves with the clock), the closed and rejected ones only where a hazard is
    new or has a new event; the rest of them are kept from ``previous``."""
    now = now or utcnow()
    h, e = HazardRow, HazardEvent
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        touched: Sequence[int] = conn.execute(
            sa.select(h.id).where(h.campus_id == cid, h.id > (hazard or 0))
            .union(
                sa.select(e.hazard_id).join(h, h.id == e.hazard_id)
                .where(h.campus_id == cid, e.id > (event or 0))
            )
        ).scalars().all()  # fmt: skip
        if len(touched) > HAZARDS_SPLICED:
            return hazards_table(engine, campus, now=now)
        fresh = _final_hazards(conn, cid, now=now, ids=[int(i) for i in touched])
    kept = previous[(previous["level"] == "closed") & ~previous["id"].isin(touched)]
    final = pd.concat([f for f in (kept, fresh) if len(f)] or [fresh])
    return _with_open_hazards(engine, campus, final, now=now)


def _with_open_hazards(
    engine: Engine, campus: str, final: pd.DataFrame, *, now: datetime
) -> pd.DataFrame:
    """Return the open hazards (through the ledger) and the ``final`` rows, by id."""
    cid, staff = campus_staff(engine, campus)
    with engine.connect() as conn:
        found = repo.load_hazards(conn, cid, states=list(OPEN_STATES))
    rows = []
    for v in (view(h, staff, now=now) for h in found):  # the open few: a loop is fine
        h = v.hazard
        rows.append(
            (
                int(h.id), h.domain, h.severity, h.state, h.description, h.cell_code, h.zone,
                h.owner, h.reported_at, h.deadline, float(v.overdue_hours), v.level,
                v.responsible, float(h.lon), float(h.lat),
            )
        )  # fmt: skip
    open_frame = pd.DataFrame(rows, columns=list(HAZARD_COLUMNS))
    frame = pd.concat([f for f in (open_frame, final) if len(f)] or [open_frame])
    for col in ("reported_at", "deadline"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame.sort_values("id", kind="stable").reset_index(drop=True)


def _final_hazards(
    conn: sa.Connection, cid: int, *, now: datetime, ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """Return the closed and rejected hazards (of ``ids``; all when None) as
    HAZARD_COLUMNS, in bulk (no history)."""
    h, e = HazardRow, HazardEvent
    final = sorted(FINAL_STATES)
    chosen = h.id.in_(sorted(set(ids))) if ids is not None else sa.true()
    # the driver's tuples: times are text on SQLite, parsed below by repo.utc_series
    rows = repo.plain_rows(
        conn,
        sa.select(
            h.id, h.domain, h.severity, h.state, h.description, h.cell_code, h.zone,
            h.owner, h.reported_at, h.deadline, sa.func.ST_X(h.geometry),
            sa.func.ST_Y(h.geometry),
        ).where(h.campus_id == cid, h.state.in_(final), chosen),
    )  # fmt: skip
    stops = repo.plain_rows(
        conn,
        sa.select(e.hazard_id, e.seq, e.at)
        .join(h, h.id == e.hazard_id)
        .where(
            h.campus_id == cid, h.state.in_(final), chosen, e.action.in_(["complete", "reject"])
        ),
    )
    columns = ["id", "domain", "severity", "state", "description", "cell", "zone", "owner",
               "reported_at", "deadline", "lon", "lat"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    if not len(frame):
        return pd.DataFrame(columns=list(HAZARD_COLUMNS))
    frame["id"] = frame["id"].astype(int)
    frame["zone"] = repo.zone_labels(frame["zone"])
    frame["reported_at"] = repo.utc_series(frame["reported_at"])
    frame["deadline"] = repo.utc_series(frame["deadline"])
    stop_frame = pd.DataFrame(stops, columns=["id", "seq", "at"])
    now_ts = pd.Timestamp(as_utc(now))
    if len(stop_frame):
        stop_frame["at"] = repo.utc_series(stop_frame["at"])
        last = stop_frame.sort_values(["id", "seq"]).groupby("id")["at"].last()
        end = frame["id"].map(last).fillna(now_ts)
        end = end.where(end < now_ts, now_ts)
    else:
        end = pd.Series(now_ts, index=frame.index)
    hours = (pd.to_datetime(end, utc=True) - frame["deadline"]).dt.total_seconds() / 3600.0
    frame["overdue_hours"] = hours.clip(lower=0.0).astype(float)
    frame["level"] = "closed"
    owners = frame["owner"]
    frame["responsible"] = owners.where(owners.notna() & (owners != ""), NOBODY)
    frame["lon"] = frame["lon"].astype(float)
    frame["lat"] = frame["lat"].astype(float)
    return frame[list(HAZARD_COLUMNS)]


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
