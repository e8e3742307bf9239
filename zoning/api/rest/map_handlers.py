"""The API's handlers for the map: plans, the cell at a spot, cameras and their coverage.
Blocking (database work), run in worker threads like :mod:`zoning.api.rest.handlers`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zoning.accounts import Permission
from zoning.api.rest.endpoint import Call, Reply
from zoning.clock import utcnow
from zoning.errors import NotFound
from zoning.services import cameras
from zoning.services import campus as campuses
from zoning.services import plans as plan_service
from zoning.services.campus import PlanSummary


def _plan_json(call: Call, plan: PlanSummary) -> dict[str, Any]:
    data = plan.to_json()
    if not call.actor.can(Permission.VIEW_LEDGER):
        data["author"] = None  # a person's name: for accounts that see names only
    return data


def list_plans(call: Call) -> Reply:
    """The campus's plans (drafts, the active one, archived ones), oldest first."""
    call.actor.require(Permission.VIEW_MAP, "see the plans")
    found = sorted(campuses.list_plans(call.engine, call.path["campus"]), key=lambda p: p.id)
    return 200, {"plans": [_plan_json(call, p) for p in found]}


def show_plan(call: Call) -> Reply:
    """One plan of the campus."""
    call.actor.require(Permission.VIEW_MAP, "see the plans")
    wanted = int(call.path["plan_id"])
    for plan in campuses.list_plans(call.engine, call.path["campus"]):
        if plan.id == wanted:
            return 200, _plan_json(call, plan)
    raise NotFound(f"No plan {wanted} on campus {call.path['campus']!r}: list them at …/plans.")


def cell_at(call: Call) -> Reply:
    """Which cell and owner held the spot ``lon``/``lat`` at ``at`` (default now), from the
    plan that was active then; 404 when none did."""
    call.actor.require(Permission.VIEW_MAP, "see the cells")
    when: datetime = call.query.get("at") or utcnow()
    lon, lat = call.query["lon"], call.query["lat"]
    found = plan_service.owner_at(call.engine, call.path["campus"], lon, lat, when)
    if found is None:
        raise NotFound(
            f"No cell held {lon}, {lat} at {when.isoformat()}: the spot is off the grid or no "
            "plan was active then."
        )
    data = found.to_json()
    if not call.actor.can(Permission.VIEW_LEDGER):
        data["owner"] = None
    return 200, {**data, "at": when.isoformat()}


def list_cameras(call: Call) -> Reply:
    """The campus's cameras (WGS-84 points), in stored order."""
    found = cameras.list_cameras(call.engine, call.path["campus"], actor=call.actor)
    rows = []
    for row in found.itertuples():
        point = row.geometry
        rows.append({
            "source_id": row.source_id, "name": row.name,
            "lon": round(float(point.x), 7), "lat": round(float(point.y), 7),
            "heading_deg": float(row.heading_deg), "hfov_deg": float(row.hfov_deg),
            "tilt_deg": float(row.tilt_deg), "mount_height_m": float(row.mount_height_m),
            "resolution_px": int(row.resolution_px), "range_m": float(row.range_m),
            "indoor": bool(row.indoor),
        })  # fmt: skip
    return 200, {"cameras": rows}


def _pct(value: Any) -> float | None:
    return None if value is None or value != value else round(float(value), 1)


def camera_coverage(call: Call) -> Reply:
    """The camera coverage summary: walkable, covered and blind-spot areas (m²), the area
    per best band (m²) and per cell the covered and recognise shares (%)."""
    result = cameras.campus_coverage(call.engine, call.path["campus"], actor=call.actor)
    cells = [] if result.cells is None else [
        {"code": str(r.code), "covered_pct": _pct(r.covered_pct),
         "recognise_pct": _pct(r.recognise_pct)}
        for r in result.cells.sort_values("code").itertuples()
    ]  # fmt: skip
    return 200, {
        "cameras": result.cameras,
        "walkable_area_m2": round(result.walkable_area_m2, 1),
        "covered_area_m2": round(result.covered_area_m2, 1),
        "blind_spot_area_m2": round(result.blind_spot_area_m2, 1),
        "by_band_m2": {k: round(float(v), 1) for k, v in result.by_band_m2.items()},
        "cells": cells,
    }
