"""Stored page frames: the campus-wide frames the pages compute (the completion grid, the
owner grid, the hazards table, the ledger's rate rows) and the coverage figures, kept in the
database so that a server started afresh, or a second server process, starts from them and
brings them up to date (the pages' splice: only the cells and hazards changed since are
read again) instead of computing them from scratch (~4 s of a cold leadership page on the
large demo, the coverage 5 s more).

A stored frame is used only for the plan (and its creation time: ids restart in an emptied
database) and data version it was computed for, and only by a caller that checks the
fingerprint it was computed at against the current one. The frames are Parquet (no pickle:
reading one runs no code) with their dtypes beside them, so a frame read back equals the one
stored. A cache: a failed save loses nothing but time, and is only logged.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission, Scope
from zoning.clock import as_utc
from zoning.store.campus import campus_id
from zoning.store.engine import writing
from zoning.store.snapshots import SnapshotRow, load_snapshot, plan_created, save_snapshot

__all__ = ["KINDS", "StoredFrame", "store_frame", "stored_frame"]

log = logging.getLogger(__name__)

#: The kinds of frame stored, one row each per campus.
KINDS = ("grid", "owners", "hazards", "rates", "coverage")


@dataclass(frozen=True)
class StoredFrame:
    """A frame read back: the fingerprint it was computed at (the caller's key, as stored),
    when it was computed (UTC) and the frame."""

    key: tuple[object, ...]
    computed_at: datetime
    frame: pd.DataFrame


def _whole(actor: Actor, doing: str) -> None:
    """Refuse ``doing`` to an account that does not see the whole campus unredacted: the
    frames hold every hazard of every cell, sensitive ones with their details (the pages
    cut and redact them per account after reading)."""
    for permission in (Permission.VIEW_REPORTS, Permission.VIEW_LEDGER, Permission.VIEW_SENSITIVE):
        actor.require(permission, doing)
    if actor.scope is not Scope.CAMPUS:
        raise actor.refuse(
            doing, "they hold the whole campus, nothing redacted", Permission.VIEW_MAP
        )


def _plan_stamp(conn: Connection, cid: int, plan_id: int) -> str | None:
    """Return the creation time of plan ``plan_id`` of campus ``cid`` (ISO; None: none)."""
    created = plan_created(conn, cid, plan_id)
    return None if created is None else created.isoformat()


def _encoded(key: tuple[object, ...]) -> list[Any]:
    """Return ``key`` as JSON-able values (datetimes as {"at": ISO})."""
    return [{"at": as_utc(v).isoformat()} if isinstance(v, datetime) else v for v in key]


def _decoded(values: list[Any]) -> tuple[object, ...]:
    return tuple(
        datetime.fromisoformat(v["at"]) if isinstance(v, dict) and "at" in v else v for v in values
    )


def store_frame(
    engine: Engine,
    campus: str,
    kind: str,
    frame: pd.DataFrame,
    *,
    plan_id: int,
    data_version: int,
    key: tuple[object, ...],
    computed_at: datetime,
    actor: Actor,
) -> bool:
    """Store ``frame`` (campus-wide, computed at fingerprint ``key`` of plain values and
    datetimes, at ``computed_at`` UTC) as ``campus``'s frame of ``kind``, replacing the one
    before; False (logged) when it could not be (a busy database, another plan current by
    now). A cache write by the pages, not a user's action: not audited. Needs a campus-wide
    account that sees everything (:func:`_whole`)."""
    _whole(actor, "store the campus frames")
    if kind not in KINDS:
        raise ValueError(f"unknown stored frame kind {kind!r}")
    try:
        with engine.connect() as conn:
            cid = campus_id(conn, campus)
            stamp = _plan_stamp(conn, cid, plan_id)
        if stamp is None:
            return False
        buffer = io.BytesIO()
        frame.to_parquet(buffer, compression="zstd", index=False)
        row = SnapshotRow(
            kind=kind,
            plan_id=plan_id,
            data_version=data_version,
            fingerprint=json.dumps({"plan": stamp, "key": _encoded(key)}),
            computed_at=as_utc(computed_at),
            dtypes=json.dumps({str(c): str(t) for c, t in frame.dtypes.items()}),
            body=buffer.getvalue(),
        )
        with writing(engine) as conn:  # IMMEDIATE: parallel saves wait, never fail
            save_snapshot(conn, cid, row)  # the campus id read with the plan
    except Exception:  # a cache: never fail the page that computed the frame
        log.warning("could not store the %s frame of %s", kind, campus, exc_info=True)
        return False
    return True


def stored_frame(
    engine: Engine, campus: str, kind: str, *, plan_id: int, data_version: int, actor: Actor
) -> StoredFrame | None:
    """Return ``campus``'s stored frame of ``kind`` if it was computed for plan ``plan_id``
    (the same plan: its creation time too) and ``data_version``, else None (also when it
    cannot be read: logged). The caller compares its key with the current fingerprint.
    Needs a campus-wide account that sees everything (:func:`_whole`)."""
    _whole(actor, "read the stored campus frames")
    try:
        with engine.connect() as conn:
            cid = campus_id(conn, campus)
            stamp, row = _plan_stamp(conn, cid, plan_id), load_snapshot(conn, cid, kind)
        if row is None or stamp is None:
            return None
        found = json.loads(row.fingerprint)
        if row.plan_id != plan_id or row.data_version != data_version or found["plan"] != stamp:
            return None
        frame = pd.read_parquet(io.BytesIO(row.body))
        frame = _with_dtypes(frame, json.loads(row.dtypes))
    except Exception:  # a cache: an unreadable row is computed again
        log.warning("could not read the stored %s frame of %s", kind, campus, exc_info=True)
        return None
    return StoredFrame(_decoded(found["key"]), row.computed_at, frame)


def _with_dtypes(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """Return ``frame`` with the stored ``dtypes`` (object columns hold None, not NaN, for a
    missing value, as the frames the services compute do)."""
    out = frame.astype({c: t for c, t in dtypes.items() if str(frame[c].dtype) != t})
    for col, kind in dtypes.items():
        if kind == "object":
            values = out[col]
            out[col] = values.where(values.notna(), None)
    return out[list(dtypes)]
