"""The leadership page's figures as text and its meeting export's PNG: rates that say why
they are missing (:func:`rate_text`, :func:`ranking_table`) and charts drawn with Pillow from
the data (no matplotlib, no browser). Its Excel workbook is
:func:`zoning.safety.exports.workbook_bytes`.

>>> rate_text(float("nan"), reason="rate.nothing_due", lang="en"), rate_text(0.0)
('— (nothing due)', '0.0%')

>>> import pandas as pd
>>> png = charts_png(title="t", trend=pd.DataFrame({"a": [50.0, 60.0]}, index=["W1", "W2"]),
...                  ranking=pd.Series({"1": 70.0}), trend_title="t", ranking_title="r")
>>> png[1:4]
b'PNG'
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import pandas as pd
from PIL import Image, ImageDraw, ImageFont

from maps.i18n import DEFAULT_LANG, Lang, t
from maps.payload import plain_text

#: Fonts with Chinese glyphs tried in turn; without one the PNG uses ``fallback`` labels.
CJK_FONTS: Final[tuple[str, ...]] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
LINE_COLOURS: Final = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40))
#: Each rate column of a report → (its percentage column, the catalogue key saying why it
#: has no value): completion rates divide by the due inspections, closure rates by the
#: hazards due.
RATE_COLUMNS: Final[dict[str, tuple[str, str]]] = {
    "completion_rate": ("completion_pct", "rate.nothing_due"),
    "on_time_rate": ("on_time_pct", "rate.nothing_due"),
    "closure_rate": ("closure_pct", "rate.no_hazard_due"),
    "closed_on_time_rate": ("on_time_closure_pct", "rate.no_hazard_due"),
}


def rate_text(
    value: float | None, *, reason: str = "rate.nothing_due", lang: Lang = DEFAULT_LANG
) -> str:
    """Return a rate (a fraction, 0–1) as a percentage with one decimal ("93.0%"), or "—"
    with the reason (catalogue key ``reason``) when it has no denominator (None or NaN)."""
    if value is None or pd.isna(value):
        return t(reason, lang)
    return f"{float(value) * 100:.1f}%"


def ranking_table(table: pd.DataFrame, key: str, *, lang: Lang = DEFAULT_LANG) -> pd.DataFrame:
    """Return a report by ``key`` (zone or owner; ``completion_report``'s columns) as the
    ranking shown and exported: worst completion first, the two denominators (``due``,
    ``hazards_due``) as counts and every rate as :func:`rate_text` (never "None" or "nan");
    rows without a key are named "(no owner)"."""
    order = table.assign(
        _rate=pd.to_numeric(table["completion_rate"], errors="coerce"),
        _key=[plain_text(v) if pd.notna(v) else "" for v in table[key]],
    ).sort_values(["_rate", "_key"], na_position="last", kind="stable")
    out = pd.DataFrame(
        {key: [k if k else t("leadership.no_owner", lang) for k in order["_key"]]},
        index=order.index,
    )
    out["due"] = order["due"].fillna(0).astype("int64")
    out["hazards_due"] = order["hazards_due"].fillna(0).astype("int64")
    for column, (shown, reason) in RATE_COLUMNS.items():
        out[shown] = [rate_text(v, reason=reason, lang=lang) for v in order[column]]
    return out.reset_index(drop=True)


def trend_chart(
    trend: pd.DataFrame, *, height_px: int = 260
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Return the long data and the Vega-Lite spec of a line per column of ``trend`` (rates
    in %) over its index (the weeks, in order): what ``st.line_chart`` draws, built directly
    (Streamlit's line chart builds an Altair chart on every rerun: ~0.1 s of a leadership
    rerun).

    >>> data, spec = trend_chart(pd.DataFrame({"A": [50.0, 75.0]},
    ...                          index=pd.Index(["2026-W01", "2026-W02"], name="周次")))
    >>> data.to_dict("records")[1]
    {'周次': '2026-W02', 'series': 'A', 'value': 75.0}
    >>> spec["encoding"]["x"]["field"], spec["mark"]["type"]
    ('周次', 'line')
    """
    week = str(trend.index.name or "week")
    data = (
        trend.rename_axis(week)
        .reset_index()
        .melt(id_vars=week, var_name="series", value_name="value")
    )
    order = [str(c) for c in trend.columns]
    spec: dict[str, Any] = {
        "height": height_px,
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": week, "type": "ordinal", "sort": list(map(str, trend.index))},
            "y": {"field": "value", "type": "quantitative", "title": None},
            "color": {
                "field": "series", "type": "nominal", "title": None, "sort": order,
                "legend": {"orient": "bottom"},
            },
        },
    }  # fmt: skip
    return data, spec


