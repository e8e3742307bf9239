"""The QGIS round trip: read a cells layer edited in QGIS, tidy it, keep the codes of cells
that are essentially unchanged, give new codes to the rest.

Pure geometry in a metric CRS (:func:`prepare_import`); reading the file is
:func:`read_cells_layer`. With ``snap_m`` small overlaps and gaps left by hand editing are
resolved: an overlap or gap *thinner than* ``snap_m`` (it vanishes when eroded by
``snap_m / 2``) goes to one cell — an overlap to the first of the two, a gap to the
neighbour sharing the longest edge with it. Anything wider, such as the hole left by a
deleted cell, stays and is reported by the validation. A new cell keeps the code of the
previous cell it matches with an intersection-over-union of at least ``min_iou`` (each old
code at most once, best match first) in the same zone; the others get new codes, and every
old code they overlap is retired with a lineage link ``old → new``.
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
from shapely.geometry.base import BaseGeometry

from zoning.errors import ImportFailed
from zoning.geo.crs import require_metric
from zoning.grid.codes import default_row_height_m, reading_order
from zoning.plans.edits import Link, mint_codes

NOISE_M2 = 1e-3
#: Parts smaller than this (m², the validation's gap tolerance) that snapping splits off
#: a cell are dropped rather than becoming cells of their own.
CRUMB_M2 = 1.0
#: A previous cell must overlap a new cell by this share of either's area to be its ancestor.
LINEAGE_SHARE = 0.01


def read_cells_layer(path: str | Path, *, layer: str = "cells") -> gpd.GeoDataFrame:
    """Return the ``layer`` of a GeoPackage (or any OGR file) with its CRS.

    Raises ImportFailed naming the file and the layers it has.
    """
    source = Path(path)
    if not source.exists():
        raise ImportFailed(f"{source} does not exist.")
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(source)]
        name = layer if layer in layers else (layers[0] if len(layers) == 1 else None)
        if name is None:
            raise ImportFailed(
                f"{source.name} has no layer {layer!r} (layers: {', '.join(layers)})."
            )
        frame = pyogrio.read_dataframe(source, layer=name)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ImportFailed(f"Cannot read {source.name}: {exc}") from exc
    if frame.crs is None:
        raise ImportFailed(f"{source.name}: the layer has no CRS; save it with one in QGIS.")
    if not len(frame):
        raise ImportFailed(f"{source.name}: the layer {name!r} has no features.")
    return frame


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


def _thin(geom: BaseGeometry, width_m: float) -> bool:
    return bool(shapely.is_empty(shapely.buffer(geom, -width_m / 2)))


def _polygons(geom: BaseGeometry) -> list[BaseGeometry]:
    parts = shapely.get_parts(shapely.make_valid(geom))
    return [p for p in parts if p.geom_type == "Polygon" and p.area > NOISE_M2]


def _crumbless(geom: BaseGeometry) -> list[BaseGeometry]:
    """Return the polygons of ``geom`` without crumbs (parts under 1 m² beside a bigger one)."""
    parts = _polygons(geom)
    big = [p for p in parts if p.area >= CRUMB_M2]
    return big if big else parts


def _tidy(
    geoms: list[BaseGeometry], campus: BaseGeometry, snap_m: float
) -> tuple[list[BaseGeometry], dict[str, int]]:
    """Trim thin overlaps, clip thin parts outside the campus, fill thin gaps."""
    stats = {"overlaps": 0, "outside": 0, "gaps": 0}
    out = list(geoms)
    tree = shapely.STRtree(np.asarray(out, dtype=object))
    left, right = tree.query(np.asarray(out, dtype=object), predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        shared = shapely.intersection(out[i], out[j])
        if shapely.area(shared) > NOISE_M2 and _thin(shared, snap_m):
            out[j] = shapely.difference(out[j], shared)
            stats["overlaps"] += 1
    for k, geom in enumerate(out):
        outside = shapely.difference(geom, campus)
        if shapely.area(outside) > NOISE_M2 and _thin(outside, snap_m):
            out[k] = shapely.intersection(geom, campus)
            stats["outside"] += 1
    covered = shapely.union_all(out)
    for hole in shapely.get_parts(shapely.difference(campus, covered)):
        if hole.area <= NOISE_M2 or not _thin(hole, snap_m):
            continue
        near = shapely.buffer(hole, snap_m / 100)
        shared = [float(shapely.area(shapely.intersection(near, g))) for g in out]
        best = int(np.argmax(shared))
        merged = shapely.union(out[best], hole)
        if shared[best] > 0 and merged.geom_type == "Polygon":
            out[best] = merged
            stats["gaps"] += 1
    return out, stats


def prepare_import(
    edited: gpd.GeoDataFrame,
    *,
    previous: gpd.GeoDataFrame,
    campus: BaseGeometry,
    campus_code: str,
    taken: Iterable[str] = (),
    snap_m: float | None = None,
    min_iou: float = 0.95,
) -> Imported:
    """Return the edited cells with codes (see the module); all inputs in one metric CRS.

    ``previous`` is the plan the file was exported from (code, zone, kind, owner).
    """
    crs = require_metric(edited, what="edited cells")
    rows: list[dict[str, Any]] = []
    geoms: list[BaseGeometry] = []
    for record, geom in zip(
        edited.drop(columns="geometry").to_dict("records"), edited.geometry, strict=True
    ):
        if geom is None or geom.is_empty:
            continue
        for part in _polygons(geom):
            rows.append(record)
            geoms.append(part)
    stats = {"overlaps": 0, "outside": 0, "gaps": 0}
    if snap_m and geoms:
        geoms, stats = _tidy(geoms, campus, snap_m)
        exploded = [(r, p) for r, g in zip(rows, geoms, strict=True) for p in _crumbless(g)]
        rows, geoms = [r for r, _ in exploded], [p for _, p in exploded]
    prev_geoms = np.asarray(previous.geometry.values, dtype=object)
    prev_codes = [str(c) for c in previous["code"]]
    prev_zone = [_zone(z) for z in previous["zone"]]
    prev_owner = [_text(o) for o in previous["owner"]] if "owner" in previous else []
    prev_kind = [_text(k) for k in previous["kind"]] if "kind" in previous else []
    arr = np.asarray(geoms, dtype=object)
    ni, pi = shapely.STRtree(prev_geoms).query(arr, predicate="intersects")
    inter = shapely.area(shapely.intersection(arr[ni], prev_geoms[pi]))
    union = shapely.area(arr[ni]) + shapely.area(prev_geoms[pi]) - inter
    iou = np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)
    zones: list[int] = []
    owners: list[str | None] = []
    kinds: list[str] = []
    for k, row in enumerate(rows):
        mine = np.flatnonzero(ni == k)
        main = int(pi[mine[np.argmax(inter[mine])]]) if len(mine) else None
        zone = _zone(row.get("zone"))
        zones.append(zone or (prev_zone[main] if main is not None else None) or 1)
        owner = _text(row.get("owner"))
        owners.append(owner or (prev_owner[main] if main is not None and prev_owner else None))
        kind = _text(row.get("kind"))
        kinds.append(
            kind or (prev_kind[main] if main is not None and prev_kind else None) or "unit"
        )
    codes: list[str | None] = [None] * len(rows)
    claimed: set[int] = set()
    for m in np.argsort(-iou, kind="stable"):
        k, p = int(ni[m]), int(pi[m])
        if iou[m] < min_iou:
            break
        if codes[k] is None and p not in claimed and zones[k] == prev_zone[p]:
            codes[k], claimed = prev_codes[p], claimed | {p}
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
    retired = sorted(set(prev_codes) - {prev_codes[p] for p in claimed})
    retired_set = set(retired)
    links = []
    for m in range(len(ni)):
        k, p = int(ni[m]), int(pi[m])
        share = inter[m] / max(min(arr[k].area, prev_geoms[p].area), 1e-12)
        if k in fresh and prev_codes[p] in retired_set and share >= LINEAGE_SHARE:
            links.append(Link(prev_codes[p], str(codes[k]), "import"))
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
        kept=tuple(sorted(prev_codes[p] for p in claimed)),
        new=tuple(sorted(str(codes[k]) for k in fresh)),
        retired=tuple(retired),
        links=tuple(sorted(links, key=lambda x: (x.new, x.old))),
        snapped=stats,
    )
