"""Complaints (接诉即办): categories, response deadlines, routing to a cell, duplicates.

A complaint is located (lon/lat degrees), routed to the owner of the grid cell that covers
it, given a response deadline by category (tiers of 2 h, 24 h, 7 days and 15 days), and
becomes a ledger item (a :class:`~zoning.safety.ledger.workflow.Hazard` with source
``"complaint"``). It is flagged as a likely duplicate when a complaint of the same category
was received within ``duplicate_distance_m`` (default 50 m) and ``duplicate_window_hours``
(default 72 h) before it. A likely duplicate whose first complaint's hazard is still open
joins that hazard instead of opening a second one (:func:`attach_complaint` records
"duplicate complaint #N attached" in its history); an officer may split it off again
(:func:`split_off`), which opens its own hazard (:func:`hazard_for`) and records the split
in both histories.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer

from zoning.errors import InvalidInput
from zoning.geo.crs import WGS84, require_metric
from zoning.safety.domains import DOMAIN_CODES
from zoning.safety.ledger.workflow import Hazard, Transition, new_hazard

#: Response tiers in hours: 2 h, 24 h, 7 days, 15 days.
TIERS_H: tuple[float, ...] = (2.0, 24.0, 168.0, 360.0)
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class ComplaintCategory:
    """A complaint category: its response time limit (hours), domain and ledger severity."""

    code: str
    name_zh: str
    name_en: str
    response_hours: float
    domain: str
    severity: str = "general"


DEFAULT_CATEGORIES: dict[str, ComplaintCategory] = {
    c.code: c
    for c in (
        ComplaintCategory("urgent_safety", "紧急安全", "Urgent safety", 2.0, "security", "major"),
        ComplaintCategory("fire_risk", "消防隐患", "Fire risk", 2.0, "fire", "major"),
        ComplaintCategory("repairs", "设施报修", "Facility repairs", 24.0, "facilities"),
        ComplaintCategory("food", "食品安全", "Food safety", 24.0, "food"),
        ComplaintCategory("dormitory", "宿舍问题", "Dormitory issues", 24.0, "dormitory"),
        ComplaintCategory("traffic", "交通秩序", "Traffic and parking", 168.0, "traffic"),
        ComplaintCategory(
            "environment", "环境卫生", "Environment and sanitation", 168.0, "facilities"
        ),
        ComplaintCategory("noise", "噪声扰民", "Noise", 168.0, "security"),
        ComplaintCategory("network", "网络故障", "Network problems", 168.0, "cyber"),
        ComplaintCategory("suggestion", "建议", "Suggestions", 360.0, "facilities"),
    )
}


@dataclass(frozen=True)
class CellRef:
    """The cell a point lies in, with its zone and owner (None when vacant)."""

    code: str
    zone: str | None
    owner: str | None


@dataclass(frozen=True)
class Complaint:
    """A routed complaint; ``duplicate_of`` is the id of the earlier complaint it repeats."""

    id: str
    category: str
    text: str
    lon: float
    lat: float
    received_at: datetime
    response_deadline: datetime
    cell_code: str
    zone: str | None
    owner: str | None
    contact: str | None = None
    duplicate_of: str | None = None


@dataclass(frozen=True)
class RoutedComplaint:
    """A complaint and its ledger item."""

    complaint: Complaint
    hazard: Hazard


@dataclass
class CellLocator:
    """Find the cell covering a lon/lat point, over cells in a metric CRS (STRtree).

    A point on a shared edge goes to the first cell in code order. Raises
    :class:`InvalidInput` at construction if the cells are not in a metric CRS or lack the
    columns code, zone, owner.
    """

    cells: gpd.GeoDataFrame
    _tree: shapely.STRtree = field(init=False, repr=False)
    _to_metric: Transformer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        crs = require_metric(self.cells, what="cells")
        missing = [c for c in ("code", "zone", "owner") if c not in self.cells.columns]
        if missing:
            raise InvalidInput(f"The cells lack column(s) {', '.join(missing)}.")
        self.cells = self.cells.sort_values("code").reset_index(drop=True)
        self._tree = shapely.STRtree(self.cells.geometry.to_numpy())
        self._to_metric = Transformer.from_crs(CRS.from_user_input(WGS84), crs, always_xy=True)

    def __call__(self, lon: float, lat: float) -> CellRef | None:
        """Return the cell covering (lon, lat) in degrees, or None outside every cell."""
        x, y = self._to_metric.transform(lon, lat)
        hits = self._tree.query(shapely.Point(x, y), predicate="covered_by")
        if len(hits) == 0:
            return None
        row = self.cells.iloc[int(np.min(hits))]
        return CellRef(
            code=str(row["code"]),
            zone=None if _missing(row["zone"]) else str(row["zone"]),
            owner=None if _missing(row["owner"]) else str(row["owner"]),
        )


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Return the geodesic distance in metres between two lon/lat points (WGS-84)."""
    _, _, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def find_duplicate(
    *,
    category: str,
    lon: float,
    lat: float,
    received_at: datetime,
    previous: Iterable[Complaint],
    distance_limit_m: float = 50.0,
    window_hours: float = 72.0,
) -> Complaint | None:
    """Return the earliest earlier complaint of ``category`` within the distance and window."""
    window = timedelta(hours=window_hours)
    matches = [
        c
        for c in previous
        if c.category == category
        and timedelta(0) <= received_at - c.received_at <= window
        and distance_m(lon, lat, c.lon, c.lat) <= distance_limit_m
    ]
    return min(matches, key=lambda c: (c.received_at, c.id)) if matches else None


