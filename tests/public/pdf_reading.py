"""Reading back what the QR sheets PDF holds, with no PDF library: its pages, and the QR
code drawn on each page (as the module grid its filled squares make)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_RECT = re.compile(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f")


def page_count(pdf: bytes) -> int:
    """Return the number of page objects (``/Type /Page``, not ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def page_contents(pdf: bytes) -> list[bytes]:
    """Return each content stream that draws filled rectangles (one per page), inflated."""
    found = []
    for chunk in pdf.split(b"endobj"):
        head, _, _ = chunk.partition(b"stream")
        stream = _STREAM.search(chunk)
        if stream is None:
            continue
        data = stream.group(1)
        raw = zlib.decompress(data) if b"FlateDecode" in head else data
        if _RECT.search(raw):
            found.append(raw)
    return found


def qr_from_page(content: bytes) -> list[list[bool]]:
    """Return the module grid of the QR code that ``content`` draws (each dark run one
    filled rectangle of whole modules)."""
    rects = [tuple(float(v) for v in m) for m in _RECT.findall(content)]
    module = min(abs(h) for _, _, _, h in rects)
    left = min(x for x, _, _, _ in rects)
    ys = [y for _, y, _, _ in rects]
    top, bottom = max(ys), min(ys)  # PDF y grows upwards: the top row has the largest y
    rows = round((top - bottom) / module) + 1
    cols = round((max(x + w for x, _, w, _ in rects) - left) / module)
    size = max(rows, cols)
    grid = [[False] * size for _ in range(size)]
    for x, y, w, _ in rects:
        r = round((top - y) / module)
        c0 = round((x - left) / module)
        for c in range(c0, c0 + round(w / module)):
            grid[r][c] = True
    return grid


def zbar_decode(pdf_path: Path) -> list[str] | None:
    """Return the codes zbarimg reads from the PDF (None: zbarimg is not installed)."""
    tool = shutil.which("zbarimg")
    if tool is None:
        return None
    done = subprocess.run(
        [tool, "--quiet", "--raw", str(pdf_path)], capture_output=True, text=True, check=False
    )
    return [line for line in done.stdout.splitlines() if line]
