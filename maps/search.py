"""Finding things on the map: one query matched against the cells, buildings, owners and
hazards a page already holds (so a search never shows a row the account cannot see).

Matching is plain substring matching (Chinese as typed, no pinyin), case-insensitive for
codes and names; a hazard matches only by its exact number (``12`` or ``#12``). Each
result carries where to fly the map (a view fitting it) and the cell to select.

>>> import geopandas as gpd, shapely
>>> cells = gpd.GeoDataFrame(
...     {"code": ["A-01"], "zone": [1], "owner": ["王芳"]},
...     geometry=[shapely.box(116.30, 39.99, 116.301, 39.991)], crs="EPSG:4326")
>>> [(f.kind, f.cell) for f in find("a-0", cells=cells)]
[('cell', 'A-01')]
>>> [(f.kind, f.label) for f in find("王", cells=cells)]
[('owner', '王芳')]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from maps.deck import initial_view
from maps.payload import is_missing, plain_text

__all__ = ["KINDS", "MAX_RESULTS", "Found", "find", "hazard_number"]

#: The most results one search returns.
MAX_RESULTS: Final = 20
#: The kinds of things found, in the order they are listed.
KINDS: Final = ("hazard", "cell", "building", "owner")
#: The half-width (m) of the view around a point (a hazard) or a tiny shape.
MIN_HALF_WIDTH_M: Final = 40.0
_M_PER_DEG: Final = 111_320.0
_NUMBER = re.compile(r"#?\s*(\d{1,12})")


@dataclass(frozen=True)
class Found:
    """One search result: its kind (``KINDS``), a label, where it is (a cell code or zone),
    the cell to select (None: none), the hazard number (hazards only) and the map view that
    shows it (longitude, latitude, zoom, pitch, bearing)."""

    kind: str
    label: str
    where: str
    cell: str | None
    hazard_id: int | None
    view: dict[str, float]

    @property
    def key(self) -> str:
        """Return a stable identity (``kind:label:cell``) for a picker's options."""
        return f"{self.kind}:{self.hazard_id if self.hazard_id is not None else self.label}" + (
            f":{self.cell}" if self.cell else ""
        )


def hazard_number(query: str) -> int | None:
    """Return the hazard number a query names (``12``, ``#12``), else None."""
    m = _NUMBER.fullmatch(query.strip())
    return int(m.group(1)) if m else None


def _view(bounds: tuple[float, float, float, float]) -> dict[str, float]:
    """Return a view fitting lon/lat ``bounds``, at least MIN_HALF_WIDTH_M each way."""
    min_lon, min_lat, max_lon, max_lat = bounds
    lon, lat = (min_lon + max_lon) / 2, (min_lat + max_lat) / 2
    half_lat = MIN_HALF_WIDTH_M / _M_PER_DEG
    half_lon = half_lat / max(math.cos(math.radians(lat)), 0.01)
    return initial_view(
        (
            min(min_lon, lon - half_lon),
            min(min_lat, lat - half_lat),
            max(max_lon, lon + half_lon),
            max(max_lat, lat + half_lat),
        ),
        padding=0.15,
    )


def _text(value: object) -> str:
    return "" if is_missing(value) else plain_text(value)


def _matches(values: pd.Series, needle: str) -> np.ndarray:
    """Return which ``values`` contain ``needle`` (case-insensitive; missing: no)."""
    text = values.map(_text).str.casefold()
    return text.str.contains(needle.casefold(), regex=False).to_numpy(dtype=bool)


def _cell_of(points: np.ndarray, cells: gpd.GeoDataFrame | None) -> list[str | None]:
    """Return the code of the cell holding each point (None: none)."""
    out: list[str | None] = [None] * len(points)
    if cells is None or not len(cells) or not len(points):
        return out
    tree = shapely.STRtree(cells.geometry.to_numpy())
    at, hit = tree.query(points, predicate="within")
    codes = cells["code"].to_numpy()
    for i, j in zip(at.tolist(), hit.tolist(), strict=True):  # ≤ 20 points: a loop is fine
        if out[i] is None:
            out[i] = _text(codes[j])
    return out


