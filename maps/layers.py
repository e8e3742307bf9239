"""pydeck layer builders for the safety map: one pure function per layer.

Each builder takes a layer of :class:`zoning.campus.layers.CampusLayers` (EPSG:4326) or the cells
of a plan, leaves it untouched, and returns a ``pdk.Layer`` with a stable ``id`` (see
:data:`LAYER_IDS`; selection events are keyed by it) whose data is a list of small records
(see :mod:`maps.payload`): rounded coordinates, a precomputed colour and a plain-text
``tip`` for the tooltip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pydeck as pdk
import shapely
from zoning.errors import InvalidInput
from zoning.geo.crs import to_metric

from maps import colours
from maps.colours import LegendEntry
from maps.i18n import DEFAULT_LANG, Lang, label, t
from maps.payload import (
    Record,
    is_missing,
    number,
    plain_text,
    point_records,
    polygon_records,
    require_wgs84,
    simplified,
)

#: Stable layer ids, bottom to top.
GROUND: Final = "ground"
LANDCOVER: Final = "landcover"
CELLS: Final = "cells"
ROADS: Final = "roads"
BUILDINGS: Final = "buildings"
CAMERAS: Final = "cameras"
LAYER_IDS: Final[tuple[str, ...]] = (GROUND, LANDCOVER, CELLS, ROADS, BUILDINGS, CAMERAS)
#: The cells' outlines when drawn as their own layer (see :func:`cell_outlines_layer`);
#: shown and hidden with :data:`CELLS`.
CELL_OUTLINES: Final = "cell_outlines"

ColourBy = Literal["zone", "kind", "area", "owner"]
COLOUR_BY: Final[tuple[ColourBy, ...]] = ("zone", "kind", "area", "owner")

#: Height (m) drawn for a building whose height is missing.
DEFAULT_HEIGHT_M: Final = 10.0
CELL_ALPHA: Final = 110
UNASSIGNED: Final[colours.RGBA] = [225, 87, 89, 150]
ASSIGNED: Final[colours.RGBA] = [89, 161, 79, 110]


#: WebGL parameters of extruded layers: the walls facing away from the camera are not
#: drawn (deck.gl winds every polygon the same way, so back faces are the hidden ones).
#: Halves the walls a software renderer shades (bench/README.md).
SOLID_PARAMETERS: Final[dict[str, Any]] = {"cullMode": "back"}


def _const(value: str) -> pdk.types.String:
    """Return a literal string prop (pydeck would read a bare string as an accessor)."""
    return pdk.types.String(value)


def _layer(kind: str, records: list[Record], *, layer_id: str, **props: Any) -> pdk.Layer:
    return pdk.Layer(kind, records, id=layer_id, **props)


def ground_layer(boundary: gpd.GeoDataFrame) -> pdk.Layer:
    """Return the flat campus ground (the boundary polygons), its edge the edge of its colour:
    no outline, which would cost the browser the lines' shader program before the first map
    (see :func:`cell_outlines_layer`)."""
    records = polygon_records(boundary, lambda _row: {}, what="boundary")
    return _layer(
        "PolygonLayer",
        records,
        layer_id=GROUND,
        get_polygon="polygon",
        get_fill_color=colours.GROUND,
        stroked=False,
        filled=True,
        pickable=False,
    )


def landcover_layer(landcover: gpd.GeoDataFrame) -> pdk.Layer:
    """Return flat landcover polygons coloured by kind (water blue, green, sport, parking)."""
    records = polygon_records(
        simplified(landcover),
        lambda row: {"fill": colours.landcover_colour(row.get("kind"))},
        what="landcover",
    )
    return _layer(
        "PolygonLayer",
        records,
        layer_id=LANDCOVER,
        get_polygon="polygon",
        get_fill_color="fill",
        stroked=False,
        filled=True,
        pickable=False,
    )


def road_areas(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``roads`` (EPSG:4326 lines) as the areas they cover: each line buffered by half
    its class's width (m), flat ends, mitred bends; minor roads first, so major ones lie on
    top. Columns: ``fill`` and the geometry, in EPSG:4326."""
    frame = roads[[roads.geometry.name]].copy()
    frame["road_class"] = roads.get("road_class")
    lines = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if not len(lines):
        return gpd.GeoDataFrame({"fill": []}, geometry=[], crs=roads.crs)
    metric = to_metric(lines)
    half = np.array([colours.road_width_m(c) / 2 for c in lines["road_class"]])
    areas = shapely.buffer(
        metric.geometry.array, half, cap_style="flat", join_style="mitre", mitre_limit=2.0
    )
    out = gpd.GeoDataFrame(
        {"fill": [colours.road_colour(c) for c in lines["road_class"]], "_w": half},
        geometry=areas,
        crs=metric.crs,
    )
    out = out[~out.geometry.is_empty].sort_values("_w", kind="stable")
    return out.drop(columns="_w").to_crs(roads.crs)


