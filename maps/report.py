"""The leadership meeting export: an Excel workbook (Chinese headers) and a PNG of the
charts drawn with Pillow from the data (no matplotlib, no browser).

>>> import pandas as pd
>>> book = workbook_bytes({"片区": pd.DataFrame({"片区": ["1"], "完成率": [0.9]})})
>>> book[:2]
b'PK'
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
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


def workbook_bytes(sheets: Mapping[str, pd.DataFrame], *, title: str | None = None) -> bytes:
    """Return an .xlsx workbook with one sheet per entry (headers bold, first row frozen)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    first_sheet = True
    for name, frame in sheets.items():
        ws = book.active if first_sheet else book.create_sheet()
        assert ws is not None
        first_sheet = False
        ws.title = name[:31]
        top = 1
        if title:
            ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
            top = 3
        for col, header in enumerate(frame.columns, start=1):
            ws.cell(row=top, column=col, value=str(header)).font = Font(bold=True)
            ws.column_dimensions[ws.cell(row=top, column=col).column_letter].width = max(
                10, min(40, len(str(header)) * 2 + 2)
            )
        for r, values in enumerate(frame.itertuples(index=False), start=top + 1):
            for col, value in enumerate(values, start=1):
                ws.cell(row=r, column=col, value=_excel(value))
        ws.freeze_panes = ws.cell(row=top + 1, column=1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _excel(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float):
        return None if pd.isna(value) else round(value, 4)
    if isinstance(value, (int, str)):
        return value
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


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
