"""The deck a page draws: its layers over the optional basemap, with the campus's constant
initial view, and the legend lines under it."""

from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st
from maps.bundle import can_share, from_bundle, layer_file
from maps.colours import LegendEntry, legend_html
from maps.deck import PreparedDeck, PreparedLayer, prepared_deck
from maps.i18n import t
from zoning.geo.basemap import attribution

from app_pages._ui.caches import load_layers
from app_pages._ui.context import Context, view_for
from app_pages._ui.publish import (
    BASEMAP_ENV,
    LAYER_URL,
    basemap,
    layer_file_alive,
    publish_bundle,
)
from app_pages._ui.text import md

#: The basemap's credit line shown above the map (default: OpenStreetMap's or the host).
BASEMAP_ATTRIBUTION_ENV = "CAMPUSGRID_BASEMAP_ATTRIBUTION"
#: ``st.session_state`` keys: the page the session's last run drew, how many times the
#: session has entered a page, and each chart's bundle (see :func:`bundled`).
PAGE_KEY = "_deck_page"
ENTERED_KEY = "_deck_pages_entered"
BUNDLES_KEY = "_deck_bundles"


@dataclass(frozen=True)
class Drawn:
    """What one layer of a chart drew its data from: its own ``file``, or that file's text
    inside ``bundle`` (a bundle file's name)."""

    file: str
    bundle: str | None


@dataclass(frozen=True)
class ChartFiles:
    """What a chart's layers drew from in the session's last run of its page (entered the
    ``entered``-th time), and the members of each bundle they use (bundle → layer id →
    file)."""

    entered: int
    layers: dict[str, Drawn]
    bundles: dict[str, dict[str, str]]


def note_page(page: str) -> None:
    """Count the pages this session enters (the app calls it before every page run): a
    chart's first draw after its page is entered is a new deck in the browser."""
    state = st.session_state
    if state.get(PAGE_KEY) != page:
        state[PAGE_KEY] = page
        state[ENTERED_KEY] = int(state.get(ENTERED_KEY, 0)) + 1


def bundled(chart: str, prepared: list[PreparedLayer]) -> list[PreparedLayer]:
    """Return ``prepared`` with the layers whose data the browser must fetch for chart
    ``chart`` taking it from one bundle file (:mod:`maps.bundle`): the browser draws them in
    one frame instead of one frame per file parsed.

    On the chart's first draw after its page is entered that is every layer with a file of
    its own; on a later rerun (a filter changed) the layers whose data changed, when two or
    more did (the cells and the hazard columns); a layer whose data did not change, or is
    again what a bundle still in use holds, draws from there (the same URL: the browser
    fetches and parses nothing again)."""
    files = {p.id: f for p in prepared if can_share(p.id) and (f := layer_file(p, LAYER_URL))}
    entered = int(st.session_state.get(ENTERED_KEY, 0))
    charts: dict[str, ChartFiles] = st.session_state.setdefault(BUNDLES_KEY, {})
    last = charts.get(chart)
    drawn: dict[str, Drawn] = {}
    bundles: dict[str, dict[str, str]] = {}
    if last is not None and last.entered == entered:  # a rerun, not a new deck
        for layer_id, was in last.layers.items():
            if files.get(layer_id) != was.file:
                continue  # changed or hidden
            bundle = was.bundle
            if bundle is not None and bundle not in bundles:
                if publish_bundle(last.bundles[bundle]) is None:  # a member was pruned
                    was = Drawn(was.file, None)  # then from its own file (fetched again)
                else:
                    bundles[bundle] = last.bundles[bundle]
            drawn[layer_id] = was
    for layer_id, f in files.items():  # back to data a bundle in use holds: from it again
        if layer_id not in drawn:
            held = [name for name, members in bundles.items() if members.get(layer_id) == f]
            if held:
                drawn[layer_id] = Drawn(f, held[0])
    changed = {layer_id: f for layer_id, f in files.items() if layer_id not in drawn}
    name = publish_bundle(changed) if len(changed) >= 2 else None
    if name is not None:
        bundles[name] = changed
    drawn.update({layer_id: Drawn(f, name) for layer_id, f in changed.items()})
    charts[chart] = ChartFiles(entered, drawn, bundles)
    return [
        from_bundle(p, LAYER_URL + bundle)
        if p.id in drawn and (bundle := drawn[p.id].bundle) is not None
        else p
        for p in prepared
    ]


def deck_of(ctx: Context, prepared: list[PreparedLayer], chart: str | None = None) -> PreparedDeck:
    """Return the deck of ``prepared`` layers with the campus's constant initial view.

    With ``CAMPUSGRID_BASEMAP_URL`` set, the basemap is drawn first, under everything
    (or a warning says why there is none); ``map_provider`` stays None either way. With
    ``chart`` (the key of the ``st.pydeck_chart`` that draws it) the layers' files are
    bundled as :func:`bundled` says.
    """
    if chart is not None:
        prepared = bundled(chart, prepared)
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
