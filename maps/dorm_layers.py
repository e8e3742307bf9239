"""The roll call's small map: dormitory buildings coloured by tonight's check-in share.

The share of a building is ``present / (expected − on leave or away)`` (the students due
to check in there; 100 % when nobody is due): green at 95 % or more, amber from 80 %, red
below; grey when there is no roll call tonight. The tooltip names the building and its
counts, never a student.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import pydeck as pdk

from maps import colours
from maps.i18n import DEFAULT_LANG, Lang, t
from maps.payload import plain_text, polygon_records

__all__ = ["AMBER", "DORMS_LAYER", "GREEN", "GREY", "RED", "DormCounts", "dorm_layer", "fill_of"]

#: The layer's id.
DORMS_LAYER: Final = "rollcall_dorms"
GREEN: Final[colours.RGBA] = [46, 125, 50, 200]
AMBER: Final[colours.RGBA] = [245, 166, 35, 200]
RED: Final[colours.RGBA] = [198, 40, 40, 200]
GREY: Final[colours.RGBA] = [150, 150, 150, 160]
#: The share (0–1) from which a building is green, and from which it is amber.
GREEN_FROM: Final = 0.95
AMBER_FROM: Final = 0.80


@dataclass(frozen=True)
class DormCounts:
    """A building's counts tonight: students expected, present, on leave or away, missing."""

    expected: int
    present: int
    on_leave: int
    missing: int

    @property
    def share(self) -> float:
        """Return the share (0–1) of the students due tonight who checked in."""
        due = self.expected - self.on_leave
        return 1.0 if due <= 0 else self.present / due


def fill_of(counts: DormCounts | None) -> colours.RGBA:
    """Return a building's fill: grey without a roll call, else by its share.

    >>> fill_of(None) == GREY, fill_of(DormCounts(100, 95, 0, 5)) == GREEN
    (True, True)
    >>> fill_of(DormCounts(100, 80, 0, 20)) == AMBER, fill_of(DormCounts(10, 7, 0, 3)) == RED
    (True, True)
    """
    if counts is None:
        return list(GREY)
    if counts.share >= GREEN_FROM:
        return list(GREEN)
    return list(AMBER if counts.share >= AMBER_FROM else RED)


def _tip(name: str, counts: DormCounts | None, lang: Lang) -> str:
    if counts is None:
        return f"{name}: {t('rollcall.none_yet', lang)}"
    return t(
        "rollcall.map_tooltip", lang, building=name, present=counts.present,
        expected=counts.expected, on_leave=counts.on_leave, missing=counts.missing,
    )  # fmt: skip


def dorm_layer(
    buildings: gpd.GeoDataFrame,
    counts: Mapping[str, DormCounts] | None,
    *,
    lang: Lang = DEFAULT_LANG,
) -> pdk.Layer:
    """Return the polygon layer of ``buildings`` (EPSG:4326, column ``name``), each filled
    by :func:`fill_of` its counts (``counts`` None: no roll call, every building grey; a
    building missing from ``counts`` is grey too); records carry ``name``, ``fill`` and
    ``tip`` (the tooltip: the name and the counts)."""
    seen = counts or {}
    records = polygon_records(
        buildings[["name", buildings.geometry.name]],
        lambda row: {
            "name": plain_text(row.get("name")),
            "fill": fill_of(seen.get(str(row.get("name")))),
            "tip": _tip(plain_text(row.get("name")), seen.get(str(row.get("name"))), lang),
        },
        what=DORMS_LAYER,
    )
    return pdk.Layer(
        "PolygonLayer",
        records,
        id=DORMS_LAYER,
        get_polygon="polygon",
        get_fill_color="fill",
        get_line_color=colours.CELL_EDGE,
        get_line_width=1,
        line_width_min_pixels=1,
        stroked=True,
        filled=True,
        pickable=True,
        auto_highlight=True,
    )
