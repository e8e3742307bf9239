"""Camera coverage on the map: walkable space by best IEC 62676-4 band, blind spots in red,
key areas (uncovered ones flagged) and suggested camera sites.

:func:`coverage_view` turns a :class:`zoning.cameras.report.CoverageResult` (metric CRS)
into small EPSG:4326 frames once (simplified to ``simplify_m``); the layer builders then
draw them. Band colours come from one table, :data:`BAND_COLOURS`, in the order of
:data:`zoning.cameras.bands.BAND_NAMES` (best first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import shapely
from zoning.cameras.bands import BAND_NAMES
from zoning.cameras.report import CoverageResult
from zoning.geo.crs import WGS84

from maps.colours import RGBA, LegendEntry
from maps.i18n import DEFAULT_LANG, Lang, label, t
from maps.payload import Record, number, plain_text, point_records, polygon_records

COVERAGE: Final = "coverage"
BLIND_SPOTS: Final = "blind_spots"
KEY_AREAS: Final = "key_areas"
SUGGESTED: Final = "suggested"

#: Best band → colour, best (identify) darkest.
BAND_COLOURS: Final[dict[str, tuple[int, int, int]]] = dict(
    zip(
        BAND_NAMES,
        ((8, 69, 148), (33, 113, 181), (66, 146, 198), (107, 174, 214), (189, 215, 238)),
        strict=False,
    )
)
BLIND: Final[RGBA] = [230, 30, 30, 150]
KEY_COVERED: Final[RGBA] = [26, 150, 65, 120]
KEY_UNCOVERED: Final[RGBA] = [255, 0, 0, 220]
SITE: Final[RGBA] = [255, 0, 255, 255]


@dataclass(frozen=True)
class CoverageView:
    """What the map and the cameras page draw of a coverage result (EPSG:4326)."""

    summary: dict[str, Any]
    #: ``band``, ``area_m2``: walkable space by its best band.
    bands: gpd.GeoDataFrame
    #: ``area_m2``: walkable space not seen at ≥ detect.
    blind_spots: gpd.GeoDataFrame
    #: ``name``, ``kind``, ``recognise_pct``, ``covered``.
    key_areas: gpd.GeoDataFrame
    #: cell code → % of its walkable area seen at ≥ detect.
    cell_pct: dict[str, float] = field(default_factory=dict)


def _wgs84(frame: gpd.GeoDataFrame, *, simplify_m: float) -> gpd.GeoDataFrame:
    out = frame.copy()
    if simplify_m > 0 and len(out):
        out = out.set_geometry(shapely.simplify(out.geometry.array, simplify_m))
    out = out[~out.geometry.is_empty & out.geometry.notna()]
    return out.to_crs(WGS84)


def coverage_view(result: CoverageResult, *, simplify_m: float = 0.5) -> CoverageView:
    """Return the drawable view of ``result``: frames in EPSG:4326 simplified to
    ``simplify_m`` metres (0: exact), the CLI summary without its per-cell list."""
    summary = {k: v for k, v in result.summary().items() if k != "cells"}
    key_areas = result.key_areas
    if key_areas is None:
        key_areas = gpd.GeoDataFrame(
            {"name": [], "kind": [], "recognise_pct": [], "covered": []},
            geometry=[],
            crs=result.blind_spots.crs,
        )
    cell_pct: dict[str, float] = {}
    if result.cells is not None:
        for code, pct in zip(result.cells["code"], result.cells["covered_pct"], strict=True):
            if pct is not None and not pd.isna(pct):
                cell_pct[str(code)] = round(float(pct), 1)
    return CoverageView(
        summary=summary,
        bands=_wgs84(result.best_band(), simplify_m=simplify_m),
        blind_spots=_wgs84(result.blind_spots, simplify_m=simplify_m),
        key_areas=_wgs84(key_areas, simplify_m=0.0),
        cell_pct=cell_pct,
    )


def band_legend(*, lang: Lang = DEFAULT_LANG) -> list[LegendEntry]:
    """Return the legend of the band colours and the blind spots."""
    entries = [
        LegendEntry(label("band", name, lang), (r, g, b, 255))
        for name, (r, g, b) in BAND_COLOURS.items()
    ]
    entries.append(LegendEntry(t("layer.blind_spots", lang), (*BLIND[:3], 255)))  # type: ignore[arg-type]
    entries.append(LegendEntry(t("cameras.key_uncovered", lang), (*KEY_UNCOVERED[:3], 255)))  # type: ignore[arg-type]
    return entries


def coverage_layer(bands: gpd.GeoDataFrame, *, lang: Lang = DEFAULT_LANG) -> pdk.Layer:
    """Return the walkable space coloured by best band (flat, not pickable)."""

    def fields(row: Mapping[str, Any]) -> Record:
        r, g, b = BAND_COLOURS.get(str(row.get("band")), (200, 200, 200))
        return {"fill": [r, g, b, 140]}

    return pdk.Layer(
        "PolygonLayer",
        polygon_records(bands, fields, what="coverage"),
        id=COVERAGE,
        get_polygon="polygon",
        get_fill_color="fill",
        stroked=False,
        filled=True,
        pickable=False,
    )


def blind_spots_layer(blind: gpd.GeoDataFrame, *, lang: Lang = DEFAULT_LANG) -> pdk.Layer:
    """Return the blind spots in red; the tooltip gives each one's area (m²)."""

    def fields(row: Mapping[str, Any]) -> Record:
        area = number(row.get("area_m2"), default=0.0, digits=0)
        return {"tip": t("tip.blind_spot", lang, area=f"{area:,.0f}")}

    return pdk.Layer(
        "PolygonLayer",
        polygon_records(blind, fields, what="blind spots"),
        id=BLIND_SPOTS,
        get_polygon="polygon",
        get_fill_color=BLIND,
        stroked=False,
        filled=True,
        pickable=True,
    )


