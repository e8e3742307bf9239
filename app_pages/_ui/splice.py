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
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Engine
from zoning.accounts import Actor
from zoning.services import queries

#: How long the caches over operations data hold an entry (s), and the oldest frame (s
#: since it was read whole) a change is spliced into.
OPS_TTL_S = 3600
#: At most this many cells recounted after new submissions; more, and the grid is reloaded.
GRID_DELTA_CELLS = 2000
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


def cells_delta(
    engine: Engine,
    campus: str,
    base: Base,
    key: tuple[object, ...],
    count: Callable[[list[str]], pd.DataFrame],
) -> pd.DataFrame | None:
    """Return ``base.frame`` (counts per cell and more: a completion or owner grid) brought up
    to ``key`` (the ``inspections`` part of the fingerprint) by counting again, with
    ``count``, only the cells that new submissions touched; None when only a whole reload
    will do (new due rows, no new inspection, too many cells)."""
    _, _, inspection, due = key
    _, _, old_inspection, old_due = base.key
    if due != old_due or not isinstance(inspection, int) or not isinstance(old_inspection, int):
        return None
    if inspection <= old_inspection:
        return None
    cells = queries.inspected_cells(engine, campus, after=old_inspection, upto=inspection)
    if len(cells) > GRID_DELTA_CELLS:
        return None
    kept = base.frame[~base.frame["cell_code"].isin(cells)]
    fresh = count(cells)
    if not len(fresh):
        return kept.reset_index(drop=True)
    fresh = fresh.astype(base.frame.dtypes.to_dict())
    return pd.concat([kept, fresh], ignore_index=True)


def grid_delta(
    engine: Engine, campus: str, base: Base, key: tuple[object, ...], *, actor: Actor
) -> pd.DataFrame | None:
    """Return the completion grid ``base.frame`` (of the cells ``actor`` sees) brought up to
    ``key`` (see cells_delta)."""
    return cells_delta(
        engine,
        campus,
        base,
        key,
        lambda cells: queries.completion_grid(engine, campus, cells=cells, actor=actor),
    )


def hazards_delta(
    engine: Engine, campus: str, base: Base, key: tuple[object, ...], *, actor: Actor
) -> pd.DataFrame | None:
    """Return ``base.frame`` (a hazards table as ``actor`` sees it) brought up to ``key`` (the
    ``hazards`` part of the fingerprint): the open hazards read again, the closed ones only
    where touched."""
    hazard, event = (v if isinstance(v, int) else None for v in base.key[2:])
    if key[2:] == base.key[2:]:
        return None
    return queries.hazards_table_since(
        engine, campus, base.frame, hazard=hazard, event=event, actor=actor
    )
