"""Plan validation: is a set of cells a usable grid plan for the campus?

:func:`validate` returns every :class:`Problem` it finds, each with the cells involved, a
message a planner understands and a location to show on the map. Kinds: ``overlap``,
``gap``, ``outside``, ``invalid_geometry``, ``sliver``, ``too_small``, ``too_large``,
``no_owner``, ``duplicate_code``. Overlaps are searched only among the cells that
``shapely.coverage_invalid_edges`` flags, so a valid plan of 100,000 cells is checked fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from zoning.errors import InvalidInput
from zoning.geo.crs import WGS84, require_metric

KINDS = (
    "overlap",
    "gap",
    "outside",
    "invalid_geometry",
    "sliver",
    "too_small",
    "too_large",
    "no_owner",
    "duplicate_code",
)
#: The precision of a plan's geometry in its metric CRS (m): GIS tools round coordinates
#: and add vertices on one side of a shared edge only (QGIS's split with topological
#: editing off), leaving overlaps and gaps thinner than this. Such slivers are rounding,
#: neither overlaps nor gaps; anything at least this wide is real.
TOLERANCE_M = 1e-3


@dataclass(frozen=True)
class Problem:
    """One problem of a plan: its kind, the cells involved, a message, where it is.

    ``location`` is in the cells' CRS (``crs``, when known).
    """

    kind: str
    cells: tuple[str, ...]
    message: str
    location: BaseGeometry
    crs: str | None = None
    #: The message in Chinese ("": none; the pages then show the English).
    zh: str = ""


def _near_lonlat(geom: BaseGeometry, to_lonlat: Transformer) -> str:
    """Return `` near (lon, lat)`` of a point on ``geom`` (degrees, WGS-84), or ''.

    The Chinese messages use it as it is: the coordinates are the part to read."""
    point = shapely.point_on_surface(geom) if not geom.is_empty else geom
    if point.is_empty:
        return ""
    lon, lat = to_lonlat.transform(point.x, point.y)
    return f" near ({lon:.6f}, {lat:.6f})"


def area_text(area_m2: float) -> str:
    """Return an area (m²) to a sensible precision: 0.1 m² from 1 m² up, else 2 digits."""
    return f"{area_m2:,.1f}" if area_m2 >= 1 else f"{area_m2:.2g}"


def real_parts(geoms: NDArray[np.object_], *, tolerance_m: float = TOLERANCE_M) -> NDArray[Any]:
    """Return, for each geometry, the area (m²) of its polygon parts at least ``tolerance_m``
    wide (m): what is left of an overlap or gap once rounding slivers are set aside."""
    out = np.zeros(len(geoms), dtype=float)
    if not len(geoms):
        return out
    parts, index = shapely.get_parts(geoms, return_index=True)
    polys = shapely.get_type_id(parts) == 3
    wide = polys & ~shapely.is_empty(shapely.buffer(parts, -tolerance_m / 2, quad_segs=2))
    np.add.at(out, index[wide], shapely.area(parts[wide]))
    return out


def _campus(campus: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry) -> BaseGeometry:
    if isinstance(campus, BaseGeometry):
        geom = campus
    else:
        require_metric(campus, what="campus boundary")
        geom = shapely.union_all(shapely.make_valid(np.asarray(campus.geometry.values)))
    parts = shapely.get_parts(shapely.get_parts(geom))
    polys = parts[shapely.get_type_id(parts) == 3]
    return shapely.union_all(polys)


def _names(cells: gpd.GeoDataFrame) -> NDArray[np.object_]:
    if "code" in cells.columns:
        codes = cells["code"].astype(object).to_numpy()
        fallback = np.array([f"row {k}" for k in range(len(cells))], dtype=object)
        return np.where(pd.isna(codes), fallback, codes.astype(str))
    return np.array([f"row {k}" for k in range(len(cells))], dtype=object)


def _join(names: list[str]) -> str:
    return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + f" and {names[-1]}"


def _join_zh(names: list[str]) -> str:
    return "、".join(names)


def _near_zh(near: str) -> str:
    """Return the Chinese of :func:`_near_lonlat`'s `` near (lon, lat)`` (or '')."""
    return f"（位置约 {near.removeprefix(' near ')}）" if near else ""


