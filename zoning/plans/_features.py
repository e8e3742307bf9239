"""One edited feature → one cell polygon, or the reason it cannot be one.

QGIS accepts shapes GEOS calls invalid (a ring touching itself, a dangling spike), and
``make_valid`` turns them into collections (``GeometryCollection(MultiPolygon,
LineString)``). Every polygonal part is kept; parts that touch or lie within
:data:`zoning.grid.topology.TOLERANCE_M` of each other are joined into one polygon by a
bridge that thin (a rounding sliver, not territory); parts farther apart are refused.
"""

from __future__ import annotations

import shapely
from shapely.geometry.base import BaseGeometry

from zoning.grid.topology import TOLERANCE_M


def polygonal_parts(geom: BaseGeometry) -> list[BaseGeometry]:
    """Return every Polygon with area inside ``geom`` made valid (collections unpacked)."""
    todo = [shapely.make_valid(shapely.force_2d(geom))]
    out: list[BaseGeometry] = []
    while todo:
        part = todo.pop()
        if part.geom_type == "Polygon":
            if part.area > 0:
                out.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            todo.extend(shapely.get_parts(part).tolist())
    return out


def one_polygon(geom: BaseGeometry | None) -> BaseGeometry | str:
    """Return ``geom`` as one valid Polygon (metric CRS), or why it cannot be one cell."""
    if geom is None or geom.is_empty:
        return "it has no geometry"
    parts = polygonal_parts(geom)
    if not parts:
        return f"it has no area (a {geom.geom_type} with no polygon)"
    whole = shapely.union_all(parts)
    pieces = sorted(shapely.get_parts(whole).tolist(), key=lambda p: -p.area)
    main = pieces[0]
    rest = pieces[1:]
    while rest:
        gaps = [float(shapely.distance(main, p)) for p in rest]
        k = min(range(len(rest)), key=gaps.__getitem__)
        if gaps[k] > TOLERANCE_M:
            return (
                f"it has {len(pieces)} separate parts, {gaps[k]:,.1f} m apart: "
                "a cell is one piece, so make each part its own feature or delete the stray one"
            )
        line = shapely.shortest_line(main, rest[k])
        bridge = shapely.buffer(line, TOLERANCE_M / 2, quad_segs=1)
        main = shapely.union_all([main, rest.pop(k), bridge])
        if main.geom_type != "Polygon":
            return "its parts touch but cannot be joined into one polygon"
    if not main.is_valid:
        return f"it is not a valid polygon: {shapely.is_valid_reason(main)}"
    return main
