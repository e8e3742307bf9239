"""Cameras from OSM ``man_made=surveillance`` nodes, camera layers and cameras CSV files.

OSM maps where a camera is and sometimes where it looks (``camera:direction`` or
``direction``, degrees or a compass point such as "NE"), its tilt (``camera:angle``, degrees
below the horizon) and whether it is inside (``surveillance=indoor|outdoor|public``). What is
not tagged gets the documented :data:`DEFAULTS`. Layer files and CSV rows may use the model's
field names directly (``heading_deg``, ``hfov_deg``, ``range_m``, ``mount_height_m``,
``tilt_deg``, ``resolution_px``, ``name``, ``indoor``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from zoning.errors import ImportFailed

#: Values given to a camera whose data does not say; documented for the user.
DEFAULTS: dict[str, float | int | bool] = {
    "hfov_deg": 90.0,  # a common fixed-lens bullet camera (2.8–4 mm on 1/2.8")
    "range_m": 30.0,  # useful (detect-level) range of a 1080p camera at 90°
    "mount_height_m": 3.5,  # a wall or pole mount above head height
    "tilt_deg": 15.0,  # degrees below the horizon
    "resolution_px": 1920,  # 1080p: horizontal pixels
    "heading_deg": 0.0,  # north, with a warning: a heading should always be given
    "indoor": False,
}
#: Compass points → degrees clockwise from north.
COMPASS_DEG: dict[str, float] = {
    name: index * 22.5
    for index, name in enumerate(
        [
            "N",
            "NNE",
            "NE",
            "ENE",
            "E",
            "ESE",
            "SE",
            "SSE",
            "S",
            "SSW",
            "SW",
            "WSW",
            "W",
            "WNW",
            "NW",
            "NNW",
        ]
    )
}
#: Accepted keys for each camera field, model names first, then OSM tags.
FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "heading_deg": ("heading_deg", "camera:direction", "direction", "heading"),
    "hfov_deg": ("hfov_deg", "fov_deg", "camera:fov", "fov"),
    "range_m": ("range_m", "range"),
    "mount_height_m": ("mount_height_m", "height", "camera:mount_height"),
    "tilt_deg": ("tilt_deg", "camera:angle", "tilt"),
    "resolution_px": ("resolution_px", "camera:resolution", "resolution"),
}
_TRUE = frozenset({"1", "true", "yes", "y", "t", "indoor", "是"})
_FALSE = frozenset({"0", "false", "no", "n", "f", "outdoor", "public", "否", ""})


def is_osm_camera(tags: Mapping[str, str]) -> bool:
    """Return True for an OSM surveillance camera (not a guard or an unknown device)."""
    if tags.get("man_made") != "surveillance" and tags.get("surveillance") is None:
        return False
    kind = tags.get("surveillance:type", "camera").lower()
    return kind in ("camera", "alpr", "")


def parse_angle_deg(value: str) -> float | None:
    """Return an angle in degrees from "45", "45°", "NE" or "45;90" (first); None if not one."""
    text = value.split(";")[0].strip().upper().rstrip("°").strip()
    if text in COMPASS_DEG:
        return COMPASS_DEG[text]
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _number(value: str) -> float | None:
    text = value.strip().lower()
    for unit in ("px", "m", "°"):
        text = text.removesuffix(unit).strip()
    if "x" in text:  # "1920x1080": horizontal pixels first
        text = text.split("x")[0].strip()
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def camera_record(tags: Mapping[str, str], *, feature: str, from_osm: bool) -> dict[str, Any]:
    """Return the camera fields of one feature, with defaults, checked.

    ``feature`` names the feature in messages ("node/12", "cameras.csv row 3").
    Raises :class:`ImportFailed` for an impossible value (field, value and allowed range).
    """
    record: dict[str, Any] = {"name": tags.get("name"), "defaulted": []}
    for field, keys in FIELD_KEYS.items():
        if from_osm and field == "mount_height_m":
            keys = ("mount_height_m", "camera:mount_height")  # OSM height is the pole
        key = next((k for k in keys if tags.get(k) not in (None, "")), None)
        if key is None:
            record[field] = DEFAULTS[field]
            record["defaulted"].append(field)
            continue
        raw = tags[key]
        number = parse_angle_deg(raw) if field == "heading_deg" else _number(raw)
        if number is None:
            raise ImportFailed(
                f"camera {feature}: {key}={raw!r} is not a number; fix it or leave it empty "
                f"for the default ({DEFAULTS[field]})."
            )
        record[field] = number
    record["indoor"] = _indoor(tags, feature=feature)
    check_camera(record, feature=feature)
    record["resolution_px"] = round(float(record["resolution_px"]))
    return record


def _indoor(tags: Mapping[str, str], *, feature: str) -> bool:
    raw = tags.get("indoor", tags.get("surveillance"))
    if raw is None:
        return bool(DEFAULTS["indoor"])
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ImportFailed(
        f"camera {feature}: indoor={raw!r} is not yes/no; use true/false (or surveillance="
        "indoor/outdoor)."
    )


def check_camera(record: Mapping[str, Any], *, feature: str) -> None:
    """Raise :class:`ImportFailed` when a camera value is impossible."""
    rules: Sequence[tuple[str, bool, str]] = (
        ("hfov_deg", 0.0 < record["hfov_deg"] <= 360.0, "must be in (0, 360] degrees"),
        ("range_m", record["range_m"] > 0.0, "must be greater than 0 m"),
        ("heading_deg", 0.0 <= record["heading_deg"] < 360.0, "must be in [0, 360) degrees"),
        ("resolution_px", record["resolution_px"] > 0, "must be a positive pixel count"),
        (
            "mount_height_m",
            0.0 <= record["mount_height_m"] <= 200.0,
            "must be between 0 and 200 m",
        ),
        ("tilt_deg", -90.0 <= record["tilt_deg"] <= 90.0, "must be between -90 and 90 degrees"),
    )
    for field, ok, allowed in rules:
        if not ok:
            raise ImportFailed(
                f"camera {feature}: {field}={record[field]:g} is impossible ({allowed}); "
                "fix the value in the file and import again."
            )
