"""Named zones (片区) and cells: which zone a cell lies in, and zones drawn from quarters.

- :func:`zones_from_areas`: a cell's zone is the zone polygon holding most of its area; a
  cell outside every polygon takes the nearest one.
- :func:`match_quarters`: when the people have quarters but the campus has no zone layer,
  the cells are first grouped into as many contiguous zones as there are quarters
  (:func:`zoning.grid.zones.assign_zones`, balanced by area), then each zone is matched to
  one quarter, minimising the total distance between each zone's centre and where its
  quarter is: the centre of the cells its owners held in the current plan when they held
  any, else the direction its name says (北区 north of the campus centre, 东南 south-east,
  "West campus" west…). Quarters with neither take the zones left over, by name and zone
  number. One zone per quarter; simple and explainable, not optimal.
- :func:`zone_outlines`: the zones as polygons (the union of their cells), in reading order.

Pure: arrays and GeoDataFrames in a metric CRS in, new arrays out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment
from shapely.geometry.base import BaseGeometry

from zoning.errors import InvalidInput
from zoning.grid.codes import reading_order
from zoning.grid.unit import dissolve

#: Words in a quarter's name that point somewhere: (east, north) unit steps.
DIRECTIONS: dict[str, tuple[float, float]] = {
    "北": (0.0, 1.0), "南": (0.0, -1.0), "东": (1.0, 0.0), "西": (-1.0, 0.0),
    "north": (0.0, 1.0), "south": (0.0, -1.0), "east": (1.0, 0.0), "west": (-1.0, 0.0),
}  # fmt: skip
#: Words for the middle of the campus.
CENTRE_WORDS: tuple[str, ...] = ("中", "central", "centre", "center", "middle")


def zones_from_areas(geoms: ArrayLike, areas: ArrayLike, numbers: ArrayLike) -> NDArray[np.int64]:
    """Return, per cell, the number of the zone polygon holding most of its area (m²).

    ``geoms`` (cells) and ``areas`` (zone polygons) are in one metric CRS; ``numbers`` are
    the zones' numbers (≥ 1). A cell no polygon touches takes the nearest. Raises
    InvalidInput when there are no zone polygons.
    """
    cells = np.asarray(geoms, dtype=object)
    zones = np.asarray(areas, dtype=object)
    labels = np.asarray(numbers, dtype=np.int64)
    if len(zones) == 0:
        raise InvalidInput("There are no zone polygons to take the cells' zones from.")
    if len(cells) == 0:
        return np.empty(0, dtype=np.int64)
    tree = shapely.STRtree(zones)
    ci, zi = tree.query(cells, predicate="intersects")
    shared = shapely.area(shapely.intersection(cells[ci], zones[zi]))
    best = np.full(len(cells), -1, dtype=np.intp)
    best_area = np.zeros(len(cells))
    # Largest shared area per cell: sort by (cell, -area), keep the first of each cell.
    order = np.lexsort((zi, -shared, ci))
    first = np.concatenate([[True], ci[order][1:] != ci[order][:-1]]) if len(order) else order
    keep = order[first.astype(bool)] if len(order) else order
    best[ci[keep]] = zi[keep]
    best_area[ci[keep]] = shared[keep]
    lost = np.flatnonzero((best < 0) | (best_area <= 0))
    if len(lost):
        best[lost] = np.asarray(tree.query_nearest(cells[lost], all_matches=False)[1])
    out: NDArray[np.int64] = labels[best]
    return out


def direction_of(name: str) -> tuple[float, float] | None:
    """Return the (east, north) direction a quarter's name points to, or None.

    >>> direction_of("北区"), direction_of("东南片区"), direction_of("教学区")
    ((0.0, 1.0), (0.7071067811865475, -0.7071067811865475), None)
    >>> direction_of("中心区")
    (0.0, 0.0)
    """
    text = name.lower()
    east = north = 0.0
    found = False
    for word, (dx, dy) in DIRECTIONS.items():
        if word in text:
            east, north, found = east + dx, north + dy, True
    if found and (east or north):
        norm = math.hypot(east, north)
        return east / norm, north / norm
    if any(word in text for word in CENTRE_WORDS):
        return 0.0, 0.0
    return None


def quarter_targets(
    quarters: Sequence[str],
    *,
    campus: BaseGeometry,
    held: Mapping[str, BaseGeometry] | None = None,
) -> dict[str, BaseGeometry]:
    """Return where each quarter is (a point, metric CRS), for those that say.

    ``held``: per quarter, the cells its owners held before (their centroid wins); else
    the direction of the name, a third of the campus's size from its centre.
    """
    centre = campus.centroid
    reach = math.sqrt(campus.area) / 3
    targets: dict[str, BaseGeometry] = {}
    for quarter in quarters:  # a Python loop over a handful of quarters
        before = (held or {}).get(quarter)
        if before is not None and not before.is_empty:
            targets[quarter] = before.centroid
            continue
        way = direction_of(quarter)
        if way is not None:
            targets[quarter] = shapely.Point(centre.x + way[0] * reach, centre.y + way[1] * reach)
    return targets


def match_quarters(
    geoms: ArrayLike,
    labels: ArrayLike,
    quarters: Sequence[str],
    *,
    targets: Mapping[str, BaseGeometry],
) -> dict[int, str]:
    """Return {zone label: quarter}, one quarter per zone (see the module).

    ``labels`` are the cells' zone labels (as many zones as ``quarters``, or fewer when
    there are few cells: the quarters left over get no zone).
    """
    cells = np.asarray(geoms, dtype=object)
    zone_of = np.asarray(labels, dtype=np.int64)
    zones = sorted({int(z) for z in zone_of})
    names = sorted(dict.fromkeys(str(q) for q in quarters))
    if not zones or not names:
        return {}
    area = shapely.area(cells)
    cx, cy = shapely.get_x(shapely.centroid(cells)), shapely.get_y(shapely.centroid(cells))
    cost = np.zeros((len(zones), len(names)))
    for i, zone in enumerate(zones):
        mine = zone_of == zone
        w = area[mine] + 1e-12
        x, y = np.average(cx[mine], weights=w), np.average(cy[mine], weights=w)
        for j, name in enumerate(names):
            target = targets.get(name)
            if target is not None:
                cost[i, j] = math.hypot(x - target.x, y - target.y)
            else:  # no hint: cheaper than any distance, ties broken by order
                cost[i, j] = 0.0
    rows, cols = linear_sum_assignment(cost)
    return {zones[int(r)]: names[int(c)] for r, c in zip(rows, cols, strict=True)}


def zone_outlines(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return one polygon per zone of ``cells`` (columns ``zone``): ``number``, geometry.

    The union of each zone's cells, in the cells' CRS, by number.
    """
    geoms = np.asarray(cells.geometry.values, dtype=object)
    labels = np.asarray(cells["zone"], dtype=np.intp)
    merged, numbers = dissolve(geoms, labels)
    return gpd.GeoDataFrame(
        {"number": np.asarray(numbers, dtype=np.int64)},
        geometry=list(merged),
        crs=cells.crs,
    )


def reading_rank(zones: gpd.GeoDataFrame) -> NDArray[np.intp]:
    """Return the row order of ``zones`` (polygons, metric CRS) north→south, west→east."""
    geoms = np.asarray(zones.geometry.values, dtype=object)
    if len(geoms) == 0:
        return np.empty(0, dtype=np.intp)
    centres = shapely.centroid(geoms)
    height = max(1.0, math.sqrt(float(np.median(shapely.area(geoms)))))
    return reading_order(shapely.get_x(centres), shapely.get_y(centres), row_height_m=height)
