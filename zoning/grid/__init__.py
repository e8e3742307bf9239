"""Grid zoning: the four split methods (``splitting``: square, hex; ``unit``: unit grids
bounded by roads and walls, building cells), zones (片区: ``zones`` draws them,
``named_zones`` takes them from zone polygons or quarters), stable cell codes, owners
balanced by workload, plan validation (``topology``) and point location (``locate``).

Pure: GeoDataFrames in a metric CRS in, new GeoDataFrames out; no database, no CLI.
"""

from zoning.grid.codes import assign_codes, format_code, reading_order
from zoning.grid.locate import CellIndex, locate, locate_codes
from zoning.grid.named_zones import match_quarters, quarter_targets, zones_from_areas
from zoning.grid.owners import assign_owners, cell_loads
from zoning.grid.splitting import (
    METHODS,
    campus_geometry,
    split,
    split_summary,
    square_cells,
    square_tiles,
)
from zoning.grid.topology import Problem, is_sliver, problems_to_json, validate
from zoning.grid.zones import assign_zones, cell_adjacency

__all__ = [
    "METHODS",
    "CellIndex",
    "Problem",
    "assign_codes",
    "assign_owners",
    "assign_zones",
    "campus_geometry",
    "cell_adjacency",
    "cell_loads",
    "format_code",
    "is_sliver",
    "locate",
    "locate_codes",
    "match_quarters",
    "problems_to_json",
    "quarter_targets",
    "reading_order",
    "split",
    "split_summary",
    "square_cells",
    "square_tiles",
    "validate",
    "zones_from_areas",
]
