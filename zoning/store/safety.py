"""Repositories of the safety-operations tables: bulk writes and the queries services need.

Bulk writes go through :func:`bulk_insert`: ``executemany`` with plain tuples on SQLite
(in the caller's transaction) and ``COPY … FROM STDIN`` through psycopg on PostGIS. Parent
rows whose ids children need (submissions, hazards) get their ids from :func:`reserve_ids`
first. Every function takes an open connection, so the caller decides the transaction.
Times are bound in UTC; values read back are UTC-aware (SQLite drops offsets).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from zoning.clock import as_utc, maybe_utc, utcnow
from zoning.errors import NotFound
from zoning.safety.checklists import ChecklistTemplate
from zoning.safety.complaints import Complaint
from zoning.safety.inspections import Submission
from zoning.safety.ledger.workflow import Hazard, Transition
from zoning.store.models.campus import AuditEvent
from zoning.store.models.safety import (
    ChecklistVersion,
    ComplaintRow,
    CompletionWeek,
    HazardEvent,
    HazardRow,
    Inspection,
    InspectionDue,
    InspectionResult,
    ScheduleMark,
)

DUE_STORE_COLUMNS = (
    "campus_id", "plan_id", "cell_code", "zone", "owner", "kind", "use", "template_code",
    "template_version", "domain", "frequency", "period", "period_start", "due_date", "due_at",
    "week", "submitted_at",
)  # fmt: skip
#: What :func:`insert_due` writes: the columns above, then the buildings a row names.
DUE_INSERT_COLUMNS = (*DUE_STORE_COLUMNS, "buildings")
HAZARD_COLUMNS = (
    "id", "campus_id", "source", "domain", "severity", "description", "state", "reported_by",
    "reported_at", "deadline", "original_deadline", "assignee", "plan_id", "cell_code", "zone",
    "owner", "inspection_id", "item_code", "category", "rectified_at", "closed_at", "reworks",
    "extensions",
)  # fmt: skip
EVENT_COLUMNS = (
    "hazard_id", "seq", "action", "from_state", "to_state", "actor", "at", "note", "deadline",
    "assignee",
)  # fmt: skip
INSPECTION_COLUMNS = (
    "id", "campus_id", "due_id", "plan_id", "cell_code", "zone", "owner", "template_code",
    "template_version", "template_hash", "period", "inspector", "submitted_at", "late",
)  # fmt: skip
RESULT_COLUMNS = ("inspection_id", "item_code", "outcome", "note", "photo_path")
COMPLAINT_COLUMNS = (
    "id", "campus_id", "hazard_id", "category", "text", "contact", "received_at",
    "response_deadline", "plan_id", "cell_code", "zone", "owner", "duplicate_of",
)  # fmt: skip
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DateTime stores values


def utc_series(values: pd.Series) -> pd.Series:
    """Return stored times (naive UTC or text on SQLite, aware on PostGIS) as UTC datetimes.

    Vectorised: naive values are taken as UTC, aware ones converted (None and NaT stay NaT).
    """
    return pd.to_datetime(values, utc=True, format="ISO8601")


def zone_number(zone: object) -> int | None:
    """Return a zone label ("3", 3, None) as the integer the cells store, or None.

    A float is what pandas makes of an integer column holding a NULL: 3.0 is zone 3; NaN
    and fractions are no zone.
    """
    if isinstance(zone, str):
        text = zone.strip()
        return int(text) if text.lstrip("-").isdigit() else None
    if zone is None or isinstance(zone, bool | np.bool_):
        return None
    if isinstance(zone, int | np.integer):
        return int(zone)
    if isinstance(zone, float | np.floating):
        return int(zone) if math.isfinite(zone) and float(zone).is_integer() else None
    text = str(zone).strip()
    return int(text) if text.lstrip("-").isdigit() else None


def zone_label(zone: object, names: Mapping[int, str] | None = None) -> str | None:
    """Return a stored zone number as the text label the ledger uses ("3"), or None.

    With ``names`` (the campus's {number: name}, :func:`zoning.store.zones.names_of`), a
    named zone's label is its name ("北区"): what people read. Keys in data (filters, a
    zone leader's scope) stay the bare number: pass ``names`` only where a label is shown.

    >>> zone_label(2), zone_label(2, {2: "北区"}), zone_label(3, {2: "北区"}), zone_label(None)
    ('2', '北区', '3', None)
    """
    number = zone_number(zone)
    if number is None:
        return None
    return names.get(number, str(number)) if names else str(number)


def zone_labels(
    values: pd.Series | np.ndarray | Sequence[object], names: Mapping[int, str] | None = None
) -> list[str | None]:
    """Return ``[zone_label(z, names) for z in values]`` for one zone column, a call per
    distinct value.

    A column holds a handful of zones over 100,000s of rows.
    """
    column = values if isinstance(values, pd.Series | np.ndarray) else np.asarray(values, object)
    codes, distinct = pd.factorize(column)
    labels = np.array([*(zone_label(z, names) for z in distinct), None], dtype=object)
    return list(labels[codes].tolist())  # code -1 (None, NaN) picks the trailing None


# --------------------------------------------------------------------------- bulk writes


def _sqlite_time(value: datetime) -> str:
    return as_utc(value).replace(tzinfo=None).strftime(_SQLITE_TIME)


def _sqlite_adapters() -> None:
    """Teach the SQLite driver to bind times as SQLAlchemy stores them (UTC text).

    Bulk inserts bypass SQLAlchemy's type processing; the driver's adapters run in C, so
    plain tuples go straight to ``executemany``.
    """
    import sqlean

    sqlean.register_adapter(datetime, _sqlite_time)
    sqlean.register_adapter(date, date.isoformat)


def reserve_ids(conn: sa.Connection, table: str, count: int) -> list[int]:
    """Return ``count`` fresh primary keys for ``table`` (its sequence on PostGIS).

    On SQLite the keys follow the current maximum: safe because SQLite has one writer.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table, "n": count},
        ).scalars()
        return sorted(int(r) for r in rows)
    start = conn.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()
    return list(range(int(start) + 1, int(start) + 1 + count))


