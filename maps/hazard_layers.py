"""Hazards on the safety map: one column per cell with hazards, height by count and worst
severity, colour by the most urgent status.

A column is an extruded square drawn by a ``PolygonLayer``, the same shaders as the
buildings: a ``ColumnLayer`` would cost the browser one more shader program to compile
before the first map is drawn (about 0.3–1 s in a software renderer, bench/README.md), and
an octagon twice the walls to shade (~2,000 columns on the large demo).

The tooltip is plain text (deck.gl puts it in ``innerText``), and every user-written string
goes through :func:`maps.payload.plain_text`, so a hazard described as
``<img src=x onerror=alert(1)>`` shows exactly that.
"""

from __future__ import annotations

import math
from typing import Final

import pandas as pd
import pydeck as pdk

from maps.colours import RGBA, LegendEntry
from maps.i18n import DEFAULT_LANG, Lang, label, t
from maps.layers import SOLID_PARAMETERS
from maps.payload import COORD_DECIMALS, M_PER_DEG, Record, plain_text

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
        description=description_text(row, lang=lang, max_chars=80),
    )


def description_text(row: pd.Series, *, lang: Lang = DEFAULT_LANG, max_chars: int = 80) -> str:
    """Return a hazard's description as plain text, or "(details hidden)" where the table
    hid it from the account (``redacted``)."""
    if bool(row.get("redacted", False)):
        return t("value.hidden", lang)
    return plain_text(row["description"], max_chars=max_chars)


#: Most urgent first: a cell's column takes the colour of its most urgent hazard.
GROUP_RANK: Final[dict[str, int]] = {g: i for i, g in enumerate(GROUP_COLOURS)}
#: Extra height (m) per hazard beyond the first, up to :data:`MAX_EXTRA_M`.
PER_HAZARD_M: Final = 5.0
MAX_EXTRA_M: Final = 100.0
#: Hazards listed in a cell column's tooltip (most urgent first).
TIP_HAZARDS: Final = 2
#: A column's radius (m: centre to corner) and sides.
COLUMN_RADIUS_M: Final = 6.0
COLUMN_SIDES: Final = 4


def column_ring(lon: float, lat: float, *, radius_m: float = COLUMN_RADIUS_M) -> list[list[float]]:
    """Return the open ring (lon/lat, counter-clockwise) of a column's footprint: a regular
    :data:`COLUMN_SIDES`-gon of ``radius_m`` metres around (``lon``, ``lat``)."""
    dlat = radius_m / M_PER_DEG
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return [
        [
            round(lon + dlon * math.cos(2 * math.pi * (k + 0.5) / COLUMN_SIDES), COORD_DECIMALS),
            round(lat + dlat * math.sin(2 * math.pi * (k + 0.5) / COLUMN_SIDES), COORD_DECIMALS),
        ]
        for k in range(COLUMN_SIDES)
    ]


def hazard_records(hazards: pd.DataFrame, *, lang: Lang = DEFAULT_LANG) -> list[Record]:
    """Return one record per cell with hazards: a column (``polygon``, its footprint) at
    their mean position (``position``).

    Height grows with the count (worst severity as the base), colour is the most urgent
    status group; the tooltip gives the count and the first :data:`TIP_HAZARDS` hazards.
    Built with pandas group-bys: the Python loop is per cell, never per hazard.
    """
    if not len(hazards):
        return []
    frame = pd.DataFrame(
        {
            "id": hazards["id"].astype(int).to_numpy(),
            "cell": hazards["cell"].fillna("").astype(str).to_numpy(),
            "lon": hazards["lon"].astype(float).to_numpy(),
            "lat": hazards["lat"].astype(float).to_numpy(),
            "major": (hazards["severity"].astype(str) == "major").to_numpy(),
            "rank": hazards["state"]
            .astype(str)
            .map(lambda s: GROUP_RANK[STATUS_GROUP.get(s, "waiting")])
            .to_numpy(),
            "state": hazards["state"].to_numpy(),
            "severity": hazards["severity"].to_numpy(),
            "description": hazards["description"].to_numpy(),
            "redacted": (
                hazards["redacted"].astype(bool).to_numpy()
                if "redacted" in hazards.columns
                else False
            ),
        }
    )
    frame = frame.sort_values(["cell", "rank", "major", "id"], ascending=[True, True, False, True])
    agg = frame.groupby("cell", sort=True).agg(
        n=("id", "size"),
        lon=("lon", "mean"),
        lat=("lat", "mean"),
        major=("major", "sum"),
        rank=("rank", "min"),
    )
    first = frame.groupby("cell", sort=True).head(TIP_HAZARDS)
    lines: dict[str, list[str]] = {}
    hidden = t("value.hidden", lang)
    for hid, cell, state, severity, description, redacted in zip(
        first["id"],
        first["cell"],
        first["state"],
        first["severity"],
        first["description"],
        first["redacted"],
        strict=True,
    ):
        text = hidden if redacted else plain_text(description, max_chars=32)
        lines.setdefault(cell, []).append(
            f"#{int(hid)} · {label('state', state, lang)} · "
            f"{label('severity', severity, lang)} · {text}"
        )
    colours = {rank: [*GROUP_COLOURS[g], 230] for g, rank in GROUP_RANK.items()}
    lons = agg["lon"].round(COORD_DECIMALS).tolist()
    lats = agg["lat"].round(COORD_DECIMALS).tolist()
    records: list[Record] = []
    for i, (cell, n, major, rank) in enumerate(
        zip(agg.index, agg["n"].tolist(), agg["major"].tolist(), agg["rank"].tolist(), strict=True)
    ):
        base = SEVERITY_HEIGHT_M["major"] if major else SEVERITY_HEIGHT_M["general"]
        head = t("tip.hazard_cell", lang, cell=plain_text(cell) or "—", n=n, major=int(major))
        records.append(
            {
                "position": [lons[i], lats[i]],
                "polygon": [column_ring(lons[i], lats[i])],
                "h": base + min((n - 1) * PER_HAZARD_M, MAX_EXTRA_M),
                "fill": colours[int(rank)],
                "code": plain_text(cell),
                "n": int(n),
                "tip": "\n".join([head, *lines.get(cell, [])]),
            }
        )
    return records


def hazards_layer(hazards: pd.DataFrame, *, lang: Lang = DEFAULT_LANG) -> pdk.Layer:
    """Return the hazards as extruded columns (id :data:`HAZARDS`), one per cell."""
    return pdk.Layer(
        "PolygonLayer",
        hazard_records(hazards, lang=lang),
        id=HAZARDS,
        get_polygon="polygon",
        get_elevation="h",
        get_fill_color="fill",
        extruded=True,
        wireframe=False,
        filled=True,
        pickable=True,
        auto_highlight=True,
        parameters=SOLID_PARAMETERS,
    )
