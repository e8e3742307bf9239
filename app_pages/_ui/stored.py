"""The campus-wide frames restarted from the database (``zoning.services.stored_frames``).

When a page's cache has no previous frame to splice into (a server just started, a second
server process, a frame dropped from memory), the frame stored in the database is read and
brought up to date the way a splice does it: only the cells submitted for or passed due since
it was computed, and only the hazards added or moved since, are read again. Only when there is
none (or it is of another day, plan or data version, or too much changed) is the frame
computed whole, and then stored for the next start. After that, a frame spliced in memory is
stored again at most every :data:`SAVE_EVERY_S` seconds, in the background (a page never
waits for the write). ``CAMPUSGRID_STORED_FRAMES=0`` turns reading and storing off (the naive
cold start the benchmarks print beside it).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Engine
from zoning.accounts import Actor
from zoning.clock import utcnow
from zoning.services import stored_frames
from zoning.services.stored_frames import StoredFrame

from app_pages._ui import splice

#: ``CAMPUSGRID_STORED_FRAMES=0`` (or false/no/off) turns stored frames off.
STORED_ENV = "CAMPUSGRID_STORED_FRAMES"
#: The shortest time (s) between two saves of one campus's frame of one kind.
SAVE_EVERY_S = 600.0

_SAVED: dict[tuple[object, ...], float] = {}
_SAVED_LOCK = threading.Lock()


def enabled() -> bool:
    """True unless ``CAMPUSGRID_STORED_FRAMES`` turns stored frames off."""
    return os.environ.get(STORED_ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def restored(
    engine: Engine,
    campus: str,
    kind: str,
    *,
    plan_id: int,
    data_version: int,
    key: tuple[object, ...],
    whole: Callable[[], pd.DataFrame],
    bring_up: Callable[[StoredFrame], pd.DataFrame | None],
    reader: Actor,
) -> pd.DataFrame:
    """Return the frame of ``kind`` at ``key``: the stored one brought up to date by
    ``bring_up`` (None: it cannot be) when it is of the same day and campus as ``key``,
    else ``whole()``, stored for the next start."""
    if enabled():
        stored = stored_frames.stored_frame(
            engine, campus, kind, plan_id=plan_id, data_version=data_version, actor=reader
        )
        if stored is not None and stored.key[:2] == key[:2]:
            frame = bring_up(stored)
            if frame is not None:
                return frame
    computed_at = utcnow()
    frame = whole()
    save_soon(
        engine, campus, kind, frame, plan_id=plan_id, data_version=data_version, key=key,
        computed_at=computed_at, reader=reader, now=True,
    )  # fmt: skip
    return frame


def save_soon(
    engine: Engine,
    campus: str,
    kind: str,
    frame: pd.DataFrame,
    *,
    plan_id: int,
    data_version: int,
    key: tuple[object, ...],
    computed_at: datetime,
    reader: Actor,
    now: bool = False,
) -> threading.Thread | None:
    """Store ``frame`` in a background thread, unless this process stored ``campus``'s
    ``kind`` less than :data:`SAVE_EVERY_S` ago (``now``: store it anyway); return the
    thread (None: not stored)."""
    if not enabled():
        return None
    where = (str(engine.url), campus, kind)
    moment = time.monotonic()
    with _SAVED_LOCK:
        last = _SAVED.get(where)
        if not now and last is not None and moment - last < SAVE_EVERY_S:
            return None
        _SAVED[where] = moment
    thread = threading.Thread(
        target=stored_frames.store_frame,
        args=(engine, campus, kind, frame),
        kwargs={
            "plan_id": plan_id,
            "data_version": data_version,
            "key": key,
            "computed_at": computed_at,
            "actor": reader,
        },
        name=f"campusgrid-store-{kind}",
        daemon=True,
    )
    thread.start()
    return thread


def kept(
    engine: Engine,
    campus: str,
    kind: str,
    where: tuple[object, ...],
    key: tuple[object, ...],
    *,
    plan_id: int,
    data_version: int,
    now: datetime,
    whole: Callable[[], pd.DataFrame],
    bring_up: Callable[[StoredFrame], pd.DataFrame | None],
    splice_into: Callable[[splice.Base], pd.DataFrame | None],
    reader: Actor,
) -> pd.DataFrame:
    """Return the campus-wide frame of ``kind`` at ``key`` (computed as ``reader`` at ``now``,
    UTC): spliced into the previous one in memory (``splice_into``, see
    :func:`splice.spliced`), else restarted from the stored one (:func:`restored`), else
    ``whole()``; stored again when due (:func:`save_soon`)."""
    frame = splice.spliced(
        where,
        key,
        lambda: restored(
            engine,
            campus,
            kind,
            plan_id=plan_id,
            data_version=data_version,
            key=key,
            whole=whole,
            bring_up=bring_up,
            reader=reader,
        ),
        splice_into,
    )
    save_soon(
        engine, campus, kind, frame, plan_id=plan_id, data_version=data_version, key=key,
        computed_at=now, reader=reader,
    )  # fmt: skip
    return frame
