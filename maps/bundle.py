"""Several layers' data in one file, so that the browser draws them in one frame.

deck.gl fetches each layer's file on its own and draws a frame as soon as some of them are
parsed: when the files arrive or are parsed at different moments (a first visit, a busy
machine), the map is drawn twice or three times, each frame shading everything again
(0.6–1.2 s each in software WebGL, bench/README.md). Layers whose ``data`` is the *same* URL
share one fetch and one parse (deck.gl's resource manager keys them by URL) and receive it
in the same task; each takes its own part with ``dataTransform`` (a deck.gl JSON expression:
``"@@=cells"`` is ``data => data.cells``). So the first draw of a chart takes its layers from
one *bundle* file ``{"ground": [...], "cells": [...], ...}`` (the member files' text joined,
not parsed again) and is one frame.

The bundle is named by its members' file names (themselves named by their content), so the
same layers give the same bundle, written once and cached by the browser like any layer
file. Pure functions; writing the file is the app's (``app_pages._ui.publish``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Final

from maps.deck import PreparedLayer, dumps_spec

#: The bundle files' layer id (their names: ``bundle-HASH.json``).
BUNDLE_ID: Final = "bundle"
#: Layer ids a JSON expression can name as they are (a plain identifier).
_MEMBER_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: A layer file's name as :func:`maps.deck.externalise` makes it.
_FILE_NAME = re.compile(r"[A-Za-z0-9_.-]+\.json\Z")


def data_file(layer: PreparedLayer, url_prefix: str) -> str | None:
    """Return the name of the file ``layer``'s ``data`` is (``url_prefix`` + the name: its own
    file or a bundle), or None: inline data or none."""
    return _file_of(json.loads(layer.json), url_prefix)


def layer_file(layer: PreparedLayer, url_prefix: str) -> str | None:
    """Return the name of the file ``layer`` draws its data from (its ``data`` is
    ``url_prefix`` + the name), or None: inline data, no data, or a bundle already."""
    spec = json.loads(layer.json)
    return None if "dataTransform" in spec else _file_of(spec, url_prefix)


def _file_of(spec: object, url_prefix: str) -> str | None:
    data = spec.get("data") if isinstance(spec, dict) else None
    if not isinstance(data, str) or not data.startswith(url_prefix):
        return None
    name = data.removeprefix(url_prefix)
    return name if _FILE_NAME.match(name) else None


def can_share(layer_id: str) -> bool:
    """True when a layer of this id can take its part of a bundle (see the module doc)."""
    return bool(_MEMBER_ID.match(layer_id)) and layer_id != BUNDLE_ID


def bundle_name(members: Mapping[str, str]) -> str:
    """Return the bundle file's name for ``members`` (layer id → its file's name)."""
    key = "\n".join(f"{layer_id}={name}" for layer_id, name in sorted(members.items()))
    return f"{BUNDLE_ID}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:20]}.json"


def bundle_text(parts: Mapping[str, str]) -> str:
    """Return the bundle of ``parts`` (layer id → its file's JSON text, as written): one JSON
    object holding each text under its layer's id, the texts joined, not parsed again."""
    if not parts:
        raise ValueError("a bundle needs at least one layer")
    bad = [layer_id for layer_id in parts if not can_share(layer_id)]
    if bad:
        raise ValueError(f"layer ids a bundle cannot name: {bad}")
    return "{" + ",".join(f'"{layer_id}":{text}' for layer_id, text in parts.items()) + "}"


def from_bundle(layer: PreparedLayer, url: str) -> PreparedLayer:
    """Return ``layer`` drawing its part of the bundle at ``url`` (its id is the part's key)."""
    if not can_share(layer.id):
        raise ValueError(f"layer id {layer.id!r} cannot name its part of a bundle")
    spec = json.loads(layer.json)
    spec["data"] = url
    spec["dataTransform"] = f"@@={layer.id}"
    return PreparedLayer(id=layer.id, json=dumps_spec(spec))
