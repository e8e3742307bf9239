"""Rows of the public complaint form: the places a QR sheet points at (buildings), and the
tracking numbers (``complaint_tracking``, stored as SHA-256 hashes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import sqlalchemy as sa

from zoning.clock import as_utc
from zoning.store.frames import read_frame
from zoning.store.models import Building, Campus, ComplaintRow, HazardRow, table_of
from zoning.store.models.public import ComplaintTracking


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