#: A cell whose thinness 4πA/P² is below this is a sliver (a circle is 1, a square 0.785)...
SLIVER_THINNESS = 0.1
#: ...when it is also narrow: mean width 2A/P under this (m). Thinness alone flags a long
#: building (300 m × 10 m is 0.096) and the open space of a building split, whose holes and
#: notches are the buildings (bupt: 0.05 at 17 m mean width); neither is a sliver.
SLIVER_WIDTH_M = 3.0


def thinness(polys: NDArray[np.object_]) -> NDArray[np.float64]:
    """Return 4πA/P² of each polygon (1 for a circle, towards 0 for a sliver)."""
    perimeter = shapely.length(polys)
    out: NDArray[np.float64] = np.where(
        perimeter > 0, 4 * np.pi * shapely.area(polys) / np.maximum(perimeter, 1e-12) ** 2, 0.0
    )
    return out


def mean_width_m(polys: NDArray[np.object_]) -> NDArray[np.float64]:
    """Return 2A/P of each polygon (m): the width of a long strip, 0 for a degenerate one."""
    perimeter = shapely.length(polys)
    out: NDArray[np.float64] = np.where(
        perimeter > 0, 2 * shapely.area(polys) / np.maximum(perimeter, 1e-12), 0.0
    )
    return out


def is_sliver(
    polys: NDArray[np.object_],
    *,
    sliver_thinness: float = SLIVER_THINNESS,
    sliver_width_m: float = SLIVER_WIDTH_M,
) -> NDArray[np.bool_]:
    """Return which polygons are slivers: thinness below ``sliver_thinness`` and mean width
    below ``sliver_width_m`` (m)."""
    out: NDArray[np.bool_] = (thinness(polys) < sliver_thinness) & (
        mean_width_m(polys) < sliver_width_m
    )
    return out


