"""The map's layers, built once and published (see :mod:`app_pages._ui.publish`): the
campus's own layers, the coverage layers, and the plan's cells painted per filter state.

Painted layers are cached per filter state (:class:`MapFilters`) and what the account sees
(``queries.visibility``: every account with the same role and scope shares them) until the
operations data they depend on change; each holds only a few hundred bytes naming its data
file.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
import pydeck as pdk
import streamlit as st
from maps import coverage_layers as cov
from maps import hazard_layers, measures
from maps import layers as map_layers
from maps.colours import LegendEntry
from maps.deck import PreparedLayer
from maps.i18n import Lang
from maps.payload import Record, plain_text
from zoning.accounts import Actor, Permission
from zoning.services import queries

from app_pages._ui import repaint
from app_pages._ui.caches import (
    completion_grid,
    completion_key,
    completion_values,
    coverage,
    hazards,
    load_cells,
    load_layers,
    ops_key,
)
from app_pages._ui.publish import publish, with_live_file
from app_pages._ui.splice import OPS_TTL_S

#: Painted layers kept per filter state (each a few hundred bytes naming its data file in
#: static/map/, plus the legend): a filter the user goes back to, or the default view of a
#: new visitor, is drawn without any work on the server.
PAINTED_ENTRIES = 32


@st.cache_resource(show_spinner=False, max_entries=8)
def _flat_layers(url: str, campus: str, data_version: int) -> dict[str, pdk.Layer]:
    """Return the campus's flat layers with data (ground, landcover, roads) by id, built once:
    drawn alone (:func:`base_layers`) and joined (:func:`ground_with_landcover`,
    :func:`roads_with_outlines`). Never published themselves (publishing changes a layer):
    copies are."""
    layers = load_layers(url, campus, data_version)
    out: dict[str, pdk.Layer] = {}
    if len(layers.boundary):
        out[map_layers.GROUND] = map_layers.ground_layer(layers.boundary)
    if len(layers.landcover):
        out[map_layers.LANDCOVER] = map_layers.landcover_layer(layers.landcover)
    if len(layers.roads):
        out[map_layers.ROADS] = map_layers.roads_layer(layers.roads)
    return out


def base_layers(url: str, campus: str, data_version: int, lang: Lang) -> dict[str, PreparedLayer]:
    """Return the campus's own layers (ground … cameras) serialised once, by layer id (see
    :func:`_base_layers`), their files on disk (written again if deleted meanwhile)."""
    return with_live_file(_base_layers, url, campus, data_version, lang)  # type: ignore[no-any-return]


@st.cache_resource(show_spinner=False, max_entries=8)
def _base_layers(url: str, campus: str, data_version: int, lang: Lang) -> dict[str, PreparedLayer]:
    """Return the campus's own layers (ground … cameras) serialised once, by layer id.

    Every layer with data is a file, the small ground too: a layer inline in the deck is
    drawn the moment the deck arrives, and in a software renderer that extra first frame
    delays the files (bench/README.md: 4 frames → 2 before the map is complete)."""
    layers = load_layers(url, campus, data_version)
    out = {
        layer_id: publish(copy.copy(layer))
        for layer_id, layer in _flat_layers(url, campus, data_version).items()
    }
    if len(layers.buildings):
        out[map_layers.BUILDINGS] = publish(map_layers.buildings_layer(layers.buildings, lang=lang))
    if len(layers.cameras):
        out[map_layers.CAMERAS] = publish(map_layers.cameras_layer(layers.cameras, lang=lang))
    return out


def ground_with_landcover(url: str, campus: str, data_version: int) -> PreparedLayer | None:
    """Return the campus ground and its landcover as one layer file (id ``ground``; see
    ``maps.layers.merged_flat_layer``), published once (again if the file was deleted);
    None without both."""
    return with_live_file(_ground_with_landcover, url, campus, data_version)  # type: ignore[no-any-return]


@st.cache_resource(show_spinner=False, max_entries=8)
def _ground_with_landcover(url: str, campus: str, data_version: int) -> PreparedLayer | None:
    """Return :func:`ground_with_landcover`, published once."""
    flat = _flat_layers(url, campus, data_version)
    if map_layers.GROUND not in flat or map_layers.LANDCOVER not in flat:
        return None
    parts = [flat[map_layers.GROUND], flat[map_layers.LANDCOVER]]
    return publish(map_layers.merged_flat_layer(parts, layer_id=map_layers.GROUND))


def roads_with_outlines(
    url: str, campus: str, plan_id: int, data_version: int, lang: Lang, zones: tuple[str, ...]
) -> PreparedLayer | None:
    """Return the cells' outlines (of ``zones``; see :func:`cell_outlines`) with the roads
    drawn over them as one layer file (id ``roads``), published once (again if the file was
    deleted); None without roads."""
    return with_live_file(  # type: ignore[no-any-return]
        _roads_with_outlines, url, campus, plan_id, data_version, lang, zones
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _roads_with_outlines(
    url: str, campus: str, plan_id: int, data_version: int, lang: Lang, zones: tuple[str, ...]
) -> PreparedLayer | None:
    """Return :func:`roads_with_outlines`, published once."""
    roads = _flat_layers(url, campus, data_version).get(map_layers.ROADS)
    if roads is None:
        return None
    parts = [_outline_layer(url, campus, plan_id, data_version, lang, zones), roads]
    return publish(map_layers.merged_flat_layer(parts, layer_id=map_layers.ROADS))


@st.cache_resource(show_spinner=False, max_entries=8)
def _coverage_layers(
    url: str,
    campus: str,
    data_version: int,
    plan_id: int | None,
    lang: Lang,
    may_see: bool,
    _actor: Actor,
) -> dict[str, PreparedLayer]:
    view = coverage(url, campus, data_version, plan_id, actor=_actor)
    return {
        cov.COVERAGE: publish(cov.coverage_layer(view.bands, lang=lang)),
        cov.BLIND_SPOTS: publish(cov.blind_spots_layer(view.blind_spots, lang=lang)),
        cov.KEY_AREAS: publish(cov.key_areas_layer(view.key_areas, lang=lang)),
    }


def coverage_layers(
    url: str, campus: str, data_version: int, plan_id: int | None, lang: Lang, *, actor: Actor
) -> dict[str, PreparedLayer]:
    """Return the coverage, blind-spot and key-area layers serialised once (shared by every
    account holding VIEW_MAP). Raises PermissionDenied."""
    may_see = actor.can(Permission.VIEW_MAP)
    return with_live_file(  # type: ignore[no-any-return]
        _coverage_layers, url, campus, data_version, plan_id, lang, may_see, actor
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def cell_base(url: str, campus: str, plan_id: int, data_version: int, lang: Lang) -> list[Record]:
    """Return the plan's cell geometry records (painted per filter by the pages)."""
    return map_layers.cell_records(load_cells(url, campus, plan_id, data_version), lang=lang)