def key_areas_layer(key_areas: gpd.GeoDataFrame, *, lang: Lang = DEFAULT_LANG) -> pdk.Layer:
    """Return key areas: covered ones in green, uncovered ones in red with a thick outline."""

    def fields(row: Mapping[str, Any]) -> Record:
        covered = bool(row.get("covered"))
        return {
            "fill": (KEY_COVERED if covered else KEY_UNCOVERED).copy(),
            "line": [0, 100, 0, 255] if covered else [120, 0, 0, 255],
            "w": 1 if covered else 4,
            "tip": t(
                "tip.key_area",
                lang,
                name=plain_text(row.get("name")) or t("value.unnamed", lang),
                kind=label("key", row.get("kind"), lang),
                status=t("value.covered" if covered else "value.uncovered", lang),
            ),
        }

    return pdk.Layer(
        "PolygonLayer",
        polygon_records(key_areas, fields, what="key areas"),
        id=KEY_AREAS,
        get_polygon="polygon",
        get_fill_color="fill",
        get_line_color="line",
        get_line_width="w",
        line_width_units=pdk.types.String("pixels"),
        stroked=True,
        filled=True,
        pickable=True,
    )


def suggested_layer(sites: gpd.GeoDataFrame, *, lang: Lang = DEFAULT_LANG) -> pdk.Layer:
    """Return suggested camera sites as magenta points with rank and gain (m²)."""

    def fields(row: Mapping[str, Any]) -> Record:
        return {
            "tip": t(
                "tip.suggested",
                lang,
                rank=int(row.get("rank") or 0),
                heading=f"{number(row.get('heading_deg'), default=0.0, digits=0):g}",
                gain=f"{number(row.get('gain_m2'), default=0.0, digits=0):,.0f}",
            )
        }

    return pdk.Layer(
        "ScatterplotLayer",
        point_records(sites, fields, what="suggested sites"),
        id=SUGGESTED,
        get_position="position",
        get_fill_color=SITE,
        get_radius=6,
        radius_units=pdk.types.String("meters"),
        radius_min_pixels=5,
        stroked=True,
        get_line_color=[0, 0, 0, 255],
        line_width_min_pixels=1,
        pickable=True,
    )
