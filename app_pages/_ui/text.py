"""User-written text made safe to show: Markdown escaping and plain-text tables."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
from maps.i18n import Lang, label, t
from maps.payload import plain_text

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def md(value: object, *, max_chars: int = 300) -> str:
    """Return a user-written string as plain text safe inside Markdown (no links, images…),
    cut to ``max_chars`` characters."""
    return _MD_SPECIAL.sub(r"\\\1", plain_text(value, max_chars=max_chars))


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with user-written text columns as one-line plain text (tables)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [plain_text(v) for v in out[column]]
    return out


def cells_table(cells: gpd.GeoDataFrame, lang: Lang) -> pd.DataFrame:
    """Return the cells as a table: code, zone, kind, owner, area (m²) with localised headers."""
    frame = pd.DataFrame(
        {
            "code": cells["code"],
            "zone": [plain_text(z) for z in cells["zone"]],
            "kind": [label("kind", k, lang) for k in cells["kind"]],
            "owner": [plain_text(o) or t("value.unassigned", lang) for o in cells["owner"]],
            "area_m2": cells["area_m2"].astype(float).round(1),
        }
    )
    frame = text_frame(frame)
    return frame.rename(columns={c: t(f"field.{c}", lang) for c in frame.columns})


def localised(frame: pd.DataFrame, lang: Lang, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Return ``frame`` as plain text with headers ``field.<column>`` (or ``names``)."""
    names = names or {}
    out = text_frame(frame)
    return out.rename(columns={c: names.get(c) or t(f"field.{c}", lang) for c in out.columns})
