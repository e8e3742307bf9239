"""Campus coverage results: walkable space, key areas, band unions → summary and blind spots.

Shared by the full computation (:func:`zoning.cameras.coverage.campus_coverage`) and the incremental
one (:class:`zoning.cameras.index.CoverageIndex`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from zoning.cameras._tiles import TiledCoverage, merge_tiles, tile_box
from zoning.cameras.bands import BAND_NAMES
from zoning.cameras.occlusion import FloatArray, GeomArray, polygonal
from zoning.geo.crs import require_metric

_EMPTY = shapely.Polygon()


#: POI kinds that are key areas by themselves.
KEY_POI_KINDS: tuple[str, ...] = ("gate", "main_entrance", "canteen")
#: Building uses whose entrances (``entrance`` POIs within 5 m) and surroundings are key areas.
KEY_BUILDING_USES: tuple[str, ...] = ("dormitory", "canteen")
#: A key area is covered when at least this share of its walkable part is seen at ≥ recognise.
KEY_AREA_COVERED_SHARE = 0.5


def walkable_area(
    boundary: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    landcover: gpd.GeoDataFrame | None = None,
) -> shapely.Geometry:
    """Return the walkable outdoor space: the campus minus building footprints and water.

    All frames in one metric CRS (raise :class:`InvalidInput` otherwise); result in m units.
    """
    require_metric(boundary, what="campus boundary")
    require_metric(buildings, what="buildings layer")
    campus = shapely.union_all(shapely.make_valid(boundary.geometry.to_numpy()))
    blocked = list(buildings.geometry.to_numpy())
    if landcover is not None and len(landcover):
        require_metric(landcover, what="landcover layer")
        blocked += list(landcover.geometry[landcover["kind"] == "water"].to_numpy())
    blocked_geoms = np.asarray(blocked, dtype=object)
    blocked_geoms = blocked_geoms[~shapely.is_missing(blocked_geoms)]
    if blocked_geoms.size == 0:
        return campus
    hit = STRtree(blocked_geoms).query(campus, predicate="intersects")
    return shapely.difference(campus, shapely.union_all(shapely.make_valid(blocked_geoms[hit])))


def _text(value: object) -> str:
    """Return ``value`` as text, "" for None / NaN / NA."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def key_areas_from_layers(
    pois: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    buffer_m: float = 10.0,
    poi_kinds: tuple[str, ...] = KEY_POI_KINDS,
    building_uses: tuple[str, ...] = KEY_BUILDING_USES,
) -> gpd.GeoDataFrame:
    """Return key areas (``name``, ``kind``, polygon) from POIs and building uses.

    * a POI of a kind in ``poi_kinds`` (gates, canteens): a disc of ``buffer_m`` around it;
    * an ``entrance`` POI within 5 m of a building whose use is in ``building_uses``: a disc
      of ``buffer_m``, kind ``"<use>_entrance"``;
    * a building of such a use with no such entrance: a ``buffer_m`` ring around its
      footprint, kind = the use.
    """
    crs = require_metric(buildings, what="buildings layer")
    require_metric(pois, what="pois layer")
    names: list[str] = []
    kinds: list[str] = []
    areas: list[shapely.Geometry] = []
    fps = buildings.geometry.to_numpy()
    uses = (
        buildings["use"].astype("string").fillna("").to_numpy(dtype=str)
        if "use" in buildings.columns
        else np.full(len(buildings), "")
    )
    poi_kind = (
        pois["kind"].astype("string").fillna("").to_numpy(dtype=str)
        if "kind" in pois.columns
        else np.full(len(pois), "")
    )
    poi_name = pois["name"].to_numpy(dtype=object) if "name" in pois.columns else [None] * len(pois)
    pts = pois.geometry.to_numpy()
    tree = STRtree(fps)
    with_entrance: set[int] = set()
    for i, (kind, pt) in enumerate(zip(poi_kind, pts, strict=True)):  # POIs: a few hundred
        label = _text(poi_name[i])
        if kind in poi_kinds:
            names.append(label or kind)
            kinds.append(kind)
            areas.append(shapely.buffer(pt, buffer_m))
        elif kind == "entrance":
            near = tree.query(pt, predicate="dwithin", distance=5.0)
            hits = [int(b) for b in near if uses[b] in building_uses]
            if hits:
                b = hits[0]
                with_entrance.add(b)
                names.append(label or f"{uses[b]} entrance")
                kinds.append(f"{uses[b]}_entrance")
                areas.append(shapely.buffer(pt, buffer_m))
    bnames = buildings["name"].to_numpy(dtype=object) if "name" in buildings.columns else None
    for j in np.flatnonzero(np.isin(uses, building_uses)):
        if int(j) in with_entrance:
            continue
        label = (_text(bnames[j]) if bnames is not None else "") or str(uses[j])
        names.append(label)
        kinds.append(str(uses[j]))
        areas.append(shapely.difference(shapely.buffer(fps[j], buffer_m), fps[j]))
    return gpd.GeoDataFrame({"name": names, "kind": kinds}, geometry=areas, crs=crs)


