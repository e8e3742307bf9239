"""Hierarchical cell codes: ``<campus code>-<zone>-<sequence>``, e.g. ``DEMO-01-003``.

Numbering rule (stable and reproducible):

- The zone is written with at least 2 digits, the sequence with at least 3 (more digits
  only when a zone really has more than 99 zones / 999 cells).
- Within a zone, cells are numbered north→south in *rows*, west→east within a row. A
  cell's row is ``floor(-y / row_height_m)`` for the northing ``y`` of its centroid, i.e.
  rows are bands of ``row_height_m`` metres anchored at northing 0 of the metric CRS (not
  at the campus edge, so redrawing one corner does not shift every other row). Within a
  row, cells are ordered by the easting of their centroid, then by northing (north
  first), then by their input position. For a square grid the row height is the cell size
  and the grid is aligned to the same multiples, so every cell falls strictly inside its
  row and a sub-millimetre perturbation never changes the order. For irregular cells the
  row height is the square root of the median cell area; only a cell whose centroid lies
  within the perturbation of a band edge can change rows.
- A code listed in ``retired_codes`` is never reused: numbering skips to the next free
  sequence number.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from zoning.errors import InvalidInput


def format_code(campus_code: str, zone: int, sequence: int) -> str:
    """Return ``<campus>-<zone, 2 digits>-<sequence, 3 digits>``."""
    return f"{campus_code}-{zone:02d}-{sequence:03d}"


def reading_order(
    x: NDArray[np.float64], y: NDArray[np.float64], *, row_height_m: float
) -> NDArray[np.intp]:
    """Return the indices of points ``x``/``y`` (m) in north→south rows, west→east within."""
    if not row_height_m > 0:
        raise InvalidInput(f"row_height_m must be positive, not {row_height_m}.")
    row = np.floor(-np.asarray(y) / row_height_m)
    position = np.arange(len(x))
    order: NDArray[np.intp] = np.lexsort((position, -np.asarray(y), np.asarray(x), row))
    return order


def default_row_height_m(geoms: ArrayLike) -> float:
    """Return the square root of the median cell area (m), at least 1 m."""
    areas = shapely.area(np.asarray(geoms, dtype=object))
    if len(areas) == 0:
        return 1.0
    return max(1.0, math.sqrt(float(np.median(areas))))


def assign_codes(
    geoms: ArrayLike,
    zones: ArrayLike,
    *,
    campus_code: str,
    retired_codes: Collection[str] = frozenset(),
    row_height_m: float | None = None,
    centres: NDArray[np.object_] | None = None,
) -> NDArray[np.object_]:
    """Return one code per cell: ``<campus_code>-<zone>-<sequence>`` (see the module rule).

    ``geoms`` are the cells (metric CRS), ``zones`` their 1-based zone labels. Sequences
    start at 1 in every zone and skip any code in ``retired_codes``. Raises
    :class:`InvalidInput` for an empty campus code, a code containing ``-`` wrongly, or
    zone labels below 1. ``centres`` are the cells' centroids when the caller has them.
    """
    cells = np.asarray(geoms, dtype=object)
    labels = np.asarray(zones, dtype=np.int64)
    if len(cells) != len(labels):
        raise InvalidInput(f"{len(cells)} cells but {len(labels)} zone labels.")
    if not campus_code or any(c.isspace() for c in campus_code):
        raise InvalidInput(f"The campus code {campus_code!r} must be non-empty without spaces.")
    if len(labels) and labels.min() < 1:
        raise InvalidInput("Zone labels are 1-based: found a zone below 1.")
    height = default_row_height_m(cells) if row_height_m is None else row_height_m
    if centres is None:
        centres = shapely.centroid(cells)
    x, y = shapely.get_x(centres), shapely.get_y(centres)
    order = reading_order(x, y, row_height_m=height)
    retired = frozenset(retired_codes)
    codes = np.empty(len(cells), dtype=object)
    next_seq: dict[int, int] = {}
    for index in order:  # a Python loop: thousands of cells, microseconds each
        zone = int(labels[index])
        seq = next_seq.get(zone, 1)
        code = format_code(campus_code, zone, seq)
        while code in retired:
            seq += 1
            code = format_code(campus_code, zone, seq)
        codes[index] = code
        next_seq[zone] = seq + 1
    return codes
