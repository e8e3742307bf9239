"""The leadership heatmap repainted where it changed.

After a submission the completion of a few cells moves; the heatmap's file is every cell's
record (polygon, colour, height, tooltip) as JSON: ~13,000 records on the large demo,
~80 ms to paint and write whole. The last painting of each heatmap (per campus, plan, data
version, language, week and what the account sees) is kept as each cell's value and its
record's JSON; a repaint paints and writes again only the cells whose value changed and
joins the rest as they were. The text is the one a whole painting writes, byte for byte
(``tests/app/test_repaint.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pydeck as pdk
from maps import layers as map_layers
from maps import measures
from maps.colours import LegendEntry
from maps.deck import dumps_data
from maps.i18n import Lang
from maps.payload import Record

#: Heatmaps kept (their values and record texts: ~3 MB each on the large demo).
KEPT = 16
#: More cells changed than this share of them, and the heatmap is painted whole.
WHOLE_SHARE = 0.25

_KEPT: dict[tuple[object, ...], tuple[np.ndarray, list[str]]] = {}
_LOCK = threading.Lock()


def _painted(
    records: Sequence[Record], values: np.ndarray, lang: Lang
) -> tuple[list[Record], list[LegendEntry]]:
    """Return ``records`` painted by completion (``values``: one per record, NaN: none) and
    extruded by the shortfall (see :func:`maps.layers.painted_cells_layer`), and the legend."""
    codes = [str(r["code"]) for r in records]
    by_code = {c: v for c, v in zip(codes, values.tolist(), strict=True) if v == v}  # not NaN
    fills, legend = measures.measure_colours(codes, by_code, "completion", lang=lang)
    texts: dict[float | None, str] = {}
    tips = {}
    for code in codes:
        value = by_code.get(code)
        if value not in texts:
            texts[value] = measures.measure_text("completion", value, lang=lang)
        tips[code] = texts[value]
    heights = measures.shortfall_heights(by_code)
    layer = map_layers.painted_cells_layer(list(records), fills, tips=tips, heights=heights)
    return layer.data, legend


def heatmap(
    where: tuple[object, ...], records: list[Record], by_cell: pd.Series, lang: Lang
) -> tuple[pdk.Layer, str, list[LegendEntry]]:
    """Return the completion heatmap of ``records`` (the plan's cell records) by ``by_cell``
    (completion % by cell code): the layer (its data left empty), its data as JSON text, and
    the legend. Painted whole the first time for ``where``; after that only the cells whose
    value changed are painted and written again."""
    codes = [str(r["code"]) for r in records]
    values = by_cell.reindex(pd.Index(codes, dtype=object)).to_numpy(dtype=float)
    with _LOCK:
        kept = _KEPT.get(where)
    changed: list[int] | None = None
    if kept is not None and len(kept[0]) == len(values):
        old = kept[0]
        same = (old == values) | (np.isnan(old) & np.isnan(values))
        changed = np.flatnonzero(~same).tolist()
        if len(changed) > WHOLE_SHARE * len(values):
            changed = None
    if changed is None or kept is None:
        painted, legend = _painted(records, values, lang)
        texts = [dumps_data(record) for record in painted]
    else:
        texts = list(kept[1])
        picked = [records[i] for i in changed]
        painted, legend = _painted(picked, values[changed], lang)
        for i, record in zip(changed, painted, strict=True):
            texts[i] = dumps_data(record)
    with _LOCK:
        _KEPT.pop(where, None)
        _KEPT[where] = (values, texts)  # the newest last
        while len(_KEPT) > KEPT:
            del _KEPT[next(iter(_KEPT))]
    layer = map_layers.painted_cells_layer([], {}, tips={}, heights={})
    return layer, f"[{','.join(texts)}]", legend
