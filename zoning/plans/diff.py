"""Compare two grid plans: cells added, removed, changed (area delta), unchanged; lineage;
how many open items would change owner.

Pure: both plans are GeoDataFrames in the same metric CRS (columns code, zone, owner). A
cell is *unchanged* when its code is in both plans, with the same zone and owner and a
symmetric difference below ``tolerance_m2``; *changed* otherwise. Open items (hazards,
complaints, due inspections) are points located in both plans with
:class:`zoning.grid.locate.CellIndex`; an item whose cell owner differs would change owner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from zoning.errors import InvalidInput
from zoning.geo.crs import require_metric
from zoning.grid.locate import CellIndex
from zoning.plans.edits import Link


@dataclass(frozen=True)
class CellChange:
    """A cell in both plans that changed: its areas (m²), zones and owners before/after."""

    code: str
    area_before_m2: float
    area_after_m2: float
    zone_before: int | None
    zone_after: int | None
    owner_before: str | None
    owner_after: str | None

    @property
    def area_delta_m2(self) -> float:
        """Area after minus area before (m²)."""
        return self.area_after_m2 - self.area_before_m2

    def to_json(self) -> dict[str, Any]:
        """Return the change as JSON-ready data."""
        return {
            "code": self.code,
            "area_before_m2": round(self.area_before_m2, 2),
            "area_after_m2": round(self.area_after_m2, 2),
            "area_delta_m2": round(self.area_delta_m2, 2),
            "zone_before": self.zone_before,
            "zone_after": self.zone_after,
            "owner_before": self.owner_before,
            "owner_after": self.owner_after,
        }


@dataclass(frozen=True)
class PlanDiff:
    """The difference from plan A to plan B."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[CellChange, ...]
    unchanged: tuple[str, ...]
    lineage: tuple[Link, ...] = ()
    owner_changes: dict[str, int] = field(default_factory=dict)
    open_items: dict[str, int] = field(default_factory=dict)
    #: The added and removed cells with their area and owner (0 m² and no owner on the
    #: side where the cell does not exist).
    added_removed: tuple[CellChange, ...] = ()

    def status(self) -> dict[str, str]:
        """Return ``code → added | removed | changed | unchanged`` (for colouring a map)."""
        out = {c: "unchanged" for c in self.unchanged}
        out |= {c.code: "changed" for c in self.changed}
        out |= {c: "added" for c in self.added}
        out |= {c: "removed" for c in self.removed}
        return out

    def to_json(self) -> dict[str, Any]:
        """Return the diff in the form `campusgrid diff --json` prints."""
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [c.to_json() for c in self.changed],
            "unchanged": len(self.unchanged),
            "lineage": [link.to_json() for link in self.lineage],
            "open_items": dict(self.open_items),
            "owner_changes": dict(self.owner_changes),
        }


def _value(v: object) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    return v


def _owners_at(index: CellIndex, owners: list[Any], points: gpd.GeoDataFrame) -> list[Any]:
    rows = index.locate(points)
    return [owners[k] if k >= 0 else None for k in rows]


def diff_plans(
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    *,
    lineage: Iterable[Link] = (),
    items: Mapping[str, gpd.GeoDataFrame] | None = None,
    tolerance_m2: float = 0.01,
) -> PlanDiff:
    """Return the diff from plan ``a`` to plan ``b`` (same metric CRS; see the module).

    ``items`` maps a label (hazards, complaints, due inspections) to open item points in
    the same CRS. Raises InvalidInput when the CRSs differ or are not metric.
    """
    crs_a, crs_b = require_metric(a, what="plan A"), require_metric(b, what="plan B")
    if CRS.from_user_input(crs_a) != CRS.from_user_input(crs_b):
        raise InvalidInput(
            "Both plans must be in the same metric CRS to compare them.",
            zh="两个方案须在同一米制坐标系中才能比较。",
        )
    pos_a = {str(c): k for k, c in enumerate(a["code"])}
    pos_b = {str(c): k for k, c in enumerate(b["code"])}
    ga = np.asarray(a.geometry.values, dtype=object)
    gb = np.asarray(b.geometry.values, dtype=object)
    both = sorted(set(pos_a) & set(pos_b))
    ia = np.array([pos_a[c] for c in both], dtype=np.intp)
    ib = np.array([pos_b[c] for c in both], dtype=np.intp)
    sym = np.zeros(len(both))
    if len(both):  # identical cells (most of an edited plan) need no overlay
        same = shapely.equals_exact(ga[ia], gb[ib], 0.0)
        sym[~same] = shapely.area(shapely.symmetric_difference(ga[ia[~same]], gb[ib[~same]]))
    zones_a, zones_b = [_value(z) for z in a["zone"]], [_value(z) for z in b["zone"]]
    owners_a, owners_b = [_value(o) for o in a["owner"]], [_value(o) for o in b["owner"]]
    changed: list[CellChange] = []
    unchanged: list[str] = []
    for code, i, j, d in zip(both, ia.tolist(), ib.tolist(), sym.tolist(), strict=True):
        zone0, zone1 = zones_a[i], zones_b[j]
        own0, own1 = owners_a[i], owners_b[j]
        if d <= tolerance_m2 and zone0 == zone1 and own0 == own1:
            unchanged.append(code)
            continue
        changed.append(
            CellChange(
                code=code,
                area_before_m2=float(ga[i].area),
                area_after_m2=float(gb[j].area),
                zone_before=None if zone0 is None else int(zone0),
                zone_after=None if zone1 is None else int(zone1),
                owner_before=own0,
                owner_after=own1,
            )
        )
    sides = [
        _one_side(frame, k, added=frame is b)
        for frame, codes in ((b, set(pos_b) - set(pos_a)), (a, set(pos_a) - set(pos_b)))
        for k in sorted((pos_b if frame is b else pos_a)[c] for c in codes)
    ]
    owner_changes: dict[str, int] = {}
    open_items: dict[str, int] = {}
    if items:
        index_a, index_b = CellIndex(a), CellIndex(b)
        for label, points in items.items():
            before = _owners_at(index_a, owners_a, points)
            after = _owners_at(index_b, owners_b, points)
            open_items[label] = len(points)
            owner_changes[label] = sum(1 for x, y in zip(before, after, strict=True) if x != y)
    return PlanDiff(
        added=tuple(sorted(set(pos_b) - set(pos_a))),
        removed=tuple(sorted(set(pos_a) - set(pos_b))),
        changed=tuple(changed),
        unchanged=tuple(unchanged),
        lineage=tuple(lineage),
        owner_changes=owner_changes,
        open_items=open_items,
        added_removed=tuple(sorted(sides, key=lambda c: c.code)),
    )


def _one_side(frame: gpd.GeoDataFrame, row: int, *, added: bool) -> CellChange:
    """Return an added (or removed) cell as a change from (or to) nothing."""
    area = float(frame.geometry.iloc[row].area)
    zone, owner = _value(frame["zone"].iloc[row]), _value(frame["owner"].iloc[row])
    zone = None if zone is None else int(zone)
    return CellChange(
        code=str(frame["code"].iloc[row]),
        area_before_m2=0.0 if added else area,
        area_after_m2=area if added else 0.0,
        zone_before=None if added else zone,
        zone_after=zone if added else None,
        owner_before=None if added else owner,
        owner_after=owner if added else None,
    )
