"""The planner's map: a plan's cells coloured by their diff status against the active plan,
the selected cells outlined, and validation problems drawn in red where they are.

Pure functions (no database, no Streamlit): GeoDataFrames in EPSG:4326 and plain values in,
``pdk.Layer`` / ``pdk.Deck`` out. Layer ids are stable (:data:`PLAN_CELLS` is the one a
selection event names); records carry the cell ``code`` and a plain-text ``tip``.

>>> diff_colour("added")
[89, 161, 79, 150]
>>> diff_colour("something else")
[190, 190, 190, 140]
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

import geopandas as gpd
import pydeck as pdk
import shapely
from shapely.geometry.base import BaseGeometry
from zoning.campus.layers import CampusLayers
from zoning.errors import InvalidInput

from maps import layers as L
from maps.colours import MISSING, RGBA, LegendEntry
from maps.deck import TOOLTIP, CompactDeck, initial_view
from maps.i18n import DEFAULT_LANG, Lang, t
from maps.payload import (
    Record,
    plain_text,
    polygon_records,
    polygon_rings,
    round_coords,
)

#: Stable layer ids of the planner map (bottom to top, above the campus base layers).
PLAN_CELLS: Final = "plan_cells"
PLAN_SELECTED: Final = "plan_selected"
PROBLEM_AREAS: Final = "problem_areas"
PROBLEM_LINES: Final = "problem_lines"
PROBLEM_POINTS: Final = "problem_points"

DIFF_STATUSES: Final[tuple[str, ...]] = ("added", "changed", "unchanged", "removed")
DIFF_COLOURS: Final[dict[str, RGBA]] = {
    "added": [89, 161, 79, 150],
    "changed": [242, 142, 43, 150],
    "unchanged": [78, 121, 167, 70],
    "removed": [225, 87, 89, 150],
}
SELECTED_EDGE: Final[RGBA] = [255, 215, 0, 255]
SELECTED_FILL: Final[RGBA] = [255, 215, 0, 90]
PROBLEM: Final[RGBA] = [220, 20, 20, 230]
PROBLEM_FILL: Final[RGBA] = [220, 20, 20, 120]


def diff_colour(status: str) -> RGBA:
    """Return the fill colour of a cell whose diff status is ``status`` (grey when unknown)."""
    return list(DIFF_COLOURS.get(status, MISSING))


def diff_legend(lang: Lang = DEFAULT_LANG) -> list[LegendEntry]:
    """Return the legend of :data:`DIFF_COLOURS`, labelled in ``lang``."""
    return [
        LegendEntry(t(f"diff.{s}", lang), (c[0], c[1], c[2], 255))
        for s, c in DIFF_COLOURS.items()
        if s != "removed"
    ]


def _tip(row: Mapping[str, Any], status: str, lang: Lang) -> str:
    return L.cell_tip(row, lang=lang) + "\n" + t(f"diff.{status}", lang)


def plan_cells_layer(
    cells: gpd.GeoDataFrame, status: Mapping[str, str], *, lang: Lang = DEFAULT_LANG
) -> pdk.Layer:
    """Return the plan's cells coloured by ``status`` (code → added|changed|unchanged).

    A code missing from ``status`` is drawn grey. Each record carries ``code`` and ``tip``.
    """
    frame = cells[["code", "zone", "owner", "area_m2", cells.geometry.name]]

    def fields(row: Mapping[str, Any]) -> Record:
        code = plain_text(row.get("code"))
        state = status.get(code, "unknown")
        return {
            "code": code,
            "fill": diff_colour(state),
            "tip": _tip(row, state, lang) if state in DIFF_COLOURS else L.cell_tip(row, lang=lang),
        }

    records = polygon_records(frame, fields, what="cells")
    return pdk.Layer(
        "PolygonLayer",
        records,
        id=PLAN_CELLS,
        get_polygon="polygon",
        get_fill_color="fill",
        get_line_color=[40, 40, 40, 200],
        line_width_units=pdk.types.String("pixels"),
        get_line_width=1,
        line_width_min_pixels=1,
        stroked=True,
        filled=True,
        pickable=True,
        auto_highlight=True,
    )


def selected_layer(cells: gpd.GeoDataFrame, codes: Collection[str]) -> pdk.Layer | None:
    """Return the cells whose code is in ``codes``, outlined thickly; None when none are."""
    chosen = cells[cells["code"].astype(str).isin(set(codes))]
    if not len(chosen):
        return None
    records = polygon_records(
        chosen[["code", chosen.geometry.name]],
        lambda row: {"code": plain_text(row.get("code"))},
        what="cells",
    )
    return pdk.Layer(
        "PolygonLayer",
        records,
        id=PLAN_SELECTED,
        get_polygon="polygon",
        get_fill_color=SELECTED_FILL,
        get_line_color=SELECTED_EDGE,
        line_width_units=pdk.types.String("pixels"),
        get_line_width=4,
        stroked=True,
        filled=True,
        pickable=False,
    )


def _geometry(wkt: object) -> BaseGeometry | None:
    if not isinstance(wkt, str) or not wkt.strip():
        return None
    try:
        geom: BaseGeometry = shapely.from_wkt(wkt)
    except shapely.errors.GEOSException:
        return None
    return None if geom.is_empty else geom


def _flat(geom: BaseGeometry) -> list[BaseGeometry]:
    """Return the simple parts of ``geom`` (collections and multi-parts flattened)."""
    if geom.geom_type.startswith("Multi") or geom.geom_type == "GeometryCollection":
        return [p for part in shapely.get_parts(geom) for p in _flat(part) if not p.is_empty]
    return [geom]


def problem_layers(
    problems: Sequence[Mapping[str, Any]], *, lang: Lang = DEFAULT_LANG
) -> list[pdk.Layer]:
    """Return red layers for validation problems (``location_wkt`` in lon/lat).

    Areas become filled polygons, lines paths, points dots; each record's ``tip`` is the
    problem's message (plain text). Problems without a readable location are skipped.
    """
    areas: list[Record] = []
    lines: list[Record] = []
    points: list[Record] = []
    for problem in problems:
        geom = _geometry(problem.get("location_wkt"))
        if geom is None:
            continue
        tip = t("plan.problem_tip", lang, message=plain_text(problem.get("message"), max_chars=300))
        for part in _flat(geom):
            kind = part.geom_type
            if kind == "Polygon":
                areas += [{"polygon": rings, "tip": tip} for rings in polygon_rings(part)]
            elif kind in ("LineString", "LinearRing"):
                path = round_coords(shapely.get_coordinates(part))
                if len(path) > 1:
                    lines.append({"path": path, "tip": tip})
            elif kind == "Point":
                (position,) = round_coords(shapely.get_coordinates(part)[:1])
                points.append({"position": position, "tip": tip})
    out: list[pdk.Layer] = []
    if areas:
        out.append(
            pdk.Layer(
                "PolygonLayer", areas, id=PROBLEM_AREAS, get_polygon="polygon",
                get_fill_color=PROBLEM_FILL, get_line_color=PROBLEM,
                line_width_units=pdk.types.String("pixels"), get_line_width=3,
                line_width_min_pixels=2, stroked=True, filled=True, pickable=True,
            )
        )  # fmt: skip
    if lines:
        out.append(
            pdk.Layer(
                "PathLayer", lines, id=PROBLEM_LINES, get_path="path", get_color=PROBLEM,
                get_width=4, width_units=pdk.types.String("pixels"), width_min_pixels=3,
                pickable=True,
            )
        )  # fmt: skip
    if points:
        out.append(
            pdk.Layer(
                "ScatterplotLayer", points, id=PROBLEM_POINTS, get_position="position",
                get_fill_color=PROBLEM, get_radius=6, radius_units=pdk.types.String("meters"),
                radius_min_pixels=6, stroked=True, get_line_color=[255, 255, 255, 255],
                line_width_min_pixels=1, pickable=True,
            )
        )  # fmt: skip
    return out


#: The planner map looks straight down (cells are easier to pick) and fits a narrower column.
PLAN_VIEW_WIDTH_PX: Final = 520
PLAN_VIEW_HEIGHT_PX: Final = 540


def plan_view(campus: CampusLayers) -> dict[str, float]:
    """Return the planner's initial view: top-down, fitted to the campus boundary.

    The same campus always gives the same view, so the map does not jump on reruns.
    Raises InvalidInput when the campus has no boundary.
    """
    if not len(campus.boundary):
        raise InvalidInput("The campus has no boundary, so the map has nothing to centre on.")
    minx, miny, maxx, maxy = (float(v) for v in campus.boundary.total_bounds)
    return initial_view(
        (minx, miny, maxx, maxy),
        pitch_deg=0.0,
        bearing_deg=0.0,
        width_px=PLAN_VIEW_WIDTH_PX,
        height_px=PLAN_VIEW_HEIGHT_PX,
    )


def plan_deck(
    campus: CampusLayers,
    cells: gpd.GeoDataFrame,
    *,
    status: Mapping[str, str],
    view: Mapping[str, float],
    selected: Collection[str] = (),
    problems: Sequence[Mapping[str, Any]] = (),
    lang: Lang = DEFAULT_LANG,
) -> pdk.Deck:
    """Return the planner's deck: ground, roads, the plan's cells by diff status, the
    selection outline, buildings drawn flat-ish, and problems in red on top.

    ``view`` is the initial view (:func:`plan_view`); keep it constant across
    reruns so the map does not jump. Raises InvalidInput when ``cells`` lack a code column.
    """
    if "code" not in cells.columns:
        raise InvalidInput("The plan's cells need a 'code' column to be drawn.")
    layers: list[pdk.Layer] = []
    if len(campus.boundary):
        layers.append(L.ground_layer(campus.boundary))
    if len(campus.roads):
        layers.append(L.roads_layer(campus.roads))
    if len(cells):
        layers.append(plan_cells_layer(cells, status, lang=lang))
    outline = selected_layer(cells, selected)
    if outline is not None:
        layers.append(outline)
    layers += problem_layers(problems, lang=lang)
    return CompactDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(**view),
        map_provider=None,
        tooltip=TOOLTIP,  # type: ignore[arg-type]
    )
