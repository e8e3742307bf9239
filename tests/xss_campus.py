"""A one-building campus whose user-written text would run script if a page rendered it as
HTML (GeoJSON files), for the tests that check it is always shown as text."""

from __future__ import annotations

import json
from pathlib import Path

#: A building name that would run script if any page rendered it as HTML.
XSS_NAME = '<img src=x onerror="window.__xss=1">'
#: A complaint (so a hazard) text that would run script if shown as HTML.
XSS_HAZARD = '<img src=x onerror="window.__xss=2">'


def write_xss_campus(folder: Path) -> list[Path]:
    """Write a one-building campus whose building is named :data:`XSS_NAME` (GeoJSON) into
    ``folder``; return the boundary and buildings files."""
    lon, lat = 116.30, 39.90

    def square(half_lon: float, half_lat: float) -> list[list[list[float]]]:
        return [
            [
                [lon - half_lon, lat - half_lat],
                [lon + half_lon, lat - half_lat],
                [lon + half_lon, lat + half_lat],
                [lon - half_lon, lat + half_lat],
                [lon - half_lon, lat - half_lat],
            ]
        ]

    def collection(name: str, tags: dict[str, object], ring: list[list[list[float]]]) -> str:
        feature = {
            "type": "Feature",
            "properties": {"name": name, **tags},
            "geometry": {"type": "Polygon", "coordinates": ring},
        }
        return json.dumps({"type": "FeatureCollection", "features": [feature]})

    boundary = folder / "boundary.geojson"
    boundary.write_text(collection("xss", {"amenity": "university"}, square(0.002, 0.0015)))
    buildings = folder / "buildings.geojson"
    buildings.write_text(
        collection(XSS_NAME, {"building": "university", "height": 20}, square(0.0006, 0.0004))
    )
    return [boundary, buildings]
