"""Read-only queries the map pages need, composed from :mod:`zoning.store` and
:mod:`zoning.services.safety` (nothing here writes; the schedule is materialised by
:func:`zoning.services.safety.completion_report`, which the pages call first).

- :func:`completion_grid`: inspection completion per cell × ISO week × domain, the one
  table the safety map's and the leadership heatmap's filters and week slider slice in
  memory (tens of thousands of rows on the large demo campus).
- :func:`hazards_table`: the ledger as one flat table with who answers for each hazard now.
- :func:`cell_detail`: what the safety map's side panel shows for one cell.

Every table takes the acting account and holds only what it may see (DESIGN.md: accounts and
permissions). Decided: an inspector's and a zone leader's tables hold the rows of their own
cells only (the current plan's cells the person owns, the cells of the zone), not every row
with the details blanked; campus-wide roles get every row. Within those rows, a hazard's
``description`` (the only free text of the table; owner and responsible are the staff chain
every map shows) is blanked, and ``redacted`` is True, for leadership (aggregates only), and
for sensitive domains (:func:`sensitive_domains`) unless the account holds VIEW_SENSITIVE.
A viewer (the map only) gets no hazard rows. What an account sees depends only on its
:func:`visibility`, so the pages key their caches by it, never by the account.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission, Role, Scope
from zoning.clock import as_utc, local_day, utcnow
from zoning.safety.access import REDACTED, Access
from zoning.safety.domains import SENSITIVE_DOMAINS
from zoning.safety.ledger.workflow import FINAL_STATES, OPEN_STATES, Hazard
from zoning.services._scope import scope_clause
from zoning.services.ledger import view
from zoning.services.safety import NOBODY, Staff, campus_ops, campus_staff, campus_version, staff_at
from zoning.store import safety as repo
from zoning.store.campus import campus_id, load_people
from zoning.store.models.safety import HazardEvent, HazardRow, Inspection, InspectionDue
from zoning.store.plans import current_plan, load_cell_owners

__all__ = [
    "CellDetail",
    "OpsVersion",
    "Visibility",
    "cell_detail",
    "completion_grid",
    "hazards_table",
    "hazards_table_since",
    "inspected_cells",
    "open_hazards",
    "ops_version",
    "owner_grid",
    "scope_cells",
    "sensitive_domains",
    "visibility",
    "visible_hazards",
]

GRID_COLUMNS = (
    "cell_code", "zone", "week", "domain", "due", "on_time", "late", "missed", "pending",
)  # fmt: skip
HAZARD_COLUMNS = (
    "id", "domain", "severity", "state", "description", "cell", "zone", "owner",
    "reported_at", "deadline", "overdue_hours", "level", "responsible", "lon", "lat",
)  # fmt: skip
#: The columns of what :func:`hazards_table` returns: HAZARD_COLUMNS and ``redacted``.
VISIBLE_HAZARD_COLUMNS = (*HAZARD_COLUMNS, "redacted")


def sensitive_domains() -> frozenset[str]:
    """Return the codes of the sensitive safety domains (public security, mental health):
    :data:`zoning.safety.domains.SENSITIVE_DOMAINS`, the one place the queries ask."""
    return SENSITIVE_DOMAINS


class Visibility(NamedTuple):
    """What an account sees of the operations data: the same for every account of the same
    role and scope, so a cache key (never the account's name).

    ``campus``, ``zone`` and ``person`` are set only where the scope needs them (a zone
    leader's zone, an inspector's person and campus)."""

    role: Role
    scope: Scope
    campus: str | None
    zone: int | None
    person: str | None

    @property
    def rows(self) -> tuple[object, ...]:
        """The part that decides which rows (cells) are seen: grids depend on nothing more."""
        return (self.scope, self.campus, self.zone, self.person)

    def actor(self) -> Actor:
        """Return an account that sees exactly this (what a cache computes a table as)."""
        return Actor(
            f"({self.role.value})", self.role, person=self.person, campus=self.campus,
            zone=self.zone,
        )  # fmt: skip


def visibility(actor: Actor) -> Visibility:
    """Return what ``actor`` sees (see :class:`Visibility`).

    >>> visibility(Actor("li", Role.SAFETY_OFFICER, person="Li", zone=2))
    Visibility(role=<Role.SAFETY_OFFICER: 'safety_officer'>, scope=<Scope.CAMPUS: 'campus'>, \
campus=None, zone=None, person=None)
    """
    scope = actor.scope
    return Visibility(
        role=actor.role,
        scope=scope,
        campus=None if scope is Scope.CAMPUS else actor.campus,
        zone=actor.zone if scope is Scope.ZONE else None,
        person=actor.person if scope is Scope.CELLS else None,
    )


def scope_cells(engine: Engine, campus: str, actor: Actor) -> frozenset[str] | None:
    """Return the codes of the current plan's cells within ``actor``'s scope: None for a
    campus-wide account, the cells ``actor.person`` owns for an inspector, the cells of
    ``actor.zone`` for a zone leader (none when the account names no person or zone, or
    another campus). Raises NotFound for an unknown campus."""
    scope = actor.scope
    if scope is Scope.CAMPUS:
        return None
    plan = current_plan(engine, campus)
    if plan is None or (actor.campus is not None and actor.campus != campus):
        with engine.connect() as conn:
            campus_id(conn, campus)  # NotFound for an unknown campus
        return frozenset()
    cells = load_cell_owners(engine, campus, plan.id)
    if scope is Scope.ZONE:
        if actor.zone is None:
            return frozenset()
        labels = repo.zone_labels(cells["zone"])
        chosen = [str(z) == repo.zone_label(actor.zone) for z in labels]
    else:
        chosen = [actor.person is not None and o == actor.person for o in cells["owner"]]
    return frozenset(str(c) for c, keep in zip(cells["code"], chosen, strict=True) if keep)


def _within(cells: Sequence[str] | None, scope: frozenset[str] | None) -> list[str] | None:
    """Return the ``cells`` asked for that lie within ``scope`` (None: no limit)."""
    if scope is None:
        return None if cells is None else list(cells)
    return sorted(scope if cells is None else scope.intersection(cells))


def _text(value: object) -> str | None:
    """Return ``value`` if it is a non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def _keeps(actor: Actor, cells: frozenset[str] | None) -> Callable[[Hazard], bool] | None:
    """Return the test of a ledger hazard in ``actor``'s scope (None: every hazard)."""
    if cells is None or actor.scope is Scope.CAMPUS:
        return None
    return Access(actor, cells).sees_hazard


def visible_hazards(
    table: pd.DataFrame, actor: Actor, cells: frozenset[str] | None
) -> pd.DataFrame:
    """Return the rows of a hazards ``table`` (HAZARD_COLUMNS) that ``actor`` may see, as a
    new frame of VISIBLE_HAZARD_COLUMNS: those in the scope (:class:`Access` with the scope's
    ``cells``; None: all), descriptions replaced by ``REDACTED`` where the account may not
    read them (see the module's notes); none for an account without VIEW_LEDGER or
    VIEW_REPORTS."""
    if not (actor.can(Permission.VIEW_LEDGER) or actor.can(Permission.VIEW_REPORTS)):
        seen = table.iloc[0:0]
    elif cells is None or actor.scope is Scope.CAMPUS:
        seen = table
    else:  # a scoped account: its rows are few (read by cell, zone or owner)
        text = [table[c].astype(object).where(table[c].map(_text).notna(), None)
                for c in ("cell", "zone", "owner")]  # fmt: skip
        seen = table[Access(actor, cells).sees_rows(*text)]
    out = seen.copy()
    if not actor.can(Permission.VIEW_LEDGER):
        hidden = pd.Series(True, index=out.index)
    elif not actor.can(Permission.VIEW_SENSITIVE):
        hidden = out["domain"].isin(sensitive_domains())
    else:
        hidden = pd.Series(False, index=out.index)
    out["description"] = out["description"].astype(object).where(~hidden, REDACTED)
    out["redacted"] = hidden.astype(bool)
    return out[list(VISIBLE_HAZARD_COLUMNS)].reset_index(drop=True)


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
        # by the id range only, the campus checked on the few rows found: with the campus
        # in the WHERE, SQLite walked the campus's index over every inspection (~27 ms on
        # the large demo) instead of the primary key's range (< 1 ms)
        rows = conn.execute(
            sa.select(i.campus_id, i.cell_code, d.cell_code)
            .outerjoin(d, d.id == i.due_id)
            .where(i.id > after, i.id <= upto)
        ).all()
    found = {code for row in rows if row[0] == cid for code in row[1:] if code is not None}
    return sorted(found)


def next_due_at(engine: Engine, campus: str, *, now: datetime | None = None) -> datetime | None:
    """Return the earliest due time (UTC) after ``now`` among the due rows nothing was
    submitted for yet, due on or before today (local): the next moment a cell of the
    completion grid turns from pending to missed (None: none left today). One read over
    the campus's due rows of the last two days."""
    now = as_utc(now or utcnow())
    today = local_day(now)
    d = InspectionDue
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        found = conn.execute(
            sa.select(sa.func.min(d.due_at)).where(
                d.campus_id == cid,
                d.due_date >= today - timedelta(days=1),
                d.due_date <= today,
                d.submitted_at.is_(None),
                d.due_at > now,
            )
        ).scalar()
    return None if found is None else as_utc(found)


def due_passed_cells(engine: Engine, campus: str, *, since: datetime, upto: datetime) -> list[str]:
    """Return the codes of the cells with a due row nothing was submitted for whose due time
    lies in [``since``, ``upto``] (UTC): the cells that turned from pending to missed."""
    d = InspectionDue
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        codes = conn.execute(
            sa.select(d.cell_code)
            .distinct()
            .where(
                d.campus_id == cid,
                d.due_date >= local_day(as_utc(since)) - timedelta(days=1),
                d.submitted_at.is_(None),
                d.due_at >= as_utc(since),
                d.due_at <= as_utc(upto),
            )
        ).scalars()
        return sorted(str(c) for c in codes)


def completion_grid(
    engine: Engine,
    campus: str,
    *,
    start: date | None = None,
    end: date | None = None,
    now: datetime | None = None,
    cells: Sequence[str] | None = None,
    actor: Actor,
) -> pd.DataFrame:
    """Return due, on_time, late, missed, pending per cell_code × zone × week × domain.

    The range defaults to the last 90 days up to today (local). ``week`` is an ISO week
    label ("2026-W46"), ``zone`` a label ("3"). With ``cells``, only those cells' rows; only
    the cells of ``actor``'s scope (:func:`scope_cells`) in any case. Needs VIEW_MAP (the
    map's colours). Raises NotFound for an unknown campus, PermissionDenied.
    """
    actor.require(Permission.VIEW_MAP, "see the campus map")
    cells = _within(cells, scope_cells(engine, campus, actor))
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
    actor: Actor,
) -> pd.DataFrame:
    """Return due, on_time, late, missed, pending per cell_code × owner (the owner each due
    row names) over the last 90 days up to today (local); with ``cells``, only those
    cells' rows, and only the cells of ``actor``'s scope. The report by owner sums it; after
    new submissions only their cells need counting again. Needs VIEW_REPORTS. Raises
    NotFound for an unknown campus, PermissionDenied."""
    actor.require(Permission.VIEW_REPORTS, "see the completion by owner")
    cells = _within(cells, scope_cells(engine, campus, actor))
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


