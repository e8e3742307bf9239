"""A one-building campus whose user-written text would run script if a page rendered it as
HTML (GeoJSON files), for the tests that check it is always shown as text."""

from __future__ import annotations

import json
from pathlib import Path

#: A building name that would run script if any page rendered it as HTML.
XSS_NAME = '<img src=x onerror="window.__xss=1">'
#: A complaint (so a hazard) text that would run script if shown as HTML.
XSS_HAZARD = '<img src=x onerror="window.__xss=2">'

#: Text that would run script if a page rendered it as HTML.
HOSTILE_HTML = ("<img src=x onerror=alert(1)>", "<script>alert(1)</script>")
#: Text a spreadsheet would run as a formula (OWASP "CSV injection"), each first character.
HOSTILE_FORMULAS = ('=HYPERLINK("http://x","y")', "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1")
#: Every hostile text, HTML first: the names of :func:`write_hostile_campus`'s buildings.
HOSTILE = HOSTILE_HTML + HOSTILE_FORMULAS


def _square(lon: float, lat: float, half_lon: float, half_lat: float) -> list[list[list[float]]]:
    return [
        [
            [lon - half_lon, lat - half_lat],
            [lon + half_lon, lat - half_lat],
            [lon + half_lon, lat + half_lat],
            [lon - half_lon, lat + half_lat],
            [lon - half_lon, lat - half_lat],
        ]
    ]


def _collection(features: list[tuple[str, dict[str, object], list[list[list[float]]]]]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": name, **tags},
                    "geometry": {"type": "Polygon", "coordinates": ring},
                }
                for name, tags, ring in features
            ],
        }
    )


def write_hostile_campus(folder: Path) -> list[Path]:
    """Write a campus of about 600 × 330 m whose boundary is named ``HOSTILE[0]`` and whose
    buildings (one per text of :data:`HOSTILE`, 60 × 45 m each, in a row) are named by
    them (GeoJSON) into ``folder``; return the boundary and buildings files."""
    lon, lat = 116.30, 39.90
    boundary = folder / "boundary.geojson"
    boundary.write_text(
        _collection([(HOSTILE[0], {"amenity": "university"}, _square(lon, lat, 0.0035, 0.0015))])
    )
    rows = [
        (name, {"building": "university", "height": 12}, _square(x, lat, 0.00035, 0.0002))
        for name, x in zip(HOSTILE, (lon - 0.0028 + 0.0008 * i for i in range(8)), strict=True)
    ]
    buildings = folder / "buildings.geojson"
    buildings.write_text(_collection(rows))
    return [boundary, buildings]


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
