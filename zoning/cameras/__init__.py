"""Camera coverage: field-of-view sectors minus building shadows (``occlusion``), the
IEC 62676-4 pixel-density bands (``bands``), tiled unions (``_tiles``, private), the coverage
report per band, cell and key area (``report``), an incremental index (``index``) and
suggested sites for the next cameras (``sites``).

Pure: no database, no CLI.
"""

from zoning.cameras.bands import BAND_NAMES, BANDS
from zoning.cameras.coverage import (
    Buildings,
    CameraArrays,
    camera_coverage,
    campus_coverage,
    layers_coverage,
    walkable_area,
)
from zoning.cameras.index import Camera, CoverageIndex
from zoning.cameras.report import CoverageResult
from zoning.cameras.sites import suggest_sites

__all__ = [
    "BANDS",
    "BAND_NAMES",
    "Buildings",
    "Camera",
    "CameraArrays",
    "CoverageIndex",
    "CoverageResult",
    "camera_coverage",
    "campus_coverage",
    "layers_coverage",
    "suggest_sites",
    "walkable_area",
]
