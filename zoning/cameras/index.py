"""Incremental campus coverage: move, add or remove one camera without recomputing the rest.

:class:`CoverageIndex` keeps every camera's band geometries and, per square tile of the
campus, the union of the cameras' coverage clipped to that tile (one union per band) and the
walkable area it covers. Changing one camera recomputes that camera and then only the tiles
its old and new coverage touch: each tile union merges the dozen or so cameras that reach
into the tile, not the whole campus.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import shapely

from zoning.cameras._tiles import (
    Tile,
    TiledCoverage,
    tile_box,
    tile_unions,
    tiles_of_bounds,
    walkable_tiles,
    walkable_tiles_all,
)
from zoning.cameras.bands import BAND_NAMES
from zoning.cameras.coverage import (
    DEFAULT_SPEC,
    Buildings,
    CameraArrays,
    CameraSpec,
    band_geometries,
    camera_arrays,
    validate_arrays,
)
from zoning.cameras.occlusion import GeomArray, polygonal
from zoning.cameras.report import CoverageResult, as_geometry, coverage_result
from zoning.errors import InvalidInput, NotFound
from zoning.geo.crs import require_metric

_EMPTY = shapely.Polygon()


@dataclass(frozen=True)
class Camera:
    """One camera's parameters (metres, degrees, pixels) as the index keeps them."""

    x: float
    y: float
    heading_deg: float = 0.0
    hfov_deg: float = DEFAULT_SPEC.hfov_deg
    mount_height_m: float = DEFAULT_SPEC.mount_height_m
    resolution_px: float = DEFAULT_SPEC.resolution_px
    range_m: float = DEFAULT_SPEC.range_m
    indoor: bool = False


def _arrays(cameras: list[Camera]) -> CameraArrays:
    def col(name: str) -> np.ndarray:  # type: ignore[type-arg]
        return np.array([getattr(c, name) for c in cameras], dtype=float)

    return CameraArrays(
        x=col("x"),
        y=col("y"),
        heading_deg=col("heading_deg") % 360.0,
        hfov_deg=col("hfov_deg"),
        mount_height_m=col("mount_height_m"),
        resolution_px=col("resolution_px"),
        range_m=col("range_m"),
        indoor=np.array([c.indoor for c in cameras], dtype=bool),
    )


