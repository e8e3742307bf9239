"""Pixel-density bands of IEC 62676-4 and the optics that turn them into ground distances.

The band table lives here and nowhere else, so that another edition's levels (IEC 62676-4:2025
adds finer levels) can be added as a second table without touching the geometry code.

Pixel density of a camera with horizontal resolution ``W`` px and horizontal field of view
``θ`` at slant distance ``s`` (m) is ``W / (2·s·tan(θ/2))`` px/m (a rectilinear lens). A lens of
180° or more cannot be rectilinear; for those (fisheye, panoramic) the equidistant projection
``W / (s·θ)`` (θ in radians) is used. A camera mounted ``h`` m high sees a ground point at
ground distance ``d`` at slant distance ``s = sqrt(d² + h²)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from zoning.errors import InvalidInput


@dataclass(frozen=True)
class Band:
    """One pixel-density level: the band holds where density is at least ``min_px_per_m``."""

    name: str
    min_px_per_m: float


#: IEC 62676-4:2015 levels, best first.
IEC_62676_4_2015: tuple[Band, ...] = (
    Band("identify", 250.0),
    Band("recognise", 125.0),
    Band("observe", 62.5),
    Band("detect", 25.0),
    Band("monitor", 12.5),
)

#: The table every function uses unless told otherwise.
BANDS: tuple[Band, ...] = IEC_62676_4_2015
#: Band names, best first.
BAND_NAMES: tuple[str, ...] = tuple(b.name for b in BANDS)


def band_index(name: str) -> int:
    """Return the position of band ``name`` in :data:`BANDS`; raise :class:`InvalidInput`."""
    try:
        return BAND_NAMES.index(name)
    except ValueError:
        raise InvalidInput(
            f"Unknown pixel-density band {name!r}; use one of {', '.join(BAND_NAMES)}."
        ) from None


def hfov_from_lens(focal_mm: float, sensor_width_mm: float) -> float:
    """Return the horizontal field of view (degrees) of a rectilinear lens.

    ``2·atan(sensor_width / (2·focal))``; raise :class:`InvalidInput` unless both are > 0.

    >>> round(hfov_from_lens(4.0, 5.76), 1)
    71.5
    """
    if not (focal_mm > 0 and sensor_width_mm > 0):
        raise InvalidInput("Focal length and sensor width must both be positive millimetres.")
    return math.degrees(2.0 * math.atan(sensor_width_mm / (2.0 * focal_mm)))


def _px_per_m_at_1m(
    resolution_px: NDArray[np.float64], hfov_deg: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Pixel density (px/m) at a slant distance of 1 m: rectilinear below 180°, else equidistant."""
    theta = np.radians(hfov_deg)
    with np.errstate(divide="ignore", invalid="ignore"):
        rect = resolution_px / (2.0 * np.tan(np.minimum(theta, math.pi * 0.999999) / 2.0))
        fish = resolution_px / theta
    out: NDArray[np.float64] = np.where(hfov_deg < 180.0, rect, fish)
    return out


def pixel_density_px_per_m(
    ground_distance_m: ArrayLike,
    *,
    mount_height_m: ArrayLike,
    resolution_px: ArrayLike,
    hfov_deg: ArrayLike,
) -> NDArray[np.float64]:
    """Return the pixel density (px/m) at ``ground_distance_m`` (broadcast over arrays).

    >>> d = pixel_density_px_per_m(0.0, mount_height_m=3.0, resolution_px=1500, hfov_deg=90)
    >>> round(float(d), 6)
    250.0
    """
    d = np.asarray(ground_distance_m, dtype=float)
    h = np.asarray(mount_height_m, dtype=float)
    slant = np.hypot(d, h)
    k = _px_per_m_at_1m(np.asarray(resolution_px, dtype=float), np.asarray(hfov_deg, dtype=float))
    with np.errstate(divide="ignore"):
        out: NDArray[np.float64] = k / slant
    return out


def band_ground_distances_m(
    *,
    mount_height_m: ArrayLike,
    resolution_px: ArrayLike,
    hfov_deg: ArrayLike,
    range_m: ArrayLike | None = None,
    bands: tuple[Band, ...] = BANDS,
) -> NDArray[np.float64]:
    """Return, per camera, the ground distance (m) out to which each band holds.

    Shape ``(n, len(bands))`` (best band first, so rows are non-decreasing). A band whose
    density is not reached even straight below the camera gets 0. ``range_m`` (ground
    distance), when given, caps every band: the useful range is ``min(range_m, monitor)``.
    """
    h = np.atleast_1d(np.asarray(mount_height_m, dtype=float))
    k = _px_per_m_at_1m(
        np.atleast_1d(np.asarray(resolution_px, dtype=float)),
        np.atleast_1d(np.asarray(hfov_deg, dtype=float)),
    )
    levels = np.array([b.min_px_per_m for b in bands], dtype=float)
    slant = k[:, None] / levels[None, :]
    ground: NDArray[np.float64] = np.sqrt(np.clip(slant**2 - (h**2)[:, None], 0.0, None))
    if range_m is not None:
        cap = np.atleast_1d(np.asarray(range_m, dtype=float))
        ground = np.minimum(ground, cap[:, None])
    return ground
