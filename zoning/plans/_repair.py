"""Topology-aware repair of an edited cells layer against the plan it came from.

Every cell is compared with the base plan: a cell within :data:`TOLERANCE_M` (Hausdorff
distance) of its base cell is *untouched*, the others are *edited*. Then:

1. Shared edges are glued: each cell whose edges do not match its neighbours' gets their
   vertices inserted (and its own vertices moved onto theirs) within a tolerance — the
   rounding tolerance for untouched cells, ``snap_m`` for edited ones. This heals the
   vertex QGIS adds on one side of a shared edge only.
2. With ``snap_m``: overlaps and parts outside the campus thinner than ``snap_m`` next to
   a cell that differs from its base cell (the others are as the base plan had them), and
   gaps thinner than ``snap_m``, are settled by the base plan — the ground goes back to
   the cell that held it there (an overlap is cut from the other cell, a gap is joined to
   its holder).

A change is kept only when the cell stays one valid polygon in the metric CRS *and* once
converted to lon/lat for storage, and keeps at least half of its area; otherwise the cell
keeps the shape it had in the file and the validation reports what is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from zoning.grid.topology import TOLERANCE_M
from zoning.plans._match import shared_ground

#: Parts under this (m², the validation's gap tolerance) that a cut leaves are crumbs.
CRUMB_M2 = 1.0


@dataclass(frozen=True)
class Repaired:
    """The repaired cells and what was done: counts by kind."""

    geoms: list[BaseGeometry]
    stats: dict[str, int]


def base_holder(geoms: NDArray[np.object_], base: NDArray[np.object_]) -> NDArray[np.intp]:
    """Return, for each geometry, the index of the base cell sharing most area with it
    (-1 for none)."""
    out = np.full(len(geoms), -1, dtype=np.intp)
    if not len(geoms) or not len(base):
        return out
    gi, bi, shared = shared_ground(geoms, base)
    if not len(gi):
        return out
    order = np.lexsort((shared, gi))  # by cell, then by shared area: the largest last
    last = np.r_[gi[order][1:] != gi[order][:-1], True]
    out[gi[order][last]] = bi[order][last]
    return out


def _thin(geom: BaseGeometry, width_m: float) -> bool:
    return bool(shapely.is_empty(shapely.buffer(geom, -width_m / 2, quad_segs=2)))


def _wide_area(geom: BaseGeometry) -> float:
    """Area (m²) of the parts of ``geom`` at least the rounding tolerance wide."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return float(sum(p.area for p in parts if not _thin(p, TOLERANCE_M)))


class _Checker:
    """Accept a new shape for a cell only when it is safe to store (see the module)."""

    def __init__(self, metric_crs: str) -> None:
        tr = Transformer.from_crs(metric_crs, "EPSG:4326", always_xy=True)
        self._to_lonlat: Callable[[NDArray[np.float64]], NDArray[np.float64]] = lambda c: (
            np.column_stack(tr.transform(c[:, 0], c[:, 1]))
        )

    def accept(self, old: BaseGeometry, new: BaseGeometry) -> BaseGeometry | None:
        new = _crumbless(new)
        if new is None or new.geom_type != "Polygon" or not new.is_valid:
            return None
        if new.area < 0.5 * old.area:
            return None
        stored = shapely.transform(new, self._to_lonlat)
        return new if stored.is_valid else None


def _crumbless(geom: BaseGeometry) -> BaseGeometry | None:
    parts = [p for p in shapely.get_parts(shapely.make_valid(geom)) if p.geom_type == "Polygon"]
    big = [p for p in parts if p.area >= CRUMB_M2]
    if len(big) == 1:
        return big[0]
    return parts[0] if len(parts) == 1 else None