def roads_layer(roads: gpd.GeoDataFrame) -> pdk.Layer:
    """Return roads as flat polygons as wide (m) as their OSM class (see :func:`road_areas`).

    Drawn as filled polygons rather than a ``PathLayer``: the path shader costs a software
    renderer about 3× more per road than the polygons (bench/README.md).
    """
    require_wgs84(roads, what="roads")
    records = polygon_records(
        simplified(road_areas(roads)), lambda row: {"fill": row["fill"]}, what="roads"
    )
    return _layer(
        "PolygonLayer",
        records,
        layer_id=ROADS,
        get_polygon="polygon",
        get_fill_color="fill",
        stroked=False,
        filled=True,
        pickable=False,
    )


def building_tip(row: Mapping[str, Any], *, lang: Lang = DEFAULT_LANG) -> str:
    """Return the tooltip text of a building (name, use, height)."""
    name = plain_text(row.get("name")) or t("value.unnamed", lang)
    use = t(f"use.{colours.use_group(row.get('use'))}", lang)
    height = number(row.get("height_m"), default=DEFAULT_HEIGHT_M)
    return t("tip.building", lang, name=name, use=use, height=f"{height:g}")


def buildings_layer(buildings: gpd.GeoDataFrame, *, lang: Lang = DEFAULT_LANG) -> pdk.Layer:
    """Return buildings extruded by ``height_m`` (m) and coloured by use."""

    def fields(row: Mapping[str, Any]) -> Record:
        return {
            "h": number(row.get("height_m"), default=DEFAULT_HEIGHT_M),
            "fill": colours.building_colour(row.get("use")),
            "tip": building_tip(row, lang=lang),
        }

    records = polygon_records(simplified(buildings), fields, what="buildings")
    return _layer(
        "PolygonLayer",
        records,
        layer_id=BUILDINGS,
        get_polygon="polygon",
        get_elevation="h",
        get_fill_color="fill",
        extruded=True,
        wireframe=False,
        filled=True,
        pickable=True,
        auto_highlight=True,
        parameters=SOLID_PARAMETERS,
    )


def cell_colours(
    cells: gpd.GeoDataFrame, *, colour_by: ColourBy = "zone", lang: Lang = DEFAULT_LANG
) -> tuple[list[colours.RGBA], list[LegendEntry]]:
    """Return the fill colour of every cell and the legend, for measure ``colour_by``."""
    if colour_by == "zone":
        return colours.categorical(cells["zone"], alpha=CELL_ALPHA)
    if colour_by == "kind":
        fills, legend = colours.categorical(cells["kind"], alpha=CELL_ALPHA)
        return fills, [LegendEntry(label("kind", e.label, lang), e.colour) for e in legend]
    if colour_by == "area":
        return colours.sequential(cells["area_m2"], alpha=CELL_ALPHA + 30, unit="m²")
    if colour_by == "owner":
        has_owner = [bool(plain_text(v)) for v in cells["owner"]]
        fills = [(ASSIGNED if owned else UNASSIGNED).copy() for owned in has_owner]
        legend = [
            LegendEntry(t("value.assigned", lang), (*ASSIGNED[:3], 255)),  # type: ignore[arg-type]
            LegendEntry(t("value.unassigned", lang), (*UNASSIGNED[:3], 255)),  # type: ignore[arg-type]
        ]
        return fills, legend
    raise InvalidInput(f"Cannot colour cells by {colour_by!r}: use one of {', '.join(COLOUR_BY)}.")


