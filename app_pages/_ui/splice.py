"""The splice cache: the latest completion grid, owner grid and hazards table of each
(url, campus, plan, data version), brought up to date after new operations data by
recounting only what changed instead of reading everything again.

Operations data (inspections, hazards) changes without a data_version bump, so the caches
over it are keyed by ``queries.ops_version`` (largest ids and counts, the day): a few
index look-ups per rerun, and a cache holds until the data really changes. ``OPS_TTL_S``
only bounds memory and how old a frame may be to be spliced into.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy.engine import Engine
from zoning.accounts import Actor
from zoning.clock import utcnow
from zoning.services import queries, safety
from zoning.services.stored_frames import StoredFrame

#: How long the caches over operations data hold an entry (s), and the oldest frame (s
#: since it was read whole) a change is spliced into.
OPS_TTL_S = 3600
#: At most this many cells recounted after new submissions; more, and the grid is reloaded.
GRID_DELTA_CELLS = 2000
#: How old (s) a hazards table may be for a splice to keep its open hazards that nothing
#: happened to (their escalation level and overdue hours as then); older, every open hazard is
#: read again (from the ledger objects kept in memory: ``queries.open_hazards``).
OPEN_REFRESH_S = 600
#: Previous frames kept to splice into (a grid and a hazards table per campus, plan, data
#: version and what an account sees: ~50 MB a campus-wide grid on the large demo, an
#: inspector's a few hundred rows), the least recently loaded dropped first.
BASES_KEPT = 32


@dataclass(frozen=True)
class Base:
    """The latest frame of one kind for a (url, campus, plan, data version): the key it was
    read at (a part of the fingerprint) and when it was last read whole."""

    key: tuple[object, ...]
    loaded_at: float  # time.monotonic() (s)
    frame: pd.DataFrame


_BASES: dict[tuple[object, ...], Base] = {}
_BASES_LOCK = threading.Lock()


def spliced(
    where: tuple[object, ...],
    key: tuple[object, ...],
    whole: Callable[[], pd.DataFrame],
    splice: Callable[[Base], pd.DataFrame | None],
) -> pd.DataFrame:
    """Return the frame of ``where`` at ``key`` (a fingerprint part: day, campus id, ids):
    ``splice`` of the previous one (None: it cannot) while that was read whole less than
    ``OPS_TTL_S`` ago, on the same day and campus, else ``whole()``; remembered for the next
    change."""
    with _BASES_LOCK:
        base = _BASES.get(where)
    frame: pd.DataFrame | None = None
    recent = base is not None and time.monotonic() - base.loaded_at <= OPS_TTL_S
    if base is not None and recent and base.key[:2] == key[:2]:  # same day and campus
        frame, loaded_at = splice(base), base.loaded_at
    if frame is None:
        frame, loaded_at = whole(), time.monotonic()
    remembered = Base(key, loaded_at, frame)
    with _BASES_LOCK:
        _BASES.pop(where, None)
        _BASES[where] = remembered  # the newest last
        while len(_BASES) > BASES_KEPT:  # other plans, data versions, campuses
            del _BASES[next(iter(_BASES))]
    return frame


#: The due-time part of each completion grid's key (see :func:`due_part`): the part it was
#: last computed at and the next due time (UTC) then, per grid (a few per campus and scope).
_DUE: dict[tuple[object, ...], tuple[datetime | None, datetime | None]] = {}


def due_part(where: tuple[object, ...], now: datetime) -> datetime | None:
    """Return the due-time part of the key of the grid of ``where`` at ``now`` (UTC): the
    next due time remembered at its last computation once ``now`` has reached it (a new key:
    the grid is counted again, cheaply, see :func:`cells_delta`), else the part it was last
    computed at (the same key: the cached grid). None before any computation."""
    with _BASES_LOCK:
        known = _DUE.get(where)
    if known is None:
        return None
    part, next_due = known
    return next_due if next_due is not None and now >= next_due else part


def remember_due(
    where: tuple[object, ...], part: datetime | None, next_due: Callable[[], datetime | None]
) -> None:
    """Remember that the grid of ``where`` was computed at due-time ``part``, with the next
    due time from ``next_due()`` (called only when ``part`` is new: a read over the due rows,
    ~0.4 s on the large demo, not paid again after each submission's splice)."""
    with _BASES_LOCK:
        known = _DUE.get(where)
    if known is not None and known[0] == part:
        return
    following = next_due()
    with _BASES_LOCK:
        _DUE[where] = (part, following)


def cells_delta(
    engine: Engine,
    campus: str,
    base: Base,
    key: tuple[object, ...],
    count: Callable[[list[str]], pd.DataFrame],
    *,
    now: datetime | None = None,
    where: tuple[object, ...] | None = None,
) -> pd.DataFrame | None:
    """Return ``base.frame`` (counts per cell and more: a completion or owner grid) brought up
    to ``key`` (the ``inspections`` part of the fingerprint, and for the completion grid its
    due-time part, see :func:`due_part`) by counting again, with ``count``, only the cells
    that new submissions touched and the cells whose due time passed between the two due-time
    parts and ``now`` (UTC); None when only a whole reload will do (new due rows, nothing
    new, too many cells). With ``where`` (the grid's name in the splice cache), the cells
    counted again are remembered (see :func:`changed_between`)."""
    inspection, due = key[2], key[3]
    old_inspection, old_due = base.key[2], base.key[3]
    if due != old_due or not isinstance(inspection, int) or not isinstance(old_inspection, int):
        return None
    passed = key[4:] != base.key[4:]
    if inspection < old_inspection or (inspection == old_inspection and not passed):
        return None
    found: set[str] = set()
    if inspection > old_inspection:
        found.update(queries.inspected_cells(engine, campus, after=old_inspection, upto=inspection))
    if passed:
        since = key[4] if len(key) > 4 else None
        if not isinstance(since, datetime) or now is None:
            return None
        found.update(queries.due_passed_cells(engine, campus, since=since, upto=now))
    frame = recounted(base.frame, sorted(found), count)
    if frame is not None:
        _remember_change(where, base.key, key, found)
    return frame


#: What each frame's last splice read again, by the frame's name in the splice cache: the
#: key it was spliced from, the key it was brought to, and the cells (a grid) or hazard ids
#: (the rate rows) read again.
_CHANGED: dict[tuple[object, ...], tuple[tuple[object, ...], tuple[object, ...], frozenset[object]]]
_CHANGED = {}


def _remember_change(
    where: tuple[object, ...] | None,
    old: tuple[object, ...],
    key: tuple[object, ...],
    changed: Collection[object],
) -> None:
    """Remember that the frame named ``where`` (None: not remembered) went from key ``old``
    to ``key`` by reading ``changed`` again (see :func:`changed_between`)."""
    if where is not None:
        with _BASES_LOCK:
            _CHANGED[where] = (old, key, frozenset(changed))


def recounted(
    frame: pd.DataFrame, cells: list[str], count: Callable[[list[str]], pd.DataFrame]
) -> pd.DataFrame | None:
    """Return ``frame`` (rows per cell) with the rows of ``cells`` counted again by ``count``
    (a new frame); None when there are more than :data:`GRID_DELTA_CELLS`."""
    if len(cells) > GRID_DELTA_CELLS:
        return None
    if not cells:
        return frame
    kept = without(frame, frame["cell_code"].isin(cells).to_numpy())
    fresh = count(cells)
    if not len(fresh):
        return compacted(pd.concat(kept, ignore_index=True)) if kept else frame.iloc[:0]
    return compacted(pd.concat([*kept, fresh.astype(frame.dtypes.to_dict())], ignore_index=True))


#: A spliced frame's Arrow-backed (text) columns are gathered into one chunk each once one
#: holds more than this many chunks (see :func:`compacted`; gathering after every splice
#: made the leadership rerun slower, 0.45 → 0.55 s).
MAX_CHUNKS = 32


def compacted(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with each Arrow-backed column of more than :data:`MAX_CHUNKS` chunks
    in one chunk (the same values and dtype; ``frame`` itself when none has that many).
    Concatenating Arrow columns keeps their chunks: each splice added a few, and chunked
    columns made every row selection and group-by over the grid slower (a selection of a
    few cells' rows: 0.3 → 4–8 ms on the large demo)."""
    gathered = {}
    for name in frame.columns:
        column = frame[name]
        to_arrow = getattr(column.array, "__arrow_array__", None)
        from_arrow = getattr(column.dtype, "__from_arrow__", None)
        if to_arrow is None or from_arrow is None:
            continue
        arrow = to_arrow()
        if isinstance(arrow, pa.ChunkedArray) and arrow.num_chunks > MAX_CHUNKS:
            whole = pa.chunked_array([arrow.combine_chunks()], type=arrow.type)
            gathered[name] = pd.Series(from_arrow(whole), index=frame.index, name=name)
    return frame.assign(**gathered) if gathered else frame


#: At most this many runs of dropped rows are cut out as slices (see :func:`without`).
SLICED_RUNS = 256


def without(frame: pd.DataFrame, drop: np.ndarray) -> list[pd.DataFrame]:
    """Return the parts of ``frame`` that are not ``drop`` (a boolean per row), to be
    concatenated: the runs between the dropped rows as slices (views) when the dropped rows
    lie in a few runs (a grid's rows are grouped by cell: a few cells recounted are a few
    runs), else the kept rows. A boolean mask copies every string of a 590,000-row grid
    (~40 ms); slices concatenated cost ~10 ms."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], drop.astype(np.int8), [0]])))
    starts, ends = edges[0::2], edges[1::2]  # the dropped runs [start, end)
    if len(starts) > SLICED_RUNS:
        return [frame[~drop]]
    runs = zip(np.concatenate([[0], ends]), np.concatenate([starts, [len(frame)]]), strict=True)
    return [frame.iloc[a:b] for a, b in runs if b > a]


def _later(new: object, old: object) -> bool:
    """True when id ``new`` is at or past ``old`` (None: no row yet), as a fingerprint's ids
    only grow; False for anything else (an emptied or restored database)."""
    if old is None:
        return new is None or isinstance(new, int)
    return isinstance(new, int) and isinstance(old, int) and new >= old


def cells_since_stored(
    engine: Engine,
    campus: str,
    stored: StoredFrame,
    key: tuple[object, ...],
    count: Callable[[list[str]], pd.DataFrame],
    *,
    now: datetime,
) -> pd.DataFrame | None:
    """Return a stored completion or owner grid (computed at ``stored.computed_at``, at the
    inspections part ``stored.key``) brought up to ``key`` at ``now`` (UTC): the cells
    submitted for since, and those with a due time passed since, counted again by ``count``;
    None when only a whole count will do (new due rows, ids gone back, too many cells)."""
    day, cid, inspection, due = stored.key[:4]
    if (day, cid, due) != (key[0], key[1], key[3]) or not _later(key[2], inspection):
        return None
    found: set[str] = set()
    if isinstance(key[2], int) and key[2] != inspection:
        after = _id(inspection) or 0
        found.update(queries.inspected_cells(engine, campus, after=after, upto=key[2]))
    found.update(queries.due_passed_cells(engine, campus, since=stored.computed_at, upto=now))
    return recounted(stored.frame, sorted(found), count)


def hazards_since_stored(
    engine: Engine, campus: str, stored: StoredFrame, key: tuple[object, ...], *, actor: Actor
) -> pd.DataFrame | None:
    """Return a stored hazards table brought up to ``key`` (the ``hazards`` part of the
    fingerprint): the open hazards read again (their escalation moved with the clock), the
    closed ones only where added or moved since; None when the ids went back."""
    hazard, event = stored.key[2:4]
    if not (_later(key[2], hazard) and _later(key[3], event)):
        return None
    again = (utcnow() - stored.computed_at).total_seconds() > OPEN_REFRESH_S
    return queries.hazards_table_since(
        engine, campus, stored.frame, hazard=_id(hazard), event=_id(event), actor=actor,
        open_again=again,
    )  # fmt: skip


def rates_since_stored(
    engine: Engine, campus: str, stored: StoredFrame, key: tuple[object, ...], *, actor: Actor
) -> pd.DataFrame | None:
    """Return stored rate rows brought up to ``key`` (see :func:`rates_delta`)."""
    if not (_later(key[2], stored.key[2]) and _later(key[3], stored.key[3])):
        return None
    if key[2:4] == stored.key[2:4]:
        return stored.frame
    return rates_delta(engine, campus, Base(stored.key, 0.0, stored.frame), key, actor=actor)


@dataclass(frozen=True)
class Counted:
    """Counts kept with the rows they were counted from and the key those rows were at."""

    key: tuple[object, ...]
    rows: pd.DataFrame
    counts: object


_COUNTED: dict[tuple[object, ...], Counted] = {}
CountsT = TypeVar("CountsT")


def counts_kept(
    where: tuple[object, ...],
    key: tuple[object, ...],
    rows: pd.DataFrame,
    *,
    column: str,
    count: Callable[[pd.DataFrame], CountsT],
    moved: Callable[[CountsT, pd.DataFrame, pd.DataFrame], CountsT],
    touched: Callable[[tuple[object, ...]], Collection[object] | None],
) -> CountsT:
    """Return the counts of ``rows`` (read at ``key``, a part of the fingerprint): the counts
    last kept for ``where``, with the rows whose ``column`` is one of ``touched(their key)``
    (what changed since: hazard ids, recounted cells; None when unknown or too many) taken
    out as they were and put back as they are (``moved(counts, before, after)``), else
    ``count(rows)`` (another day or campus, nothing known of the change). Remembered for the
    next change: after a new hazard or a submission a report is counted from a few rows, not
    from 35,000 hazards or 590,000 grid rows."""
    with _BASES_LOCK:
        base = _COUNTED.get(where)
    if base is not None and base.rows is rows:
        return base.counts  # type: ignore[return-value]  # kept by this function: a CountsT
    counts: CountsT | None = None
    if base is not None and base.key[:2] == key[:2]:  # same day and campus
        changed = touched(base.key)
        if changed is not None:
            before, after = rows_of(base.rows, column, changed), rows_of(rows, column, changed)
            counts = moved(base.counts, before, after)  # type: ignore[arg-type]
    if counts is None:
        counts = count(rows)
    with _BASES_LOCK:
        _COUNTED.pop(where, None)
        _COUNTED[where] = Counted(key, rows, counts)  # the newest last
        while len(_COUNTED) > BASES_KEPT:
            del _COUNTED[next(iter(_COUNTED))]
    return counts


#: The last row selections of :func:`rows_of`: (a weak reference to the frame, column,
#: values, rows); weak, so that a grid replaced by its splice is not kept alive by them.
_SELECTED: list[tuple[weakref.ref[pd.DataFrame], str, frozenset[object], pd.DataFrame]] = []
SELECTED_KEPT = 8


def rows_of(frame: pd.DataFrame, column: str, values: Collection[object]) -> pd.DataFrame:
    """Return the rows of ``frame`` whose ``column`` is one of ``values`` (shared: never change
    them). The same selection is asked for by each report kept from one grid (zone, week,
    cells, weeks: the recounted cells' rows before and after); on the large demo's spliced
    grid (Arrow columns in a few chunks) each costs ~4 ms, so the last few are kept."""
    wanted = frozenset(values)
    with _BASES_LOCK:
        for kept_frame, kept_column, kept_values, found in _SELECTED:
            if kept_frame() is frame and kept_column == column and kept_values == wanted:
                return found
    found = frame[frame[column].isin(list(wanted))]
    with _BASES_LOCK:
        _SELECTED.insert(0, (weakref.ref(frame), column, wanted, found))
        del _SELECTED[SELECTED_KEPT:]
    return found


def changed_between(
    where: tuple[object, ...], old: tuple[object, ...], key: tuple[object, ...]
) -> frozenset[object] | None:
    """Return what the last splice of the frame named ``where`` read again (cells of a grid,
    ids of the rate rows) when it went from key ``old`` to ``key``; None when that was not its
    last splice (it was read whole, or spliced from another key)."""
    with _BASES_LOCK:
        change = _CHANGED.get(where)
    return change[2] if change is not None and change[:2] == (old, key) else None


def _ids_later(key: tuple[object, ...], old: tuple[object, ...]) -> bool:
    """True when every id of fingerprint part ``key`` (after its day and campus) is at or
    past ``old``'s (see :func:`_later`)."""
    return len(key) == len(old) and all(_later(n, o) for n, o in zip(key[2:], old[2:], strict=True))


def _id(value: object) -> int | None:
    return value if isinstance(value, int) else None


def grid_delta(
    engine: Engine,
    campus: str,
    base: Base,
    key: tuple[object, ...],
    *,
    actor: Actor,
    now: datetime | None = None,
    where: tuple[object, ...] | None = None,
) -> pd.DataFrame | None:
    """Return the completion grid ``base.frame`` (of the cells ``actor`` sees) brought up to
    ``key`` at ``now`` (UTC; see cells_delta, and for ``where``)."""
    return cells_delta(
        engine,
        campus,
        base,
        key,
        lambda cells: queries.completion_grid(engine, campus, cells=cells, now=now, actor=actor),
        now=now,
        where=where,
    )


def hazards_delta(
    engine: Engine, campus: str, base: Base, key: tuple[object, ...], *, actor: Actor
) -> pd.DataFrame | None:
    """Return ``base.frame`` (a hazards table as ``actor`` sees it) brought up to ``key`` (the
    ``hazards`` part of the fingerprint): the open hazards read again, the closed ones only
    where touched; None when nothing changed or the ids went back (an emptied or restored
    database)."""
    if key[2:] == base.key[2:] or not _ids_later(key, base.key):
        return None
    hazard, event = _id(base.key[2]), _id(base.key[3])
    again = time.monotonic() - base.loaded_at > OPEN_REFRESH_S
    return compacted(
        queries.hazards_table_since(
            engine, campus, base.frame, hazard=hazard, event=event, actor=actor, open_again=again
        )
    )


def rates_delta(
    engine: Engine,
    campus: str,
    base: Base,
    key: tuple[object, ...],
    *,
    actor: Actor,
    where: tuple[object, ...] | None = None,
) -> pd.DataFrame | None:
    """Return ``base.frame`` (the rows the closure rates are counted from, as ``actor``
    sees them) brought up to ``key`` (the ``hazards`` part of the fingerprint): the hazards
    added or moved since read again, the rest kept; None when nothing or too many changed
    or the ids went back. With ``where`` (the rows' name in the splice cache), the hazards
    read again are remembered (see :func:`changed_between`)."""
    if key[2:] == base.key[2:] or not _ids_later(key, base.key):
        return None
    hazard, event = _id(base.key[2]), _id(base.key[3])
    touched = queries.touched_hazards(engine, campus, hazard=hazard, event=event)
    if touched is None:
        return None
    _remember_change(where, base.key, key, touched)
    fresh = safety.rate_rows(engine, campus, actor=actor, ids=touched)
    if len(fresh):  # times of a unit of their own when all missing: as the base's
        fresh = fresh.astype(base.frame.dtypes.to_dict())
    kept = base.frame[~base.frame["id"].isin(touched)]
    frame = pd.concat([f for f in (kept, fresh) if len(f)] or [kept])
    return compacted(frame.sort_values("id", kind="stable").reset_index(drop=True))