def bulk_insert(
    conn: sa.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    point: bool = False,
) -> int:
    """Insert plain tuples into ``table`` (``columns`` order); return the number of rows.

    With ``point`` each tuple carries lon, lat (degrees) after the columns and the row's
    geometry becomes that POINT in EPSG:4326.
    """
    names = ", ".join(columns)
    n = 0
    if conn.dialect.name == "postgresql":
        cols = f"{names}, geometry" if point else names
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            width = len(columns)
            for row in rows:
                if point:
                    lon, lat = row[width], row[width + 1]
                    copy.write_row((*row[:width], f"SRID=4326;POINT({lon!r} {lat!r})"))
                else:
                    copy.write_row(row)
                n += 1
        return n
    marks = ", ".join("?" for _ in columns)
    if point:
        sql = f"INSERT INTO {table} ({names}, geometry) VALUES ({marks}, MakePoint(?, ?, 4326))"
    else:
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    _sqlite_adapters()
    batch = rows if isinstance(rows, list) else list(rows)
    if batch:
        conn.exec_driver_sql(sql, batch)  # type: ignore[arg-type]
    return len(batch)


# --------------------------------------------------------------------------- checklists


def record_template_versions(conn: sa.Connection, templates: Iterable[ChecklistTemplate]) -> None:
    """Record each template's (code, version, content_hash) once."""
    known = {
        (r.code, r.version, r.content_hash)
        for r in conn.execute(
            sa.select(
                ChecklistVersion.code, ChecklistVersion.version, ChecklistVersion.content_hash
            )
        )
    }
    now = utcnow()
    rows = [
        {
            "code": t.code,
            "version": t.version,
            "content_hash": t.content_hash,
            "domain": t.domain,
            "frequency": t.frequency,
            "name_zh": t.name_zh,
            "name_en": t.name_en,
            "recorded_at": now,
        }
        for t in {(t.code, t.version, t.content_hash): t for t in templates}.values()
        if (t.code, t.version, t.content_hash) not in known
    ]
    if rows:
        conn.execute(sa.insert(ChecklistVersion), rows)


def template_versions(conn: sa.Connection) -> pd.DataFrame:
    """Return the recorded checklist versions (code, version, content_hash, recorded_at)."""
    rows = conn.execute(
        sa.select(
            ChecklistVersion.code,
            ChecklistVersion.version,
            ChecklistVersion.content_hash,
            ChecklistVersion.recorded_at,
        ).order_by(ChecklistVersion.code, ChecklistVersion.version)
    ).fetchall()
    return pd.DataFrame(
        [tuple(r) for r in rows], columns=["code", "version", "content_hash", "recorded_at"]
    )


# --------------------------------------------------------------------------- due inspections


def due_keys(conn: sa.Connection, cid: int, start: date, end: date) -> set[tuple[str, str, str]]:
    """Return the (cell_code, template_code, period) keys already due in ``start``…``end``."""
    rows = conn.execute(
        sa.select(InspectionDue.cell_code, InspectionDue.template_code, InspectionDue.period).where(
            InspectionDue.campus_id == cid,
            InspectionDue.due_date >= start,
            InspectionDue.due_date <= end,
        )
    )
    return {(r[0], r[1], r[2]) for r in rows}


