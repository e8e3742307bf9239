"""The small two-part campus (layers only, lon/lat in EPSG:4326) that store tests save.

``LON, LAT`` is its south-west corner; ``D`` (degrees) is its grid step. It holds a courtyard
building, a building named with HTML, a road, a gate, a lake and two cameras.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely import LineString, Point, box

from zoning.campus.layers import CampusLayers, conform

LON, LAT = 117.70, 39.08  # degrees, EPSG:4326
D = 0.001  # about 86 m east-west, 111 m north-south at this latitude


def _frame(layer: str, rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    """Return ``rows`` (each with a lon/lat ``geometry``) as layer ``layer``."""
    geoms = [r.pop("geometry") for r in rows]
    return conform(layer, gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326"))


def small_campus() -> CampusLayers:
    """A 2-part campus with a courtyard building, a road, a POI, water and two cameras."""
    main = box(LON, LAT, LON + 10 * D, LAT + 8 * D)
    annex = box(LON + 12 * D, LAT, LON + 14 * D, LAT + 2 * D)
    courtyard = shapely.Polygon(
        [
            (LON + D, LAT + D),
            (LON + 3 * D, LAT + D),
            (LON + 3 * D, LAT + 3 * D),
            (LON + D, LAT + 3 * D),
        ],
        holes=[
            [
                (LON + 1.5 * D, LAT + 1.5 * D),
                (LON + 2.5 * D, LAT + 1.5 * D),
                (LON + 2.5 * D, LAT + 2.5 * D),
                (LON + 1.5 * D, LAT + 2.5 * D),
            ]
        ],
    )
    return CampusLayers(
        boundary=_frame(
            "boundary",
            [{"name": "测试大学", "geometry": main}, {"name": "测试大学", "geometry": annex}],
        ),
        buildings=_frame(
            "buildings",
            [
                {
                    "source_id": "way/1",
                    "name": "第一教学楼",
                    "use": "university",
                    "levels": 5,
                    "height_m": 16.5,
                    "height_source": "levels",
                    "geometry": courtyard,
                },
                {
                    "source_id": "way/2",
                    "name": "<img src=x onerror=alert(1)>",
                    "use": "dormitory",
                    "levels": None,
                    "height_m": 18.0,
                    "height_source": "default",
                    "geometry": box(LON + 5 * D, LAT + 5 * D, LON + 6 * D, LAT + 6 * D),
                },
            ],
        ),
        roads=_frame(
            "roads",
            [
                {
                    "source_id": "way/3",
                    "name": "学府路",
                    "road_class": "primary",
                    "geometry": LineString([(LON, LAT + 4 * D), (LON + 10 * D, LAT + 4 * D)]),
                }
            ],
        ),
        pois=_frame(
            "pois",
            [
                {
                    "source_id": "node/4",
                    "name": "南门",
                    "kind": "gate",
                    "geometry": Point(LON + 5 * D, LAT),
                }
            ],
        ),
        landcover=_frame(
            "landcover",
            [
                {
                    "source_id": "way/5",
                    "name": "镜湖",
                    "kind": "water",
                    "geometry": box(LON + 7 * D, LAT + D, LON + 9 * D, LAT + 3 * D),
                }
            ],
        ),
        cameras=_frame(
            "cameras",
            [
                {
                    "source_id": "node/6",
                    "name": "南门1",
                    "heading_deg": 0.0,
                    "hfov_deg": 90.0,
                    "tilt_deg": 15.0,
                    "mount_height_m": 4.0,
                    "resolution_px": 1920,
                    "range_m": 40.0,
                    "indoor": False,
                    "geometry": Point(LON + 5 * D, LAT + 0.2 * D),
                },
                {
                    "source_id": "node/7",
                    "name": "宿舍大厅",
                    "heading_deg": 180.0,
                    "hfov_deg": 100.0,
                    "tilt_deg": 20.0,
                    "mount_height_m": 3.0,
                    "resolution_px": 2560,
                    "range_m": 15.0,
                    "indoor": True,
                    "geometry": Point(LON + 5.5 * D, LAT + 5.5 * D),
                },
            ],
        ),
        attribution="test data",
    )