class CoverageIndex:
    """Per-camera coverage plus per-tile band unions, updated camera by camera.

    Build it once from the cameras and buildings layers (one metric CRS; raise
    :class:`InvalidInput` otherwise); cameras are keyed by the cameras frame's index.
    ``walkable`` (e.g. :func:`zoning.cameras.coverage.walkable_area`) enables the area figures.
    """

    def __init__(
        self,
        cameras: gpd.GeoDataFrame,
        buildings: gpd.GeoDataFrame,
        *,
        walkable: shapely.Geometry | gpd.GeoSeries | None = None,
        tile_m: float = 250.0,
        spec: CameraSpec = DEFAULT_SPEC,
    ) -> None:
        if tile_m <= 0:
            raise InvalidInput("tile_m must be a positive number of metres.")
        self.crs = require_metric(cameras, what="cameras layer")
        self.tile_m = float(tile_m)
        self._world = Buildings(buildings)
        arrays = camera_arrays(cameras, spec=spec)
        self._cameras: dict[Hashable, Camera] = {}
        for i, key in enumerate(cameras.index):  # a few thousand cameras: plain loop
            self._cameras[key] = Camera(
                x=float(arrays.x[i]),
                y=float(arrays.y[i]),
                heading_deg=float(arrays.heading_deg[i]),
                hfov_deg=float(arrays.hfov_deg[i]),
                mount_height_m=float(arrays.mount_height_m[i]),
                resolution_px=float(arrays.resolution_px[i]),
                range_m=float(arrays.range_m[i]),
                indoor=bool(arrays.indoor[i]),
            )
        self._walkable = None if walkable is None else as_geometry(walkable)
        if self._walkable is not None:
            shapely.prepare(self._walkable)
        self._geoms: dict[Hashable, GeomArray] = {}
        self._tiles_of: dict[Hashable, list[Tile]] = {}
        self._members: dict[Tile, set[Hashable]] = {}
        self._union: dict[Tile, GeomArray] = {}
        self._seen_m2: dict[Tile, np.ndarray] = {}  # type: ignore[type-arg]
        self._walk: dict[Tile, shapely.Geometry] = {}
        geoms = band_geometries(arrays, self._world)
        for key, row in zip(self._cameras, geoms, strict=True):
            self._store(key, row)
        self._union = tile_unions(geoms, self.tile_m)
        if self._walkable is not None:
            self._walk = walkable_tiles_all(self._walkable, self.tile_m)
            for tile, union in self._union.items():
                walk = self._walk.get(tile, _EMPTY)
                self._seen_m2[tile] = shapely.area(shapely.intersection(union, walk))

    # ------------------------------------------------------------------ queries

    def __len__(self) -> int:
        return len(self._cameras)

    def __contains__(self, key: object) -> bool:
        return key in self._cameras

    def camera(self, key: Hashable) -> Camera:
        """Return the parameters of camera ``key``; raise :class:`NotFound`."""
        if key not in self._cameras:
            raise NotFound(f"No camera {key!r} in this coverage index.")
        return self._cameras[key]

    def coverage(self, key: Hashable) -> dict[str, shapely.Geometry]:
        """Return what camera ``key`` sees at each band or better (metric geometries)."""
        self.camera(key)
        return dict(zip(BAND_NAMES, self._geoms[key], strict=True))

    def band_union(self, band: str) -> shapely.Geometry:
        """Return the union of every camera's coverage at ``band`` or better."""
        k = BAND_NAMES.index(band)
        return shapely.union_all([u[k] for u in self._union.values()])

    def tiled(self) -> TiledCoverage:
        """Return the current per-tile unions (and walkable parts)."""
        return TiledCoverage.build(self.tile_m, self._union, self._walk)

    def seen_area_m2(self) -> dict[str, float]:
        """Return per band the walkable area (m²) seen at that band or better."""
        if self._walkable is None:
            raise InvalidInput("This index was built without a walkable area.")
        total = np.zeros(len(BAND_NAMES))
        for seen in self._seen_m2.values():
            total += seen
        return dict(zip(BAND_NAMES, (float(v) for v in total), strict=True))

    def result(
        self,
        *,
        cells: gpd.GeoDataFrame | None = None,
        key_areas: gpd.GeoDataFrame | None = None,
    ) -> CoverageResult:
        """Return the full campus result (as :func:`zoning.cameras.coverage.campus_coverage`)."""
        if self._walkable is None:
            raise InvalidInput("This index was built without a walkable area.")
        return coverage_result(
            self.tiled(),
            cameras=len(self),
            walkable=self._walkable,
            crs=self.crs,
            cells=cells,
            key_areas=key_areas,
        )

    # ------------------------------------------------------------------ updates

    def add(self, key: Hashable, camera: Camera) -> None:
        """Add ``camera`` under ``key``; raise :class:`InvalidInput` if the key is taken."""
        if key in self._cameras:
            raise InvalidInput(f"Camera {key!r} already exists; use move() to change it.")
        self._set(key, camera)

    def move(self, key: Hashable, **changes: float | bool) -> None:
        """Change camera ``key`` (``x``, ``y``, ``heading_deg``, … keyword arguments)."""
        unknown = set(changes) - set(Camera.__dataclass_fields__)
        if unknown:
            raise InvalidInput(f"Unknown camera field(s): {', '.join(sorted(unknown))}.")
        self._set(key, replace(self.camera(key), **changes))  # type: ignore[arg-type]

    def remove(self, key: Hashable) -> None:
        """Remove camera ``key``; raise :class:`NotFound`."""
        self.camera(key)
        touched = self._unstore(key)
        del self._cameras[key]
        self._refresh(touched)

    def _set(self, key: Hashable, camera: Camera) -> None:
        one = _arrays([camera])
        validate_arrays(one)
        geoms = band_geometries(one, self._world)[0]
        touched = self._unstore(key) if key in self._geoms else []
        self._cameras[key] = camera
        touched += self._store(key, geoms)
        self._refresh(touched)

    # ------------------------------------------------------------------ tiles

    def _tiles_for(self, geom: shapely.Geometry) -> list[Tile]:
        if shapely.is_empty(geom):
            return []
        _, ix, iy = tiles_of_bounds(np.asarray([shapely.bounds(geom)]), self.tile_m)
        return [(int(i), int(j)) for i, j in zip(ix, iy, strict=True)]

    def _store(self, key: Hashable, geoms: GeomArray) -> list[Tile]:
        self._geoms[key] = geoms
        tiles = self._tiles_for(geoms[-1])
        self._tiles_of[key] = tiles
        for tile in tiles:
            self._members.setdefault(tile, set()).add(key)
        return tiles

    def _unstore(self, key: Hashable) -> list[Tile]:
        tiles = self._tiles_of.pop(key, [])
        for tile in tiles:
            self._members[tile].discard(key)
        self._geoms.pop(key, None)
        return tiles

    def _refresh(self, tiles: Iterable[Tile]) -> None:
        """Recompute the band unions (and walkable areas) of ``tiles``."""
        for tile in set(tiles):  # the few tiles one camera touches
            members = self._members.get(tile)
            if not members:
                self._members.pop(tile, None)
                self._union.pop(tile, None)
                self._seen_m2.pop(tile, None)
                continue
            cell = tile_box(tile, self.tile_m)
            stack = np.stack([self._geoms[k] for k in members])  # (members, bands)
            clipped = polygonal(shapely.intersection(stack, cell))
            union = np.array(
                [shapely.union_all(clipped[:, k]) for k in range(stack.shape[1])], dtype=object
            )
            self._union[tile] = union
            if self._walkable is not None:
                if tile not in self._walk:
                    self._walk.update(walkable_tiles(self._walkable, [tile], self.tile_m))
                self._seen_m2[tile] = shapely.area(shapely.intersection(union, self._walk[tile]))