def zone_codes(cells: gpd.GeoDataFrame, zones: Collection[str]) -> frozenset[str]:
    """Return the codes of the ``cells`` in ``zones`` (zone labels as shown; all when empty)."""
    wanted = set(zones)
    return frozenset(
        str(c) for c, z in zip(cells["code"].tolist(), cells["zone"].tolist(), strict=True)
        if not wanted or plain_text(z) in wanted
    )  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=16)
def _outline_layer(
    url: str, campus: str, plan_id: int, data_version: int, lang: Lang, zones: tuple[str, ...]
) -> pdk.Layer:
    """Return the outlines of the plan's cells (of ``zones``; all when empty) as a layer
    (``maps.layers.cell_outlines_layer``), built once: drawn alone and under the roads.
    Never published itself (publishing changes a layer): a copy is."""
    cells = load_cells(url, campus, plan_id, data_version)
    codes = zone_codes(cells, zones) if zones else None
    records = cell_base(url, campus, plan_id, data_version, lang)
    return map_layers.cell_outlines_layer(records, codes=codes)


def cell_outlines(
    url: str, campus: str, plan_id: int, data_version: int, lang: Lang, zones: tuple[str, ...]
) -> PreparedLayer:
    """Return the outlines of the plan's cells (of ``zones``; all when empty) as one layer
    of thin strips (see ``maps.layers.cell_outlines_layer``), published once (again if the
    file was deleted)."""
    return with_live_file(  # type: ignore[no-any-return]
        _cell_outlines, url, campus, plan_id, data_version, lang, zones
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _cell_outlines(
    url: str, campus: str, plan_id: int, data_version: int, lang: Lang, zones: tuple[str, ...]
) -> PreparedLayer:
    """Return :func:`cell_outlines`, published once."""
    return publish(copy.copy(_outline_layer(url, campus, plan_id, data_version, lang, zones)))


@dataclass(frozen=True)
class MapFilters:
    """The safety map's filters in a hashable, order-free form (a cache key)."""

    zones: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    statuses: tuple[measures.StatusGroup, ...] = ()
    start: date | None = None
    end: date | None = None

    @classmethod
    def of(
        cls,
        *,
        zones: Collection[str] = (),
        domains: Collection[str] = (),
        statuses: Collection[measures.StatusGroup] = (),
        start: date | None = None,
        end: date | None = None,
    ) -> MapFilters:
        """Return the filters with each list sorted (the same choice, the same key)."""
        return cls(
            tuple(sorted(zones)), tuple(sorted(domains)), tuple(sorted(statuses)), start, end
        )


@st.cache_resource(show_spinner=False, max_entries=PAINTED_ENTRIES, ttl=OPS_TTL_S)
def _painted_cells(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    lang: Lang,
    colour_by: str,
    filters: MapFilters,
    ops: tuple[object, ...],
    seen: tuple[object, ...],
    _actor: Actor,
) -> tuple[PreparedLayer, list[LegendEntry]]:
    zones, domains, start, end = filters.zones, filters.domains, filters.start, filters.end
    cells = load_cells(url, campus, plan_id, data_version)
    codes = zone_codes(cells, zones)
    if colour_by in measures.MEASURES:
        values: dict[Any, Any] = {}
        if colour_by == "completion":
            grid = completion_grid(url, campus, plan_id, data_version, actor=_actor)
            chosen = measures.filter_grid(grid, zones=zones, domains=domains, start=start, end=end)
            values = measures.completion_by_cell(chosen).to_dict()
        elif colour_by == "hazards":
            table = hazards(url, campus, plan_id, data_version, actor=_actor)
            chosen = measures.filter_hazards(
                table, zones=zones, domains=domains, start=start, end=end
            )
            values = measures.open_hazards_by_cell(chosen).to_dict()
        else:
            values = dict(coverage(url, campus, data_version, plan_id, actor=_actor).cell_pct)
        values = {str(k): float(v) for k, v in values.items()}
        fills, legend = measures.measure_colours(codes, values, colour_by, lang=lang)  # type: ignore[arg-type]
    else:
        fill_list, legend = map_layers.cell_colours(cells, colour_by=colour_by, lang=lang)  # type: ignore[arg-type]
        fills = dict(zip((str(c) for c in cells["code"]), fill_list, strict=True))
    base = cell_base(url, campus, plan_id, data_version, lang)
    # Outlines as one layer of merged lines, not a stroke per cell: 13,000 stroked rings
    # were most of the map's draw time in a software renderer (bench/README.md). No
    # tooltip text but the code: the cell's panel (on click) reads its details.
    layer = map_layers.painted_cells_layer(base, fills, codes=codes, stroked=False, details=False)
    return publish(layer), legend


def painted_cells(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    lang: Lang,
    colour_by: str,
    filters: MapFilters,
    *,
    actor: Actor,
) -> tuple[PreparedLayer, list[LegendEntry]]:
    """Return the plan's cells (of the filters' zones; all when none) coloured by
    ``colour_by`` (a measure of ``maps.measures`` filtered by the domains and dates, or a
    cell property of ``maps.layers.COLOUR_BY``) from what ``actor`` sees, published, and
    the legend; cached per filter state and visibility until the operations data change."""
    return with_live_file(  # type: ignore[no-any-return]
        _painted_cells,
        url, campus, plan_id, data_version, lang, colour_by, filters,
        measure_key(url, campus, colour_by, plan_id, data_version, actor=actor),
        paint_key(colour_by, actor), actor,
    )  # fmt: skip


def paint_key(colour_by: str, actor: Actor) -> tuple[object, ...]:
    """Return what the colours of ``colour_by`` depend on in what ``actor`` sees: the rows
    for completion (counts), the rows and whether it may read hazards for open hazards,
    nothing for coverage and the cells' own properties (the same for every account that
    sees the map), so accounts of one scope share one painted layer whatever their role."""
    seen = queries.visibility(actor)
    if colour_by == "completion":
        return ("rows", *seen.rows)
    if colour_by == "hazards":
        reads = actor.can(Permission.VIEW_LEDGER) or actor.can(Permission.VIEW_REPORTS)
        return ("hazards", *seen.rows, reads)
    return ("all",)


def measure_key(
    url: str, campus: str, colour_by: str, plan_id: int, data_version: int, *, actor: Actor
) -> tuple[object, ...]:
    """Return what the cells painted by ``colour_by`` depend on among the operations data:
    the inspections and due times for completion (``caches.completion_key``), the hazards
    for open hazards, nothing otherwise."""
    if colour_by == "completion":
        return completion_key(url, campus, plan_id, data_version, actor=actor)
    if colour_by == "hazards":
        return ops_key(url, campus).hazards
    return ()


@st.cache_resource(show_spinner=False, max_entries=PAINTED_ENTRIES, ttl=OPS_TTL_S)
def _completion_heatmap(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    lang: Lang,
    week: str | None,
    ops: tuple[object, ...],
    seen: queries.Visibility,
    _actor: Actor,
) -> tuple[PreparedLayer, list[LegendEntry]]:
    by_cell, _ = completion_values(url, campus, plan_id, data_version, week, actor=_actor)
    base = cell_base(url, campus, plan_id, data_version, lang)
    where = ("heatmap", url, campus, plan_id, data_version, lang, week, seen)
    layer, text, legend = repaint.heatmap(where, base, by_cell, lang)  # where values moved
    return publish(layer, text), legend


def completion_heatmap(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    lang: Lang,
    week: str | None,
    *,
    actor: Actor,
) -> tuple[PreparedLayer, list[LegendEntry]]:
    """Return the cells extruded by their completion shortfall and coloured by completion
    (of ``week``, an ISO week label; all 90 days when None) of what ``actor`` sees,
    published, and the legend; cached per week and visibility until the operations data
    change (the week replay steps through them)."""
    return with_live_file(  # type: ignore[no-any-return]
        _completion_heatmap,
        url, campus, plan_id, data_version, lang, week,
        completion_key(url, campus, plan_id, data_version, actor=actor),
        queries.visibility(actor), actor,
    )  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=PAINTED_ENTRIES, ttl=OPS_TTL_S)
def _hazard_columns(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    lang: Lang,
    filters: MapFilters,
    ops: tuple[object, ...],
    seen: queries.Visibility,
    _actor: Actor,
) -> PreparedLayer:
    shown = measures.filter_hazards(
        hazards(url, campus, plan_id, data_version, actor=_actor),
        zones=filters.zones,
        domains=filters.domains,
        statuses=filters.statuses,
        start=filters.start,
        end=filters.end,
    )
    return publish(hazard_layers.hazards_layer(shown, lang=lang))


def hazard_columns(
    url: str,
    campus: str,
    plan_id: int,
    data_version: int,
    lang: Lang,
    filters: MapFilters,
    *,
    actor: Actor,
) -> PreparedLayer:
    """Return the hazard columns of the hazards ``actor`` sees that the filters keep,
    published (cached per filter state and visibility until the operations data change)."""
    return with_live_file(  # type: ignore[no-any-return]
        _hazard_columns,
        url, campus, plan_id, data_version, lang, filters, ops_key(url, campus).hazards,
        queries.visibility(actor), actor,
    )  # fmt: skip