def hazards_table(
    engine: Engine, campus: str, *, actor: Actor, now: datetime | None = None
) -> pd.DataFrame:
    """Return the hazards ``actor`` may see with the person who answers for each now (see
    VISIBLE_HAZARD_COLUMNS and :func:`visible_hazards`).

    Times are UTC; ``overdue_hours`` is 0 for hazards not overdue. Raises NotFound.
    Open hazards go through the ledger (escalation needs their history); closed and
    rejected ones, most of the table, are read flat: their level is ``closed``, the
    person their owner, and their clock stopped at their last complete or reject.
    """
    now = now or utcnow()
    cells = scope_cells(engine, campus, actor)
    with engine.connect() as conn:
        where = scope_clause(actor, cells)
        final = _final_hazards(conn, campus_id(conn, campus), now=now, where=where)
    keep = _keeps(actor, cells)
    return visible_hazards(
        _with_open_hazards(engine, campus, final, now=now, keep=keep), actor, cells
    )


#: At most this many hazards re-read by :func:`hazards_table_since`; more, the whole table.
HAZARDS_SPLICED = 5000


def touched_hazards(
    engine: Engine, campus: str, *, hazard: int | None, event: int | None
) -> list[int] | None:
    """Return the ids of the hazards of ``campus`` added after hazard id ``hazard`` or with an
    event after event id ``event`` (None: none yet), or None when there are more than
    :data:`HAZARDS_SPLICED` (read everything again)."""
    h, e = HazardRow, HazardEvent
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        # by the id ranges only, the campus checked on the rows found (see inspected_cells:
        # with the campus in the WHERE, SQLite read every hazard of the campus, ~20 ms)
        rows = conn.execute(
            sa.select(h.id, h.campus_id).where(h.id > (hazard or 0))
            .union(
                sa.select(e.hazard_id, h.campus_id).join(h, h.id == e.hazard_id)
                .where(e.id > (event or 0))
            )
        ).all()  # fmt: skip
    touched = sorted({int(row[0]) for row in rows if row[1] == cid})
    return None if len(touched) > HAZARDS_SPLICED else touched


