"""Real campuses from OpenStreetMap in ``../shared/data/campuses`` (never copied into the repo).

Tests that use them skip when the folder is absent (a user's clone); CI always has it, and
with ``CI=true`` a missing folder is an error rather than a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CAMPUSES_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "campuses"

#: Every real campus folder.
ALL = ("bupt", "cau", "cput", "hfut", "shu", "swjtu")
#: Campuses that come with a raw OSM XML extract.
WITH_OSM = ("bupt", "cau", "shu", "swjtu")


def campus_dir(name: str) -> Path:
    """Return the folder of real campus ``name``; skip the test when the data is absent."""
    folder = CAMPUSES_DIR / name
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            raise AssertionError(f"{folder} is missing: CI must have ../shared/data/campuses")
        pytest.skip(f"real campus data not available ({folder})")
    return folder
