"""The deck a page draws: its layers over the optional basemap, with the campus's constant
initial view, and the legend lines under it."""

from __future__ import annotations

import os

import streamlit as st
from maps.colours import LegendEntry, legend_html
from maps.deck import PreparedDeck, PreparedLayer, prepared_deck
from maps.i18n import t
from zoning.geo.basemap import attribution

from app_pages._ui.caches import load_layers
from app_pages._ui.context import Context, view_for
from app_pages._ui.publish import BASEMAP_ENV, basemap, layer_file_alive
from app_pages._ui.text import md

#: The basemap's credit line shown above the map (default: OpenStreetMap's or the host).
BASEMAP_ATTRIBUTION_ENV = "CAMPUSGRID_BASEMAP_ATTRIBUTION"


def deck_of(ctx: Context, prepared: list[PreparedLayer]) -> PreparedDeck:
    """Return the deck of ``prepared`` layers with the campus's constant initial view.

    With ``CAMPUSGRID_BASEMAP_URL`` set, the basemap is drawn first, under everything
    (or a warning says why there is none); ``map_provider`` stays None either way.
    """
    layers = load_layers(ctx.url, ctx.campus.name, ctx.campus.data_version)
    template = os.environ.get(BASEMAP_ENV, "").strip()
    if template and len(layers.boundary):
        bounds = tuple(round(float(b), 6) for b in layers.boundary.total_bounds)
        with st.spinner(t("map.fetching_basemap", ctx.lang)):
            outcome = basemap(template, bounds)  # type: ignore[arg-type]
            if outcome.file is not None and not outcome.file.exists():  # pruned meanwhile
                basemap.clear()
                outcome = basemap(template, bounds)  # type: ignore[arg-type]
        if outcome.warning:
            if outcome.stale:
                key = "map.basemap_stale"
            else:
                key = "map.basemap_partial" if outcome.layer else "map.basemap_failed"
            # md() cuts at 300 characters by default: this line holds a URL and what to do
            st.warning(t(key, ctx.lang, message=md(outcome.warning, max_chars=1000)))
        if outcome.layer is not None:
            prepared = [outcome.layer, *prepared]
            credit = attribution(template, os.environ.get(BASEMAP_ATTRIBUTION_ENV))
            st.caption(t("map.basemap_credit", ctx.lang, credit=md(credit)))
    for layer in prepared:  # drawn now: touched, so pruning keeps the files in use
        layer_file_alive(layer)
    return prepared_deck(prepared, view=view_for(ctx, layers))


def legend_line(title: str, entries: list[LegendEntry]) -> None:
    """Show one legend (title and swatches; labels escaped by legend_html)."""
    if entries:
        st.markdown(
            f"**{md(title)}** &nbsp; {legend_html(entries)}",
            unsafe_allow_html=True,
        )