def insert_due(conn: sa.Connection, rows: Iterable[Sequence[Any]]) -> int:
    """Bulk-insert due rows: tuples in :data:`DUE_INSERT_COLUMNS` order, then lon, lat."""
    return bulk_insert(conn, "inspection_due", DUE_INSERT_COLUMNS, rows, point=True)


def load_due(
    conn: sa.Connection,
    cid: int,
    *,
    start: date | None = None,
    end: date | None = None,
    owner: str | None = None,
    cell_code: str | None = None,
    template_code: str | None = None,
    started_by: date | None = None,
    open_only: bool = False,
) -> pd.DataFrame:
    """Return due rows of campus ``cid`` (id, the DUE_COLUMNS with ``buildings`` the names
    of the buildings a row is for, submitted_at, lon, lat)."""
    d = InspectionDue
    stmt = sa.select(
        d.id, d.plan_id, d.cell_code, d.zone, d.owner, d.kind, d.use, d.template_code,
        d.template_version, d.domain, d.frequency, d.period, d.period_start, d.due_date,
        d.due_at, d.buildings, d.submitted_at, sa.func.ST_X(d.geometry),
        sa.func.ST_Y(d.geometry),
    ).where(d.campus_id == cid)  # fmt: skip
    if start is not None:
        stmt = stmt.where(d.due_date >= start)
    if end is not None:
        stmt = stmt.where(d.due_date <= end)
    if owner is not None:
        stmt = stmt.where(d.owner == owner)
    if cell_code is not None:
        stmt = stmt.where(d.cell_code == cell_code)
    if template_code is not None:
        stmt = stmt.where(d.template_code == template_code)
    if started_by is not None:
        stmt = stmt.where(d.period_start <= started_by)
    if open_only:
        stmt = stmt.where(d.submitted_at.is_(None))
    rows = conn.execute(stmt.order_by(d.due_date, d.cell_code, d.template_code)).fetchall()
    columns = [
        "id", "plan_id", "cell_code", "zone", "owner", "kind", "use", "template_code",
        "template_version", "domain", "frequency", "period", "period_start", "due_date",
        "due_at", "buildings", "submitted_at", "lon", "lat",
    ]  # fmt: skip
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns, dtype=object)
    frame["zone"] = pd.Series(zone_labels(frame["zone"]), index=frame.index, dtype=object)
    frame["due_at"] = utc_series(frame["due_at"])
    frame["submitted_at"] = utc_series(frame["submitted_at"])
    return frame


def claim_due(conn: sa.Connection, due_id: int, at: datetime) -> bool:
    """Mark due item ``due_id`` submitted at ``at`` if nobody has; return whether this call did.

    A conditional update inside the caller's transaction: of two concurrent submissions of
    one due item exactly one claims it (PostgreSQL makes the second wait on the row and then
    see it taken; SQLite has one writer at a time).
    """
    d = InspectionDue
    done = conn.execute(
        sa.update(d).where(d.id == due_id, d.submitted_at.is_(None)).values(submitted_at=as_utc(at))
    )
    return bool(done.rowcount == 1)


@dataclass(frozen=True)
class FirstSubmission:
    """The first submission of a due item: its id, inspector and time (UTC)."""

    inspection_id: int
    inspector: str
    submitted_at: datetime


