"""The QGIS round trip: read a cells layer edited in QGIS, repair it against the plan it was
exported from, keep the codes of cells that are still mostly the same ground, give new
codes to the rest.

Pure geometry in a metric CRS (:func:`prepare_import`); reading the file is
:func:`read_cells_layer`. Every feature becomes exactly one cell or the import is refused
naming it (:mod:`zoning.plans._features`); features that lie outside the campus are refused
too (a layer with swapped or metre coordinates). Shared edges are glued within the rounding
tolerance and, with ``snap_m``, thin overlaps, gaps and parts outside the campus go back to
the cell that held that ground in the base plan (:mod:`zoning.plans._repair`). Codes follow
the shared ground one to one (:mod:`zoning.plans._match`): reshaped cells keep theirs;
merges, splits and replaced cells get new codes, with lineage ``old → new``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoning.campus.io.files import PLAN_ID_KEY, PLAN_VERSION_KEY
from zoning.errors import ImportFailed
from zoning.geo.crs import require_metric
from zoning.grid.codes import default_row_height_m, reading_order
from zoning.plans._features import one_polygon
from zoning.plans._match import match_codes
from zoning.plans._repair import base_holder, repair
from zoning.plans.edits import Link, mint_codes

#: A feature with less than this share of its area on the campus is refused as outside it.
ON_CAMPUS_SHARE = 0.5


def _feature_layers(source: Path) -> list[str]:
    """Return the layers of ``source`` that hold geometry (not ``layer_styles`` and the like)."""
    return [str(name) for name, kind in pyogrio.list_layers(source) if kind is not None]


def read_cells_layer(path: str | Path, *, layer: str = "cells") -> gpd.GeoDataFrame:
    """Return the ``layer`` of a GeoPackage (or any OGR file) with its CRS, indexed by the
    feature id (fid), 2D. A file with one feature layer is read whatever its name;
    ``layer_styles`` and other tables without geometry are ignored.

    Raises ImportFailed naming the file and the layers it has.
    """
    source = Path(path)
    if not source.exists():
        raise ImportFailed(f"{source} does not exist.", zh=f"{source} 不存在。")
    try:
        layers = _feature_layers(source)
        name = layer if layer in layers else (layers[0] if len(layers) == 1 else None)
        if name is None:
            found = ", ".join(layers) or "none with geometry"
            raise ImportFailed(
                f"{source.name} has no layer {layer!r} (layers: {found}); pick one with --layer.",
                zh=f"{source.name} 中没有图层 {layer!r}（图层：{found}）：请用 --layer 选择一个。",
            )
        frame = pyogrio.read_dataframe(source, layer=name, fid_as_index=True)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ImportFailed(
            f"Cannot read {source.name}: {exc}",
            zh=f"无法读取 {source.name}：{exc}（是 QGIS 保存的 GeoPackage 吗？）",
        ) from exc
    if frame.crs is None:
        raise ImportFailed(
            f"{source.name}: the layer has no CRS; save it with one in QGIS.",
            zh=f"{source.name}：图层没有坐标系：请在 QGIS 中带坐标系保存。",
        )
    if not len(frame):
        raise ImportFailed(
            f"{source.name}: the layer {name!r} has no features.",
            zh=f"{source.name}：图层 {name!r} 中没有要素。",
        )
    frame["geometry"] = shapely.force_2d(np.asarray(frame.geometry.values, dtype=object))
    if CRS.from_user_input(frame.crs).is_geographic:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise ImportFailed(
                f"{source.name}: the layer says lon/lat ({frame.crs.to_string()}) but its "
                f"coordinates reach ({maxx:,.0f}, {maxy:,.0f}), beyond lon/lat: are lon and lat "
                "swapped, or metres saved as degrees? Save the layer with its real CRS in QGIS "
                "(Export → Save Features As…).",
                zh=f"{source.name}：图层声明为经纬度（{frame.crs.to_string()}），但坐标达到 "
                f"({maxx:,.0f}, {maxy:,.0f})，超出经纬度范围：经纬度是否颠倒，或把米存成了度？"
                "请在 QGIS 中用真实坐标系保存图层（导出 → 要素另存为…）。",
            )
    return frame


def exported_plan(path: str | Path) -> tuple[int, int] | None:
    """Return the (plan id, plan version) recorded in an exported GeoPackage, or None."""
    try:
        meta = pyogrio.read_info(Path(path), layer=0).get("dataset_metadata") or {}
        return int(meta[PLAN_ID_KEY]), int(meta[PLAN_VERSION_KEY])
    except (KeyError, TypeError, ValueError, pyogrio.errors.DataSourceError):
        return None


@dataclass(frozen=True)
class Imported:
    """The cells ready to store, and how they relate to the previous plan."""

    cells: gpd.GeoDataFrame  # metric CRS: code, zone, kind, owner, area_m2
    kept: tuple[str, ...]
    new: tuple[str, ...]
    retired: tuple[str, ...]
    links: tuple[Link, ...]
    snapped: dict[str, int]  # overlaps trimmed, gaps filled, parts clipped

    def to_json(self) -> dict[str, Any]:
        """Return the matching as JSON-ready data."""
        return {
            "cells": len(self.cells),
            "kept": list(self.kept),
            "new": list(self.new),
            "retired": list(self.retired),
            "lineage": [link.to_json() for link in self.links],
            "snapped": dict(self.snapped),
        }


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _zone(value: object) -> int | None:
    text = _text(value)
    try:
        return int(float(text)) if text is not None else None
    except ValueError:
        return None


def _feature_name(fid: object, row: dict[str, Any]) -> str:
    code = _text(row.get("code"))
    return f"feature {fid}" + (f" (code {code})" if code else "")


def _feature_name_zh(fid: object, row: dict[str, Any]) -> str:
    code = _text(row.get("code"))
    return f"要素 {fid}" + (f"（编码 {code}）" if code else "")


def _refuse(
    problems: list[str], features_zh: list[str], total: int, hints: tuple[str, str]
) -> None:
    """Raise ImportFailed: the first problems (English), the features (Chinese), ``hints``
    (English, Chinese): what to do."""
    shown = "; ".join(problems[:3]) + (
        f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
    )
    shown_zh = "、".join(features_zh[:5]) + (
        f" 等 {len(features_zh)} 个" if len(features_zh) > 5 else ""
    )
    raise ImportFailed(
        f"{len(problems)} of {total} features cannot become cells: {shown}. {hints[0]}",
        zh=f"{total} 个要素中有 {len(problems)} 个无法成为网格：{shown_zh}。{hints[1]}",
    )


def _cell_polygons(
    edited: gpd.GeoDataFrame, campus: BaseGeometry
) -> tuple[list[dict[str, Any]], list[BaseGeometry]]:
    """Return one record and one Polygon per feature; raise ImportFailed naming the
    features that cannot be one cell or lie outside the campus."""
    rows: list[dict[str, Any]] = []
    geoms: list[BaseGeometry] = []
    refused: list[str] = []
    refused_zh: list[str] = []
    records = edited.drop(columns="geometry").to_dict("records")
    given = np.asarray(edited.geometry.values, dtype=object)
    # Most features are one valid polygon (a MultiPolygon of one part, as QGIS saves them):
    # taken as they are; the others go through one_polygon.
    simple = (
        np.isin(shapely.get_type_id(given), [3, 6])
        & (shapely.get_num_geometries(given) == 1)
        & shapely.is_valid(given)
        & (shapely.area(given) > 0)
    )
    for k, (fid, record, geom) in enumerate(
        zip(edited.index, records, edited.geometry, strict=True)
    ):
        poly = shapely.get_geometry(geom, 0) if simple[k] else one_polygon(geom)
        if isinstance(poly, str):
            refused.append(f"{_feature_name(fid, record)}: {poly}")
            refused_zh.append(_feature_name_zh(fid, record))
            continue
        rows.append(record)
        geoms.append(poly)
    if refused:
        _refuse(
            refused,
            refused_zh,
            len(edited),
            (
                "Fix them in QGIS and import again.",
                "请在 QGIS 中把它们改成单个有效的多边形后重新导入。",
            ),
        )
    arr = np.asarray(geoms, dtype=object)
    on_campus = shapely.area(shapely.intersection(arr, campus)) if len(arr) else np.zeros(0)
    outside = np.flatnonzero(on_campus < ON_CAMPUS_SHARE * shapely.area(arr))
    if len(outside):
        names = [
            _feature_name(edited.index[k], rows[k]) + ": it lies outside the campus"
            for k in outside.tolist()
        ]
        _refuse(
            names,
            [
                _feature_name_zh(edited.index[k], rows[k]) + " 位于校区之外"
                for k in outside.tolist()
            ],
            len(edited),
            (
                "Check the layer's CRS (swapped lon/lat, or metres saved as degrees?) and that "
                "the file is for this campus.",
                "请检查图层的坐标系（经纬度是否颠倒，或把米存成了度？）以及文件是否属于本校区。",
            ),
        )
    return rows, geoms


def prepare_import(
    edited: gpd.GeoDataFrame,
    *,
    previous: gpd.GeoDataFrame,
    campus: BaseGeometry,
    campus_code: str,
    taken: Iterable[str] = (),
    snap_m: float | None = None,
) -> Imported:
    """Return the edited cells with codes (see the module); all inputs in one metric CRS.

    ``previous`` is the plan the file was exported from (code, zone, kind, owner). Raises
    ImportFailed naming the features that cannot become cells.
    """
    crs = require_metric(edited, what="edited cells")
    rows, geoms = _cell_polygons(edited, campus)
    prev_geoms = np.asarray(previous.geometry.values, dtype=object)
    fixed = repair(
        geoms,
        base=prev_geoms,
        campus=campus,
        metric_crs=CRS.from_user_input(crs).to_string(),
        snap_m=snap_m,
    )
    arr = np.asarray(fixed.geoms, dtype=object)
    prev_codes = [str(c) for c in previous["code"]]
    prev_zone = [_zone(z) for z in previous["zone"]]
    prev_owner = [_text(o) for o in previous["owner"]] if "owner" in previous else []
    prev_kind = [_text(k) for k in previous["kind"]] if "kind" in previous else []
    holder = base_holder(arr, prev_geoms)
    zones: list[int] = []
    owners: list[str | None] = []
    kinds: list[str] = []
    for k, row in enumerate(rows):
        main = int(holder[k]) if holder[k] >= 0 else None
        zone = _zone(row.get("zone"))
        zones.append(zone or (prev_zone[main] if main is not None else None) or 1)
        owner = _text(row.get("owner"))
        owners.append(owner or (prev_owner[main] if main is not None and prev_owner else None))
        kind = _text(row.get("kind"))
        kinds.append(
            kind or (prev_kind[main] if main is not None and prev_kind else None) or "unit"
        )
    matching = match_codes(arr, zones, old=prev_geoms, old_codes=prev_codes, old_zones=prev_zone)
    codes = list(matching.codes)
    used = set(taken) | set(prev_codes)
    fresh = [k for k, c in enumerate(codes) if c is None]
    if fresh:
        centres = shapely.centroid(arr[fresh])
        order = reading_order(
            shapely.get_x(centres),
            shapely.get_y(centres),
            row_height_m=default_row_height_m(arr[fresh]),
        )
        for k in (fresh[int(i)] for i in order):
            (code,) = mint_codes(campus_code, zones[k], 1, taken=used)
            codes[k] = code
            used.add(code)
    kept = sorted(c for c in matching.codes if c is not None)
    retired = sorted(set(prev_codes) - set(kept))
    links = {Link(prev_codes[p], str(codes[k]), kind) for p, k, kind in matching.links}
    cells = gpd.GeoDataFrame(
        {
            "code": pd.Series(codes, dtype=object),
            "zone": pd.Series(zones, dtype=object),
            "kind": pd.Series(kinds, dtype=object),
            "owner": pd.Series(owners, dtype=object),
            "area_m2": shapely.area(arr) if len(arr) else np.array([], dtype=float),
        },
        geometry=list(arr),
        crs=crs,
    )
    return Imported(
        cells=cells.sort_values("code").reset_index(drop=True),
        kept=tuple(kept),
        new=tuple(sorted(str(codes[k]) for k in fresh)),
        retired=tuple(retired),
        links=tuple(sorted(links, key=lambda x: (x.new, x.old))),
        snapped=fixed.stats,
    )
