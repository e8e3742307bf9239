"""Camera coverage: field of view, building occlusion and IEC 62676-4 pixel-density bands.

A camera covers the sector of its horizontal field of view (compass heading: 0 = north,
clockwise, like OSM ``camera:direction``) out to its useful range, minus the shadows of the
buildings (:mod:`zoning.cameras.occlusion`). The useful range is ``min(range_m, monitor distance)``;
each band holds out to the ground distance where the pixel density drops below the band's
level (:mod:`zoning.cameras.bands`). ``tilt_deg`` is kept on the camera but not used: without the
vertical field of view the near blind zone under a camera cannot be derived.

* A camera standing on a wall or at a building corner (within 5 cm of a footprint edge) is
  moved 5 cm off it to the clearest side (a wall's normal, a corner's bisector; of equally
  clear sides the one nearest its heading), so it sees outward and not through the wall.
* A camera inside a footprint (or flagged ``indoor``) is indoor: it covers only its own
  building's footprint within its sector, never the outdoors. An ``indoor`` camera that is
  in no footprint covers nothing.

Campus results: :func:`campus_coverage` → :class:`CoverageResult` (band unions, blind spots,
cells, key areas and the JSON summary). The incremental index is
:class:`zoning.cameras.index.CoverageIndex`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS
from shapely import STRtree

from zoning.cameras._tiles import TiledCoverage, tile_unions, walkable_tiles_all
from zoning.cameras.bands import BAND_NAMES, BANDS, Band, band_ground_distances_m, hfov_from_lens
from zoning.cameras.occlusion import (
    Edges,
    FloatArray,
    GeomArray,
    IntArray,
    building_edges,
    polygonal,
    sector_polygons,
    shadows,
)
from zoning.cameras.report import (
    KEY_AREA_COVERED_SHARE,
    CoverageResult,
    as_geometry,
    coverage_result,
    key_areas_from_layers,
    walkable_area,
)
from zoning.campus.layers import CampusLayers
from zoning.errors import InvalidInput
from zoning.geo.crs import require_metric, to_metric

#: How far (m) a camera on a wall is moved off it.
WALL_OFFSET_M = 0.05
_EMPTY = shapely.Polygon()

__all__ = [
    "DEFAULT_SPEC",
    "KEY_AREA_COVERED_SHARE",
    "WALL_OFFSET_M",
    "Buildings",
    "CameraArrays",
    "CameraSpec",
    "CoverageResult",
    "band_geometries",
    "camera_arrays",
    "camera_coverage",
    "campus_coverage",
    "hfov_from_lens",
    "key_areas_from_layers",
    "layers_coverage",
    "validate_arrays",
    "walkable_area",
]


@dataclass(frozen=True)
class CameraSpec:
    """Default camera: fills missing values and is what :mod:`zoning.cameras.sites` proposes."""

    hfov_deg: float = 90.0
    tilt_deg: float = 15.0
    mount_height_m: float = 4.0
    resolution_px: int = 1920
    range_m: float = 60.0


DEFAULT_SPEC = CameraSpec()


@dataclass(frozen=True)
class CameraArrays:
    """Cameras as numpy columns (metres, degrees); ``x``/``y`` are the effective positions."""

    x: FloatArray
    y: FloatArray
    heading_deg: FloatArray
    hfov_deg: FloatArray
    mount_height_m: FloatArray
    resolution_px: FloatArray
    range_m: FloatArray
    indoor: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.x.size)

    def radii(self, bands: tuple[Band, ...] = BANDS) -> FloatArray:
        """Ground distance (m) of every band per camera, ``(n, len(bands))``, best first."""
        return band_ground_distances_m(
            mount_height_m=self.mount_height_m,
            resolution_px=self.resolution_px,
            hfov_deg=self.hfov_deg,
            range_m=self.range_m,
            bands=bands,
        )


def _column(frame: gpd.GeoDataFrame, name: str, default: float) -> FloatArray:
    if name not in frame.columns:
        return np.full(len(frame), float(default))
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(values), float(default), values)


def camera_arrays(cameras: gpd.GeoDataFrame, *, spec: CameraSpec = DEFAULT_SPEC) -> CameraArrays:
    """Return the cameras layer (metric CRS, point geometry) as :class:`CameraArrays`.

    Missing values are taken from ``spec`` (heading from 0). Raise :class:`InvalidInput` for a
    geographic CRS, non-point geometry, negative range or height, a field of view outside
    (0, 360] degrees or a non-positive resolution.
    """
    require_metric(cameras, what="cameras layer")
    geoms = cameras.geometry.to_numpy()
    if len(geoms) and not np.all(shapely.get_type_id(geoms) == 0):
        raise InvalidInput("Every camera must be a point; fix the geometry of the cameras layer.")
    out = CameraArrays(
        x=shapely.get_x(geoms).astype(float),
        y=shapely.get_y(geoms).astype(float),
        heading_deg=_column(cameras, "heading_deg", 0.0) % 360.0,
        hfov_deg=_column(cameras, "hfov_deg", spec.hfov_deg),
        mount_height_m=_column(cameras, "mount_height_m", spec.mount_height_m),
        resolution_px=_column(cameras, "resolution_px", spec.resolution_px),
        range_m=_column(cameras, "range_m", spec.range_m),
        indoor=(
            cameras["indoor"].fillna(False).to_numpy(dtype=bool)
            if "indoor" in cameras.columns
            else np.zeros(len(cameras), dtype=bool)
        ),
    )
    validate_arrays(out)
    return out


def validate_arrays(cams: CameraArrays) -> None:
    if np.any(cams.range_m < 0):
        raise InvalidInput("A camera has a negative range_m; ranges are ground distances ≥ 0 m.")
    if np.any(cams.mount_height_m < 0):
        raise InvalidInput("A camera has a negative mount_height_m; heights are ≥ 0 m.")
    if np.any((cams.hfov_deg <= 0) | (cams.hfov_deg > 360)):
        raise InvalidInput("A camera's hfov_deg is outside (0, 360]; give the horizontal FOV.")
    if np.any(cams.resolution_px <= 0):
        raise InvalidInput("A camera has resolution_px ≤ 0; give its horizontal pixel count.")
    if not (np.all(np.isfinite(cams.x)) and np.all(np.isfinite(cams.y))):
        raise InvalidInput("A camera has an empty or non-finite position.")


class Buildings:
    """Footprints prepared once for occlusion: oriented edges and a footprint tree."""

    def __init__(self, buildings: gpd.GeoDataFrame | GeomArray) -> None:
        if isinstance(buildings, gpd.GeoDataFrame | gpd.GeoSeries):
            require_metric(buildings, what="buildings layer")
            geoms = buildings.geometry.to_numpy()
        else:
            geoms = np.asarray(buildings, dtype=object)
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        geoms = shapely.make_valid(geoms[np.isin(shapely.get_type_id(geoms), (3, 6))])
        self.footprints: GeomArray = geoms
        self.edges: Edges = building_edges(geoms)
        self.tree = STRtree(geoms)
        shapely.prepare(geoms)


def _place(cams: CameraArrays, world: Buildings) -> tuple[CameraArrays, IntArray]:
    """Return cameras moved off walls and, per camera, its indoor building (-1 outdoors)."""
    n = len(cams)
    x, y = cams.x.copy(), cams.y.copy()
    indoor_of = np.full(n, -1, dtype=np.int64)
    if n == 0 or world.footprints.size == 0:
        return cams, indoor_of
    pts = shapely.points(x, y)
    ci, bi = world.tree.query(pts, predicate="dwithin", distance=WALL_OFFSET_M)
    fps = world.footprints[bi]
    on_wall = shapely.distance(pts[ci], shapely.boundary(fps)) <= WALL_OFFSET_M
    inside = shapely.contains(fps, pts[ci]) & ~on_wall
    indoor_of[ci[inside]] = bi[inside]
    walls = np.unique(ci[on_wall & (indoor_of[ci] < 0)])
    for i in walls:  # a loop over the few cameras that touch a wall
        near = bi[ci == i]
        if cams.indoor[i]:
            indoor_of[i] = near[0]
            continue
        # Candidate offsets ordered by their turn from the heading; keep the clearest one
        # (the wall's normal, a corner's bisector), and of equally clear ones the first.
        turns = np.radians(np.repeat(np.arange(0, 181, 5.0), 2) * np.tile([1, -1], 37))
        ang = np.radians(90.0 - cams.heading_deg[i]) + turns
        cand = shapely.points(
            x[i] + WALL_OFFSET_M * np.cos(ang), y[i] + WALL_OFFSET_M * np.sin(ang)
        )
        clear = np.min([shapely.distance(world.footprints[b], cand) for b in near], axis=0)
        if clear.max() > 1e-3:
            k = int(np.argmax(clear >= clear.max() - 1e-4))
            x[i], y[i] = float(shapely.get_x(cand[k])), float(shapely.get_y(cand[k]))
        else:
            indoor_of[i] = near[0]
    # A camera flagged indoor but standing outdoors covers nothing (range 0).
    lost = cams.indoor & (indoor_of < 0)
    moved = CameraArrays(
        x=x,
        y=y,
        heading_deg=cams.heading_deg,
        hfov_deg=cams.hfov_deg,
        mount_height_m=cams.mount_height_m,
        resolution_px=cams.resolution_px,
        range_m=np.where(lost, 0.0, cams.range_m),
        indoor=cams.indoor | (indoor_of >= 0),
    )
    return moved, indoor_of


def band_geometries(
    cams: CameraArrays, world: Buildings, *, bands: tuple[Band, ...] = BANDS
) -> GeomArray:
    """Return ``(n, len(bands))`` geometries: column k is what camera i sees at band k or better.

    The last column (the lowest band) is the camera's whole coverage.
    """
    n = len(cams)
    out = np.full((n, len(bands)), _EMPTY, dtype=object)
    if n == 0:
        return out
    placed, indoor_of = _place(cams, world)
    radii = placed.radii(bands)
    reach = radii[:, -1]
    outdoor = indoor_of < 0
    shade = np.full(n, _EMPTY, dtype=object)
    o = np.flatnonzero(outdoor & (reach > 0))
    if o.size and world.footprints.size:
        shade[o] = shadows(
            placed.x[o],
            placed.y[o],
            placed.heading_deg[o],
            placed.hfov_deg[o],
            reach[o],
            world.edges,
        )
    has_shade = ~shapely.is_empty(shade)
    near_m = np.full(n, np.inf)
    near_m[has_shade] = shapely.distance(
        shapely.points(placed.x, placed.y)[has_shade], shade[has_shade]
    )
    last = len(bands) - 1
    for k in range(last, -1, -1):  # widest band first
        # A band that reaches as far as the next wider one (a range cap) is the same
        # geometry: reuse the object, so that tile_unions can tell and skip it too.
        todo = np.arange(n) if k == last else np.flatnonzero(radii[:, k] != radii[:, k + 1])
        if k < last:
            out[:, k] = out[:, k + 1]
        if todo.size == 0:
            continue
        sectors = sector_polygons(
            placed.x[todo],
            placed.y[todo],
            placed.heading_deg[todo],
            placed.hfov_deg[todo],
            radii[todo, k],
        )
        col = sectors.copy()
        cut = np.flatnonzero(outdoor[todo] & has_shade[todo] & (radii[todo, k] > near_m[todo]))
        col[cut] = shapely.difference(sectors[cut], shade[todo[cut]])
        ins = np.flatnonzero(~outdoor[todo])
        if ins.size:
            inside = shapely.intersection(sectors[ins], world.footprints[indoor_of[todo[ins]]])
            col[ins] = polygonal(inside)
        out[todo, k] = col
    return out


def camera_coverage(
    cameras: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    spec: CameraSpec = DEFAULT_SPEC,
) -> gpd.GeoDataFrame:
    """Return one row per camera: its coverage polygon, ``area_m2`` and one column per band.

    Band columns (``identify`` … ``monitor``) hold the geometry seen at that band or better.
    Both frames must share a metric CRS; raise :class:`InvalidInput` otherwise.
    """
    crs = require_metric(cameras, what="cameras layer")
    require_metric(buildings, what="buildings layer")
    geoms = band_geometries(camera_arrays(cameras, spec=spec), Buildings(buildings))
    data: dict[str, object] = {name: geoms[:, k] for k, name in enumerate(BAND_NAMES)}
    data["area_m2"] = shapely.area(geoms[:, -1]) if len(geoms) else np.zeros(0)
    return gpd.GeoDataFrame(data, geometry=list(geoms[:, -1]), crs=crs, index=cameras.index)


def campus_coverage(
    cameras: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    walkable: shapely.Geometry | gpd.GeoSeries | gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame | None = None,
    key_areas: gpd.GeoDataFrame | None = None,
    spec: CameraSpec = DEFAULT_SPEC,
    tile_m: float = 250.0,
) -> CoverageResult:
    """Return the coverage of a whole campus (see :class:`CoverageResult`).

    ``walkable`` is usually :func:`walkable_area`; ``cells`` needs a ``code`` column and
    ``key_areas`` ``name`` and ``kind`` (e.g. :func:`key_areas_from_layers`). Every frame in
    one metric CRS; raise :class:`InvalidInput` otherwise. Unions, areas and blind spots are
    computed per square tile of ``tile_m`` (smaller overlays) and dissolved at the end.
    """
    if tile_m <= 0:
        raise InvalidInput("tile_m must be a positive number of metres.")
    crs = require_metric(cameras, what="cameras layer")
    geoms = band_geometries(camera_arrays(cameras, spec=spec), Buildings(buildings))
    walk = as_geometry(walkable)
    unions = tile_unions(geoms, tile_m)
    tiled = TiledCoverage.build(tile_m, unions, walkable_tiles_all(walk, tile_m))
    return coverage_result(
        tiled,
        cameras=len(cameras),
        walkable=walk,
        crs=crs,
        cells=cells,
        key_areas=key_areas,
    )


def layers_coverage(
    layers: CampusLayers,
    *,
    cells: gpd.GeoDataFrame | None = None,
    crs: CRS | str | None = None,
    key_area_buffer_m: float = 10.0,
) -> CoverageResult:
    """Return :func:`campus_coverage` for a whole :class:`CampusLayers` (EPSG:4326).

    Projects every layer to ``crs`` (default: the UTM zone of the campus), takes the walkable
    space from the boundary, buildings and water, and the key areas from the POIs and
    building uses (:func:`key_areas_from_layers`). ``cells`` may be in any CRS.
    """
    boundary = to_metric(layers.boundary, crs=crs)
    metric = boundary.crs

    def project(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame.to_crs(metric)

    buildings = project(layers.buildings)
    walk = walkable_area(boundary, buildings, project(layers.landcover))
    keys = key_areas_from_layers(project(layers.pois), buildings, buffer_m=key_area_buffer_m)
    return campus_coverage(
        project(layers.cameras),
        buildings,
        walkable=walk,
        cells=None if cells is None else project(cells),
        key_areas=keys,
    )
