"""A tiny campus in EPSG:4326 with the awkward cases the map must survive, and its cells.

Names carry :data:`XSS`, text that would run script if a layer's tooltip were parsed as HTML.
"""

from __future__ import annotations

import geopandas as gpd
from shapely import LineString, MultiLineString, MultiPolygon, Point, affinity, box

from tests.shapes import COURTYARD_BUILDING, METRIC_CRS, TWO_PARTS
from zoning.campus.layers import CampusLayers, conform

#: A name that would run script if a tooltip parsed it as HTML.
XSS = "<img src=x onerror=alert(1)>"
#: Where the metric shapes are moved to (m, UTM 50N): somewhere in Beijing.
OFFSET = (440_000, 4_420_000)


def _wgs84(layer: str, rows: list[dict[str, object]], geoms: list[object]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs=METRIC_CRS).to_crs("EPSG:4326")
    return conform(layer, frame) if layer else frame


def tiny_campus() -> CampusLayers:
    """Two-part campus, a courtyard building, an XSS-named building, NaN heights, a camera."""

    def at(geom: object) -> object:
        return affinity.translate(geom, *OFFSET)  # type: ignore[arg-type]

    boundary = _wgs84("boundary", [{"name": "测试校园"}], [at(TWO_PARTS)])
    buildings = _wgs84(
        "buildings",
        [
            {"source_id": "b1", "name": XSS, "use": "dormitory", "height_m": 18.0},
            {"source_id": "b2", "name": None, "use": "university", "height_m": float("nan")},
            {"source_id": "b3", "name": '体育馆 & "Gym"', "use": "sports_hall", "height_m": 12},
        ],
        [
            at(box(50, 50, 90, 80)),
            at(COURTYARD_BUILDING),
            at(MultiPolygon([box(850, 150, 880, 180), box(900, 150, 930, 180)])),
        ],
    )
    roads = _wgs84(
        "roads",
        [
            {"source_id": "r1", "name": "主路", "road_class": "primary"},
            {"source_id": "r2", "name": None, "road_class": "footway"},
        ],
        [
            at(LineString([(0, 250), (600, 250)])),
            at(MultiLineString([[(100, 0), (100, 500)], [(200, 0), (200, 500)]])),
        ],
    )
    landcover = _wgs84(
        "landcover",
        [{"source_id": "w1", "name": "湖", "kind": "water"}],
        [at(box(300, 300, 400, 400))],
    )
    cameras = _wgs84(
        "cameras",
        [
            {
                "source_id": "c1",
                "name": XSS,
                "heading_deg": 90.0,
                "hfov_deg": 60.0,
                "tilt_deg": -15.0,
                "mount_height_m": 4.0,
                "resolution_px": 1920,
                "range_m": 40.0,
                "indoor": False,
            }
        ],
        [at(Point(30, 0))],
    )
    return CampusLayers(
        boundary=boundary,
        buildings=buildings,
        roads=roads,
        landcover=landcover,
        cameras=cameras,
    )


def tiny_cells() -> gpd.GeoDataFrame:
    """Four cells over the first campus part: two zones, one owner missing, one with a hole."""
    geoms = [
        box(0, 0, 300, 250),
        box(300, 0, 600, 250),
        box(0, 250, 300, 500).difference(box(120, 350, 180, 400)),
        box(300, 250, 600, 500),
    ]
    frame = gpd.GeoDataFrame(
        {
            "code": ["T-01-001", "T-01-002", "T-02-001", "T-02-002"],
            "zone": [1, 1, 2, 2],
            "kind": ["square"] * 4,
            "owner": ["张三", None, XSS, "李四"],
            "area_m2": [g.area for g in geoms],
        },
        geometry=[affinity.translate(g, *OFFSET) for g in geoms],
        crs=METRIC_CRS,
    )
    return frame.to_crs("EPSG:4326")