def cell_tip(row: Mapping[str, Any], *, lang: Lang = DEFAULT_LANG) -> str:
    """Return the tooltip text of a cell (code, zone, owner, area in m²)."""
    owner = plain_text(row.get("owner")) or t("value.unassigned", lang)
    area = number(row.get("area_m2"), default=0.0, digits=0)
    return t(
        "tip.cell",
        lang,
        code=plain_text(row.get("code")),
        zone=plain_text(row.get("zone")),
        owner=owner,
        area=f"{area:,.0f}",
    )


def cell_short_tip(row: Mapping[str, Any], *, lang: Lang = DEFAULT_LANG) -> str:
    """Return the short tooltip of a cell on the big maps (code and owner; the zone is in
    the code, the rest in the cell's panel): ~13,000 of them travel to the browser."""
    owner = plain_text(row.get("owner")) or t("value.unassigned", lang)
    return t("tip.cell_short", lang, code=plain_text(row.get("code")), owner=owner)


def cells_layer(
    cells: gpd.GeoDataFrame, *, colour_by: ColourBy = "zone", lang: Lang = DEFAULT_LANG
) -> tuple[pdk.Layer, list[LegendEntry]]:
    """Return the plan's cells, outlined and coloured by ``colour_by``, and their legend.

    Each record carries the cell ``code`` so a selection event names the cell.
    """
    fills, legend = cell_colours(cells, colour_by=colour_by, lang=lang)
    with_fill = cells[["code", "zone", "owner", "area_m2", cells.geometry.name]].copy()
    with_fill["_fill"] = fills
    records = polygon_records(
        with_fill,
        lambda row: {
            "code": plain_text(row.get("code")),
            "fill": row["_fill"],
            "tip": cell_tip(row, lang=lang),
        },
        what="cells",
    )
    layer = _layer(
        "PolygonLayer",
        records,
        layer_id=CELLS,
        get_polygon="polygon",
        get_fill_color="fill",
        get_line_color=colours.CELL_EDGE,
        line_width_units=_const("pixels"),
        get_line_width=1,
        line_width_min_pixels=1,
        stroked=True,
        filled=True,
        extruded=False,
        pickable=True,
        auto_highlight=True,
    )
    return layer, legend


def camera_tip(row: Mapping[str, Any], *, lang: Lang = DEFAULT_LANG) -> str:
    """Return the tooltip text of a camera (name, heading, field of view, range)."""
    return t(
        "tip.camera",
        lang,
        name=plain_text(row.get("name")) or plain_text(row.get("source_id")),
        heading=f"{number(row.get('heading_deg'), default=0.0, digits=0):g}",
        fov=f"{number(row.get('hfov_deg'), default=0.0, digits=0):g}",
        range=f"{number(row.get('range_m'), default=0.0, digits=0):g}",
    )


def cameras_layer(cameras: gpd.GeoDataFrame, *, lang: Lang = DEFAULT_LANG) -> pdk.Layer:
    """Return cameras as points at their mount height; ``row`` is the camera's row number."""
    frame = cameras.reset_index(drop=True)
    frame["_row"] = range(len(frame))

    def fields(row: Mapping[str, Any]) -> Record:
        indoor = not is_missing(row.get("indoor")) and bool(row.get("indoor"))
        return {
            "z": number(row.get("mount_height_m"), default=3.0),
            "row": int(row["_row"]),
            "fill": (colours.CAMERA_INDOOR if indoor else colours.CAMERA).copy(),
            "tip": camera_tip(row, lang=lang),
        }

    records = point_records(frame, fields, what="cameras")
    return _layer(
        "ScatterplotLayer",
        records,
        layer_id=CAMERAS,
        get_position="position",
        get_fill_color="fill",
        get_radius=3,
        radius_units=_const("meters"),
        radius_min_pixels=3,
        radius_max_pixels=12,
        stroked=True,
        get_line_color=[255, 255, 255, 255],
        line_width_min_pixels=1,
        pickable=True,
        auto_highlight=True,
    )


def cell_records(cells: gpd.GeoDataFrame, *, lang: Lang = DEFAULT_LANG) -> list[Record]:
    """Return the cells' geometry records (``polygon``, ``code``, ``tip``: the short tip),
    to be painted by :func:`painted_cells_layer` as often as a filter changes (build these
    once). The tooltip is kept short: it is most of the bytes the browser must parse before
    the map can be drawn (bench/README.md)."""
    frame = cells[["code", "owner", cells.geometry.name]]
    return polygon_records(
        frame,
        lambda row: {"code": plain_text(row.get("code")), "tip": cell_short_tip(row, lang=lang)},
        what="cells",
    )


