"""Coordinates and geometry helpers every feature uses: metric CRS choice, the Chinese
web-map datums (GCJ-02, BD-09), rectangle clipping and the optional raster basemap.

Pure: no database, no CLI.
"""

from zoning.geo.crs import WGS84, metric_crs_for, require_metric, to_metric
from zoning.geo.rectclip import clip_rects

__all__ = ["WGS84", "clip_rects", "metric_crs_for", "require_metric", "to_metric"]
