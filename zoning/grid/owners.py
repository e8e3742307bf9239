"""Grid owners (网格员): every cell gets a person responsible for it.

:func:`assign_owners` takes explicit ``code → person`` choices and balances the remaining
cells automatically among the owners of each zone, by workload: the cell's area plus the
floor area of the buildings in it (footprint area × levels, 1 level when unknown), greedy
largest-first to the least-loaded owner. A zone with no owner of its own uses the
campus-wide owners (no zone given), then its fallback owner (属地兜底).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from zoning.errors import InvalidInput
from zoning.geo.crs import require_metric


def _levels(buildings: gpd.GeoDataFrame | gpd.GeoSeries) -> NDArray[np.float64]:
    if isinstance(buildings, gpd.GeoDataFrame):
        for column in ("levels", "building:levels"):
            if column in buildings.columns:
                values = pd.to_numeric(buildings[column], errors="coerce").to_numpy(dtype=float)
                levels: NDArray[np.float64] = np.where(
                    np.isfinite(values) & (values > 0), values, 1.0
                )
                return levels
    return np.ones(len(buildings), dtype=np.float64)


def cell_loads(
    cells: gpd.GeoDataFrame, *, buildings: gpd.GeoDataFrame | gpd.GeoSeries | None = None
) -> NDArray[np.float64]:
    """Return each cell's workload (m²): its area plus the building floor area inside it."""
    crs = require_metric(cells, what="cells")
    geoms = np.asarray(cells.geometry.values, dtype=object)
    load: NDArray[np.float64] = shapely.area(geoms).astype(np.float64)
    if buildings is None or len(buildings) == 0:
        return load
    if buildings.crs is None:
        raise InvalidInput(
            "The buildings have no CRS: set one before assigning owners.",
            zh="建筑图层没有坐标系：请先设置坐标系再分配网格员。",
        )
    if CRS.from_user_input(buildings.crs) != crs:
        buildings = buildings.to_crs(crs)
    fps = np.asarray(buildings.geometry.values, dtype=object)
    ok = ~shapely.is_missing(fps)
    fps = shapely.make_valid(fps[ok])
    levels = _levels(buildings)[ok]
    bi, ci = shapely.STRtree(geoms).query(fps, predicate="intersects")
    shared = shapely.area(shapely.intersection(fps[bi], geoms[ci]))
    np.add.at(load, ci, shared * levels[bi])
    return load


def _zone_of(value: object) -> int | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    try:
        text = str(value).strip()
        return int(float(text)) if float(text).is_integer() else int(text)
    except (TypeError, ValueError) as err:
        raise InvalidInput(
            f"Owner zone {value!r} is not a zone number.",
            zh=f"网格员的片区 {value!r} 不是片区编号。",
        ) from err


def assign_owners(
    cells: gpd.GeoDataFrame,
    owners: pd.DataFrame,
    *,
    mapping: Mapping[str, str] | None = None,
    buildings: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    fallback: Mapping[int, str] | None = None,
) -> gpd.GeoDataFrame:
    """Return a copy of ``cells`` (columns ``code``, ``zone``) with an ``owner`` column.

    ``owners`` has a ``name`` column and optionally ``zone`` (blank: campus-wide).
    ``mapping`` fixes ``code → name`` for some cells; the rest are balanced by workload
    among the zone's owners. Raises :class:`InvalidInput` for a mapping naming an unknown
    cell code or person, or a zone left with neither owners nor a fallback owner.
    """
    for column in ("code", "zone"):
        if column not in cells.columns:
            raise InvalidInput(
                f"The cells have no {column!r} column: split the campus first.",
                zh=f"网格没有 {column!r} 列：请先划分网格。",
            )
    if "name" not in owners.columns:
        raise InvalidInput(
            "The owners table needs a 'name' column.", zh="网格员表需要 name（姓名）列。"
        )
    names = [str(n).strip() for n in owners["name"].tolist()]
    if any(not n or n == "nan" for n in names):
        raise InvalidInput(
            "Every owner needs a name: the owners table has a blank one.",
            zh="每位网格员都需要姓名：网格员表中有空白姓名。",
        )
    zones_of_owner = (
        [_zone_of(z) for z in owners["zone"].tolist()]
        if "zone" in owners.columns
        else [None] * len(names)
    )
    known = set(names)
    codes = cells["code"].astype(str).tolist()
    cell_zone = [int(z) for z in cells["zone"].tolist()]
    mapping = dict(mapping or {})
    unknown_codes = sorted(set(mapping) - set(codes))
    if unknown_codes:
        raise InvalidInput(
            f"The owner mapping names cells that do not exist: {', '.join(unknown_codes[:5])}"
            + (" …" if len(unknown_codes) > 5 else "")
            + ". Check the codes against the current plan.",
            zh=f"指定的网格不存在：{'、'.join(unknown_codes[:5])}"
            + (" …" if len(unknown_codes) > 5 else "")
            + "。请对照当前方案检查编码。",
        )
    unknown_people = sorted(set(mapping.values()) - known)
    if unknown_people:
        raise InvalidInput(
            f"The owner mapping names people who are not owners: {', '.join(unknown_people[:5])}"
            ". Add them to the owners table first.",
            zh=f"指定的人员不是网格员：{'、'.join(unknown_people[:5])}。请先把他们加入网格员表。",
        )
    load = cell_loads(cells, buildings=buildings)
    pools: dict[int | None, list[str]] = {}
    for name, zone in zip(names, zones_of_owner, strict=True):
        if name not in pools.setdefault(zone, []):
            pools[zone].append(name)
    carried: dict[str, float] = {name: 0.0 for name in names}
    owner: list[str | None] = [None] * len(codes)
    by_code = {code: k for k, code in enumerate(codes)}
    for code, person in mapping.items():
        k = by_code[code]
        owner[k] = person
        carried[person] += float(load[k])
    # Greedy balancing: largest workload first, to the least-loaded owner of the pool.
    heaps: dict[int | None, list[tuple[float, int, str]]] = {}
    order = sorted(range(len(codes)), key=lambda k: (-float(load[k]), codes[k]))
    missing: set[int] = set()
    for k in order:
        if owner[k] is not None:
            continue
        zone = cell_zone[k]
        pool_key: int | None = zone if zone in pools else None
        if pool_key not in pools:
            backup = (fallback or {}).get(zone)
            if backup is None:
                missing.add(zone)
                continue
            owner[k] = backup
            continue
        if pool_key not in heaps:
            heaps[pool_key] = [(carried[n], rank, n) for rank, n in enumerate(pools[pool_key])]
            heapq.heapify(heaps[pool_key])
        current, rank, person = heapq.heappop(heaps[pool_key])
        owner[k] = person
        heapq.heappush(heaps[pool_key], (current + float(load[k]), rank, person))
    if missing:
        listed = ", ".join(str(z) for z in sorted(missing))
        raise InvalidInput(
            f"Zone(s) {listed} have no owner and no fallback owner: add an owner for them "
            "or give a fallback owner (属地兜底).",
            zh=f"片区 {listed} 既没有网格员也没有兜底网格员：请为它们添加网格员，"
            "或指定属地兜底网格员。",
        )
    out = cells.copy()
    out["owner"] = pd.Series(owner, index=cells.index, dtype=object)
    return out