def hazards_table_since(
    engine: Engine,
    campus: str,
    previous: pd.DataFrame,
    *,
    hazard: int | None,
    event: int | None,
    actor: Actor,
    now: datetime | None = None,
    open_again: bool = True,
) -> pd.DataFrame:
    """Return :func:`hazards_table` from a ``previous`` one of the same :func:`visibility`,
    read when the largest hazard and event ids were ``hazard`` and ``event``: the hazards new
    or with a new event since are read again, the rest kept from ``previous`` (those still
    within the scope). With ``open_again`` every open hazard is read again too (their
    escalation and overdue hours move with the clock); without, an open hazard nothing
    happened to keeps its row (a ``previous`` of the last minutes)."""
    now = now or utcnow()
    cells = scope_cells(engine, campus, actor)
    touched = touched_hazards(engine, campus, hazard=hazard, event=event)
    if touched is None:
        return hazards_table(engine, campus, actor=actor, now=now)
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        fresh = _final_hazards(conn, cid, now=now, ids=touched, where=scope_clause(actor, cells))
    fresh = visible_hazards(fresh, actor, cells)
    kept = previous[~previous["id"].isin(touched)]
    if open_again:
        kept = kept[kept["level"] == "closed"]
    if cells is not None:  # the scope may have moved (new owners): keep only what it sees
        kept = kept[kept["id"].isin(visible_hazards(kept, actor, cells)["id"])]
    final = pd.concat([f for f in (kept, fresh) if len(f)] or [fresh])
    keep = _keeps(actor, cells)
    if open_again:
        found = _with_open_hazards(engine, campus, final.iloc[0:0], now=now, keep=keep)
    else:
        with engine.connect() as conn:
            ledger = repo.load_hazards(conn, cid, ids=touched, states=list(OPEN_STATES))
        _, staff = campus_staff(engine, campus)
        found = _open_rows([h for h in ledger if keep is None or keep(h)], staff, now=now)
    open_rows = visible_hazards(found, actor, cells)
    return _by_id(pd.concat([f for f in (open_rows, final) if len(f)] or [open_rows]))