def route_complaint(
    *,
    complaint_id: str,
    lon: float,
    lat: float,
    category: str,
    text: str,
    received_at: datetime,
    locate: Callable[[float, float], CellRef | None] | gpd.GeoDataFrame,
    contact: str | None = None,
    reported_by: str = "complainant",
    categories: Mapping[str, ComplaintCategory] = DEFAULT_CATEGORIES,
    fallback_owners: Mapping[str, str] | None = None,
    previous: Iterable[Complaint] = (),
    duplicate_distance_m: float = 50.0,
    duplicate_window_hours: float = 72.0,
) -> RoutedComplaint:
    """Route a complaint to its cell's owner and open its ledger item.

    ``locate`` is a callable (lon, lat) → :class:`CellRef` or None, or a cells
    GeoDataFrame in a metric CRS (a :class:`CellLocator` is built; build one yourself to
    route many complaints). ``reported_by`` is who registered it (the hotline operator);
    ``contact`` stays on the complaint only, never in the ledger. A vacant cell falls to
    ``fallback_owners[zone]``. Raises :class:`InvalidInput` for an unknown category, empty
    text, a naive time, or a point outside the campus.
    """
    if category not in categories:
        raise InvalidInput(
            f"Unknown complaint category {category!r}; use one of: {', '.join(categories)}.",
            zh=f"未知的投诉类别 {category!r}：请用以下之一：{', '.join(categories)}。",
        )
    if not text.strip():
        raise InvalidInput(
            "A complaint needs a text saying what is wrong.", zh="投诉需要写明问题是什么。"
        )
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise InvalidInput(f"received_at must be timezone-aware (UTC), got {received_at!r}.")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InvalidInput(
            f"({lon}, {lat}) is not a longitude/latitude pair in degrees.",
            zh=f"({lon}, {lat}) 不是以度为单位的经纬度。",
        )
    spec = categories[category]
    if spec.domain not in DOMAIN_CODES:
        raise InvalidInput(f"Category {category!r} names unknown domain {spec.domain!r}.")
    locator = CellLocator(locate) if isinstance(locate, gpd.GeoDataFrame) else locate
    cell = locator(lon, lat)
    if cell is None:
        raise InvalidInput(
            f"The complaint point ({lon:.6f}, {lat:.6f}) lies outside the campus: no grid cell "
            "contains it. Check the location (and that it is WGS-84 lon/lat, not GCJ-02).",
            zh=f"投诉位置 ({lon:.6f}, {lat:.6f}) 在校区之外：没有网格包含它。"
            "请核对位置（WGS-84 经纬度，而非 GCJ-02）。",
        )
    owner = cell.owner or (fallback_owners or {}).get(cell.zone or "")
    deadline = received_at + timedelta(hours=spec.response_hours)
    duplicate = find_duplicate(
        category=category,
        lon=lon,
        lat=lat,
        received_at=received_at,
        previous=previous,
        distance_limit_m=duplicate_distance_m,
        window_hours=duplicate_window_hours,
    )
    complaint = Complaint(
        id=complaint_id,
        category=category,
        text=text,
        lon=float(lon),
        lat=float(lat),
        received_at=received_at,
        response_deadline=deadline,
        cell_code=cell.code,
        zone=cell.zone,
        owner=owner,
        contact=contact,
        duplicate_of=duplicate.id if duplicate else None,
    )
    hazard = hazard_for(complaint, reported_by=reported_by, categories=categories)
    return RoutedComplaint(complaint, hazard)