def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    for path in CJK_FONTS:
        if Path(path).exists():
            try:
                return ImageFont.truetype(path, size), True
            except OSError:
                continue
    return ImageFont.load_default(), False


def charts_png(
    *,
    title: str,
    trend: pd.DataFrame,
    ranking: pd.Series,
    trend_title: str,
    ranking_title: str,
    notes: Sequence[str] = (),
    width_px: int = 1200,
) -> bytes:
    """Return a PNG: ``title`` and one line per ``notes`` (campus, period, plan version,
    when it was made), then weekly trend lines (``trend``: index = week, columns = series in
    %) over a bar chart of ``ranking`` (label → %, worst first; a missing value is written
    "—", not drawn as 0). Labels need a CJK font; without one, non-ASCII text is replaced
    by "?"."""
    dy = 24.0 * len(notes)
    height_px = 900 + int(dy)
    image = Image.new("RGB", (width_px, height_px), "white")
    draw = ImageDraw.Draw(image)
    big, cjk = _font(26)
    small, _ = _font(16)

    def text(xy: tuple[float, float], value: str, font: object, fill: str = "black") -> None:
        shown = value if cjk else value.encode("ascii", "replace").decode()
        draw.text(xy, shown, fill=fill, font=font)  # type: ignore[arg-type]

    text((30, 15), title, big)
    for i, note in enumerate(notes):
        text((30, 52 + 24 * i), note, small, fill="#444")
    # trend
    left, top, right, bottom = 80.0, 90.0 + dy, width_px - 220.0, 430.0 + dy
    text((left, top - 30), trend_title, small)
    draw.rectangle((left, top, right, bottom), outline="#888")
    for level in (0, 25, 50, 75, 100):
        y = bottom - (bottom - top) * level / 100
        draw.line((left, y, right, y), fill="#ddd")
        text((left - 45, y - 9), f"{level}%", small)
    weeks: Sequence[str] = [str(w) for w in trend.index]
    n = max(len(weeks) - 1, 1)
    for k, column in enumerate(trend.columns):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        points = [
            (left + (right - left) * i / n, bottom - (bottom - top) * float(v) / 100)
            for i, v in enumerate(trend[column])
            if pd.notna(v)
        ]
        if len(points) >= 2:
            draw.line(points, fill=colour, width=3)
        for x, y in points:
            draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=colour)
        text(
            (right + 15, top + 25 * k),
            f"— {column}",
            small,
            fill="#{:02x}{:02x}{:02x}".format(*colour),
        )
    for i, week in enumerate(weeks):
        if i % max(1, len(weeks) // 6) == 0:
            text((left + (right - left) * i / n - 30, bottom + 8), week, small)
    # ranking bars
    top2 = 500.0 + dy
    text((left, top2 - 30), ranking_title, small)
    shown = ranking.head(12)
    bar_h = (height_px - top2 - 30) / max(len(shown), 1)
    for i, (name, value) in enumerate(shown.items()):
        y = top2 + i * bar_h
        text((left - 70, y + 2), str(name)[:8], small)
        if pd.isna(value):
            text((left + 6, y + 2), "—", small)
            continue
        pct = float(value)
        draw.rectangle(
            (left, y + 2, left + (right - left) * pct / 100, y + bar_h - 4),
            fill=(215, 48, 39) if pct < 80 else (26, 152, 80),
        )
        text((left + (right - left) * pct / 100 + 6, y + 2), f"{pct:.1f}%", small)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
