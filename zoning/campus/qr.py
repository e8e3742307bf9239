"""QR sheets for posting at entrances: one A4 page per place (a building or a grid cell)
with its name and code, a QR code of the public complaint form's address for that place,
and the line "扫码反映问题 / Scan to report a problem".

Pure: :func:`write_sheets` takes the sheets and a font file and writes the PDF (``fpdf2``,
the QR code drawn as vector squares from ``segno``'s matrix, so it prints sharp at any
size). The PDF embeds a CJK font (only the glyphs used): :func:`find_cjk_font` looks for
one installed (Noto Sans CJK, WenQuanYi, Droid Sans Fallback...).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import segno
from fpdf import FPDF

from zoning.errors import InvalidInput

__all__ = [
    "CALL_TO_ACTION",
    "FONT_CANDIDATES",
    "QrSheet",
    "find_cjk_font",
    "qr_matrix",
    "report_url",
    "write_sheets",
]

#: The line printed under every code.
CALL_TO_ACTION = "扫码反映问题 / Scan to report a problem"
#: CJK font files tried in order (Debian/Ubuntu ``fonts-noto-cjk``, ``fonts-wqy-*``,
#: ``fonts-droid-fallback``; Fedora; macOS), then whatever ``fc-list :lang=zh`` names.
FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
)
#: The face inside a Noto CJK collection that draws Simplified Chinese (SC).
_NOTO_SC_INDEX = 2
#: A4 in millimetres, the QR code's side and its quiet zone in modules.
_PAGE_W_MM, _PAGE_H_MM = 210.0, 297.0
_QR_SIDE_MM = 150.0
_QUIET_MODULES = 4


@dataclass(frozen=True)
class QrSheet:
    """One page: the place's title (a building's name, a cell's code and zone), a short
    code line under it, and the form's ``url`` the QR code holds."""

    title: str
    code: str
    url: str


def report_url(
    base: str, *, campus: str, building: int | None = None, cell: str | None = None
) -> str:
    """Return the public form's address for a building or a cell.

    >>> report_url("http://127.0.0.1:8501/", campus="示范校区", building=7)
    'http://127.0.0.1:8501/report?campus=%E7%A4%BA%E8%8C%83%E6%A0%A1%E5%8C%BA&b=7'
    >>> report_url("https://x.edu", campus="demo", cell="A-01")
    'https://x.edu/report?campus=demo&cell=A-01'
    """
    if (building is None) == (cell is None):
        raise ValueError("give a building or a cell")
    place = {"b": str(building)} if building is not None else {"cell": str(cell)}
    return base.rstrip("/") + "/report?" + urlencode({"campus": campus, **place})


def qr_matrix(url: str) -> list[list[bool]]:
    """Return the QR code of ``url`` (error correction M, or better where it fits the same
    size) as rows of dark (True) modules, without the quiet zone."""
    code = segno.make_qr(url, error="m", boost_error=True)
    return [[bool(v) for v in row] for row in code.matrix]


def find_cjk_font(candidates: Sequence[str] = FONT_CANDIDATES) -> tuple[Path, int]:
    """Return an installed CJK font file and the face to use in it (a collection index).

    Raises InvalidInput (one line: what to install) when none is found.
    """
    for name in candidates:
        path = Path(name)
        if path.is_file():
            return path, _NOTO_SC_INDEX if "NotoSansCJK" in path.name else 0
    found = _fc_list_font()
    if found is not None:
        return found, 0
    raise InvalidInput(
        "No Chinese (CJK) font is installed to print the QR sheets: install one "
        "(Debian/Ubuntu: `sudo apt-get install fonts-noto-cjk`) and retry."
    )


def _fc_list_font() -> Path | None:
    """Return a TrueType font for Chinese that fontconfig knows, or None."""
    tool = shutil.which("fc-list")
    if tool is None:
        return None
    try:
        listed = subprocess.run(
            [tool, ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(line.split(":")[0].strip() for line in listed.splitlines() if ":" in line)
    plain = [f for f in files if f.lower().endswith(".ttf")] or files
    return Path(plain[0]) if plain else None


def write_sheets(sheets: Sequence[QrSheet], out: str | Path, *, font: tuple[Path, int]) -> Path:
    """Write one A4 page per sheet to the PDF ``out`` (written whole or not at all) and
    return its path. ``font``: a CJK font file and its face (see :func:`find_cjk_font`).

    Raises InvalidInput when there is no sheet or ``out`` cannot be written.
    """
    if not sheets:
        raise InvalidInput("There is no place to print a QR sheet for.")
    target = Path(out).expanduser()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_title("campusgrid QR sheets")
    pdf.set_creator("campusgrid")
    path, face = font
    pdf.add_font("cjk", fname=str(path), collection_font_number=face)
    for sheet in sheets:
        _page(pdf, sheet)
    data = bytes(pdf.output())
    partial = target.with_name(target.name + ".part")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise InvalidInput(
            f"Cannot write {str(target)!r} ({err.strerror}): choose a writable file for --out."
        ) from None
    return target


def _fit(text: str, limit: int) -> str:
    """Return ``text`` on one line, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _page(pdf: FPDF, sheet: QrSheet) -> None:
    pdf.add_page()
    pdf.set_font("cjk", size=30)
    pdf.set_xy(15, 20)
    pdf.cell(w=_PAGE_W_MM - 30, h=14, text=_fit(sheet.title, 22), align="C")
    pdf.set_font("cjk", size=14)
    pdf.set_xy(15, 36)
    pdf.cell(w=_PAGE_W_MM - 30, h=8, text=_fit(sheet.code, 60), align="C")
    _draw_qr(pdf, qr_matrix(sheet.url), top_mm=55.0)
    pdf.set_font("cjk", size=22)
    pdf.set_xy(15, 55.0 + _QR_SIDE_MM + 10)
    pdf.cell(w=_PAGE_W_MM - 30, h=12, text=CALL_TO_ACTION, align="C")
    pdf.set_font("cjk", size=9)
    pdf.set_xy(15, _PAGE_H_MM - 20)
    pdf.cell(w=_PAGE_W_MM - 30, h=6, text=_fit(sheet.url, 110), align="C")


def _draw_qr(pdf: FPDF, matrix: list[list[bool]], *, top_mm: float) -> None:
    """Draw the code centred on the page, each run of dark modules in a row as one filled
    rectangle; the quiet zone is left white."""
    size = len(matrix)
    module = _QR_SIDE_MM / (size + 2 * _QUIET_MODULES)
    left = (_PAGE_W_MM - _QR_SIDE_MM) / 2 + _QUIET_MODULES * module
    top = top_mm + _QUIET_MODULES * module
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < size:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < size and row[c]:
                c += 1
            pdf.rect(left + start * module, top + r * module, (c - start) * module, module, "F")