#: The open hazards (ledger objects with their history) last read per campus version
#: (``safety.campus_version``: activation re-homes open hazards without an event) and the
#: largest hazard and event ids they were read at; the oldest dropped past a few.
_OPEN: dict[tuple[object, ...], tuple[tuple[int | None, int | None], tuple[Hazard, ...]]] = {}
_OPEN_LOCK = threading.Lock()
OPEN_KEPT = 8


def open_hazards(engine: Engine, campus: str) -> tuple[int, Staff, tuple[Hazard, ...]]:
    """Return the campus id, its staff and its open hazards (through the ledger, with their
    history), by id. Kept per campus version: after new hazards or events only those hazards
    are read again (``touched_hazards``), the other open ones are the ones read before (a
    hazard changes only by an event; activation, which re-homes them, is a new version). Read
    whole the first time, after a new version, or when many changed."""
    found_version = campus_version(engine, campus)
    version = found_version[0]
    cid, staff = staff_at(engine, campus, found_version)  # the version's reads, once
    with engine.connect() as conn:  # the ids first: a change after them is read next time
        at = _largest_ids(conn)
        with _OPEN_LOCK:
            kept = _OPEN.get(version)
        touched = None
        if kept is not None and kept[0] == at:
            return cid, staff, kept[1]
        if kept is not None:
            touched = touched_hazards(engine, campus, hazard=kept[0][0], event=kept[0][1])
        if kept is None or touched is None:
            found = tuple(repo.load_hazards(conn, cid, states=list(OPEN_STATES)))
        else:
            moved = set(touched)
            by_id = {int(h.id): h for h in kept[1] if int(h.id) not in moved}
            fresh = repo.load_hazards(conn, cid, ids=touched) if touched else []
            by_id.update((int(h.id), h) for h in fresh if h.state in OPEN_STATES)
            found = tuple(by_id[i] for i in sorted(by_id))
    with _OPEN_LOCK:
        _OPEN.pop(version, None)
        _OPEN[version] = (at, found)
        while len(_OPEN) > OPEN_KEPT:
            del _OPEN[next(iter(_OPEN))]
    return cid, staff, found


