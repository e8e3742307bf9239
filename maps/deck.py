"""Assemble the safety map: the campus drawn as its own basemap, the plan's cells on top.

The deck uses ``map_provider=None`` and no map style, so the browser fetches nothing from
outside; an optional basemap is a ``BitmapLayer`` of an image this app serves
(:mod:`maps.basemap_layer`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import orjson
import pydeck as pdk
from zoning.campus.layers import CampusLayers
from zoning.errors import InvalidInput

from maps import layers as L
from maps.colours import LegendEntry
from maps.i18n import DEFAULT_LANG, Lang

#: Default camera: looking north-north-west over the campus at 45°.
PITCH_DEG: Final = 45.0
BEARING_DEG: Final = -20.0
#: Size (px) the initial zoom is fitted to: the map's height and a typical width.
FIT_WIDTH_PX: Final = 800
FIT_HEIGHT_PX: Final = 560
MAX_ZOOM: Final = 19.0

TOOLTIP: Final[dict[str, object]] = {
    "text": "{tip}",
    "style": {
        "backgroundColor": "rgba(30, 30, 30, 0.9)",
        "color": "white",
        "fontSize": "12px",
        "padding": "6px 8px",
        "whiteSpace": "pre-line",
    },
}


def initial_view(
    bounds: tuple[float, float, float, float],
    *,
    pitch_deg: float = PITCH_DEG,
    bearing_deg: float = BEARING_DEG,
    width_px: int = FIT_WIDTH_PX,
    height_px: int = FIT_HEIGHT_PX,
    padding: float = 0.04,
) -> dict[str, float]:
    """Return a view (longitude, latitude, zoom, pitch, bearing) that fits lon/lat ``bounds``.

    The zoom fits the bounds in ``width_px`` × ``height_px`` Web-Mercator pixels with
    ``padding`` (a fraction of each side). Values are rounded so that the same bounds
    always give the very same view (the map must not jump on reruns).
    """
    min_lon, min_lat, max_lon, max_lat = (float(b) for b in bounds)
    if not all(math.isfinite(b) for b in (min_lon, min_lat, max_lon, max_lat)) or (
        min_lon > max_lon or min_lat > max_lat
    ):
        raise InvalidInput(f"Cannot fit a map view to bounds {bounds}: the campus is empty.")

    def merc_y(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    world_px = 512.0  # deck.gl's world is 512 px wide at zoom 0
    span_x = max((max_lon - min_lon) / 360.0, 1e-9)
    span_y = max((merc_y(max_lat) - merc_y(min_lat)) / (2 * math.pi), 1e-9)
    usable = 1.0 - 2 * padding
    zoom = min(
        math.log2(width_px * usable / (world_px * span_x)),
        math.log2(height_px * usable / (world_px * span_y)),
        MAX_ZOOM,
    )
    return {
        "longitude": round((min_lon + max_lon) / 2, 6),
        "latitude": round((min_lat + max_lat) / 2, 6),
        "zoom": round(zoom, 2),
        "pitch": float(pitch_deg),
        "bearing": float(bearing_deg),
    }


def campus_view(layers: CampusLayers, **options: float) -> dict[str, float]:
    """Return :func:`initial_view` for the campus boundary (its total bounds)."""
    if not len(layers.boundary):
        raise InvalidInput("The campus has no boundary, so the map has nothing to centre on.")
    minx, miny, maxx, maxy = layers.boundary.total_bounds
    return initial_view((minx, miny, maxx, maxy), **options)  # type: ignore[arg-type]


def dumps_spec(value: object) -> str:
    """Return pydeck's JSON of ``value``: compact, and UTF-8 text left as it is (not
    ``\\uXXXX``, which doubles the bytes of Chinese labels; the text is the same)."""
    from pydeck.bindings.json_tools import default_serialize

    return json.dumps(
        value,
        sort_keys=True,
        default=default_serialize,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def dumps_data(records: object) -> str:
    """Return layer data (plain records: dicts, lists, str, numbers) as the same compact,
    key-sorted UTF-8 JSON as :func:`dumps_spec`, ~15× faster (orjson): a large campus's cells
    are megabytes, serialised again for every new filter state."""
    try:
        return orjson.dumps(
            records, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY
        ).decode("utf-8")
    except TypeError:  # anything orjson does not know (non-str keys, custom objects)
        return dumps_spec(records)


class CompactDeck(pdk.Deck):  # type: ignore[misc]
    """A ``pdk.Deck`` whose JSON has no indentation (pydeck indents by 2: ~3× the bytes)."""

    def to_json(self) -> str:
        """Return the deck spec as compact JSON (what ``st.pydeck_chart`` sends)."""

        return dumps_spec(self)


@dataclass(frozen=True)
class SafetyMap:
    """The deck to draw and the legend of the cells' colours."""

    deck: pdk.Deck
    legend: tuple[LegendEntry, ...]


