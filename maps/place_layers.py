"""The small map a form picks a location on (a complaint, a hazard report).

Streamlit's pydeck selection reports the object clicked, not an empty point, so the map
offers the cells and buildings as pickable shapes and each record carries the point that
stands for it (``lon``, ``lat``: a point on its surface, inside even a concave shape): a
click on a cell or building fills the form with that point. Buildings are drawn over the
cells, so a click inside a building picks the building.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import geopandas as gpd
import pydeck as pdk
import shapely

from maps import colours
from maps.i18n import DEFAULT_LANG, Lang, t
from maps.payload import COORD_DECIMALS, Record, plain_text, polygon_records

__all__ = ["PICK_BUILDINGS", "PICK_CELLS", "picked_point", "place_layers"]

#: The layer ids of the picking map (selection events name them).
PICK_CELLS: Final = "pick_cells"
PICK_BUILDINGS: Final = "pick_buildings"
_CELL_FILL: Final[colours.RGBA] = [89, 161, 79, 60]
_BUILDING_FILL: Final[colours.RGBA] = [120, 120, 140, 170]


def _with_points(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` with ``lon``, ``lat`` of a point on each shape's surface (degrees)."""
    points = shapely.point_on_surface(frame.geometry.to_numpy())
    out = frame.copy()
    out["lon"] = shapely.get_x(points).round(COORD_DECIMALS)
    out["lat"] = shapely.get_y(points).round(COORD_DECIMALS)
    return out


def _records(frame: gpd.GeoDataFrame, name: str, label: str, *, what: str) -> list[Record]:
    return polygon_records(
        _with_points(frame[[name, frame.geometry.name]]),
        lambda row: {
            "name": plain_text(row.get(name)),
            "lon": float(row["lon"]),
            "lat": float(row["lat"]),
            "tip": f"{label} {plain_text(row.get(name))}".strip(),
        },
        what=what,
    )


def place_layers(
    cells: gpd.GeoDataFrame | None,
    buildings: gpd.GeoDataFrame | None,
    *,
    lang: Lang = DEFAULT_LANG,
) -> list[pdk.Layer]:
    """Return the picking map's layers: the cells (``code``) and, over them, the buildings
    (``name``), both EPSG:4326, each record with the ``lon``/``lat`` it stands for."""
    layers = []
    for frame, column, layer_id, fill, key in (
        (cells, "code", PICK_CELLS, _CELL_FILL, "search.kind.cell"),
        (buildings, "name", PICK_BUILDINGS, _BUILDING_FILL, "search.kind.building"),
    ):
        if frame is None or not len(frame):
            continue
        records = _records(frame, column, t(key, lang), what=layer_id)
        layers.append(
            pdk.Layer(
                "PolygonLayer",
                records,
                id=layer_id,
                get_polygon="polygon",
                get_fill_color=fill,
                get_line_color=colours.CELL_EDGE,
                get_line_width=1,
                line_width_min_pixels=1,
                stroked=True,
                filled=True,
                pickable=True,
                auto_highlight=True,
            )
        )
    return layers


def picked_point(picked: Mapping[str, Any] | None) -> tuple[float, float, str] | None:
    """Return (lon, lat, label) of a record picked on the map (None: nothing usable)."""
    if not picked:
        return None
    try:
        lon, lat = float(picked["lon"]), float(picked["lat"])
    except (KeyError, TypeError, ValueError):
        return None
    return lon, lat, plain_text(picked.get("tip"))