def repair(
    geoms: list[BaseGeometry],
    *,
    base: NDArray[np.object_],
    campus: BaseGeometry,
    metric_crs: str,
    snap_m: float | None,
) -> Repaired:
    """Return the cells repaired against ``base`` (see the module); all in ``metric_crs``."""
    out = list(geoms)
    stats = {"edges": 0, "overlaps": 0, "outside": 0, "gaps": 0, "kept_as_drawn": 0}
    if not out:
        return Repaired(out, stats)
    check = _Checker(metric_crs)
    arr = np.asarray(out, dtype=object)
    holder = base_holder(arr, base)
    edited = holder < 0
    held = np.flatnonzero(~edited)
    far = shapely.hausdorff_distance(arr[held], base[holder[held]])
    edited[held] = far > TOLERANCE_M

    def change(k: int, new: BaseGeometry, kind: str) -> bool:
        accepted = check.accept(out[k], new)
        if accepted is None:
            stats["kept_as_drawn"] += 1
            return False
        out[k] = accepted
        stats[kind] += 1
        return True

    # 1. Glue shared edges: untouched cells first, so edited cells snap onto them.
    bad = np.flatnonzero(~shapely.is_empty(shapely.coverage_invalid_edges(arr)))
    reach = 2 * max(snap_m or 0.0, TOLERANCE_M)  # cells move less than this: one tree serves
    tree = shapely.STRtree(arr)
    for k in sorted(bad.tolist(), key=lambda k: (bool(edited[k]), k)):
        near = tree.query(shapely.buffer(out[k], reach))
        others = [out[j] for j in near.tolist() if j != k]
        if not others:
            continue
        tol = (snap_m or TOLERANCE_M) if edited[k] else TOLERANCE_M
        snapped = shapely.snap(out[k], shapely.union_all(others), tol)
        if not snapped.equals_exact(out[k], 0.0):
            change(k, snapped, "edges")
    if not snap_m:
        return Repaired(out, stats)

    # Only cells that differ from their base cell can have made an overlap or a part
    # outside the campus: the rest is how the base plan was (and stays untouched).
    arr = np.asarray(out, dtype=object)
    moved = holder < 0
    moved[~moved] = ~shapely.equals_exact(arr[~moved], base[holder[~moved]], 0.0)
    movers = np.flatnonzero(moved)

    # 2. Thin overlaps: the ground goes back to the cell that held it in the base plan.
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr[movers], predicate="intersects")
    pairs = {
        (min(i, j), max(i, j)) for i, j in zip(movers[left].tolist(), right.tolist(), strict=True)
    }
    for i, j in sorted(pairs):
        if i == j:
            continue
        shared = shapely.intersection(out[i], out[j])
        if _wide_area(shared) <= 0 or not _thin(shared, snap_m):
            continue
        (owner,) = base_holder(np.asarray([shared], dtype=object), base)
        if owner >= 0 and owner == holder[i] != holder[j]:
            loser = j
        elif owner >= 0 and owner == holder[j] != holder[i]:
            loser = i
        else:
            loser = i if edited[i] and not edited[j] else j
        change(loser, shapely.difference(out[loser], shared), "overlaps")

    # 3. Thin parts outside the campus are clipped.
    for k in movers.tolist():
        outside = shapely.difference(out[k], campus)
        if _wide_area(outside) > 0 and _thin(outside, snap_m):
            change(k, shapely.intersection(out[k], campus), "outside")

    # 4. Thin gaps are joined to their base holder (else the neighbour sharing most edge).
    covered = shapely.union_all(out)
    tree = shapely.STRtree(np.asarray(out, dtype=object))
    for hole in shapely.get_parts(shapely.difference(campus, covered)).tolist():
        if _wide_area(hole) <= 0 or not _thin(hole, snap_m):
            continue
        near = shapely.buffer(hole, TOLERANCE_M)
        around = tree.query(near, predicate="intersects").tolist()
        if not around:
            continue
        (owner,) = base_holder(np.asarray([hole], dtype=object), base)
        mine = [k for k in around if owner >= 0 and holder[k] == owner]
        if mine:
            best = mine[0]
        else:
            shared = [float(shapely.area(shapely.intersection(near, out[k]))) for k in around]
            best = around[int(np.argmax(shared))]
        change(best, shapely.union(out[best], hole), "gaps")
    return Repaired(out, stats)