def validate(
    cells: gpd.GeoDataFrame,
    *,
    campus: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry,
    gap_tolerance_m2: float = 1.0,
    sliver_thinness: float = SLIVER_THINNESS,
    sliver_width_m: float = SLIVER_WIDTH_M,
    min_area_m2: float | None = None,
    max_area_m2: float | None = None,
    require_owner: bool = True,
) -> list[Problem]:
    """Return the problems of the plan ``cells`` over ``campus`` (empty list: valid).

    Gaps and parts outside the campus count when above ``gap_tolerance_m2`` (m²); a cell is
    a sliver when its thinness 4πA/P² is below ``sliver_thinness`` and its mean width 2A/P
    below ``sliver_width_m`` (m). Raises
    :class:`InvalidInput` when the cells are not in a metric CRS.
    """
    crs = require_metric(cells, what="cells")
    crs_name = CRS.from_user_input(crs).to_string()
    to_lonlat = Transformer.from_crs(crs, WGS84, always_xy=True)

    def _near(geom: BaseGeometry) -> str:
        return _near_lonlat(geom, to_lonlat)

    area_campus = _campus(campus)
    geoms = np.asarray(cells.geometry.values, dtype=object)
    names = _names(cells)
    problems: list[Problem] = []

    def _near_z(geom: BaseGeometry) -> str:
        return _near_zh(_near_lonlat(geom, to_lonlat))

    def add(kind: str, idx: list[int], message: str, location: BaseGeometry, zh: str) -> None:
        problems.append(
            Problem(kind, tuple(str(names[k]) for k in idx), message, location, crs_name, zh)
        )

    missing = shapely.is_missing(geoms)
    empty = missing | shapely.is_empty(np.where(missing, shapely.Point(), geoms))
    kind_ok = ~empty & (shapely.get_type_id(np.where(empty, shapely.Point(), geoms)) == 3)
    valid = kind_ok & shapely.is_valid(np.where(kind_ok, geoms, shapely.Point()))
    for k in map(int, np.flatnonzero(~valid)):
        if empty[k]:
            add(
                "invalid_geometry", [k], f"cell {names[k]} has no geometry.", shapely.Point(),
                f"网格 {names[k]} 没有几何图形。",
            )  # fmt: skip
            continue
        why = (
            shapely.is_valid_reason(geoms[k])
            if kind_ok[k]
            else f"it is a {geoms[k].geom_type}, not one Polygon"
        )
        why_zh = (
            f"{shapely.is_valid_reason(geoms[k])}"
            if kind_ok[k]
            else f"它是 {geoms[k].geom_type}，不是单个多边形"
        )
        add(
            "invalid_geometry", [k], f"cell {names[k]} is not a valid polygon: {why}.", geoms[k],
            f"网格 {names[k]} 不是有效的多边形：{why_zh}。",
        )  # fmt: skip
    good = np.flatnonzero(valid)
    polys = geoms[good]
    areas = shapely.area(polys)

    # Overlaps: only cells on an edge that does not match its neighbour can overlap.
    if len(polys):
        bad_edges = shapely.coverage_invalid_edges(polys)
        suspects = np.flatnonzero(~shapely.is_empty(bad_edges))
        if len(suspects):
            tree = shapely.STRtree(polys)
            a, b = tree.query(polys[suspects], predicate="intersects")
            a = suspects[a]
            keep = a != b
            a, b = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
            pairs = np.unique(np.column_stack([a, b]), axis=0) if len(a) else np.empty((0, 2))
            if len(pairs):
                pa, pb = pairs[:, 0].astype(int), pairs[:, 1].astype(int)
                shared = shapely.intersection(polys[pa], polys[pb])
                shared_area = real_parts(shared)
                for x, y, geom, ar in zip(pa, pb, shared, shared_area, strict=True):
                    if ar > 0:
                        i, j = int(good[x]), int(good[y])
                        add(
                            "overlap",
                            [i, j],
                            f"cells {names[i]} and {names[j]} overlap by {area_text(ar)} m²"
                            f"{_near(geom)}: give the shared area to one of them.",
                            geom,
                            f"网格 {names[i]} 与 {names[j]} 重叠 {area_text(ar)} 平方米"
                            f"{_near_z(geom)}：请把重叠部分划给其中一个网格。",
                        )

    # Gaps (the whole campus when no cell lies on it) and parts outside the campus.
    none_on_campus = not len(polys) or not shapely.intersects(area_campus, shapely.union_all(polys))
    if none_on_campus:
        where = " (no cell lies on the campus: check the cells' CRS)" if len(polys) else ""
        where_zh = "（没有网格落在校区内：请检查网格的坐标系）" if len(polys) else ""
        add(
            "gap",
            [],
            f"the plan covers none of the campus's {area_campus.area:,.0f} m²{where}"
            f"{_near(area_campus)}: cells must cover the whole campus.",
            area_campus,
            f"方案没有覆盖校区 {area_campus.area:,.0f} 平方米中的任何部分{where_zh}"
            f"{_near_z(area_campus)}：网格必须覆盖整个校区。",
        )
    if len(polys):
        covered = (
            shapely.coverage_union_all(polys)
            if shapely.coverage_is_valid(polys)
            else shapely.union_all(polys)
        )
        tree = shapely.STRtree(polys)
        holes = shapely.get_parts(shapely.difference(area_campus, covered))
        holes = holes[(shapely.area(holes) > gap_tolerance_m2) & (real_parts(holes) > 0)]
        if none_on_campus:
            holes = holes[:0]
        for hole in holes:
            around = [int(good[k]) for k in tree.query(hole, predicate="intersects")]
            who = f" between cells {_join([str(names[k]) for k in around])}" if around else ""
            who_zh = (
                f"（位于网格 {_join_zh([str(names[k]) for k in around])} 之间）" if around else ""
            )
            add(
                "gap",
                around,
                f"a gap of {hole.area:,.1f} m²{who}{_near(hole)} belongs to no cell: "
                "extend a neighbouring cell over it.",
                hole,
                f"有 {hole.area:,.1f} 平方米的空隙{who_zh}{_near_z(hole)}不属于任何网格："
                "请把相邻网格扩展覆盖它。",
            )
        shapely.prepare(area_campus)
        out_idx = np.flatnonzero(~shapely.covers(area_campus, polys))
        if len(out_idx):
            outside = shapely.difference(polys[out_idx], area_campus)
            out_area = shapely.area(outside)
            for k, geom, ar in zip(out_idx.tolist(), outside, out_area, strict=True):
                if ar > gap_tolerance_m2:
                    i = int(good[k])
                    add(
                        "outside",
                        [i],
                        f"cell {names[i]} extends {ar:,.1f} m² outside the campus{_near(geom)}: "
                        "clip it to the campus boundary.",
                        geom,
                        f"网格 {names[i]} 有 {ar:,.1f} 平方米超出校区{_near_z(geom)}："
                        "请按校区边界裁剪。",
                    )

    # Shape and size.
    slivers = np.flatnonzero(
        is_sliver(polys, sliver_thinness=sliver_thinness, sliver_width_m=sliver_width_m)
    )
    thin, width = thinness(polys[slivers]), mean_width_m(polys[slivers])
    for j, k in enumerate(map(int, slivers)):
        i = int(good[k])
        add(
            "sliver",
            [i],
            f"cell {names[i]} is a sliver ({areas[k]:,.1f} m², thinness {thin[j]:.3f} "
            f"< {sliver_thinness}, mean width {width[j]:.2f} m){_near(polys[k])}: "
            "merge it into a neighbour.",
            polys[k],
            f"网格 {names[i]} 是细长碎片（{areas[k]:,.1f} 平方米，紧凑度 {thin[j]:.3f} "
            f"< {sliver_thinness}，平均宽度 {width[j]:.2f} 米）{_near_z(polys[k])}："
            "请并入相邻网格。",
        )
    if min_area_m2 is not None:
        for k in map(int, np.flatnonzero(areas < min_area_m2)):
            i = int(good[k])
            add(
                "too_small",
                [i],
                f"cell {names[i]} covers {areas[k]:,.1f} m², less than the minimum "
                f"{min_area_m2:,.0f} m²{_near(polys[k])}: merge it into a neighbour.",
                polys[k],
                f"网格 {names[i]} 面积 {areas[k]:,.1f} 平方米，小于最小值 "
                f"{min_area_m2:,.0f} 平方米{_near_z(polys[k])}：请并入相邻网格。",
            )
    if max_area_m2 is not None:
        for k in map(int, np.flatnonzero(areas > max_area_m2)):
            i = int(good[k])
            add(
                "too_large",
                [i],
                f"cell {names[i]} covers {areas[k]:,.1f} m², more than the maximum "
                f"{max_area_m2:,.0f} m²{_near(polys[k])}: split it.",
                polys[k],
                f"网格 {names[i]} 面积 {areas[k]:,.1f} 平方米，大于最大值 "
                f"{max_area_m2:,.0f} 平方米{_near_z(polys[k])}：请拆分它。",
            )

    # Owners and codes.
    if require_owner:
        owners = (
            cells["owner"].astype(object).to_numpy()
            if "owner" in cells.columns
            else np.full(len(cells), None, dtype=object)
        )
        for row in range(len(cells)):
            value = owners[row]
            if value is None or pd.isna(value) or not str(value).strip():
                add(
                    "no_owner",
                    [row],
                    f"cell {names[row]} has no owner: assign a grid owner (网格员).",
                    geoms[row] if not empty[row] else shapely.Point(),
                    f"网格 {names[row]} 没有网格员：请指定一名网格员。",
                )
    if "code" in cells.columns:
        codes = pd.Series(cells["code"].to_numpy(dtype=object))
        dup = codes[codes.notna() & codes.duplicated(keep=False)]
        for code, rows in dup.groupby(dup, sort=True).groups.items():
            idx = [int(r) for r in rows]
            where = shapely.union_all([g for g in geoms[idx] if g is not None])
            add(
                "duplicate_code",
                idx,
                f"code {code} is used by {len(idx)} cells{_near(where)}: give each a unique code.",
                where,
                f"编码 {code} 被 {len(idx)} 个网格使用{_near_z(where)}：请给每个网格唯一的编码。",
            )
    return problems


def problems_to_json(
    problems: list[Problem], *, to_crs: str = WGS84, crs: str | None = None
) -> list[dict[str, Any]]:
    """Return the problems as dicts: kind, cells, message, location_wkt (in ``to_crs``).

    The locations are reprojected from ``crs`` (default: each problem's own ``crs``).
    Raises :class:`InvalidInput` when a location's CRS is unknown.
    """
    out: list[dict[str, Any]] = []
    transformers: dict[str, Transformer] = {}
    for problem in problems:
        source = crs or problem.crs
        if source is None:
            raise InvalidInput("The problem has no CRS: pass crs= to problems_to_json.")
        if source not in transformers:
            transformers[source] = Transformer.from_crs(source, to_crs, always_xy=True)
        tr = transformers[source]
        geom = shapely.transform(
            problem.location,
            lambda c, tr=tr: np.column_stack(tr.transform(c[:, 0], c[:, 1])),
        )
        out.append(
            {
                "kind": problem.kind,
                "cells": list(problem.cells),
                "message": problem.message,
                "message_zh": problem.zh or problem.message,
                "location_wkt": shapely.to_wkt(geom, rounding_precision=7),
            }
        )
    return out
