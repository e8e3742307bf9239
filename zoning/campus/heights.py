"""Building heights: from a height tag, else from the number of storeys, else from the
footprint's Z (3-D Shapefiles, DXF), else by building use.

Real OSM data rarely carries heights (see the campus README): most buildings get theirs from
``building:levels`` × :data:`STOREY_HEIGHT_M` or from :data:`DEFAULT_HEIGHT_M_BY_USE`.
The rule that was used is recorded in ``height_source``: "height", "levels", "z" or
"default".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Height of one storey in metres (typical Chinese teaching / dormitory building).
STOREY_HEIGHT_M = 3.3
#: Heights outside this range (metres) are rejected as nonsense.
PLAUSIBLE_HEIGHT_M = (0.5, 700.0)
#: Storey counts outside this range are rejected as nonsense.
PLAUSIBLE_LEVELS = (1, 200)

#: Default height (m) by the ``building`` value when neither height nor levels is known.
DEFAULT_HEIGHT_M_BY_USE: dict[str, float] = {
    "dormitory": 18.0,
    "residential": 18.0,
    "apartments": 18.0,
    "university": 20.0,
    "college": 20.0,
    "school": 16.0,
    "teaching": 20.0,
    "office": 20.0,
    "commercial": 12.0,
    "retail": 8.0,
    "hospital": 20.0,
    "library": 20.0,
    "sports_hall": 15.0,
    "sports_centre": 15.0,
    "stadium": 15.0,
    "gymnasium": 15.0,
    "grandstand": 10.0,
    "public": 15.0,
    "civic": 15.0,
    "government": 15.0,
    "hotel": 24.0,
    "industrial": 10.0,
    "warehouse": 8.0,
    "house": 7.0,
    "detached": 7.0,
    "kindergarten": 8.0,
    "church": 15.0,
    "temple": 8.0,
    "greenhouse": 4.0,
    "service": 4.0,
    "transformer_tower": 4.0,
    "toilets": 3.5,
    "kiosk": 3.5,
    "garage": 3.5,
    "garages": 3.5,
    "shed": 3.5,
    "hut": 3.5,
    "roof": 3.5,
    "carport": 3.5,
    "construction": 10.0,
    "yes": 10.0,
}
#: Height (m) for a use not in the table, or no use at all.
UNKNOWN_USE_HEIGHT_M = 10.0

_FEET_M = 0.3048
_HEIGHT_RE = re.compile(
    r"^\s*(?P<value>[+-]?\d+(?:[.,]\d+)?)\s*(?P<unit>m|metres?|meters?|米|ft|feet|foot|')?\s*$",
    re.IGNORECASE,
)
_FEET_INCHES_RE = re.compile(r"^\s*(?P<ft>\d+)\s*'\s*(?P<inch>\d+(?:\.\d+)?)\s*\"\s*$")
_LEVELS_RE = re.compile(r"^\s*(?P<value>\d+(?:[.,]\d+)?)")


@dataclass(frozen=True)
class Height:
    """The height chosen for one building, and where it came from."""

    height_m: float
    source: str  # "height", "levels", "z" or "default"
    levels: int | None
    warning: str | None = None


def parse_height_m(value: object) -> float | None:
    """Return a height in metres from ``12``, ``"12 m"``, ``"12.5m"``, ``"40 ft"``, ``5'6\"``.

    Return None for anything else (words, several values, negative or implausible heights).

    >>> parse_height_m("12.5m"), parse_height_m("40 ft"), parse_height_m("tall")
    (12.5, 12.192, None)
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        metres = float(value)
    else:
        text = str(value)
        match = _HEIGHT_RE.match(text)
        if match:
            metres = float(match["value"].replace(",", "."))
            unit = (match["unit"] or "m").lower()
            if unit in ("ft", "feet", "foot", "'"):
                metres *= _FEET_M
        else:
            feet = _FEET_INCHES_RE.match(text)
            if not feet:
                return None
            metres = (float(feet["ft"]) + float(feet["inch"]) / 12.0) * _FEET_M
    if not math.isfinite(metres) or not PLAUSIBLE_HEIGHT_M[0] <= metres <= PLAUSIBLE_HEIGHT_M[1]:
        return None
    return round(metres, 3)


def parse_levels(value: object) -> int | None:
    """Return a storey count from ``5``, ``"5"``, ``"5.5"`` (rounded) or ``"5;6"`` (first).

    >>> parse_levels("5;6"), parse_levels(3.0), parse_levels("-2"), parse_levels("many")
    (5, 3, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        match = _LEVELS_RE.match(str(value))
        if not match:
            return None
        number = float(match["value"].replace(",", "."))
    if not math.isfinite(number):
        return None
    levels = round(number)
    if not PLAUSIBLE_LEVELS[0] <= levels <= PLAUSIBLE_LEVELS[1]:
        return None
    return levels


def default_height_m(use: str | None) -> float:
    """Return the default height (m) for a building use (the OSM ``building`` value)."""
    if not use:
        return UNKNOWN_USE_HEIGHT_M
    return DEFAULT_HEIGHT_M_BY_USE.get(use.strip().lower(), UNKNOWN_USE_HEIGHT_M)


def building_height(tags: Mapping[str, str], *, feature: str) -> Height:
    """Return the height of a building from its tags (``height``/``height_m``, levels, the
    ``z_height_m`` the reader took from a 3-D footprint, use).

    ``feature`` names the building in the warning given when a height tag is nonsense.

    >>> building_height({"z_height_m": "18.5"}, feature="b").source
    'z'
    """
    levels = None
    for key in ("building:levels", "levels"):
        if tags.get(key) is not None:
            levels = parse_levels(tags[key])
            if levels is not None:
                break
    warning = None
    for key in ("height_m", "height", "building:height"):
        raw = tags.get(key)
        if raw is None:
            continue
        height = parse_height_m(raw)
        if height is not None:
            return Height(height, "height", levels)
        warning = f"building {feature}: {key}={raw!r} is not a height in metres, ignored"
    if levels is not None:
        return Height(round(levels * STOREY_HEIGHT_M, 3), "levels", levels, warning)
    from_z = parse_height_m(tags.get("z_height_m"))
    if from_z is not None:
        return Height(from_z, "z", None, warning)
    use = tags.get("use") or tags.get("building")
    return Height(default_height_m(use), "default", None, warning)
