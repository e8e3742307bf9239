"""The basemap under the campus: one stitched raster image (see ``zoning.geo.basemap``) drawn
as a deck.gl ``BitmapLayer``.

The image is a URL on the app's own origin (a file the server wrote), so the browser
fetches nothing from outside; deck.gl's ``TileLayer`` is not used because it needs a
JavaScript ``renderSubLayers`` function, which a JSON deck (pydeck in Streamlit) cannot carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import pydeck as pdk
from zoning.errors import InvalidInput

#: The layer's id: drawn first, under the campus's ground.
BASEMAP: Final = "basemap"


def basemap_layer(image_url: str, bounds: Sequence[float], *, opacity: float = 1.0) -> pdk.Layer:
    """Return the ``BitmapLayer`` of the basemap image at ``image_url`` covering ``bounds``
    (west, south, east, north, ° EPSG:4326; a Web-Mercator image, as XYZ tiles are).

    Not pickable, and it writes no depth, so whatever is drawn after it (the ground,
    landcover, cells, all at height 0) is drawn over it, never mixed with it.
    Raises :class:`InvalidInput` for bounds that are not four increasing coordinates.

    >>> layer = basemap_layer("app/static/map/basemap-0123.png", (116.3, 39.9, 116.4, 40.0))
    >>> layer.type, layer.id, layer.bounds
    ('BitmapLayer', 'basemap', [116.3, 39.9, 116.4, 40.0])
    """
    west, south, east, north = (float(b) for b in bounds)
    if not (west < east and south < north):
        raise InvalidInput(f"A basemap needs bounds west < east and south < north, not {bounds}.")
    return pdk.Layer(
        "BitmapLayer",
        None,
        id=BASEMAP,
        # a plain string: pydeck would read a bare one as an accessor or inline a file
        image=pdk.types.String(image_url),
        bounds=[round(west, 9), round(south, 9), round(east, 9), round(north, 9)],
        opacity=float(opacity),
        pickable=False,
        parameters={"depthWriteEnabled": False},
    )
