"""Camera coverage services for the CLI and pages: coverage of a stored campus, new sites."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from pyproj import CRS
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission
from zoning.cameras.coverage import key_areas_from_layers, layers_coverage, walkable_area
from zoning.cameras.report import CoverageResult
from zoning.cameras.sites import suggest_sites
from zoning.geo.crs import WGS84
from zoning.safety.bounds import check_count, check_id
from zoning.services._limits import check_camera_count
from zoning.store.campus import campus_summary, load_layers
from zoning.store.plans import load_cells

#: The most new camera sites one call suggests (each pick scans every candidate).
MAX_SUGGESTED = 200


def campus_coverage(
    engine: Engine, campus: str, *, actor: Actor, plan_id: int | None = None
) -> CoverageResult:
    """Return the camera coverage of ``campus``, with per-cell figures for a plan's cells.

    The plan defaults to the current one (active, else newest draft). Needs VIEW_MAP (the
    coverage is part of the map, the same for every account that may see it). Raises
    PermissionDenied, NotFound, or InvalidInput for more cameras than
    ``$CAMPUSGRID_MAX_CAMERAS`` (20,000).
    """
    actor.require(Permission.VIEW_MAP, "see the camera coverage")
    if plan_id is not None:
        plan_id = check_id(plan_id, what="Plan")
    summary = campus_summary(engine, campus)
    layers = load_layers(engine, campus)
    check_camera_count(len(layers.cameras))
    cells = load_cells(engine, campus, plan_id)
    return layers_coverage(
        layers, cells=cells if len(cells) else None, crs=CRS.from_user_input(summary.metric_crs)
    )


def list_cameras(engine: Engine, campus: str, *, actor: Actor) -> gpd.GeoDataFrame:
    """Return the campus's cameras (EPSG:4326: heading, field of view and tilt in degrees,
    mount height and range in metres, resolution in pixels). Needs VIEW_MAP. Raises
    PermissionDenied, NotFound."""
    actor.require(Permission.VIEW_MAP, "see the cameras")
    return load_layers(engine, campus).cameras


def suggest_cameras(engine: Engine, campus: str, *, actor: Actor, count: int) -> gpd.GeoDataFrame:
    """Return up to ``count`` suggested new camera sites (EPSG:4326), best first.

    Candidates are wall mounts and road-side posts; each pick maximises the walkable area
    newly seen at ≥ detect, weighting key areas; ``count`` is 1 to MAX_SUGGESTED (200).
    Needs VIEW_MAP. Raises PermissionDenied, InvalidInput, NotFound.
    """
    actor.require(Permission.VIEW_MAP, "see suggested camera sites")
    check_count(count, what="The number of new cameras (--count)", low=1, high=MAX_SUGGESTED)
    summary = campus_summary(engine, campus)
    crs = CRS.from_user_input(summary.metric_crs)
    layers = load_layers(engine, campus)
    check_camera_count(len(layers.cameras))
    boundary = layers.boundary.to_crs(crs)
    buildings = layers.buildings.to_crs(crs)
    pois = layers.pois.to_crs(crs)
    sites = suggest_sites(
        buildings,
        walkable_area(boundary, buildings, layers.landcover.to_crs(crs)),
        count=count,
        cameras=layers.cameras.to_crs(crs),
        roads=layers.roads.to_crs(crs) if len(layers.roads) else None,
        key_areas=key_areas_from_layers(pois, buildings),
    )
    return sites.to_crs(WGS84)


def sites_to_json(sites: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Return suggested sites as JSON-ready rows (lon/lat to 1e-7°, areas to 0.1 m²)."""
    rows = []
    for row in sites.itertuples():
        point = row.geometry
        rows.append(
            {
                "rank": int(row.rank),
                "site": str(row.site),
                "lon": round(float(point.x), 7),
                "lat": round(float(point.y), 7),
                "heading_deg": round(float(row.heading_deg), 1),
                "hfov_deg": float(row.hfov_deg),
                "range_m": float(row.range_m),
                "gain_m2": round(float(row.gain_m2), 1),
                "key_areas_covered": [k for k in str(row.key_areas_covered or "").split("; ") if k],
            }
        )
    return rows
