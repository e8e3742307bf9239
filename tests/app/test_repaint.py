"""The leadership heatmap repainted where it changed (``app_pages._ui.repaint``): after new
values the text is the one a whole painting writes, byte for byte, and only the cells whose
value moved were painted again; many changes paint it whole."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from app_pages._ui import repaint
from maps import layers as map_layers
from maps import measures
from maps.deck import dumps_data
from maps.i18n import Lang
from maps.payload import Record


def _records(n: int) -> list[Record]:
    step = 0.001
    return [
        {
            "code": f"C{i:03d}",
            "polygon": [[116 + i * step, 40.0], [116 + (i + 1) * step, 40.0],
                        [116 + (i + 1) * step, 40.0 + step], [116 + i * step, 40.0]],
            "tip": f'网格 C{i:03d} · <script>alert("{i}")</script>',
        }
        for i in range(n)
    ]  # fmt: skip


def _whole(records: list[Record], by_cell: pd.Series, lang: Lang = "zh") -> str:
    """The heatmap's data painted whole, the way painted_cells_layer paints any layer."""
    values = {str(k): float(v) for k, v in by_cell.items() if not math.isnan(v)}
    codes = [str(r["code"]) for r in records]
    fills, _ = measures.measure_colours(codes, values, "completion", lang=lang)
    tips = {c: measures.measure_text("completion", values.get(c), lang=lang) for c in codes}
    heights = measures.shortfall_heights(values)
    layer = map_layers.painted_cells_layer(records, fills, tips=tips, heights=heights)
    return dumps_data(layer.data)


@pytest.fixture
def painted_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    monkeypatch.setattr(repaint, "_KEPT", {})
    sizes: list[int] = []
    real = repaint._painted

    def counted(records: Any, values: Any, lang: Any) -> Any:
        sizes.append(len(records))
        return real(records, values, lang)

    monkeypatch.setattr(repaint, "_painted", counted)
    return sizes


def test_a_repaint_writes_what_a_whole_painting_writes(painted_sizes: list[int]) -> None:
    records = _records(40)
    rng = np.random.default_rng(0)
    values = pd.Series(rng.random(40) * 100, index=[f"C{i:03d}" for i in range(40)])
    values.iloc[[3, 7]] = np.nan  # nothing due
    values = values.drop(index=["C010"])  # a cell with no row at all
    layer, text, legend = repaint.heatmap(("w",), records, values, "zh")
    assert text == _whole(records, values)
    assert painted_sizes == [40] and len(legend) > 1
    assert json.loads(layer.to_json())["extruded"] is True

    moved = values.copy()
    moved["C001"] = 12.5  # a value moved
    moved["C003"] = 80.0  # nothing due → a value
    moved["C005"] = np.nan  # a value → nothing due
    moved["C010"] = 55.0  # a cell that had no row
    _, again, _ = repaint.heatmap(("w",), records, moved, "zh")
    assert again == _whole(records, moved)
    assert painted_sizes == [40, 4], "only the four cells whose value moved were painted"

    _, same, _ = repaint.heatmap(("w",), records, moved, "zh")
    assert same == again and painted_sizes[-1] == 0


def test_many_changes_paint_it_whole(painted_sizes: list[int]) -> None:
    records = _records(20)
    values = pd.Series(np.linspace(0, 100, 20), index=[f"C{i:03d}" for i in range(20)])
    repaint.heatmap(("w",), records, values, "en")
    _, text, _ = repaint.heatmap(("w",), records, values * 0.5, "en")
    assert painted_sizes == [20, 20]
    assert text == _whole(records, values * 0.5, "en")
    _, other, _ = repaint.heatmap(("other",), records, values * 0.5, "en")
    assert other == text, "another heatmap kept apart paints the same values the same"