def painted_cells_layer(
    records: list[Record],
    fills: Mapping[str, colours.RGBA],
    *,
    tips: Mapping[str, str] | None = None,
    heights: Mapping[str, float] | None = None,
    codes: frozenset[str] | None = None,
    layer_id: str = CELLS,
    stroked: bool | None = None,
    details: bool = True,
) -> pdk.Layer:
    """Return the cells of ``records`` (see :func:`cell_records`) coloured by ``fills``.

    ``tips`` adds a line per cell code to its tooltip; ``heights`` (m) extrudes the cells
    (the leadership heatmap); ``codes`` keeps only those cells. The records are not changed.
    ``stroked`` (default: when flat) outlines each cell; pass False when the outlines are
    drawn by :func:`cell_outlines_layer` (one line per shared edge run: far cheaper to draw).
    With ``details`` False each cell carries its geometry, its colour and its code only (the
    code is its tooltip, ``tip``: see :func:`picked_cell_code`; ``tips`` is ignored): the
    rest is in the cell's panel, read on click. A quarter of the safety map's heaviest file
    was tooltip text the browser parsed before the first draw (bench/README.md).
    """
    out: list[Record] = []
    for record in records:  # ~13,000 cells on the large demo: a dict merge each, ~10 ms
        code = record["code"]
        if codes is not None and code not in codes:
            continue
        if not details:
            fill = fills.get(code, colours.MISSING)
            out.append({"polygon": record["polygon"], "fill": fill, "tip": code})
            continue
        painted = {**record, "fill": fills.get(code, colours.MISSING)}
        if tips is not None and code in tips:
            painted["tip"] = f"{record['tip']}\n{tips[code]}"
        if heights is not None:
            painted["h"] = heights.get(code, 0.0)
        out.append(painted)
    props: dict[str, Any] = {}
    if heights is not None:
        props = {
            "extruded": True,
            "get_elevation": "h",
            "wireframe": False,
            "parameters": SOLID_PARAMETERS,
        }
    return _layer(
        "PolygonLayer",
        out,
        layer_id=layer_id,
        get_polygon="polygon",
        get_fill_color="fill",
        get_line_color=colours.CELL_EDGE,
        line_width_units=_const("pixels"),
        get_line_width=1,
        line_width_min_pixels=1,
        stroked=(heights is None) if stroked is None else stroked,
        filled=True,
        pickable=True,
        auto_highlight=True,
        **props,
    )


def picked_cell_code(picked: Mapping[str, Any]) -> str:
    """Return the code of a cell picked on the map (a record of :func:`painted_cells_layer`:
    ``code``, or the ``tip`` that is the code when the layer carries no details)."""
    return plain_text(picked.get("code") or picked.get("tip"))


#: Tolerances when joining cell edges into straight lines (see :func:`cell_outline_paths`):
#: the turn between two joined edges (radians), and how far (m) a vertex a line passes may
#: lie off it — above the 1e-6° (~0.1 m) rounding of the records' coordinates.
OUTLINE_ANGLE_TOL: Final = 0.01
OUTLINE_DIST_TOL_M: Final = 0.25
_M_PER_DEG: Final = 111_320.0