def hazard_for(
    complaint: Complaint,
    *,
    reported_by: str,
    categories: Mapping[str, ComplaintCategory] = DEFAULT_CATEGORIES,
) -> Hazard:
    """Return the ledger item a complaint opens: reported at its receipt, due by its
    response deadline, in its category's domain and severity, at its cell and owner.

    Raises :class:`InvalidInput` for an unknown category or an empty ``reported_by``.
    """
    spec = categories.get(complaint.category)
    if spec is None:
        raise InvalidInput(f"Unknown complaint category {complaint.category!r}.")
    return new_hazard(
        hazard_id=complaint.id,
        source="complaint",
        domain=spec.domain,
        severity=spec.severity,
        description=complaint.text,
        lon=complaint.lon,
        lat=complaint.lat,
        reported_by=reported_by,
        reported_at=complaint.received_at,
        cell_code=complaint.cell_code,
        zone=complaint.zone,
        owner=complaint.owner,
        deadline=complaint.response_deadline,
        source_id=complaint.id,
        category=complaint.category,
    )


def attach_complaint(hazard: Hazard, *, complaint_id: str, by: str, at: datetime) -> Hazard:
    """Return ``hazard`` with an ``attach`` event: "duplicate complaint #N attached".

    The state and deadline do not change; ``by`` is who registered the complaint.
    """
    note = f"duplicate complaint #{complaint_id} attached"
    return _with_event(hazard, "attach", by=by, at=at, note=note)


def split_off(
    joined: Hazard, own: Hazard, *, complaint_id: str, by: str, at: datetime
) -> tuple[Hazard, Hazard]:
    """Return (``joined``, ``own``) each with a ``split`` event naming the other hazard.

    ``joined`` is the hazard the complaint had joined, ``own`` the one now opened for it
    (stored, so it has its id); ``by`` is the officer who split it, at ``at``.
    """
    return (
        _with_event(
            joined, "split", by=by, at=at,
            note=f"complaint #{complaint_id} split off into hazard #{own.id}",
        ),
        _with_event(
            own, "split", by=by, at=at,
            note=f"complaint #{complaint_id} split off from hazard #{joined.id}",
        ),
    )  # fmt: skip


def _with_event(hazard: Hazard, action: str, *, by: str, at: datetime, note: str) -> Hazard:
    if not by.strip():
        raise InvalidInput(f"The {action} needs the person who made it.", zh="需要填写办理人。")
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput(f"The time of the {action} must be timezone-aware, got {at!r}.")
    event = Transition(action, hazard.state, hazard.state, by, at, note)
    return replace(hazard, history=(*hazard.history, event))


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