def _first(frame: pd.DataFrame, column: str, needle: str) -> pd.DataFrame:
    """Return the rows of ``frame`` whose ``column`` contains ``needle``, the exact ones and
    then the shortest first, at most MAX_RESULTS."""
    hit = frame[_matches(frame[column], needle)]
    if len(hit) <= 1:
        return hit
    text = hit[column].map(_text)
    order = np.lexsort(
        (
            text.to_numpy(),
            text.str.len().to_numpy(),
            (text.str.casefold() != needle.casefold()).to_numpy(),
        )
    )
    return hit.iloc[order[:MAX_RESULTS]]


def _cells(needle: str, cells: gpd.GeoDataFrame) -> list[Found]:
    hit = _first(cells, "code", needle)
    return [
        Found(
            "cell",
            _text(r["code"]),
            _text(r["zone"]),
            _text(r["code"]),
            None,
            _view(tuple(r.geometry.bounds)),
        )
        for _, r in hit.iterrows()
    ]


def _owners(needle: str, cells: gpd.GeoDataFrame) -> list[Found]:
    """One result per cell of each owner whose name contains ``needle``."""
    hit = _first(cells, "owner", needle)
    return [
        Found(
            "owner",
            _text(r["owner"]),
            _text(r["code"]),
            _text(r["code"]),
            None,
            _view(tuple(r.geometry.bounds)),
        )
        for _, r in hit.iterrows()
    ]


def _buildings(
    needle: str, buildings: gpd.GeoDataFrame, cells: gpd.GeoDataFrame | None
) -> list[Found]:
    hit = _first(buildings, "name", needle)
    if not len(hit):
        return []
    inside = _cell_of(shapely.point_on_surface(hit.geometry.to_numpy()), cells)
    return [
        Found("building", _text(r["name"]), code or "", code, None, _view(tuple(r.geometry.bounds)))
        for (_, r), code in zip(hit.iterrows(), inside, strict=True)
    ]


def _hazards(number: int, hazards: pd.DataFrame) -> list[Found]:
    hit = hazards[pd.to_numeric(hazards["id"], errors="coerce") == number]
    out = []
    for _, r in hit.iterrows():
        lon, lat = float(r["lon"]), float(r["lat"])
        cell = _text(r.get("cell")) or None
        text = _text(r.get("description"))
        out.append(
            Found(
                "hazard",
                f"#{number} {text}".strip(),
                cell or "",
                cell,
                number,
                _view((lon, lat, lon, lat)),
            )
        )
    return out


def find(
    query: str,
    *,
    cells: gpd.GeoDataFrame | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    hazards: pd.DataFrame | None = None,
    limit: int = MAX_RESULTS,
) -> list[Found]:
    """Return what ``query`` names among ``cells`` (``code``, ``zone``, ``owner``; EPSG:4326),
    ``buildings`` (``name``; EPSG:4326) and ``hazards`` (``id``, ``lon``, ``lat``, ``cell``,
    ``description``): hazards by exact number, cells by code, buildings by name, owners by
    name (one result per cell they own); exact codes and names first; at most ``limit``
    (MAX_RESULTS). An empty query finds nothing. Returns new objects; inputs unchanged."""
    needle = query.strip()
    if not needle:
        return []
    found: list[Found] = []
    number = hazard_number(needle)
    if number is not None and hazards is not None and len(hazards):
        found += _hazards(number, hazards)
    if cells is not None and len(cells):
        found += _cells(needle, cells) + _owners(needle, cells)
    if buildings is not None and len(buildings) and "name" in buildings.columns:
        found += _buildings(needle, buildings, cells)
    folded = needle.casefold()
    rank = {kind: i for i, kind in enumerate(KINDS)}

    def exact(f: Found) -> bool:
        return f.kind == "hazard" or f.label.casefold() == folded

    found.sort(key=lambda f: (not exact(f), rank[f.kind], len(f.label), f.label))
    unique: dict[str, Found] = {}
    for f in found:
        unique.setdefault(f.key, f)
    return list(unique.values())[: max(0, min(limit, MAX_RESULTS))]