def campus_deck(
    campus: CampusLayers,
    cells: gpd.GeoDataFrame | None = None,
    *,
    view: Mapping[str, float],
    lang: Lang = DEFAULT_LANG,
    colour_by: L.ColourBy = "zone",
    show: Collection[str] = L.LAYER_IDS,
) -> SafetyMap:
    """Return the safety map of ``campus`` with ``cells`` (a plan's cells) on top.

    ``show`` names the layer ids to draw (default: all of :data:`maps.layers.LAYER_IDS`);
    empty layers are left out. ``view`` is the initial view (see :func:`initial_view`).
    Nothing is fetched from outside.
    """
    deck_layers: list[pdk.Layer] = []
    legend: list[LegendEntry] = []
    if L.GROUND in show and len(campus.boundary):
        deck_layers.append(L.ground_layer(campus.boundary))
    if L.LANDCOVER in show and len(campus.landcover):
        deck_layers.append(L.landcover_layer(campus.landcover))
    if L.CELLS in show and cells is not None and len(cells):
        cells_layer, legend = L.cells_layer(cells, colour_by=colour_by, lang=lang)
        deck_layers.append(cells_layer)
    if L.ROADS in show and len(campus.roads):
        deck_layers.append(L.roads_layer(campus.roads))
    if L.BUILDINGS in show and len(campus.buildings):
        deck_layers.append(L.buildings_layer(campus.buildings, lang=lang))
    if L.CAMERAS in show and len(campus.cameras):
        deck_layers.append(L.cameras_layer(campus.cameras, lang=lang))
    deck = CompactDeck(
        layers=deck_layers,
        initial_view_state=pdk.ViewState(**view),
        map_provider=None,
        tooltip=TOOLTIP,  # type: ignore[arg-type]
    )
    return SafetyMap(deck=deck, legend=tuple(legend))


@dataclass(frozen=True)
class PreparedLayer:
    """A layer serialised once: its id and its compact JSON (what the browser receives).

    Serialising the heavy, unchanging layers (buildings, roads, coverage) once and keeping
    the result is what keeps a filter change cheap: only the layers that changed are
    turned into JSON again.
    """

    id: str
    json: str


def prepare(layer: pdk.Layer) -> PreparedLayer:
    """Return ``layer`` serialised to compact JSON (see :class:`PreparedLayer`)."""

    text = dumps_spec(layer)
    return PreparedLayer(id=str(layer.id), json=text)


@dataclass(frozen=True)
class LayerFile:
    """A layer's data as a JSON file to serve next to the deck (see :func:`externalise`)."""

    name: str
    text: str


def externalise(layer: pdk.Layer, *, url_prefix: str) -> tuple[PreparedLayer, LayerFile]:
    """Return ``layer`` with its data moved to a file: the layer (``data`` = the file's
    URL) and the file (a name made of the layer id and a hash of the content).

    The browser fetches and parses such a file natively, while the deck's own JSON goes
    through Streamlit's slow JSON5 parser (about 1 s per MB on the target machine), so
    heavy layers travel as files. The same data always gives the same name, so a file
    written once is reused and the browser may cache it. ``layer`` is changed.
    """
    return externalise_text(layer, dumps_data(layer.data), url_prefix=url_prefix)


def externalise_text(
    layer: pdk.Layer, text: str, *, url_prefix: str
) -> tuple[PreparedLayer, LayerFile]:
    """Return ``layer`` with its data moved to the file of ``text`` (its data as JSON, written
    already: see :func:`externalise`). ``layer`` is changed."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
    name = f"{layer.id}-{digest}.json"
    layer.data = url_prefix + name
    return prepare(layer), LayerFile(name=name, text=text)


class PreparedDeck(CompactDeck):
    """A deck whose layers are :class:`PreparedLayer` s, spliced into its JSON as they are."""

    def __init__(self, prepared: Sequence[PreparedLayer], **kwargs: object) -> None:
        super().__init__(layers=[], **kwargs)
        self._prepared = tuple(prepared)

    @property
    def layer_ids(self) -> tuple[str, ...]:
        """Return the ids of the layers drawn, bottom to top."""
        return tuple(p.id for p in self._prepared)

    def to_json(self) -> str:
        """Return the deck spec as compact JSON with the prepared layers spliced in."""
        from pydeck.bindings.json_tools import default_serialize

        attrs = default_serialize(self)
        attrs.pop("_prepared", None)
        attrs["layers"] = []
        text = dumps_spec(attrs)
        layers = ",".join(p.json for p in self._prepared)
        return text.replace('"layers":[]', f'"layers":[{layers}]', 1)


def prepared_deck(
    prepared: Sequence[PreparedLayer],
    *,
    view: Mapping[str, float],
) -> PreparedDeck:
    """Return a deck of ``prepared`` layers (bottom to top) with the fixed initial ``view``.

    ``map_provider=None`` and no map style: nothing is fetched from outside.
    """
    return PreparedDeck(
        prepared,
        initial_view_state=pdk.ViewState(**view),
        map_provider=None,
        tooltip=TOOLTIP,
    )
