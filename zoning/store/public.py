"""Rows of the public doors: the places a QR sheet points at (buildings), the tracking
numbers (``complaint_tracking``, stored as SHA-256 hashes), the official public replies
(``complaint_reply``) and the media URLs of Open311 requests (``complaint_media``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import sqlalchemy as sa

from zoning.clock import as_utc
from zoning.store.frames import read_frame
from zoning.store.models import (
    Building,
    Campus,
    ComplaintRow,
    HazardEvent,
    HazardRow,
    table_of,
)
from zoning.store.models.public import ComplaintMedia, ComplaintReply, ComplaintTracking


def buildings(conn: sa.Connection, cid: int, ids: list[int] | None = None) -> gpd.GeoDataFrame:
    """Return campus ``cid``'s buildings (``id``, ``name``, ``source_id``; EPSG:4326), by id;
    only ``ids`` when given."""
    where = Building.campus_id == cid
    if ids is not None:
        where = sa.and_(where, Building.id.in_(ids))
    return read_frame(conn, table_of(Building), ["id", "name", "source_id"], where)


def save_tracking(
    conn: sa.Connection,
    *,
    campus_id: int,
    complaint_id: int,
    token_hash: str,
    place: str,
    photo: str | None,
    at: datetime,
) -> None:
    """Store a tracking number's hash for ``complaint_id``."""
    conn.execute(
        sa.insert(ComplaintTracking).values(
            campus_id=campus_id,
            complaint_id=complaint_id,
            token_hash=token_hash,
            place=place,
            photo=photo,
            created_at=as_utc(at),
        )
    )


@dataclass(frozen=True)
class Tracked:
    """What a tracking number finds: the campus, the complaint's category and times (UTC),
    its ledger state (None: no ledger item) and when that item was closed."""

    campus: str
    complaint_id: int
    category: str
    received_at: datetime
    response_deadline: datetime
    state: str | None
    closed_at: datetime | None


def tracked(conn: sa.Connection, token_hash: str) -> Tracked | None:
    """Return the complaint whose tracking number hashes to ``token_hash``, or None."""
    c, t = ComplaintRow, ComplaintTracking
    row = conn.execute(
        sa.select(
            Campus.name, c.id, c.category, c.received_at, c.response_deadline,
            HazardRow.state, HazardRow.closed_at,
        )
        .select_from(t)
        .join(c, c.id == t.complaint_id)
        .join(Campus, Campus.id == t.campus_id)
        .outerjoin(HazardRow, HazardRow.id == c.hazard_id)
        .where(t.token_hash == token_hash)
    ).first()  # fmt: skip
    if row is None:
        return None
    return Tracked(
        campus=str(row[0]),
        complaint_id=int(row[1]),
        category=str(row[2]),
        received_at=as_utc(row[3]),
        response_deadline=as_utc(row[4]),
        state=row[5],
        closed_at=as_utc(row[6]) if row[6] is not None else None,
    )


def tracking_count(conn: sa.Connection, cid: int) -> int:
    """Return how many complaints of campus ``cid`` came through the public form."""
    stmt = sa.select(sa.func.count()).select_from(ComplaintTracking)
    return int(conn.execute(stmt.where(ComplaintTracking.campus_id == cid)).scalar_one())


def save_reply(
    conn: sa.Connection, *, campus_id: int, complaint_id: int, text: str, by: str, at: datetime
) -> int:
    """Store a public reply to ``complaint_id`` written by account ``by``; return its id."""
    stmt = sa.insert(ComplaintReply).values(
        campus_id=campus_id, complaint_id=complaint_id, text=text, written_by=by,
        written_at=as_utc(at),
    )  # fmt: skip
    return int(conn.execute(stmt.returning(ComplaintReply.id)).scalar_one())


@dataclass(frozen=True)
class Reply:
    """A public reply as the public sees it: the text and when (UTC); never its author."""

    text: str
    at: datetime


def replies(conn: sa.Connection, complaint_ids: Iterable[int]) -> dict[int, list[Reply]]:
    """Return the public replies of ``complaint_ids``, latest first, by complaint id."""
    ids = sorted({int(i) for i in complaint_ids})
    out: dict[int, list[Reply]] = {i: [] for i in ids}
    if not ids:
        return out
    r = ComplaintReply
    stmt = (
        sa.select(r.complaint_id, r.text, r.written_at)
        .where(r.complaint_id.in_(ids))
        .order_by(r.written_at.desc(), r.id.desc())
    )
    for cid, text, at in conn.execute(stmt):
        out[int(cid)].append(Reply(str(text), as_utc(at)))
    return out


def save_media(conn: sa.Connection, complaint_id: int, url: str) -> None:
    """Store the media URL sent with ``complaint_id``."""
    conn.execute(sa.insert(ComplaintMedia).values(complaint_id=complaint_id, url=url))


def media(conn: sa.Connection, complaint_ids: Iterable[int]) -> dict[int, str]:
    """Return the media URLs of those of ``complaint_ids`` that have one."""
    ids = sorted({int(i) for i in complaint_ids})
    if not ids:
        return {}
    stmt = sa.select(ComplaintMedia.complaint_id, ComplaintMedia.url).where(
        ComplaintMedia.complaint_id.in_(ids)
    )
    return {int(c): str(u) for c, u in conn.execute(stmt)}


def last_events(conn: sa.Connection, hazard_ids: Iterable[int]) -> dict[int, datetime]:
    """Return the time (UTC) of the last ledger event of each of ``hazard_ids`` that has one."""
    ids = sorted({int(i) for i in hazard_ids})
    if not ids:
        return {}
    e = HazardEvent
    stmt = sa.select(e.hazard_id, sa.func.max(e.at)).where(e.hazard_id.in_(ids))
    return {
        int(h): as_utc(at) for h, at in conn.execute(stmt.group_by(e.hazard_id)) if at is not None
    }