def cell_outline_paths(
    records: list[Record], *, codes: frozenset[str] | None = None
) -> list[list[list[float]]]:
    """Return the outlines of the cells of ``records`` as few, long, straight paths.

    Every ring edge is kept once (an edge two cells share is drawn once), and edges that
    continue each other straight through a shared vertex are joined into one two-point
    path: a square grid of 13,000 cells becomes about 600 lines instead of 13,000 closed
    rings. Each path runs between two of the cells' own vertices, and every vertex it
    passes lies within :data:`OUTLINE_DIST_TOL_M` of it. ``codes`` keeps only those cells.
    """
    points: list[list[float]] = []
    nexts: list[int] = []
    for record in records:
        if codes is not None and record.get("code") not in codes:
            continue
        for ring in record["polygon"]:
            if len(ring) < 2:
                continue
            base = len(points)
            points.extend(ring)
            nexts.extend(range(base + 1, base + len(ring)))
            nexts.append(base)
    if not points:
        return []
    coords = np.asarray(points, dtype=float)
    # Vertices: the same rounded coordinates are one vertex (cells share theirs).
    keys = np.round(coords * 1e7).astype(np.int64)
    uniq, vid = np.unique(keys, axis=0, return_inverse=True)
    vid = vid.ravel()
    xy = uniq / 1e7
    scale = np.array([np.cos(np.radians(float(xy[:, 1].mean()))), 1.0]) * _M_PER_DEG
    metres = xy * scale
    a, b = vid, vid[np.asarray(nexts)]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(np.stack([lo[lo != hi], hi[lo != hi]], axis=1), axis=0)
    # Each edge's direction leaving each of its ends; edges meet at vertices.
    edges = pairs.tolist()
    angle = np.arctan2(*(metres[pairs[:, 1]] - metres[pairs[:, 0]]).T[::-1])
    at: dict[int, list[tuple[int, float]]] = {}
    for e, ((u, v), ang) in enumerate(zip(edges, angle.tolist(), strict=True)):
        at.setdefault(u, []).append((e, ang))
        at.setdefault(v, []).append((e, ang + np.pi if ang <= 0 else ang - np.pi))
    # At a vertex, two edges continue each other when they leave in opposite directions
    # and no third edge does so too (a T or a fan stays a break).
    link: dict[tuple[int, int], int] = {}
    for v, incident in at.items():
        for i, (e, ang) in enumerate(incident):
            straight = [
                f
                for f, other in incident[i + 1 :]
                if abs((other - ang) % (2 * np.pi) - np.pi) <= OUTLINE_ANGLE_TOL
            ]
            if len(straight) == 1:
                f = straight[0]
                if (e, v) not in link and (f, v) not in link:
                    link[(e, v)] = f
                    link[(f, v)] = e
    paths: list[list[list[float]]] = []
    done = [False] * len(edges)
    for start in range(len(edges)):
        if done[start]:
            continue
        # Walk back to the chain's first edge (or once round a closed loop), then forward.
        e, v = start, edges[start][0]
        while (e, v) in link:
            f = link[(e, v)]
            if f == start:
                break
            e = f
            u0, u1 = edges[e]
            v = u0 if u1 == v else u1
        chain = [v]
        first = e
        while True:
            done[e] = True
            u0, u1 = edges[e]
            v = u1 if u0 == v else u0
            chain.append(v)
            following = link.get((e, v))
            if following is None or following == first or done[following]:
                break
            e = following
        paths.extend(_straight_runs(chain, xy, metres))
    return paths


def _straight_runs(chain: list[int], xy: np.ndarray, metres: np.ndarray) -> list[list[list[float]]]:
    """Return ``chain`` (vertex ids joined straight) as two-point paths, cut where a vertex
    would lie more than :data:`OUTLINE_DIST_TOL_M` off the line (a gentle curve)."""

    def straight(start: int, end: int) -> bool:
        if end - start < 2:
            return True
        a, b = metres[chain[start]], metres[chain[end]]
        chord = b - a
        length = float(np.hypot(*chord))
        between = metres[chain[start + 1 : end]] - a
        off = np.abs(between[:, 0] * chord[1] - between[:, 1] * chord[0]) / max(length, 1e-9)
        return float(off.max()) <= OUTLINE_DIST_TOL_M

    out: list[list[list[float]]] = []
    start, last = 0, len(chain) - 1
    while start < last:
        end = last
        if not straight(start, end):  # a slight curve: the longest straight run from here
            good, bad = start + 1, end
            while bad - good > 1:
                mid = (good + bad) // 2
                good, bad = (mid, bad) if straight(start, mid) else (good, mid)
            end = good
        out.append([xy[chain[start]].tolist(), xy[chain[end]].tolist()])
        start = end
    return out


#: A cell outline's width (m): this share of the cells' typical edge, within these bounds.
OUTLINE_WIDTH_SHARE: Final = 0.04
OUTLINE_WIDTH_M: Final[tuple[float, float]] = (0.3, 2.0)
#: Decimals of the outline strips' coordinates (1e-7° ≈ 1 cm: a strip is ~1 m wide).
_STRIP_DECIMALS: Final = 7


