"""The leadership meeting export's PNG: charts drawn with Pillow from the data (no
matplotlib, no browser). Its Excel workbook is :func:`zoning.safety.exports.workbook_bytes`.

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
from typing import Final

import pandas as pd
from PIL import Image, ImageDraw, ImageFont

#: Fonts with Chinese glyphs tried in turn; without one the PNG uses ``fallback`` labels.
CJK_FONTS: Final[tuple[str, ...]] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
LINE_COLOURS: Final = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40))


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
    width_px: int = 1200,
) -> bytes:
    """Return a PNG: weekly trend lines (``trend``: index = week, columns = series in %)
    over a bar chart of ``ranking`` (label → %, worst first). Labels need a CJK font;
    without one, non-ASCII text is replaced by "?"."""
    height_px = 900
    image = Image.new("RGB", (width_px, height_px), "white")
    draw = ImageDraw.Draw(image)
    big, cjk = _font(26)
    small, _ = _font(16)

    def text(xy: tuple[float, float], value: str, font: object, fill: str = "black") -> None:
        shown = value if cjk else value.encode("ascii", "replace").decode()
        draw.text(xy, shown, fill=fill, font=font)  # type: ignore[arg-type]

    text((30, 15), title, big)
    # trend
    left, top, right, bottom = 80.0, 90.0, width_px - 220.0, 430.0
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
    top2 = 500.0
    text((left, top2 - 30), ranking_title, small)
    shown = ranking.head(12)
    bar_h = (height_px - top2 - 30) / max(len(shown), 1)
    for i, (name, value) in enumerate(shown.items()):
        y = top2 + i * bar_h
        pct = 0.0 if pd.isna(value) else float(value)
        text((left - 70, y + 2), str(name)[:8], small)
        draw.rectangle(
            (left, y + 2, left + (right - left) * pct / 100, y + bar_h - 4),
            fill=(215, 48, 39) if pct < 80 else (26, 152, 80),
        )
        text((left + (right - left) * pct / 100 + 6, y + 2), f"{pct:.1f}%", small)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
