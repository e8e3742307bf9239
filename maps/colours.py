"""Colours of the safety map, precomputed in Python as ``[r, g, b, a]`` lists (0–255).

Every scale returns the colours *and* the legend that explains them, so the page shows
exactly what the map draws.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

RGBA = list[int]

#: Categorical palette (Tableau 10 and two more); it repeats after 12 categories.
CATEGORICAL: tuple[tuple[int, int, int], ...] = (
    (78, 121, 167),
    (242, 142, 43),
    (89, 161, 79),
    (225, 87, 89),
    (118, 183, 178),
    (237, 201, 72),
    (176, 122, 161),
    (255, 157, 167),
    (156, 117, 95),
    (186, 176, 172),
    (86, 180, 233),
    (140, 86, 75),
)

#: Sequential ramp (viridis, 5 stops) for measures such as area.
SEQUENTIAL: tuple[tuple[int, int, int], ...] = (
    (68, 1, 84),
    (59, 82, 139),
    (33, 145, 140),
    (94, 201, 98),
    (253, 231, 37),
)

GROUND: RGBA = [236, 232, 221, 255]
ROAD: RGBA = [255, 255, 255, 255]
ROAD_MAJOR: RGBA = [250, 222, 160, 255]
CELL_EDGE: RGBA = [40, 40, 40, 200]
CAMERA: RGBA = [214, 39, 40, 255]
CAMERA_INDOOR: RGBA = [148, 103, 189, 255]
MISSING: RGBA = [190, 190, 190, 140]

#: Landcover kinds and their colours: water blue, green, sport, parking.
LANDCOVER: dict[str, RGBA] = {
    "water": [120, 180, 230, 255],
    "green": [170, 214, 150, 255],
    "sport": [214, 170, 130, 255],
    "parking": [205, 205, 210, 255],
}
LANDCOVER_OTHER: RGBA = [215, 220, 200, 255]

#: Building use groups (OSM ``building`` values and campusgrid's own) → group name.
USE_GROUPS: dict[str, str] = {
    **dict.fromkeys(("university", "school", "college", "teaching", "academic"), "teaching"),
    **dict.fromkeys(
        ("dormitory", "apartments", "residential", "house", "bungalow", "hotel"), "dormitory"
    ),
    **dict.fromkeys(("canteen", "restaurant", "food", "cafeteria"), "canteen"),
    **dict.fromkeys(("library",), "library"),
    **dict.fromkeys(
        ("sports_hall", "sports_centre", "gym", "stadium", "grandstand", "sport"), "sport"
    ),
    **dict.fromkeys(("laboratory", "lab", "research"), "laboratory"),
    **dict.fromkeys(("office", "administration", "commercial", "retail", "government"), "office"),
    **dict.fromkeys(("hospital", "clinic", "healthcare"), "health"),
}
USE_COLOURS: dict[str, RGBA] = {
    "teaching": [93, 135, 190, 255],
    "dormitory": [232, 170, 110, 255],
    "canteen": [226, 110, 100, 255],
    "library": [150, 120, 190, 255],
    "sport": [110, 180, 120, 255],
    "laboratory": [90, 170, 175, 255],
    "office": [170, 150, 120, 255],
    "health": [230, 120, 160, 255],
    "other": [185, 185, 190, 255],
}

#: Road width (m) by OSM highway class; anything else gets :data:`ROAD_WIDTH_DEFAULT_M`.
ROAD_WIDTH_M: dict[str, float] = {
    "motorway": 16.0,
    "trunk": 14.0,
    "trunk_link": 10.0,
    "primary": 12.0,
    "primary_link": 9.0,
    "secondary": 10.0,
    "secondary_link": 8.0,
    "tertiary": 8.0,
    "tertiary_link": 7.0,
    "residential": 6.0,
    "unclassified": 6.0,
    "living_street": 5.0,
    "road": 5.0,
    "service": 4.0,
    "pedestrian": 4.0,
    "track": 3.0,
    "cycleway": 2.5,
    "footway": 2.0,
    "path": 2.0,
    "steps": 2.0,
}
ROAD_WIDTH_DEFAULT_M = 4.0
MAJOR_ROADS = frozenset(
    ("motorway", "trunk", "trunk_link", "primary", "primary_link", "secondary", "tertiary")
)


@dataclass(frozen=True)
class LegendEntry:
    """One line of a legend: the label shown and the colour drawn."""

    label: str
    colour: tuple[int, int, int, int]


def _rgba(rgb: Sequence[int], alpha: int) -> RGBA:
    return [int(rgb[0]), int(rgb[1]), int(rgb[2]), int(alpha)]


def _label(value: object) -> str | None:
    """Return the category label of ``value``, or None when it is missing."""
    if value is None:
        return None
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _sort_key(label: str) -> tuple[int, float, str]:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def categorical(
    values: Iterable[object], *, alpha: int = 150, missing_label: str = "—"
) -> tuple[list[RGBA], list[LegendEntry]]:
    """Return one colour per value (same value, same colour) and the legend.

    Categories are ordered numerically when they are numbers (zones 1, 2, … 10), else by
    name; the palette repeats after twelve categories. Missing values get a grey.
    """
    if isinstance(values, pd.Series):
        values = values.tolist()  # iterating an Arrow-backed column is ~10× slower
    labels = [_label(v) for v in values]
    categories = sorted({lab for lab in labels if lab is not None}, key=_sort_key)
    palette = {
        lab: _rgba(CATEGORICAL[i % len(CATEGORICAL)], alpha) for i, lab in enumerate(categories)
    }
    colours = [MISSING.copy() if lab is None else palette[lab].copy() for lab in labels]
    legend = [
        LegendEntry(lab, tuple(_rgba(CATEGORICAL[i % len(CATEGORICAL)], 255)))  # type: ignore[arg-type]
        for i, lab in enumerate(categories)
    ]
    if any(lab is None for lab in labels):
        legend.append(LegendEntry(missing_label, tuple(MISSING)))  # type: ignore[arg-type]
    return colours, legend


def sequential(
    values: Iterable[object], *, alpha: int = 150, unit: str = "", bins: int = 5
) -> tuple[list[RGBA], list[LegendEntry]]:
    """Return a colour per numeric value on a ``bins``-class equal-interval ramp, and the legend.

    Non-numeric or missing values get a grey. ``unit`` is appended to legend labels.
    """
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    array = numbers.to_numpy(dtype=float, na_value=np.nan)
    finite = array[np.isfinite(array)]
    if finite.size == 0:
        return [MISSING.copy() for _ in array], []
    low, high = float(finite.min()), float(finite.max())
    span = high - low
    stops = [SEQUENTIAL[round(i * (len(SEQUENTIAL) - 1) / max(bins - 1, 1))] for i in range(bins)]
    if span <= 0:
        klass = np.zeros(array.shape, dtype=int)
    else:
        scaled = np.where(np.isfinite(array), (array - low) / span * bins, 0.0)
        klass = np.clip(scaled.astype(int), 0, bins - 1)
    palette = [_rgba(stop, alpha) for stop in stops]
    colours = [
        palette[k].copy() if ok else MISSING.copy()
        for ok, k in zip(np.isfinite(array).tolist(), klass.tolist(), strict=True)
    ]
    legend: list[LegendEntry] = []
    for i in range(bins if span > 0 else 1):
        lo = low + span * i / bins
        hi = low + span * (i + 1) / bins if span > 0 else high
        label = f"{_fmt(lo)}–{_fmt(hi)}{(' ' + unit) if unit else ''}"
        legend.append(LegendEntry(label, tuple(_rgba(stops[i], 255))))  # type: ignore[arg-type]
    return colours, legend


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.1f}"


def use_group(use: object) -> str:
    """Return the colour group of a building ``use`` (``"other"`` when unknown)."""
    label = _label(use)
    return USE_GROUPS.get(label.strip().lower(), "other") if label else "other"


def building_colour(use: object) -> RGBA:
    """Return the colour of a building of ``use``."""
    return USE_COLOURS[use_group(use)].copy()


def landcover_colour(kind: object) -> RGBA:
    """Return the colour of landcover ``kind`` (water blue, green, sport, parking)."""
    label = _label(kind)
    if not label:
        return LANDCOVER_OTHER.copy()
    return LANDCOVER.get(label.strip().lower(), LANDCOVER_OTHER).copy()


def road_width_m(road_class: object) -> float:
    """Return the drawn width (m) of a road of OSM class ``road_class``."""
    label = _label(road_class)
    if not label:
        return ROAD_WIDTH_DEFAULT_M
    return ROAD_WIDTH_M.get(label.strip().lower(), ROAD_WIDTH_DEFAULT_M)


def road_colour(road_class: object) -> RGBA:
    """Return the colour of a road: major classes (tertiary and up) in a warm tint."""
    label = _label(road_class)
    return (ROAD_MAJOR if label and label.lower() in MAJOR_ROADS else ROAD).copy()


def legend_html(entries: Sequence[LegendEntry]) -> str:
    """Return the legend as small HTML swatches; labels are escaped with :func:`html.escape`."""
    items = []
    for entry in entries:
        r, g, b, _a = entry.colour
        items.append(
            '<span style="display:inline-flex;align-items:center;margin-right:12px">'
            f'<span style="width:12px;height:12px;background:rgb({r},{g},{b});'
            'display:inline-block;margin-right:4px;border:1px solid #555"></span>'
            f"{html.escape(entry.label)}</span>"
        )
    return "".join(items)