def _largest_ids(conn: sa.Connection) -> tuple[int | None, int | None]:
    """Return the largest hazard and event ids (any campus; None: none yet)."""
    ids = conn.execute(
        sa.select(
            sa.select(sa.func.max(HazardRow.id)).scalar_subquery(),
            sa.select(sa.func.max(HazardEvent.id)).scalar_subquery(),
        )
    ).one()
    return (None if ids[0] is None else int(ids[0]), None if ids[1] is None else int(ids[1]))


def _with_open_hazards(
    engine: Engine,
    campus: str,
    final: pd.DataFrame,
    *,
    now: datetime,
    keep: Callable[[Hazard], bool] | None = None,
) -> pd.DataFrame:
    """Return the open hazards (through the ledger; those ``keep`` keeps, all when None) and
    the ``final`` rows, by id."""
    _, staff, found = open_hazards(engine, campus)
    open_frame = _open_rows([h for h in found if keep is None or keep(h)], staff, now=now)
    return _by_id(pd.concat([f for f in (open_frame, final) if len(f)] or [open_frame]))


def _by_id(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` (open and final rows) by id, its times as one UTC dtype."""
    for col in ("reported_at", "deadline"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame.sort_values("id", kind="stable").reset_index(drop=True)


def _open_rows(found: Sequence[Hazard], staff: Staff, *, now: datetime) -> pd.DataFrame:
    """Return the table's rows of the open hazards ``found`` at ``now`` (who answers for each
    through ``staff``'s chain), times as UTC columns."""
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
    frame = pd.DataFrame(rows, columns=list(HAZARD_COLUMNS))
    for col in ("reported_at", "deadline"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def _final_hazards(
    conn: sa.Connection,
    cid: int,
    *,
    now: datetime,
    ids: Sequence[int] | None = None,
    where: sa.ColumnElement[bool] | None = None,
) -> pd.DataFrame:
    """Return the closed and rejected hazards (of ``ids``, meeting ``where``; all when None)
    as HAZARD_COLUMNS, in bulk (no history)."""
    h, e = HazardRow, HazardEvent
    final = sorted(FINAL_STATES)
    chosen: sa.ColumnElement[bool] = h.id.in_(sorted(set(ids))) if ids is not None else sa.true()
    if where is not None:
        chosen = sa.and_(chosen, where)
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
    """One cell's chain of responsibility, checklists of this period, recent inspections and
    open hazards, as the acting account may see them (see :func:`cell_detail`)."""

    code: str
    #: The zone's name where the campus names its zones, else its number ("3"); None: none.
    zone: str | None
    owner: str | None
    #: (level, person): cell_owner → zone_leader → safety_office → leadership.
    chain: tuple[tuple[str, str], ...]
    #: template_code, domain, frequency, period, due_date, submitted_at.
    due_now: pd.DataFrame
    #: submitted_at, template_code, period, inspector, late (newest first).
    recent: pd.DataFrame
    #: The open hazards of the cell (VISIBLE_HAZARD_COLUMNS, by id).
    hazards: pd.DataFrame
    #: The owner's phone: None without VIEW_PHONES (or without a phone on record).
    owner_phone: str | None
    #: False when the cell lies outside the account's scope (its operations then empty).
    in_scope: bool
    #: The phones of the chain's people (person → phone): empty without VIEW_PHONES.
    chain_phones: dict[str, str] = field(default_factory=dict)


def cell_detail(
    engine: Engine,
    campus: str,
    code: str,
    *,
    actor: Actor,
    now: datetime | None = None,
    recent: int = 5,
) -> CellDetail:
    """Return the side-panel facts of cell ``code`` of the current plan as ``actor`` may
    see them: the chain for everyone with VIEW_MAP; the checklists, inspections and hazards
    only for a cell within the scope and an account with VIEW_LEDGER or VIEW_REPORTS
    (hazards through :func:`visible_hazards`); the owner's phone only with VIEW_PHONES.
    Raises NotFound, PermissionDenied."""
    actor.require(Permission.VIEW_MAP, "see the campus map")
    now = now or utcnow()
    ops = campus_ops(engine, campus)
    row = ops.cells[ops.cells["code"] == code]
    zone = None if not len(row) else repo.zone_label(row["zone"].iloc[0])  # the staff's key
    zone_name = None if not len(row) else repo.zone_label(row["zone"].iloc[0], ops.zone_names)
    owner_value = None if not len(row) else row["owner"].iloc[0]
    owner = owner_value if isinstance(owner_value, str) and owner_value else None
    staff = ops.staff
    chain = (
        ("cell_owner", owner or staff.fallback_owners.get(zone or "", "")),
        ("zone_leader", staff.zone_leaders.get(zone or "", "")),
        ("safety_office", staff.safety_office),
        ("leadership", staff.leadership),
    )
    cells = scope_cells(engine, campus, actor)
    in_scope = cells is None or code in cells
    operations = in_scope and (
        actor.can(Permission.VIEW_LEDGER) or actor.can(Permission.VIEW_REPORTS)
    )
    today = local_day(now)
    with engine.connect() as conn:
        due = repo.load_due(conn, ops.cid, cell_code=code, started_by=today)
        ins = Inspection
        rows = conn.execute(
            sa.select(ins.submitted_at, ins.template_code, ins.period, ins.inspector, ins.late)
            .where(ins.campus_id == ops.cid, ins.cell_code == code)
            .order_by(ins.submitted_at.desc())
            .limit(recent if operations else 0)
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
    open_hazards = _with_open_hazards(
        engine, campus, pd.DataFrame(columns=list(HAZARD_COLUMNS)), now=now,
        keep=lambda h: h.cell_code == code,
    )  # fmt: skip
    phones = actor.can(Permission.VIEW_PHONES)
    return CellDetail(
        code=code,
        zone=zone_name,
        owner=owner,
        chain=chain,
        due_now=due_now if operations else due_now.iloc[0:0].reset_index(drop=True),
        recent=recent_frame,
        hazards=visible_hazards(open_hazards, actor, cells if operations else frozenset()),
        owner_phone=_phone(engine, campus, owner) if phones else None,
        in_scope=in_scope,
        chain_phones=_chain_phones(engine, campus, chain) if phones else {},
    )


def _chain_phones(engine: Engine, campus: str, chain: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Return person → phone of the people named in ``chain`` who have one on record."""
    named = {p for _, p in chain if p}
    people = load_people(engine, campus)
    rows = people[people["name"].isin(named)]
    return {
        str(n): str(p) for n, p in zip(rows["name"], rows["phone"], strict=True)
        if isinstance(p, str) and p
    }  # fmt: skip


def _phone(engine: Engine, campus: str, person: str | None) -> str | None:
    """Return the phone of ``person`` of ``campus`` (None: no such person or no phone)."""
    if person is None:
        return None
    people = load_people(engine, campus)
    phones = people.loc[people["name"] == person, "phone"]
    found = phones.iloc[0] if len(phones) else None
    return found if isinstance(found, str) and found else None
