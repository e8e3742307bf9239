"""The campus map: its layers (boundary, buildings, roads, POIs, landcover, cameras),
building heights, the people of the chain of responsibility, and ``io/`` which reads
them from OSM, GeoJSON, GeoPackage, Shapefile and CSV files and writes them back.

Pure: no database, no CLI.
"""

from zoning.campus.heights import STOREY_HEIGHT_M, building_height, parse_height_m, parse_levels
from zoning.campus.layers import (
    COLUMNS,
    GEOMETRY_TYPES,
    LAYER_NAMES,
    OSM_ATTRIBUTION,
    CampusLayers,
    conform,
)
from zoning.campus.people import PEOPLE_COLUMNS, ROLES, normalise_role, read_people_csv

__all__ = [
    "COLUMNS",
    "GEOMETRY_TYPES",
    "LAYER_NAMES",
    "OSM_ATTRIBUTION",
    "PEOPLE_COLUMNS",
    "ROLES",
    "STOREY_HEIGHT_M",
    "CampusLayers",
    "building_height",
    "conform",
    "normalise_role",
    "parse_height_m",
    "parse_levels",
    "read_people_csv",
]
