"""Clip many geometries to many axis-aligned rectangles in one call (GEOS
RectangleIntersection), shared by the square split (:mod:`zoning.grid.splitting`) and the coverage
tiles (:mod:`zoning.cameras._tiles`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

#: The ufunc under ``shapely.clip_by_rect``, which broadcasts over arrays of rectangles (the
#: public function accepts one rectangle); None if this shapely has no such ufunc.
CLIP_UFUNC: Any = getattr(getattr(shapely, "lib", None), "clip_by_rect", None)
if CLIP_UFUNC is not None and list(getattr(CLIP_UFUNC, "types", [])) != ["Odddd->O"]:
    CLIP_UFUNC = None


def clip_rects(
    geoms: NDArray[np.object_],
    xmin: NDArray[np.float64],
    ymin: NDArray[np.float64],
    xmax: NDArray[np.float64],
    ymax: NDArray[np.float64],
) -> NDArray[np.object_]:
    """Return ``geoms[k]`` clipped to rectangle k (m; GEOS RectangleIntersection).

    One ufunc call when shapely has :data:`CLIP_UFUNC` (saves a Python call per rectangle),
    else a loop over ``shapely.clip_by_rect``. The result is not guaranteed valid: callers
    check it.
    """
    if CLIP_UFUNC is not None:
        clipped: NDArray[np.object_] = CLIP_UFUNC(geoms, xmin, ymin, xmax, ymax)
        return clipped
    out = np.empty(len(xmin), dtype=object)
    out[:] = [
        shapely.clip_by_rect(g, *r) for g, *r in zip(geoms, xmin, ymin, xmax, ymax, strict=True)
    ]
    return out