@dataclass(frozen=True)
class CoverageResult:
    """Campus coverage: unions per band, blind spots, cells and key areas (metric CRS)."""

    cameras: int
    tiled: TiledCoverage
    walkable: shapely.Geometry
    #: Walkable area (m²) whose best band is each band.
    by_band_m2: dict[str, float]
    covered_area_m2: float
    #: Walkable space not seen at ≥ detect: ``area_m2``, geometry.
    blind_spots: gpd.GeoDataFrame
    #: ``code``, ``covered_pct``, ``recognise_pct`` (of the cell's walkable area; None if none).
    cells: gpd.GeoDataFrame | None
    #: ``name``, ``kind``, ``recognise_pct``, ``covered``.
    key_areas: gpd.GeoDataFrame | None

    @property
    def walkable_area_m2(self) -> float:
        return float(shapely.area(self.walkable))

    @property
    def blind_spot_area_m2(self) -> float:
        return float(self.blind_spots["area_m2"].sum())

    @cached_property
    def band_unions(self) -> dict[str, shapely.Geometry]:
        """Per band name, the union of what every camera sees at that band or better."""
        return {
            name: merge_tiles(self.tiled.unions[:, k]) if len(self.tiled.tiles) else _EMPTY
            for k, name in enumerate(BAND_NAMES)
        }

    def best_band(self) -> gpd.GeoDataFrame:
        """Return the partition of the walkable space by best band (``band``, ``area_m2``)."""
        parts: list[shapely.Geometry] = []
        better: shapely.Geometry = _EMPTY
        for name in BAND_NAMES:
            seen = shapely.intersection(self.band_unions[name], self.walkable)
            parts.append(shapely.difference(seen, better))
            better = seen
        return gpd.GeoDataFrame(
            {"band": list(BAND_NAMES), "area_m2": shapely.area(np.asarray(parts, dtype=object))},
            geometry=parts,
            crs=self.blind_spots.crs,
        )

    def summary(self) -> dict[str, object]:
        """Return the JSON-able summary printed by ``campusgrid coverage CAMPUS --json``."""
        cells = (
            []
            if self.cells is None
            else [
                {"code": str(c), "covered_pct": _pct(p), "recognise_pct": _pct(r)}
                for c, p, r in zip(
                    self.cells["code"],
                    self.cells["covered_pct"],
                    self.cells["recognise_pct"],
                    strict=True,
                )
            ]
        )
        keys = (
            []
            if self.key_areas is None
            else [
                {"name": str(n), "kind": str(k), "covered": bool(c)}
                for n, k, c in zip(
                    self.key_areas["name"],
                    self.key_areas["kind"],
                    self.key_areas["covered"],
                    strict=True,
                )
            ]
        )
        return {
            "cameras": int(self.cameras),
            "walkable_area_m2": round(self.walkable_area_m2, 1),
            "covered_area_m2": round(self.covered_area_m2, 1),
            "by_band": {k: round(v, 1) for k, v in self.by_band_m2.items()},
            "blind_spot_area_m2": round(self.blind_spot_area_m2, 1),
            "cells": cells,
            "key_areas": keys,
        }


def _pct(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), 1)  # type: ignore[arg-type]


def _share_by_tiles(
    regions: GeomArray, tiled: TiledCoverage, bands: Sequence[int], *, walk_only: bool = True
) -> tuple[FloatArray, list[FloatArray]]:
    """Return per region its area within the tiles and, for each of ``bands``, the part
    seen at that band or better.

    With ``walk_only`` both count only walkable space (the region ∩ walkable part of each
    tile is computed once for all bands).
    """
    base = np.zeros(len(regions))
    seen = [np.zeros(len(regions)) for _ in bands]
    if not tiled.tiles or len(regions) == 0:
        return base, seen
    boxes = np.array([tile_box(t, tiled.tile_m) for t in tiled.tiles], dtype=object)
    r, t = STRtree(boxes).query(regions, predicate="intersects")
    if walk_only:
        # polygonal(): a region touching the walkable space along an edge gives a collection
        # with a stray line, which the next overlay cannot take (GEOS "Unable to determine
        # overlay result geometry dimension", seen on bupt with no camera)
        part = polygonal(shapely.intersection(regions[r], tiled.walk[t]))
        np.add.at(base, r, shapely.area(part))
    else:
        np.add.at(base, r, shapely.area(shapely.intersection(regions[r], boxes[t])))
        part = polygonal(regions[r])
    for out, band in zip(seen, bands, strict=True):
        np.add.at(out, r, shapely.area(shapely.intersection(part, tiled.unions[t, band])))
    return base, seen


