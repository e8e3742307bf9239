"""Hazards on the safety map: one column per hazard, height by severity, colour by status.

The tooltip is plain text (deck.gl puts it in ``innerText``), and every user-written string
goes through :func:`maps.payload.plain_text`, so a hazard described as
``<img src=x onerror=alert(1)>`` shows exactly that.
"""

from __future__ import annotations

from typing import Final

import pandas as pd
import pydeck as pdk

from maps.colours import RGBA, LegendEntry
from maps.i18n import DEFAULT_LANG, Lang, label, t
from maps.payload import COORD_DECIMALS, Record, plain_text

HAZARDS: Final = "hazards"
#: Column height (m) by severity.
SEVERITY_HEIGHT_M: Final[dict[str, float]] = {"major": 60.0, "general": 25.0}
DEFAULT_HEIGHT_M: Final = 25.0
#: Status groups and their colours: waiting (red), being fixed (orange), to check (blue),
#: closed (green), rejected (grey).
STATUS_GROUP: Final[dict[str, str]] = {
    "reported": "waiting",
    "registered": "waiting",
    "dispatched": "waiting",
    "rectifying": "fixing",
    "rectified": "checking",
    "verified": "checking",
    "closed": "closed",
    "rejected": "rejected",
}
GROUP_COLOURS: Final[dict[str, tuple[int, int, int]]] = {
    "waiting": (215, 25, 28),
    "fixing": (253, 174, 97),
    "checking": (44, 123, 182),
    "closed": (26, 150, 65),
    "rejected": (150, 150, 150),
}


def hazard_colour(state: object) -> RGBA:
    """Return the column colour of a hazard in ``state``."""
    r, g, b = GROUP_COLOURS[STATUS_GROUP.get(str(state), "waiting")]
    return [r, g, b, 230]


def hazard_legend(*, lang: Lang = DEFAULT_LANG) -> list[LegendEntry]:
    """Return the legend of the hazard columns' colours."""
    return [
        LegendEntry(t(f"hazard.group.{group}", lang), (r, g, b, 255))
        for group, (r, g, b) in GROUP_COLOURS.items()
    ]


def hazard_tip(row: pd.Series, *, lang: Lang = DEFAULT_LANG) -> str:
    """Return the tooltip text of one hazard (description as plain text)."""
    return t(
        "tip.hazard",
        lang,
        id=int(row["id"]),
        state=label("state", row["state"], lang),
        severity=label("severity", row["severity"], lang),
        domain=label("domain", row["domain"], lang),
        cell=plain_text(row["cell"]),
        responsible=plain_text(row["responsible"]),
        description=plain_text(row["description"], max_chars=80),
    )


def hazard_records(hazards: pd.DataFrame, *, lang: Lang = DEFAULT_LANG) -> list[Record]:
    """Return one record per hazard: position, height (m), colour, id and tooltip."""
    records: list[Record] = []
    for _, row in hazards.iterrows():  # a few thousand hazards at most: a loop is fine
        records.append(
            {
                "position": [
                    round(float(row["lon"]), COORD_DECIMALS),
                    round(float(row["lat"]), COORD_DECIMALS),
                ],
                "h": SEVERITY_HEIGHT_M.get(str(row["severity"]), DEFAULT_HEIGHT_M),
                "fill": hazard_colour(row["state"]),
                "id": int(row["id"]),
                "tip": hazard_tip(row, lang=lang),
            }
        )
    return records


def hazards_layer(hazards: pd.DataFrame, *, lang: Lang = DEFAULT_LANG) -> pdk.Layer:
    """Return the hazards as a ``ColumnLayer`` (id :data:`HAZARDS`, radius 4 m)."""
    return pdk.Layer(
        "ColumnLayer",
        hazard_records(hazards, lang=lang),
        id=HAZARDS,
        get_position="position",
        get_elevation="h",
        get_fill_color="fill",
        radius=4,
        disk_resolution=8,
        elevation_scale=1,
        extruded=True,
        pickable=True,
        auto_highlight=True,
    )
