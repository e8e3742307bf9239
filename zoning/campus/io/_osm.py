"""OpenStreetMap input: OSM XML / PBF through GDAL's OSM driver, and OSM tag parsing.

GDAL reads an OSM file as layers ``points`` (nodes), ``lines`` (ways) and ``multipolygons``
(closed ways and multipolygon relations). A few tags become columns; every other tag is in
``other_tags`` as an hstore string: ``"building:levels"=>"5","name:en"=>"Library"``.
This module turns every feature into a tag dictionary plus an id like ``way/123``, so the
classification in :mod:`zoning.campus.io._layers` works the same for OSM files and layer files.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from zoning.campus.io._gdal import read_frame
from zoning.errors import ImportFailed

#: File suffixes read by GDAL's OSM driver.
OSM_SUFFIXES = (".osm", ".osm.pbf", ".pbf")
#: GDAL OSM layers used, and the OSM element type of their features.
OSM_LAYERS = {"points": "node", "lines": "way", "multipolygons": "way"}
#: Columns that are bookkeeping, not tags.
_NOT_TAGS = frozenset(
    {"osm_id", "osm_way_id", "osm_type", "fid", "z_order", "other_tags", "osm_tags", "all_tags"}
)
_HSTORE_PAIR = re.compile(
    r'"(?P<key>(?:[^"\\]|\\.)*)"\s*=>\s*(?:"(?P<value>(?:[^"\\]|\\.)*)"|(?P<null>NULL))'
)
_UNESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class TaggedLayer:
    """Features of one input layer as (id, tags, geometry), geometry in EPSG:4326.

    ``kind`` is either an OSM layer (``osm:points``, ``osm:lines``, ``osm:multipolygons``)
    or a campus layer name (``buildings``, ``roads``…) read from a layer file.
    """

    kind: str
    origin: str
    source_ids: list[str]
    tags: list[dict[str, str]]
    geometry: npt.NDArray[np.object_]
    #: Landcover kind to use when the tags say nothing (layer files named ``water``…).
    fallback_kind: str | None = None
    from_osm: bool = False
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.source_ids)


def parse_hstore(text: object) -> dict[str, str]:
    """Return the tags of a GDAL hstore string (``"k"=>"v","k2"=>"v2"``); {} for no tags.

    Escaped quotes and backslashes in keys and values are unescaped; NULL values and text
    that is not hstore are skipped, never raised.

    >>> parse_hstore('"building:levels"=>"5","name"=>"A \\\\"B\\\\""')
    {'building:levels': '5', 'name': 'A "B"'}
    """
    if not isinstance(text, str) or "=>" not in text:
        return {}
    tags: dict[str, str] = {}
    for match in _HSTORE_PAIR.finditer(text):
        if match["null"] is not None or not match["value"]:
            continue
        key = _UNESCAPE.sub(r"\1", match["key"])
        tags[key] = _UNESCAPE.sub(r"\1", match["value"])
    return tags


def parse_tag_blob(value: object) -> dict[str, str]:
    """Return the tags in an ``other_tags``/``osm_tags`` value: hstore, JSON object or dict."""
    if isinstance(value, Mapping):
        return {str(k): v for k, v in ((k, tag_text(v)) for k, v in value.items()) if v}
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError:
                return {}
            return parse_tag_blob(loaded) if isinstance(loaded, dict) else {}
        return parse_hstore(text)
    return {}


def tag_text(value: object) -> str | None:
    """Return a tag value as text (5.0 → "5"); None for missing, NaN or empty values."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, np.floating):
        return tag_text(float(value))
    text = str(value).strip()
    return text or None


def record_tags(record: Mapping[str, object], *, blob_columns: Iterable[str]) -> dict[str, str]:
    """Return the tags of one attribute record: its columns plus the parsed tag blobs.

    Columns win over tags in the blob (they are the same in GDAL's output anyway).
    """
    tags: dict[str, str] = {}
    for column in blob_columns:
        if column in record:
            tags.update(parse_tag_blob(record[column]))
    for key, value in record.items():
        if key in _NOT_TAGS or key == "geometry":
            continue
        text = tag_text(value)
        if text is not None:
            tags[str(key)] = text
    return tags


def is_osm_file(path: Path) -> bool:
    """Return True when ``path`` has an OSM XML or PBF suffix."""
    name = path.name.lower()
    return name.endswith(OSM_SUFFIXES)


def _osm_id(value: object) -> str | None:
    text = tag_text(value)
    return text if text and text != "0" else None


def read_osm(path: Path) -> list[TaggedLayer]:
    """Read an OSM XML/PBF file into points, lines and multipolygons, geometry in EPSG:4326.

    Raises :class:`ImportFailed` when GDAL cannot read the file.
    """
    result: list[TaggedLayer] = []
    for layer, element in OSM_LAYERS.items():
        try:
            frame, read_warnings = read_frame(
                path, origin=path.name, layer=layer, on_invalid="ignore"
            )
        except Exception as exc:  # GDAL raises several DataSourceError subclasses
            raise ImportFailed(
                f"{path.name} could not be read as OpenStreetMap data ({_first_line(exc)}); "
                "export it again as OSM XML (.osm) or PBF (.osm.pbf)."
            ) from exc
        tagged = _tagged_osm_layer(frame, layer=layer, element=element, origin=path.name)
        tagged.warnings.extend(w for w in read_warnings if not any(w in t.warnings for t in result))
        result.append(tagged)
    return result


def _tagged_osm_layer(
    frame: gpd.GeoDataFrame, *, layer: str, element: str, origin: str
) -> TaggedLayer:
    records = frame.drop(columns="geometry").to_dict("records")
    ids: list[str] = []
    tags: list[dict[str, str]] = []
    # A Python loop over a few thousand features: tag dictionaries are not vectorizable.
    for position, record in enumerate(records):
        way_id = _osm_id(record.get("osm_way_id"))
        osm_id = _osm_id(record.get("osm_id"))
        if layer == "multipolygons":
            source = f"way/{way_id}" if way_id else f"relation/{osm_id}"
        else:
            source = f"{element}/{osm_id}" if osm_id else f"{origin}:{layer}#{position}"
        ids.append(source)
        tags.append(record_tags(record, blob_columns=("other_tags",)))
    geometry = np.asarray(frame.geometry.values, dtype=object)
    return TaggedLayer(f"osm:{layer}", origin, ids, tags, geometry, from_osm=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