def typical_edge_m(records: list[Record], *, codes: frozenset[str] | None = None) -> float:
    """Return the median length (m) of the ring edges of the cells of ``records`` (a square
    grid's cell size; NaN when there is none). ``codes`` keeps only those cells."""
    rings = [
        np.asarray(ring, dtype=float)[:, :2]
        for record in records
        if codes is None or record.get("code") in codes
        for ring in record["polygon"]
        if len(ring) >= 2
    ]
    if not rings:
        return float("nan")
    steps = np.concatenate([np.roll(xy, -1, axis=0) - xy for xy in rings])
    scale = np.array([np.cos(np.radians(float(rings[0][0, 1]))), 1.0]) * _M_PER_DEG
    metres = np.hypot(*(steps * scale).T)
    metres = metres[metres > 0]
    return float(np.median(metres)) if len(metres) else float("nan")


def outline_strips(paths: list[list[list[float]]], *, width_m: float) -> list[list[list[float]]]:
    """Return each two-point path (lon/lat) as a ``width_m``-wide rectangle around it (an open
    ring, lon/lat); zero-length paths are left out."""
    if not paths:
        return []
    ends = np.asarray([[path[0], path[-1]] for path in paths], dtype=float)
    a, b = ends[:, 0, :2], ends[:, 1, :2]
    scale = np.array([np.cos(np.radians(float(ends[:, :, 1].mean()))), 1.0]) * _M_PER_DEG
    along = (b - a) * scale
    length = np.hypot(*along.T)
    keep = length > 0
    a, b, along, length = a[keep], b[keep], along[keep], length[keep]
    normal = np.stack([-along[:, 1], along[:, 0]], axis=1) / length[:, None]
    side = normal * (width_m / 2) / scale  # half the width, back in degrees
    rings = np.stack([a + side, b + side, b - side, a - side], axis=1)
    strips: list[list[list[float]]] = np.round(rings, _STRIP_DECIMALS).tolist()
    return strips


def cell_outlines_layer(
    records: list[Record], *, codes: frozenset[str] | None = None, layer_id: str = CELL_OUTLINES
) -> pdk.Layer:
    """Return the outlines of the cells of ``records`` (see :func:`cell_outline_paths`) as a
    few thousand thin flat rectangles (:data:`colours.CELL_EDGE`), each straight line
    :data:`OUTLINE_WIDTH_SHARE` of the cells' typical edge wide (within
    :data:`OUTLINE_WIDTH_M`): they grow and shrink with the cells as the map zooms, vanish at a
    whole large campus's zoom, where a 30 m cell is two or three pixels, and are drawn by the
    flat polygons' shader program. Lines (a ``PathLayer``) would cost the browser one more
    program to compile before the first map, ~0.5–0.8 s in a software renderer, and a
    per-cell stroke is ~13,000 closed paths (bench/README.md). Not pickable: the cells
    underneath are."""
    edge = typical_edge_m(records, codes=codes)
    low, high = OUTLINE_WIDTH_M
    width = low if not np.isfinite(edge) else min(max(edge * OUTLINE_WIDTH_SHARE, low), high)
    strips = outline_strips(cell_outline_paths(records, codes=codes), width_m=width)
    return _layer(
        "SolidPolygonLayer",
        [{"polygon": strip} for strip in strips],
        layer_id=layer_id,
        get_polygon="polygon",
        get_fill_color=colours.CELL_EDGE,
        filled=True,
        pickable=False,
    )


def merged_flat_layer(parts: list[pdk.Layer], *, layer_id: str) -> pdk.Layer:
    """Return the flat polygon layers ``parts`` (bottom to top: each part's records drawn
    after the one before) as one flat ``PolygonLayer`` with id ``layer_id``; every record
    keeps its colour (a part's constant colour becomes each of its records' ``fill``). Not
    pickable. The parts are not changed.

    One file instead of several small ones: a small file arrives first and deck.gl draws it
    at once, and in a software renderer the frame after it then often misses the last heavy
    files, so the whole map is drawn twice (bench/README.md)."""
    records: list[Record] = []
    for part in parts:
        colour = part.get_fill_color  # a constant colour, or an accessor: "@@=FIELD"
        field = None if isinstance(colour, list) else str(colour).removeprefix("@@=")
        for record in part.data:
            fill = colour if field is None else record[field]
            records.append({"polygon": record["polygon"], "fill": fill})
    return _layer(
        "PolygonLayer",
        records,
        layer_id=layer_id,
        get_polygon="polygon",
        get_fill_color="fill",
        stroked=False,
        filled=True,
        pickable=False,
    )
