"""Grid services: split a stored campus into cells and keep them as a draft plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import numpy as np
import sqlalchemy as sa
from pyproj import CRS
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission
from zoning.campus.layers import CampusLayers
from zoning.errors import InvalidInput
from zoning.grid.owners import assign_owners
from zoning.grid.splitting import METHODS, MIN_CELL_M2, Method
from zoning.grid.topology import problems_to_json, validate
from zoning.services._progress import Progress, quiet
from zoning.services.zones import named_outlines, owners_with_zones, split_zones
from zoning.store.campus import CampusSummary, campus_summary, load_layers, load_people
from zoning.store.plans import PlanSummary, retired_codes, save_plan
from zoning.store.zones import replace_zones
from zoning.store.zones import zone_names as stored_zone_names

__all__ = ["SplitReport", "split_campus"]


@dataclass(frozen=True)
class SplitReport:
    """A stored split: the plan, the area figures (m²) and the validation problems."""

    plan: PlanSummary
    method: str
    campus_area_m2: float
    cells_area_m2: float
    area_m2: dict[str, float]
    problems: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the report in the form `campusgrid split --json` prints."""
        return {
            "plan_id": self.plan.id,
            "method": self.method,
            "cells": self.plan.cells,
            "campus_area_m2": round(self.campus_area_m2, 3),
            "cells_area_m2": round(self.cells_area_m2, 3),
            "area_m2": {k: round(v, 3) for k, v in self.area_m2.items()},
            "valid": not self.problems,
            "problems": self.problems,
        }


def _metric(layers: CampusLayers, summary: CampusSummary) -> tuple[CRS, gpd.GeoDataFrame]:
    crs = CRS.from_user_input(summary.metric_crs)
    return crs, layers.boundary.to_crs(crs)


def split_campus(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    method: str,
    cell_size_m: float | None = None,
    h3_res: int | None = None,
    min_area_m2: float | None = None,
    max_area_m2: float | None = None,
    zones: int | None = None,
    min_cell_m2: float | None = None,
    author: str | None = None,
    reason: str | None = None,
    progress: Progress = quiet,
) -> SplitReport:
    """Split ``campus`` with ``method`` and store the cells as a new draft plan.

    Cells are computed in the campus's metric CRS and stored in EPSG:4326. Their zones come
    from the campus's zone layer, else from ``zones`` or the people's quarters (then stored
    as named zones; see :mod:`zoning.services.zones`). Owners are balanced among the
    campus's owners when it has any, each within the zone named like their quarter. No cell
    is under ``min_cell_m2`` (m², default :data:`~zoning.grid.splitting.MIN_CELL_M2`) unless
    it is a separate part of the campus, and validation reports any such cell as
    ``too_small``. ``author`` is the person of the campus who drew it on paper (default: the
    account). Raises PermissionDenied (edit_plans), NotFound, InvalidInput.
    """
    from zoning.grid import splitting as grid
    from zoning.services.campus import on_behalf_of

    actor.require(Permission.EDIT_PLANS, "split a campus into a plan")
    if method not in METHODS:
        raise InvalidInput(f"Unknown split method {method!r}: use one of {', '.join(METHODS)}.")
    summary = campus_summary(engine, campus)
    on_behalf = on_behalf_of(engine, campus, author, option="--author")
    layers = load_layers(engine, campus)
    crs, boundary = _metric(layers, summary)
    params: dict[str, Any] = {
        k: v
        for k, v in {
            "cell_size_m": cell_size_m,
            "h3_res": h3_res,
            "min_area_m2": min_area_m2,
            "max_area_m2": max_area_m2,
            "zones": zones,
            "min_cell_m2": min_cell_m2,
        }.items()
        if v is not None
    }
    floor_m2 = MIN_CELL_M2 if min_cell_m2 is None else float(min_cell_m2)
    plan_zones = split_zones(engine, campus, zones=zones, crs=crs)
    progress(f"splitting {campus} ({method})")
    cells = grid.split(
        boundary,
        method=cast(Method, method),
        cell_size_m=cell_size_m,
        h3_res=h3_res,
        min_area_m2=min_area_m2,
        max_area_m2=max_area_m2,
        barriers=layers.roads.to_crs(crs) if len(layers.roads) else None,
        buildings=layers.buildings.to_crs(crs) if len(layers.buildings) else None,
        campus_code=summary.code,
        zones=plan_zones.count if plan_zones.count is not None else zones,
        retired_codes=retired_codes(engine, campus),
        min_cell_m2=floor_m2,
        zone_areas=plan_zones.areas,
    )
    drawn = named_outlines(cells, plan_zones)
    names = dict(zip(drawn["number"], drawn["name"], strict=True)) if drawn is not None else None
    cells = _with_owners(engine, campus, cells, layers=layers, crs=crs, names=names)
    problems = _problems(cells, boundary, min_cell_m2=floor_m2)
    progress(f"storing {len(cells)} cells")
    plan = save_plan(
        engine,
        campus=campus,
        cells=cells.to_crs("EPSG:4326"),
        method=method,
        params=params,
        author=on_behalf or actor.name,
        reason=reason,
        actor=actor.name,
        on_behalf=on_behalf,
        on_saved=_storing(drawn, source=plan_zones.source),
    )
    areas = np.asarray(cells.geometry.area, dtype=float)
    return SplitReport(
        plan=plan,
        method=method,
        campus_area_m2=float(boundary.geometry.area.sum()),
        cells_area_m2=float(areas.sum()),
        area_m2={
            "min": float(areas.min()) if len(areas) else 0.0,
            "median": float(np.median(areas)) if len(areas) else 0.0,
            "max": float(areas.max()) if len(areas) else 0.0,
        },
        problems=problems,
    )


def _with_owners(
    engine: Engine,
    campus: str,
    cells: gpd.GeoDataFrame,
    *,
    layers: CampusLayers,
    crs: CRS,
    names: dict[int, str] | None,
) -> gpd.GeoDataFrame:
    """Return ``cells`` with an ``owner`` column balanced among the campus's owners, each
    owner within the zone named like their quarter (``names``: the zones the split drew,
    None: the campus's stored zones)."""
    people = load_people(engine, campus)
    owners = people[people["role"] == "owner"] if len(people) else people
    if not len(owners):
        out = cells.copy()
        out["owner"] = None
        return out
    buildings = layers.buildings.to_crs(crs) if len(layers.buildings) else None
    zoned = owners_with_zones(owners, stored_zone_names(engine, campus) if names is None else names)
    result: gpd.GeoDataFrame = assign_owners(cells, zoned, buildings=buildings)
    return result


def _storing(
    drawn: gpd.GeoDataFrame | None, *, source: str | None
) -> Callable[[sa.Connection, int, int], None] | None:
    """Return what stores the zones a split drew, inside the plan's transaction (None: it
    drew none)."""
    if drawn is None or source is None:
        return None
    frame = drawn.to_crs("EPSG:4326")

    def store(conn: sa.Connection, cid: int, _plan_id: int) -> None:
        replace_zones(conn, cid, frame, source=source)

    return store


def _problems(
    cells: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, *, min_cell_m2: float
) -> list[dict[str, Any]]:
    found = validate(cells, campus=boundary, require_owner=False, min_area_m2=min_cell_m2 or None)
    rows: list[dict[str, Any]] = problems_to_json(found)
    return rows
