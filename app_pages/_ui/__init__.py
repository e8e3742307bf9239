"""What every page shares, one module per concern; the pages use the names below
(``from app_pages import _ui`` then ``_ui.sidebar()``…).

- :mod:`~app_pages._ui.context`: the sidebar (language, campus), the page's context, the plan
  drawn, one red line instead of a traceback;
- :mod:`~app_pages._ui.text`: user-written text made safe (Markdown, tables);
- :mod:`~app_pages._ui.caches`: the cached loaders (engine, layers, cells, operations data);
- :mod:`~app_pages._ui.splice`: the completion grid, owner grid and hazards brought up to date
  after new operations data without reading everything again;
- :mod:`~app_pages._ui.publish`: heavy layer data and the basemap served as static files;
- :mod:`~app_pages._ui.layers`: the map's layers built once, the cells painted per filter;
- :mod:`~app_pages._ui.deck`: the deck over the optional basemap, the legends;
- :mod:`~app_pages._ui.timing`: the page-run timing hook for ``bench/ui.py``.

Tests that replace a module global (``LAYER_DIR``, ``_BASES``, ``engine_for``…) patch the
module that holds it: a name re-exported here is a copy, and patching it changes nothing.
"""

from app_pages._ui.caches import (
    cell_detail,
    completion_grid,
    completion_values,
    coverage,
    coverage_figures,
    coverage_result,
    engine_for,
    hazards,
    load_cells,
    load_layers,
    local_today,
    ops_key,
    owner_grid,
    reports,
    scope_cells,
    suggested_sites,
)
from app_pages._ui.context import (
    Context,
    attempt,
    context,
    current_actor,
    current_lang,
    current_plan,
    friendly_errors,
    plan_caption,
    plan_cells,
    sidebar,
    signed_in_actor,
    view_for,
)
from app_pages._ui.deck import deck_of, legend_line, note_page
from app_pages._ui.layers import (
    MapFilters,
    base_layers,
    cell_outlines,
    completion_heatmap,
    coverage_layers,
    ground_with_landcover,
    hazard_columns,
    painted_cells,
    roads_with_outlines,
)
from app_pages._ui.publish import LAYER_DIR, LAYER_URL, basemap, layer_dir
from app_pages._ui.splice import OPS_TTL_S
from app_pages._ui.text import cells_table, localised, md, text_frame

__all__ = [
    "LAYER_DIR",
    "LAYER_URL",
    "OPS_TTL_S",
    "Context",
    "MapFilters",
    "attempt",
    "base_layers",
    "basemap",
    "cell_detail",
    "cell_outlines",
    "cells_table",
    "completion_grid",
    "completion_heatmap",
    "completion_values",
    "context",
    "coverage",
    "coverage_figures",
    "coverage_layers",
    "coverage_result",
    "current_actor",
    "current_lang",
    "current_plan",
    "deck_of",
    "engine_for",
    "friendly_errors",
    "ground_with_landcover",
    "hazard_columns",
    "hazards",
    "layer_dir",
    "legend_line",
    "load_cells",
    "load_layers",
    "local_today",
    "localised",
    "md",
    "note_page",
    "ops_key",
    "owner_grid",
    "painted_cells",
    "plan_caption",
    "plan_cells",
    "reports",
    "roads_with_outlines",
    "scope_cells",
    "sidebar",
    "signed_in_actor",
    "suggested_sites",
    "text_frame",
    "view_for",
]
