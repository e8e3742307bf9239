"""Stored page frames (the ``frame_snapshot`` table): one row per campus and kind, replaced
whole on each save. See :mod:`zoning.store.models.snapshots`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from zoning.clock import as_utc
from zoning.store.models.campus import GridPlan
from zoning.store.models.snapshots import FrameSnapshot


@dataclass(frozen=True)
class SnapshotRow:
    """A stored frame as the table holds it: what it was computed for (plan, data version),
    at (``fingerprint``, JSON) and when (UTC), its columns' dtypes (JSON) and its bytes."""

    kind: str
    plan_id: int
    data_version: int
    fingerprint: str
    computed_at: datetime
    dtypes: str
    body: bytes


def save_snapshot(conn: sa.Connection, cid: int, row: SnapshotRow) -> None:
    """Store ``row`` as campus ``cid``'s frame of its kind, replacing the one before."""
    s = FrameSnapshot
    conn.execute(sa.delete(s).where(s.campus_id == cid, s.kind == row.kind))
    conn.execute(
        sa.insert(s).values(
            campus_id=cid,
            kind=row.kind,
            plan_id=row.plan_id,
            data_version=row.data_version,
            fingerprint=row.fingerprint,
            computed_at=as_utc(row.computed_at),
            dtypes=row.dtypes,
            body=row.body,
        )
    )


def load_snapshot(conn: sa.Connection, cid: int, kind: str) -> SnapshotRow | None:
    """Return campus ``cid``'s stored frame of ``kind`` (None: none stored)."""
    s = FrameSnapshot
    found = conn.execute(
        sa.select(
            s.kind, s.plan_id, s.data_version, s.fingerprint, s.computed_at, s.dtypes, s.body
        ).where(s.campus_id == cid, s.kind == kind)
    ).first()
    if found is None:
        return None
    return SnapshotRow(
        kind=found.kind,
        plan_id=int(found.plan_id),
        data_version=int(found.data_version),
        fingerprint=found.fingerprint,
        computed_at=as_utc(found.computed_at),
        dtypes=found.dtypes,
        body=bytes(found.body),
    )


def plan_created(conn: sa.Connection, cid: int, plan_id: int) -> datetime | None:
    """Return when plan ``plan_id`` of campus ``cid`` was created (UTC; None: no such plan)."""
    found = conn.execute(
        sa.select(GridPlan.created_at).where(GridPlan.id == plan_id, GridPlan.campus_id == cid)
    ).scalar()
    return None if found is None else as_utc(found)
