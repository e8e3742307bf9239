"""Input coordinates to EPSG:4326, refusing a CRS that is missing or does not fit them.

The rules (the README's Import section says the same):

1. ``--crs`` overrides whatever a file declares (or does not declare);
2. a file that declares no CRS (a Shapefile without ``.prj``, a DXF drawing, a GeoPackage
   layer with an undefined SRS) is refused, naming the systems its coordinates' magnitude
   suggests (:func:`zoning.geo.crs.likely_crs`); OSM data and cameras CSVs are lon/lat by
   definition;
3. a CRS (declared or given) that cannot hold the coordinates (:func:`zoning.geo.crs.fits`)
   is refused the same way.

ESRI WKT ``.prj`` files without an EPSG code are read by GDAL; CGCS2000 and its Gauss-Krüger
zones (EPSG:4490, 4491–4554) are ordinary EPSG systems for pyproj.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from zoning.errors import ImportFailed
from zoning.geo import chinacrs
from zoning.geo.crs import WGS84, fits, likely_crs

Bounds = tuple[float, float, float, float]


def describe(crs: CRS) -> str:
    """Return "name (EPSG:code)" for a CRS, or its name when it has no EPSG code."""
    code = crs.to_epsg(min_confidence=70)
    return f"{crs.name} (EPSG:{code})" if code else crs.name


#: No coordinate system has coordinates this large (m or degrees): beyond it, nothing fits.
_FARTHEST = 1e9


def _range_text(bounds: Bounds) -> str:
    xmin, ymin, xmax, ymax = bounds
    largest = max(abs(v) for v in bounds)
    spec = ".5f" if largest <= 180 else ",.0f" if largest < _FARTHEST else ".6g"
    return f"x {xmin:{spec}} to {xmax:{spec}}, y {ymin:{spec}} to {ymax:{spec}}"


def _suggestion(bounds: Bounds) -> str:
    far = not all(math.isfinite(v) and abs(v) < _FARTHEST for v in bounds)
    guesses = [] if far else likely_crs(bounds)
    if not guesses:
        return (
            "they fit no coordinate system campusgrid knows (local CAD or site coordinates?): "
            "georeference the file first, e.g. in QGIS"
        )
    if len(guesses) == 1:
        return f"they look like {guesses[0]}; pass --crs {guesses[0].code.split(' ')[0]}"
    return f"they look like one of: {'; '.join(map(str, guesses))}; pass --crs with the right one"


def to_wgs84(
    geometry: npt.NDArray[np.object_],
    *,
    file_crs: object,
    override: CRS | chinacrs.ChineseCrs | None,
    origin: str,
    default: str | None = None,
) -> npt.NDArray[np.object_]:
    """Return ``geometry`` (2-D) in EPSG:4326.

    ``file_crs`` is what the file declares (None: nothing); ``override`` the ``--crs``;
    ``default`` the CRS of a format that has one by definition (OSM, CSV: EPSG:4326).
    Raises :class:`ImportFailed` for a missing CRS or one that does not fit the coordinates.
    """
    with np.errstate(invalid="ignore"):  # NaN coordinates: the feature is dropped below
        geometry = np.asarray(shapely.force_2d(geometry), dtype=object)
    if not len(geometry):
        return geometry
    coords, owner = shapely.get_coordinates(geometry, return_index=True)
    broken = np.unique(owner[~np.isfinite(coords).all(axis=1)])
    if broken.size:  # NaN or infinite coordinates: no geometry (skipped with a warning)
        geometry = geometry.copy()
        geometry[broken] = None
    if shapely.is_missing(geometry).all():
        return geometry  # nothing to place: the reader reports the features it skips
    bounds: Bounds = tuple(float(v) for v in shapely.total_bounds(geometry))  # type: ignore[assignment]
    if isinstance(override, str):  # gcj02 / bd09: lon/lat in a Chinese web-map datum
        if not fits(CRS.from_user_input(WGS84), bounds):
            raise ImportFailed(
                f"{origin}: --crs {override} is longitude/latitude but the coordinates "
                f"({_range_text(bounds)}) are not; {_suggestion(bounds)}."
            )
        return chinacrs.to_wgs84(geometry, source=override)
    if override is not None:
        source, said = override, f"--crs {override.to_string()}"
    elif file_crs is not None:
        source = CRS.from_user_input(file_crs)
        said = f"the file says {describe(source)}"
    elif default is not None:
        source, said = CRS.from_user_input(default), f"{default} is assumed"
    else:
        raise ImportFailed(
            f"{origin} has no coordinate system (a Shapefile without its .prj, or a CAD "
            f"drawing); its coordinates are {_range_text(bounds)}: {_suggestion(bounds)}."
        )
    if not fits(source, bounds):
        raise ImportFailed(
            f"{origin}: {said}, but the coordinates ({_range_text(bounds)}) do not fit it; "
            f"{_suggestion(bounds)}."
        )
    series = gpd.GeoSeries(geometry, crs=source)
    result: npt.NDArray[np.object_] = np.asarray(series.to_crs(WGS84).values, dtype=object)
    return result
