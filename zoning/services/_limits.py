"""Size limits on what one command reads, each raised by an environment variable.

A campus is a few MB and tens of thousands of features; a file a hundred times larger is
usually the wrong file (a whole city, a province), and reading it whole takes minutes and
gigabytes. Each limit stops such a command before the work, with one line saying the size,
the limit and the variable that raises it.

=============================  =========  ==============================================
variable                       default    what it bounds
=============================  =========  ==============================================
``CAMPUSGRID_MAX_IMPORT_MB``   512        the files of one ``import`` together (MB)
``CAMPUSGRID_MAX_FEATURES``    500000     the features of one layer of an ``import``
``CAMPUSGRID_MAX_CAMERAS``     20000      the cameras of a campus for ``coverage``
=============================  =========  ==============================================
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path

from zoning.errors import InvalidInput

MAX_IMPORT_MB = ("CAMPUSGRID_MAX_IMPORT_MB", 512.0)
MAX_FEATURES = ("CAMPUSGRID_MAX_FEATURES", 500_000.0)
MAX_CAMERAS = ("CAMPUSGRID_MAX_CAMERAS", 20_000.0)


def limit(setting: tuple[str, float]) -> float:
    """Return the limit ``setting`` = (variable, default): the variable's value when set.

    Raises InvalidInput when the variable is set to something that is not a positive number.
    """
    name, default = setting
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InvalidInput(f"{name}={text!r} is not a positive number: fix or unset it.")
    return value


def files_size(paths: Iterable[str | Path]) -> int:
    """Return the size in bytes of ``paths`` together (a folder: every file under it).

    Paths that do not exist count 0: the reader says what is wrong with them.
    """
    total = 0
    for given in paths:
        path = Path(given)
        if path.is_dir():
            total += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        elif path.is_file():
            total += path.stat().st_size
    return total


def check_import_size(paths: Iterable[str | Path]) -> None:
    """Raise InvalidInput when ``paths`` hold more than ``CAMPUSGRID_MAX_IMPORT_MB``."""
    most = limit(MAX_IMPORT_MB)
    size_mb = files_size(paths) / 1e6
    if size_mb > most:
        raise InvalidInput(
            f"The files to import hold {size_mb:,.0f} MB, more than the limit of {most:g} MB: "
            f"check they are the campus's files (a campus is usually a few MB), or set "
            f"{MAX_IMPORT_MB[0]}={math.ceil(size_mb)} to import them."
        )


def check_feature_counts(counts: dict[str, int]) -> None:
    """Raise InvalidInput when a layer (buildings, roads…; not the outline's parts) holds more
    than ``CAMPUSGRID_MAX_FEATURES`` features."""
    most = limit(MAX_FEATURES)
    over = {layer: n for layer, n in counts.items() if n > most and layer != "boundary"}
    if over:
        layer, n = max(over.items(), key=lambda kv: kv[1])
        raise InvalidInput(
            f"The files hold {n:,} {layer}, more than the limit of {most:,.0f} per layer: "
            f"check they cover only the campus (clip them to it), or set "
            f"{MAX_FEATURES[0]}={n} to import them."
        )


def check_camera_count(n: int) -> None:
    """Raise InvalidInput when a campus has more than ``CAMPUSGRID_MAX_CAMERAS`` cameras."""
    most = limit(MAX_CAMERAS)
    if n > most:
        raise InvalidInput(
            f"The campus has {n:,} cameras, more than the limit of {most:,.0f} for coverage: "
            f"check the cameras layer (duplicates, another site's cameras), or set "
            f"{MAX_CAMERAS[0]}={n} to compute it anyway (it takes minutes and GBs)."
        )
