"""GDAL reads through pyogrio with GDAL's and Python's warnings turned into user warnings.

GDAL reports oddities of real files (an unclosed ring it closed, a field it truncated) as
Python ``RuntimeWarning``s raised from pyogrio's internals: printed raw, they show a line of
pyogrio source to the user. :func:`read_frame` catches them and returns one line per kind of
message, in the user's words where we know the message, prefixed with the file name.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

#: GDAL messages we can say better, by a fragment of their text.
_PLAIN: dict[str, str] = {
    "Non closed ring": "some polygon rings were not closed; they were closed as drawn",
    "truncated": "some attribute values were too long and were truncated",
    "Measured (M) geometry types are not supported": "measures (M values) ignored",
    "One or several characters couldn't be converted": (
        "some text could not be decoded and was replaced; save the file as UTF-8 "
        "or add a .cpg file naming its encoding"
    ),
}


def gdal_warning_text(message: str) -> str:
    """Return a GDAL warning in the user's words (its first line when we do not know it).

    >>> gdal_warning_text("Non closed ring detected. To avoid accepting it, set ...")
    'some polygon rings were not closed; they were closed as drawn'
    """
    for fragment, plain in _PLAIN.items():
        if fragment.lower() in message.lower():
            return plain
    lines = message.strip().splitlines()
    return f"GDAL: {lines[0] if lines else message}"


def read_frame(path: Path, *, origin: str, **options: Any) -> tuple[Any, list[str]]:
    """Return ``pyogrio.read_dataframe(path, **options)`` and the warnings it raised.

    Each distinct warning is one line ``"<origin>: <text>"``. Exceptions pass through.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = pyogrio.read_dataframe(path, **options)
    lines: list[str] = []
    for item in caught:
        line = f"{origin}: {gdal_warning_text(str(item.message))}"
        if line not in lines:
            lines.append(line)
    return frame, lines


def is_geodataframe(frame: object) -> bool:
    """Return True for a GeoDataFrame (pyogrio returns a DataFrame for a table)."""
    return isinstance(frame, gpd.GeoDataFrame)