def first_submission(conn: sa.Connection, due_id: int) -> FirstSubmission | None:
    """Return the first submission of due item ``due_id`` (not an amendment), or None."""
    i = Inspection
    row = conn.execute(
        sa.select(i.id, i.inspector, i.submitted_at)
        .where(i.due_id == due_id, i.amends.is_(None))
        .order_by(i.submitted_at, i.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return FirstSubmission(int(row[0]), str(row[1]), as_utc(row[2]))


def write_schedule_mark(
    conn: sa.Connection, cid: int, plan_id: int, *, start: date, through: date, rows: int
) -> None:
    """Record that plan ``plan_id``'s due inspections exist from ``start`` to ``through``
    (``rows`` of them stored by this run)."""
    conn.execute(
        sa.insert(ScheduleMark).values(
            campus_id=cid,
            plan_id=plan_id,
            start=start,
            through=through,
            rows=rows,
            made_at=utcnow(),
        )
    )


def move_entered_by(conn: sa.Connection, cid: int, hazard_id: int, action: str) -> str | None:
    """Return the account that entered the last ``action`` on hazard ``hazard_id`` (from its
    ``hazard.move`` audit rows, whose detail starts with the hazard id and action), or None."""
    a = AuditEvent
    prefix = json.dumps({"hazard_id": hazard_id, "action": action}, ensure_ascii=False)[:-1]
    found = conn.execute(
        sa.select(a.actor)
        .where(a.campus_id == cid, a.action == "hazard.move", a.detail.like(prefix + "%"))
        .order_by(a.id.desc())
        .limit(1)
    ).scalar()
    return str(found) if found is not None else None


def scheduled_through(conn: sa.Connection, cid: int, plan_id: int) -> date | None:
    """Return the last day up to which plan ``plan_id`` has been scheduled, or None."""
    m = ScheduleMark
    last = conn.execute(
        sa.select(sa.func.max(m.through)).where(m.campus_id == cid, m.plan_id == plan_id)
    ).scalar()
    if last is None or isinstance(last, date):
        return last
    return date.fromisoformat(str(last)[:10])


SUMMARY_KEYS = frozenset({"cell_code", "week"})  # groups completion_week can answer


def completion_query(
    conn: sa.Connection,
    cid: int,
    *,
    by: str | Sequence[str],
    start: date,
    end: date,
    now: datetime,
    many_groups: bool = False,
    cells: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return due, on_time, late, missed, pending per ``by`` (columns of inspection_due).

    Submitted before due_at is on time, at or after is late, nothing by ``now`` is missed
    once due_at has passed, pending before. Grouped by cell and/or week it reads the
    maintained summary ``completion_week`` (about one row per cell × week instead of one
    per cell × template × period); other groupings, or a ``now`` earlier than a counted
    submission, run one GROUP BY over ``inspection_due`` (``ix_inspection_due_completion``).
    With ``many_groups`` (about one group per due row, as cell × zone × week × domain) the
    due rows are read in group order instead, with their outcome, and counted here: the
    same table, without the database's GROUP BY, which costs more than the rows it saves.
    With ``cells`` only the due rows of those cell codes are counted (from the due rows).
    """
    names = [by] if isinstance(by, str) else list(by)
    now = as_utc(now)
    if names and set(names) <= SUMMARY_KEYS and cells is None:
        frame = _completion_from_summary(conn, cid, names, start=start, end=end, now=now)
        if frame is not None:
            return frame
    d = InspectionDue
    keys = [getattr(d, name) for name in names]
    plain = all(isinstance(key.type, sa.String | sa.Integer) for key in keys)
    in_range = sa.and_(d.campus_id == cid, d.due_date >= start, d.due_date <= end)
    if cells is not None:
        # One code twice: SQLite plans ``IN (one)`` as ``=`` and then walks the campus's
        # whole owner index to skip the GROUP BY sort (0.6 s on the large demo, not 5 ms).
        codes = sorted(set(cells))
        in_range = sa.and_(in_range, d.cell_code.in_(codes * 2 if len(codes) == 1 else codes))
    if many_groups and names and plain:
        return _completion_from_rows(conn, keys, in_range, names, now=now)
    done = sa.and_(d.submitted_at.is_not(None), d.submitted_at <= now)
    on_time = sa.func.sum(sa.case((sa.and_(done, d.submitted_at < d.due_at), 1), else_=0))
    late = sa.func.sum(sa.case((sa.and_(done, d.submitted_at >= d.due_at), 1), else_=0))
    missed = sa.func.sum(sa.case((sa.and_(sa.not_(done), d.due_at <= now), 1), else_=0))
    pending = sa.func.sum(sa.case((sa.and_(sa.not_(done), d.due_at > now), 1), else_=0))
    stmt = (
        sa.select(*keys, on_time, late, missed, pending)
        .where(in_range)
        .group_by(*keys)
        .order_by(*keys)
    )
    rows = plain_rows(conn, stmt) if plain else [tuple(r) for r in conn.execute(stmt)]
    width = len(names) + len(COUNTS)
    table = np.array(rows, dtype=object).reshape(len(rows), width)
    return completion_frame(table[:, : len(names)], table[:, len(names) :], names)


COUNTS = ("on_time", "late", "missed", "pending")


def _completion_from_rows(
    conn: sa.Connection,
    keys: list[sa.orm.InstrumentedAttribute[Any]],
    in_range: sa.ColumnElement[bool],
    names: list[str],
    *,
    now: datetime,
) -> pd.DataFrame:
    """Return :func:`completion_query` from the due rows in group order (``many_groups``).

    Each row comes with its outcome, the index of its count in COUNTS; rows of a group are
    consecutive, so a group starts where a key differs from the row before (NULL equals
    NULL, as in GROUP BY), and the groups come in the order ORDER BY gives them.
    """
    d = InspectionDue
    outcome = sa.case(
        (d.submitted_at <= now, sa.case((d.submitted_at < d.due_at, 0), else_=1)),
        (d.due_at <= now, 2),
        else_=3,
    )  # due_at is NOT NULL; a NULL submitted_at is not submitted
    stmt = sa.select(*keys, outcome).where(in_range).order_by(*keys)
    rows = plain_rows(conn, stmt)
    table = np.array(rows, dtype=object).reshape(len(rows), len(names) + 1)
    starts = np.zeros(len(rows), dtype=bool)
    starts[:1] = True
    for k in range(len(names)):
        column = table[:, k]
        starts[1:] |= column[1:] != column[:-1]
    group = np.cumsum(starts) - 1
    counts = np.bincount(
        group * len(COUNTS) + table[:, -1].astype(np.int64),
        minlength=int(starts.sum()) * len(COUNTS),
    ).reshape(-1, len(COUNTS))
    return completion_frame(table[starts, : len(names)], counts, names)


def _completion_from_summary(
    conn: sa.Connection, cid: int, names: list[str], *, start: date, end: date, now: datetime
) -> pd.DataFrame | None:
    """Return :func:`completion_query` from ``completion_week``, or None when a counted
    submission came after ``now`` (the summary cannot tell which: the caller recounts)."""
    c = CompletionWeek
    keys = [getattr(c, name) for name in names]
    open_ = c.due - c.submitted
    stmt = (
        sa.select(
            *keys,
            sa.func.sum(c.on_time),
            sa.func.sum(c.submitted - c.on_time),
            sa.func.sum(sa.case((c.due_at <= now, open_), else_=0)),
            sa.func.sum(sa.case((c.due_at > now, open_), else_=0)),
            sa.func.max(sa.case((c.last_submitted_at > now, 1), else_=0)),
        )
        .where(c.campus_id == cid, c.due_date >= start, c.due_date <= end)
        .group_by(*keys)
        .order_by(*keys)
    )
    rows = plain_rows(conn, stmt)  # keys and integer sums: the driver's values are final
    width = len(names) + 4
    if any(r[width] for r in rows):
        return None
    table = np.array([tuple(r[:width]) for r in rows], dtype=object).reshape(len(rows), width)
    return completion_frame(table[:, : len(names)], table[:, len(names) :], names)


def completion_frame(keys: np.ndarray, counts: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Return the completion table of ``keys`` (a column per name) and their COUNTS."""
    frame = pd.DataFrame({name: _key_column(keys[:, k]) for k, name in enumerate(names)})
    for k, col in enumerate(COUNTS):
        frame[col] = counts[:, k].astype("int64")
    frame.insert(len(names), "due", frame["on_time"] + frame["late"] + frame["missed"])
    denominator = frame["due"].where(frame["due"] > 0)
    frame["on_time_rate"] = frame["on_time"] / denominator
    frame["completion_rate"] = (frame["on_time"] + frame["late"]) / denominator
    return frame


def _key_column(values: np.ndarray) -> pd.Series:
    """Return an object array as the Series ``pd.Series(list(values))`` would make.

    Text and integer columns take the direct way (pandas' general inference tries dates on
    text such as "2026-W09": 0.4 s over 500,000 ISO weeks).
    """
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        return pd.Series(values, dtype="str")  # a None becomes NaN, as in the inference
    if pd.api.types.infer_dtype(values, skipna=False) == "integer":
        return pd.Series(values.astype(np.int64))
    return pd.Series(values).infer_objects()


def plain_rows(conn: sa.Connection, stmt: sa.Executable) -> list[tuple[Any, ...]]:
    """Return the rows of ``stmt`` as the driver's own tuples, without SQLAlchemy's rows.

    Text, numbers and NULLs come as SQLAlchemy would give them; times do not (SQLite gives
    its stored text, PostGIS aware datetimes: :func:`utc_series` reads both). Skipping the
    ``Row`` objects and the per-value processing is a third of reading 500,000 rows.
    """
    result = conn.execute(stmt)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def refresh_submitted(conn: sa.Connection, cid: int) -> None:
    """Set every due row's ``submitted_at`` to its first submission (after bulk loads)."""
    first = (
        sa.select(sa.func.min(Inspection.submitted_at))
        .where(Inspection.due_id == InspectionDue.id)
        .scalar_subquery()
    )
    conn.execute(
        sa.update(InspectionDue).where(InspectionDue.campus_id == cid).values(submitted_at=first)
    )


# --------------------------------------------------------------------------- submissions


@dataclass(frozen=True)
class SubmissionRecord:
    """A submission to store, with the due row it answers and the cell context."""

    submission: Submission
    due_id: int | None
    plan_id: int | None
    zone: str | None
    owner: str | None
    amends: int | None = None  # the first submission this one corrects
    amend_reason: str | None = None


def save_submissions(
    conn: sa.Connection, cid: int, records: Sequence[SubmissionRecord]
) -> list[int]:
    """Store submissions and their item results; return the new inspection ids.

    ``inspection_due.submitted_at`` is *not* updated here: use :func:`claim_due`, or
    write due rows with their ``submitted_at`` already set (bulk history). A second first
    submission of one due item breaks the unique index ``uq_inspection_due_once``.
    """
    ids = reserve_ids(conn, "inspection", len(records))
    bulk_insert(
        conn,
        "inspection",
        (*INSPECTION_COLUMNS, "amends", "amend_reason"),
        (
            (
                new_id, cid, r.due_id, r.plan_id, s.cell_code, zone_number(r.zone), r.owner,
                s.template_code, s.template_version, s.template_hash, s.period, s.inspector,
                as_utc(s.submitted_at), s.late, r.amends, r.amend_reason, s.lon, s.lat,
            )
            for new_id, r in zip(ids, records, strict=True)
            for s in (r.submission,)
        ),
        point=True,
    )  # fmt: skip
    bulk_insert(
        conn,
        "inspection_result",
        RESULT_COLUMNS,
        (
            (new_id, item.item_code, item.outcome, item.note or None, item.photo_path)
            for new_id, r in zip(ids, records, strict=True)
            for item in r.submission.results
        ),
    )
    return ids


def failed_items(conn: sa.Connection, due_id: int) -> set[str]:
    """Return the items that any submission of due item ``due_id`` failed."""
    r, i = InspectionResult, Inspection
    rows = conn.execute(
        sa.select(r.item_code)
        .join(i, i.id == r.inspection_id)
        .where(i.due_id == due_id, r.outcome == "fail")
        .distinct()
    )
    return {str(code) for (code,) in rows}


def load_results(conn: sa.Connection, inspection_id: int) -> pd.DataFrame:
    """Return the item results of one submission (item_code, outcome, note, photo_path)."""
    r = InspectionResult
    rows = conn.execute(
        sa.select(r.item_code, r.outcome, r.note, r.photo_path)
        .where(r.inspection_id == inspection_id)
        .order_by(r.id)
    ).fetchall()
    return pd.DataFrame([tuple(x) for x in rows], columns=list(RESULT_COLUMNS[1:]), dtype=object)


# --------------------------------------------------------------------------- hazards


@dataclass(frozen=True)
class HazardRecord:
    """A hazard to store with its plan and, for inspection hazards, its submission."""

    hazard: Hazard
    plan_id: int | None
    inspection_id: int | None = None


def _hazard_values(h: Hazard) -> tuple[Any, ...]:
    return (
        h.state, h.assignee, maybe_utc(h.deadline), maybe_utc(h.rectified_at),
        maybe_utc(h.closed_at), h.rework_count, h.extension_count,
    )  # fmt: skip


def _event_rows(hazard_id: int, events: Iterable[tuple[int, Transition]]) -> list[tuple[Any, ...]]:
    return [
        (
            hazard_id, seq, t.action, t.from_state, t.to_state, t.by, as_utc(t.at),
            t.note or None, maybe_utc(t.deadline), t.assignee,
        )
        for seq, t in events
    ]  # fmt: skip


def save_hazards(conn: sa.Connection, cid: int, records: Sequence[HazardRecord]) -> list[int]:
    """Store hazards and their whole event history; return the new hazard ids."""
    ids = reserve_ids(conn, "hazard", len(records))
    rows = []
    events: list[tuple[Any, ...]] = []
    for new_id, record in zip(ids, records, strict=True):
        h = record.hazard
        state, assignee, deadline, rectified, closed, reworks, extensions = _hazard_values(h)
        rows.append(
            (
                new_id, cid, h.source, h.domain, h.severity, h.description, state,
                h.reported_by, as_utc(h.reported_at), deadline, as_utc(h.original_deadline),
                assignee, record.plan_id, h.cell_code, zone_number(h.zone), h.owner,
                record.inspection_id, h.item_code, h.category, rectified, closed, reworks,
                extensions, h.lon, h.lat,
            )
        )  # fmt: skip
        events += _event_rows(new_id, enumerate(h.history))
    bulk_insert(conn, "hazard", HAZARD_COLUMNS, rows, point=True)
    bulk_insert(conn, "hazard_event", EVENT_COLUMNS, events)
    return ids


def update_hazard(conn: sa.Connection, before: Hazard, after: Hazard) -> bool:
    """Store ``after``'s new events and state if the row still holds ``before``'s state.

    Returns False (nothing written) when someone else moved the hazard meanwhile.
    """
    hid = int(before.id)
    state, assignee, deadline, rectified, closed, reworks, extensions = _hazard_values(after)
    h = HazardRow
    result = conn.execute(
        sa.update(h)
        .where(h.id == hid, h.state == before.state, h.deadline == as_utc(before.deadline))
        .values(
            state=state,
            assignee=assignee,
            deadline=deadline,
            rectified_at=rectified,
            closed_at=closed,
            reworks=reworks,
            extensions=extensions,
        )
    )
    if result.rowcount != 1:
        return False
    count = conn.execute(
        sa.select(sa.func.count()).select_from(HazardEvent).where(HazardEvent.hazard_id == hid)
    ).scalar_one()
    if int(count) != len(before.history):
        return False
    new = list(enumerate(after.history))[len(before.history) :]
    conn.execute(
        sa.insert(HazardEvent),
        [dict(zip(EVENT_COLUMNS, r, strict=True)) for r in _event_rows(hid, new)],
    )
    return True


def load_hazards(
    conn: sa.Connection,
    cid: int,
    *,
    ids: Sequence[int] | None = None,
    states: Sequence[str] | None = None,
    where: sa.ColumnElement[bool] | None = None,
) -> list[Hazard]:
    """Return the campus's hazards (with their history) as ledger objects, by id; with
    ``where``, only the hazards meeting that condition on the hazard table."""
    h = HazardRow
    stmt = sa.select(
        h.id, h.source, h.domain, h.severity, h.description, h.state, h.reported_by,
        h.reported_at, h.deadline, h.original_deadline, h.assignee, h.cell_code, h.zone,
        h.owner, h.inspection_id, h.item_code, h.category,
        sa.func.ST_X(h.geometry), sa.func.ST_Y(h.geometry),
    ).where(h.campus_id == cid)  # fmt: skip
    if ids is not None:
        stmt = stmt.where(h.id.in_(list(ids)))
    if states is not None:
        stmt = stmt.where(h.state.in_(list(states)))
    if where is not None:
        stmt = stmt.where(where)
    rows = conn.execute(stmt.order_by(h.id)).fetchall()
    zones = {z: zone_label(z) for z in {r.zone for r in rows}}  # a handful of zones
    history: dict[int, list[Transition]] = {int(r.id): [] for r in rows}
    if rows:
        e = HazardEvent
        ev_stmt = sa.select(
            e.hazard_id, e.action, e.from_state, e.to_state, e.actor, e.at, e.note, e.deadline,
            e.assignee,
        ).order_by(e.hazard_id, e.seq)  # fmt: skip
        if ids is not None or states is not None or where is not None:
            ev_stmt = ev_stmt.where(e.hazard_id.in_(list(history)))
        else:
            ev_stmt = ev_stmt.join(h, h.id == e.hazard_id).where(h.campus_id == cid)
        for ev in conn.execute(ev_stmt):
            history[int(ev.hazard_id)].append(
                Transition(
                    ev.action, ev.from_state, ev.to_state, ev.actor, as_utc(ev.at),
                    ev.note or "", maybe_utc(ev.deadline), ev.assignee,
                )
            )  # fmt: skip
    return [
        Hazard(
            id=str(r.id),
            source=r.source,
            domain=r.domain,
            severity=r.severity,
            description=r.description,
            lon=float(r[17]),
            lat=float(r[18]),
            reported_by=r.reported_by,
            reported_at=as_utc(r.reported_at),
            deadline=as_utc(r.deadline),
            original_deadline=as_utc(r.original_deadline),
            state=r.state,
            history=tuple(history[int(r.id)]),
            cell_code=r.cell_code,
            zone=zones[r.zone],
            owner=r.owner,
            assignee=r.assignee,
            source_id=str(r.inspection_id) if r.inspection_id is not None else None,
            item_code=r.item_code,
            category=r.category,
        )
        for r in rows
    ]


def load_hazard(conn: sa.Connection, cid: int, hazard_id: int) -> Hazard:
    """Return one hazard of campus ``cid``; raise NotFound."""
    found = load_hazards(conn, cid, ids=[hazard_id])
    if not found:
        raise NotFound(
            f"No hazard {hazard_id} on this campus: `campusgrid hazards list CAMPUS` lists them."
        )
    return found[0]


def hazards_rate_frame(
    conn: sa.Connection, cid: int, *, ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """Return the columns :func:`zoning.safety.ledger.rates.rates` needs, from the hazard rows
    (with ``ids``, of those hazards only)."""
    h = HazardRow
    stmt = sa.select(
        h.id, h.source, h.domain, h.severity, h.state, h.cell_code, h.zone, h.owner,
        h.reported_at, h.deadline, h.rectified_at, h.closed_at, h.reworks, h.extensions,
    ).where(h.campus_id == cid)  # fmt: skip
    if ids is not None:
        stmt = stmt.where(h.id.in_(list(ids)))
    rows = conn.execute(stmt).fetchall()
    columns = [
        "id", "source", "domain", "severity", "state", "cell_code", "zone", "owner",
        "reported_at", "deadline", "rectified_at", "closed_at", "reworks", "extensions",
    ]  # fmt: skip
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns, dtype=object)
    frame["zone"] = pd.Series(zone_labels(frame["zone"]), index=frame.index, dtype=object)
    for col in ("reported_at", "deadline", "rectified_at", "closed_at"):
        frame[col] = utc_series(frame[col])
    for col in ("reworks", "extensions"):
        frame[col] = frame[col].astype("int64")
    return frame


# --------------------------------------------------------------------------- complaints


@dataclass(frozen=True)
class ComplaintRecord:
    """A routed complaint to store, with its plan and its (already stored) hazard."""

    complaint: Complaint
    plan_id: int | None
    hazard_id: int | None


def save_complaints(conn: sa.Connection, cid: int, records: Sequence[ComplaintRecord]) -> list[int]:
    """Store complaints; ``duplicate_of`` ids must be stored complaint ids (as text)."""
    ids = reserve_ids(conn, "complaint", len(records))
    bulk_insert(
        conn,
        "complaint",
        COMPLAINT_COLUMNS,
        (
            (
                new_id, cid, r.hazard_id, c.category, c.text, c.contact, as_utc(c.received_at),
                as_utc(c.response_deadline), r.plan_id, c.cell_code, zone_number(c.zone),
                c.owner, int(c.duplicate_of) if c.duplicate_of else None, c.lon, c.lat,
            )
            for new_id, r in zip(ids, records, strict=True)
            for c in (r.complaint,)
        ),
        point=True,
    )  # fmt: skip
    return ids


def load_complaints(
    conn: sa.Connection,
    cid: int,
    *,
    category: str | None = None,
    since: datetime | None = None,
    ids: Sequence[int] | None = None,
) -> list[tuple[Complaint, int | None, str | None]]:
    """Return (complaint, hazard id, hazard state) of the campus, oldest first."""
    c = ComplaintRow
    stmt = (
        sa.select(
            c.id, c.category, c.text, c.contact, c.received_at, c.response_deadline,
            c.cell_code, c.zone, c.owner, c.duplicate_of, c.hazard_id, HazardRow.state,
            sa.func.ST_X(c.geometry), sa.func.ST_Y(c.geometry),
        )
        .outerjoin(HazardRow, HazardRow.id == c.hazard_id)
        .where(c.campus_id == cid)
    )  # fmt: skip
    if category is not None:
        stmt = stmt.where(c.category == category)
    if since is not None:
        stmt = stmt.where(c.received_at >= as_utc(since))
    if ids is not None:
        stmt = stmt.where(c.id.in_(list(ids)))
    out = []
    for r in conn.execute(stmt.order_by(c.received_at, c.id)):
        complaint = Complaint(
            id=str(r.id),
            category=r.category,
            text=r.text,
            lon=float(r[12]),
            lat=float(r[13]),
            received_at=as_utc(r.received_at),
            response_deadline=as_utc(r.response_deadline),
            cell_code=r.cell_code,
            zone=zone_label(r.zone),
            owner=r.owner,
            contact=r.contact,
            duplicate_of=str(r.duplicate_of) if r.duplicate_of is not None else None,
        )
        out.append((complaint, r.hazard_id, r.state))
    return out


def first_complaints(conn: sa.Connection, cid: int) -> dict[int, int]:
    """Return hazard id → the id of the first complaint linked to it (the one that opened it).

    Any other complaint linked to the same hazard joined it as a likely duplicate.
    """
    c = ComplaintRow
    rows = conn.execute(
        sa.select(c.hazard_id, sa.func.min(c.id))
        .where(c.campus_id == cid, c.hazard_id.is_not(None))
        .group_by(c.hazard_id)
    )
    return {int(hazard): int(first) for hazard, first in rows if hazard is not None}


def relink_complaint(
    conn: sa.Connection, cid: int, complaint_id: int, *, old: int, new: int
) -> bool:
    """Point a complaint from hazard ``old`` to hazard ``new``; False if it no longer had
    ``old`` (someone else moved it meanwhile; nothing written)."""
    c = ComplaintRow
    result = conn.execute(
        sa.update(c)
        .where(c.campus_id == cid, c.id == complaint_id, c.hazard_id == old)
        .values(hazard_id=new)
    )
    return bool(result.rowcount == 1)


def people_names(conn: sa.Connection, cid: int) -> Mapping[str, str]:
    """Return name → role of the campus's people."""
    from zoning.store.models.campus import Person

    return {
        r.name: r.role
        for r in conn.execute(sa.select(Person.name, Person.role).where(Person.campus_id == cid))
    }
