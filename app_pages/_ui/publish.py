"""Heavy layer data published as files, and the basemap image beside them.

Streamlit parses the deck's JSON with a slow JSON5 parser; a file is fetched and parsed
natively by deck.gl (gzip on the wire). The files go to the layer folder
(:func:`zoning.api.settings.layer_dir`: ``$CAMPUSGRID_LAYER_DIR``, else the user's cache
folder) and the browser fetches them from ``/layers/NAME`` (:mod:`zoning.api.layers`), same
origin, signed-in sessions only: nothing of the campus is a static file.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydeck as pdk
import streamlit as st
from maps.basemap_layer import basemap_layer
from maps.bundle import BUNDLE_ID, bundle_name, bundle_text, data_file
from maps.deck import PreparedLayer, externalise, externalise_text, prepare
from zoning.api.settings import layer_dir as configured_layer_dir
from zoning.errors import CampusgridError
from zoning.files import write_whole
from zoning.geo.basemap import fetch_basemap

BASEMAP_ENV = "CAMPUSGRID_BASEMAP_URL"
#: The layer files' folder (read once at start: ``$CAMPUSGRID_LAYER_DIR`` or the cache).
LAYER_DIR = configured_layer_dir()
#: Where the browser fetches them (relative to the page: same origin, ``/layers/NAME``).
LAYER_URL = "layers/"
#: Written files kept per layer id (newest used first); each is one layer's data (≤ a few
#: MB). Cells and hazards get a file per filter state; the others one per campus version.
LAYER_FILES_KEPT = 64
#: Bundles kept (several layers' data in one file, a few MB each: see :mod:`maps.bundle`).
BUNDLES_KEPT = 16
#: Each file is also written gzipped (``NAME.json.gz``, this level) once, beside it, in the
#: background, and served as it is (:mod:`zoning.api.layers`): compressing ~5 MB of JSON on
#: every first fetch cost the server ~0.1 s of a core while the browser drew, and spread
#: the files' arrival, so the map took more frames (bench/README.md).
GZIP_LEVEL = 6


def layer_dir() -> Path:
    """Return the folder the layer files are written to and served from (``LAYER_DIR``)."""
    return LAYER_DIR


def publish(layer: pdk.Layer, text: str | None = None) -> PreparedLayer:
    """Return ``layer`` prepared for the deck, its data (or ``text``, that data as JSON
    written already) served as a JSON file at :data:`LAYER_URL`. Files are named by their
    content: one already written is reused."""
    if text is None:
        prepared, file = externalise(layer, url_prefix=LAYER_URL)
    else:
        prepared, file = externalise_text(layer, text, url_prefix=LAYER_URL)
    _keep_or_write(layer_dir() / file.name, lambda: file.text.encode("utf-8"))
    return prepared


def publish_bundle(members: Mapping[str, str]) -> str | None:
    """Return the name of the bundle file of ``members`` (layer id → its published file's
    name; see :mod:`maps.bundle`), written now unless it is already; None when a member's
    file is gone (pruned meanwhile): the layers then draw from their own files."""
    folder = layer_dir()
    name = bundle_name(members)

    def content() -> bytes | None:
        try:
            parts = {i: (folder / file).read_text("utf-8") for i, file in members.items()}
        except FileNotFoundError:
            return None
        return bundle_text(parts).encode("utf-8")

    return name if _keep_or_write(folder / name, content) else None


def _keep_or_write(path: Path, content: Callable[[], bytes | None]) -> bool:
    """Keep layer file ``path`` (named by its content: touched so that pruning keeps it, its
    gzipped copy asked for if missing) or write it from ``content()`` (then prune the folder);
    False when it was not there and ``content()`` gave None."""
    try:
        os.utime(path)
        if not gzipped(path).is_file():  # written before files were also gzipped
            _GZIPPER.submit(_gzip_beside, path)
        return True
    except FileNotFoundError:  # not yet, or pruned by another session a moment ago
        pass
    data = content()
    if data is None:
        return False
    write_whole(path, data)
    _GZIPPER.submit(_gzip_beside, path)  # the page does not wait: served plain until then
    _prune_layer_files(path.parent)
    return True


def gzipped(path: Path) -> Path:
    """Return where the gzipped copy of layer file ``path`` is kept (``NAME.json.gz``)."""
    return path.with_name(path.name + ".gz")


#: Writes the gzipped copies, one at a time, in the background (a new filter state's files
#: are ~3 MB: compressing them in the page would add ~50 ms to its rerun).
_GZIPPER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="campusgrid-gzip")


def _gzip_beside(path: Path) -> None:
    """Write the gzipped copy of layer file ``path`` beside it; nothing when the file was
    pruned meanwhile (its copy is removed again if pruning came during the compression)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    write_whole(gzipped(path), gzip.compress(data, GZIP_LEVEL, mtime=0))
    if not path.exists():
        gzipped(path).unlink(missing_ok=True)


