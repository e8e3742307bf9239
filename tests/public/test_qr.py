"""The QR sheets PDF (pure): one A4 page per place, each with a QR code that holds the
place's form address, and a clear refusal without a CJK font or a writable file."""

from __future__ import annotations

from pathlib import Path

import pytest
import segno

from tests.public.pdf_reading import page_contents, page_count, qr_from_page, zbar_decode
from zoning.campus.qr import QrSheet, find_cjk_font, report_url, write_sheets
from zoning.errors import InvalidInput

BASE = "https://grid.example.edu"


def _sheets() -> list[QrSheet]:
    return [
        QrSheet(
            "第一教学楼", "建筑 / building #1", report_url(BASE, campus="测试大学", building=1)
        ),
        QrSheet(
            "<b>x</b>", "建筑 / building #22", report_url(BASE, campus="测试大学", building=22)
        ),
        QrSheet("C-00-01", "网格 / cell C-00-01", report_url(BASE, campus="demo", cell="C-00-01")),
    ]


def test_one_page_per_sheet_each_with_the_code_of_its_address(tmp_path: Path) -> None:
    sheets = _sheets()
    out = write_sheets(sheets, tmp_path / "sheets.pdf", font=find_cjk_font())
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF") and page_count(pdf) == 3
    pages = page_contents(pdf)
    assert len(pages) == 3
    for sheet, content in zip(sheets, pages, strict=True):
        expected = [
            [bool(v) for v in row]
            for row in segno.make_qr(sheet.url, error="m", boost_error=True).matrix
        ]
        assert qr_from_page(content) == expected, sheet.url
    # the codes differ page to page (each holds its own address)
    assert qr_from_page(pages[0]) != qr_from_page(pages[1])
    decoded = zbar_decode(out)
    if decoded is not None:  # zbarimg installed: it reads every page's address
        assert decoded == [s.url for s in sheets]
    assert not list(tmp_path.glob("*.part"))


def test_the_address_carries_campus_and_place() -> None:
    url = report_url("http://127.0.0.1:8501/", campus="测试 大学&x", building=5)
    assert (
        url == "http://127.0.0.1:8501/report?campus=%E6%B5%8B%E8%AF%95+%E5%A4%A7%E5%AD%A6%26x&b=5"
    )


def test_no_cjk_font_is_one_line_naming_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no fc-list either
    with pytest.raises(InvalidInput, match="fonts-noto-cjk") as err:
        find_cjk_font([str(tmp_path / "missing.ttc")])
    assert "\n" not in str(err.value)


def test_an_unwritable_file_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="--out"):
        write_sheets(_sheets(), tmp_path / "no-such-folder" / "s.pdf", font=find_cjk_font())
    with pytest.raises(InvalidInput, match="no place"):
        write_sheets([], tmp_path / "s.pdf", font=find_cjk_font())
    assert not list(tmp_path.rglob("*.pdf*"))