def _walkable_part_area(unions: GeomArray, walk: GeomArray) -> FloatArray:
    """Return per tile the area of ``unions ∩ walk`` (both ``(tiles,)``).

    Parts of a union that the walkable part of their tile covers (prepared predicate, no
    overlay) count whole, parts disjoint from it not at all; only the rest are intersected,
    gathered into one multipolygon per tile.
    """
    out = np.zeros(len(walk))
    parts, tile = shapely.get_parts(unions, return_index=True)
    if parts.size == 0:
        return out
    shapely.prepare(walk)
    inside = shapely.covers(walk[tile], parts)
    np.add.at(out, tile[inside], shapely.area(parts[inside]))
    rest = ~inside & ~shapely.disjoint(walk[tile], parts)
    if rest.any():
        # get_parts keeps the order of its input, so the tiles of ``rest`` are sorted.
        used = np.unique(tile[rest])
        multi = shapely.multipolygons(parts[rest], indices=np.searchsorted(used, tile[rest]))
        out[used] += shapely.area(polygonal(shapely.intersection(multi, walk[used])))
    return out


def coverage_result(
    tiled: TiledCoverage,
    *,
    cameras: int,
    walkable: shapely.Geometry,
    crs: object,
    cells: gpd.GeoDataFrame | None = None,
    key_areas: gpd.GeoDataFrame | None = None,
    min_blind_spot_m2: float = 1.0,
) -> CoverageResult:
    """Build a :class:`CoverageResult` from tiled band unions (shared by the full and the
    incremental computation)."""
    detect, recognise = BAND_NAMES.index("detect"), BAND_NAMES.index("recognise")
    if tiled.tiles:
        # Tiles cover the whole walkable space (see TiledCoverage), seen or not.
        blind_tiles = shapely.difference(tiled.walk, tiled.unions[:, detect])
        walk_area = float(shapely.area(tiled.walk).sum())
        areas = np.array(
            [
                walk_area - float(shapely.area(blind_tiles).sum())
                if k == detect
                else float(_walkable_part_area(tiled.unions[:, k], tiled.walk).sum())
                for k in range(len(BAND_NAMES))
            ]
        )
    else:
        areas = np.zeros(len(BAND_NAMES))
        blind_tiles = np.zeros(0, dtype=object)
    by_band: dict[str, float] = {}
    better = 0.0
    for k, name in enumerate(BAND_NAMES):
        by_band[name] = max(float(areas[k]) - better, 0.0)
        better = float(areas[k])
    blind = shapely.get_parts(merge_tiles(blind_tiles))
    blind_area = shapely.area(blind)
    keep = blind_area >= min_blind_spot_m2
    blind_spots = gpd.GeoDataFrame(
        {"area_m2": blind_area[keep]}, geometry=list(blind[keep]), crs=crs
    )
    cell_out = None
    if cells is not None:
        geoms = cells.geometry.to_numpy()
        if tiled.tiles:
            # cell ∩ walkable from the tiles (they cover all walkable space): intersecting
            # each cell with the whole campus's walkable polygon took ~13 s for the 12,844
            # cells of the large demo
            base, (det, rec) = _share_by_tiles(geoms, tiled, (detect, recognise))
        else:
            base = shapely.area(shapely.intersection(geoms, walkable))
            det = rec = np.zeros(len(geoms))
        with np.errstate(invalid="ignore", divide="ignore"):
            covered = np.where(base > 1e-9, 100.0 * det / np.where(base > 0, base, 1.0), np.nan)
            rec_pct = np.where(base > 1e-9, 100.0 * rec / np.where(base > 0, base, 1.0), np.nan)
        cell_out = gpd.GeoDataFrame(
            {"code": cells["code"].to_numpy(), "covered_pct": covered, "recognise_pct": rec_pct},
            geometry=list(geoms),
            crs=crs,
        )
    key_out = None
    if key_areas is not None:
        geoms = key_areas.geometry.to_numpy()
        base = shapely.area(shapely.intersection(geoms, walkable))
        _, (rec,) = _share_by_tiles(geoms, tiled, (recognise,))
        # A key area entirely off the walkable space (e.g. inside a building) is judged whole.
        off = base <= 1e-9
        if off.any():
            base[off] = shapely.area(geoms[off])
            rec[off] = _share_by_tiles(geoms[off], tiled, (recognise,), walk_only=False)[1][0]
        share = rec / np.maximum(base, 1e-12)
        key_out = gpd.GeoDataFrame(
            {
                "name": key_areas["name"].to_numpy(),
                "kind": key_areas["kind"].to_numpy(),
                "recognise_pct": 100.0 * share,
                "covered": share >= KEY_AREA_COVERED_SHARE,
            },
            geometry=list(geoms),
            crs=crs,
        )
    return CoverageResult(
        cameras=cameras,
        tiled=tiled,
        walkable=walkable,
        by_band_m2=by_band,
        covered_area_m2=float(areas[detect]),
        blind_spots=blind_spots,
        cells=cell_out,
        key_areas=key_out,
    )


def as_geometry(value: shapely.Geometry | gpd.GeoSeries | gpd.GeoDataFrame) -> shapely.Geometry:
    if isinstance(value, gpd.GeoDataFrame | gpd.GeoSeries):
        require_metric(value, what="walkable area")
        return shapely.union_all(value.geometry.to_numpy())
    return value