def gzipped_copies_written() -> None:
    """Wait until every gzipped copy asked for so far is written (tests, benchmarks)."""
    _GZIPPER.submit(lambda: None).result()


def _prune_layer_files(folder: Path) -> None:
    """Keep the ``LAYER_FILES_KEPT`` newest files of each layer id (``BUNDLES_KEPT``
    bundles). Sessions publish and prune at once: a file another one removed meanwhile is
    simply gone (never an error)."""
    by_layer: dict[str, list[tuple[float, Path]]] = {}
    for file in folder.glob("*.json"):
        try:
            stamp = file.stat().st_mtime
        except FileNotFoundError:
            continue
        by_layer.setdefault(file.name.rsplit("-", 1)[0], []).append((stamp, file))
    for layer_id, files in by_layer.items():
        files.sort(key=lambda f: f[0], reverse=True)
        kept = BUNDLES_KEPT if layer_id == BUNDLE_ID else LAYER_FILES_KEPT
        for _, old in files[kept:]:
            old.unlink(missing_ok=True)
            gzipped(old).unlink(missing_ok=True)
    for packed in folder.glob("*.json.gz"):  # a copy whose file was pruned meanwhile
        if not packed.with_suffix("").exists():
            packed.unlink(missing_ok=True)


def layer_file_alive(prepared: PreparedLayer) -> bool:
    """Touch the file ``prepared`` draws its data from, so pruning keeps it; False when the
    file is gone (pruned while the layer stayed cached). A layer with inline data is alive."""
    name = data_file(prepared, LAYER_URL)
    if name is None:
        return True
    try:
        os.utime(layer_dir() / name)
    except FileNotFoundError:
        return False
    return True


def with_live_file(cached: Any, *args: object) -> Any:
    """Return ``cached(*args)`` (a cached function giving a PreparedLayer, a tuple starting
    with one, a dict of them, or None) with its layer files on disk: a file pruned while its
    layer stayed cached (a layer file per filter state, ``LAYER_FILES_KEPT`` newest kept) or
    deleted from the folder is written again."""
    out = cached(*args)
    if isinstance(out, dict):
        layers = list(out.values())
    else:
        layers = [out[0] if isinstance(out, tuple) else out]
    if all(layer is None or layer_file_alive(layer) for layer in layers):
        return out
    cached.clear()
    return cached(*args)


#: How long a basemap (or the reason there is none) is kept in memory: a tile server
#: fixed or back up is used again after this, without restarting the app.
BASEMAP_TTL_S = 300


@dataclass(frozen=True)
class BasemapOutcome:
    """The basemap layer (None when there is none) and a line for the user (or None)."""

    layer: PreparedLayer | None
    warning: str | None
    file: Path | None = None
    stale: bool = False  # an older saved basemap: refreshing it failed (``warning``)


@st.cache_resource(show_spinner=False, max_entries=8, ttl=BASEMAP_TTL_S)
def basemap(template: str, bounds: tuple[float, float, float, float]) -> BasemapOutcome:
    """Return the basemap of lon/lat ``bounds`` from the XYZ ``template`` (``BASEMAP_ENV``).

    The server fetches the tiles once (``zoning.geo.basemap``) and writes one PNG to
    :func:`layer_dir`; the browser loads it from this app (127.0.0.1), nothing else.
    Any failure becomes a warning: the map is then drawn without a basemap.
    """
    try:
        image = fetch_basemap(template, bounds, cache_dir=layer_dir())
    except CampusgridError as err:
        return BasemapOutcome(None, str(err))
    layer = prepare(basemap_layer(LAYER_URL + image.path.name, image.bounds))
    return BasemapOutcome(layer, image.warning, image.path, image.stale)
