"""Hostile text everywhere a user can write it, then every export read back: no cell of a
workbook is a formula and no CSV field starts a formula (OWASP "CSV injection").

The text (:data:`tests.xss_campus.HOSTILE`: HTML and the six formula starts = + - @ tab CR)
is planted through the services, as a user would: the campus and building names (a GeoJSON
import), the people (the people import: owners, so the rankings name them), plan reasons,
inspection notes, complaint texts and contacts (a complaint's text is its hazard's
description), hazard move notes, and account names (the characters the names allow).
Workbooks keep a formula-like text as a text cell (openpyxl would store a formula);
CSV files prefix it with ``'`` (:func:`zoning.safety.exports.csv_safe`). Both backends.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.hostile_campus import ACCOUNTS, CAMPUS, OWNERS, PASSWORD, plant
from tests.xss_campus import HOSTILE, HOSTILE_FORMULAS, HOSTILE_HTML
from zoning.accounts import Role
from zoning.clock import utcnow
from zoning.errors import InvalidInput
from zoning.safety.exports import (
    FORMULA_STARTS,
    csv_bytes,
    export_preamble,
    report_frame,
    workbook_bytes,
)
from zoning.services import accounts, ledger, plans, safety
from zoning.services.database import open_engine


@dataclass(frozen=True)
class Planted:
    """The exports of the planted campus: file name → bytes."""

    workbooks: dict[str, bytes]
    csvs: dict[str, bytes]


def export_all(engine: Engine, folder: Path) -> Planted:
    """Produce every export of the campus the way the CLI and the pages do."""
    views = ledger.list_hazards(engine, CAMPUS, actor=ADMIN)
    books = {"ledger.xlsx": ledger.export_ledger(engine, CAMPUS, views, actor=ADMIN)}
    csvs = {"ledger.csv": ledger.export_ledger(engine, CAMPUS, views, actor=ADMIN, fmt="csv")}
    reports = safety.completion_reports(
        engine, CAMPUS, actor=ADMIN, by=("zone", "owner", "week", "cell", "domain")
    )
    for by, table in reports.items():  # `campusgrid inspections report --by … --xlsx/--csv`
        for fmt, out in (("xlsx", books), ("csv", csvs)):
            out[f"report-{by}.{fmt}"] = safety.export(
                engine, CAMPUS, {"巡查完成情况": report_frame(table)}, actor=ADMIN,
                what="report", fmt=fmt, title=f"{CAMPUS} 巡查完成情况",
            )  # fmt: skip
    # the leadership page's workbook and CSV (app_pages/leadership.py), as it builds them
    preamble = export_preamble(
        campus=CAMPUS, period=HOSTILE_FORMULAS[1], plan_version=HOSTILE_FORMULAS[2],
        made_at=utcnow(),
    )  # fmt: skip
    sheets = {
        "片区排名": report_frame(reports["zone"], bilingual=True),
        "网格员排名": report_frame(reports["owner"], bilingual=True),
        "每周趋势": report_frame(reports["week"], bilingual=True),
    }
    books["leadership.xlsx"] = workbook_bytes(sheets, preamble=preamble)
    csvs["leadership.csv"] = csv_bytes(sheets["网格员排名"], preamble=preamble)
    for name, campus in (("audit.csv", CAMPUS), ("audit-all.csv", None)):
        path = plans.export_audit_csv(engine, campus, folder / name, actor=ADMIN)
        csvs[name] = path.read_bytes()
    return Planted(workbooks=books, csvs=csvs)


@pytest.fixture
def planted(db_url: str, tmp_path: Path) -> Planted:
    engine = open_engine(db_url)
    try:
        plant(engine, tmp_path)
        return export_all(engine, tmp_path)
    finally:
        engine.dispose()


def formula_like(value: str) -> bool:
    """True when a spreadsheet would read ``value`` as a formula (a signed number is not)."""
    if not value.startswith(FORMULA_STARTS) or value in ("-", "+"):
        return False
    try:
        float(value)
        return False
    except ValueError:
        return True


def workbook_texts(data: bytes) -> tuple[list[str], list[str]]:
    """Return (the formula cells, as "sheet!A1" and raw ``<f>`` elements; every text)."""
    formulas: list[str] = []
    texts: list[str] = []
    for sheet in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append(f"{sheet.title}!{cell.coordinate}")
                elif isinstance(cell.value, str):
                    texts.append(cell.value)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and re.search(
                rb"<(\w+:)?f[ >/]", archive.read(name)
            ):
                formulas.append(name)
    return formulas, texts


def csv_fields(data: bytes) -> list[str]:
    """Return every field of a CSV export (UTF-8 with or without a BOM)."""
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [field for row in rows for field in row]


def test_formula_like_is_what_a_spreadsheet_runs() -> None:
    assert all(formula_like(text) for text in HOSTILE_FORMULAS)
    assert not any(formula_like(text) for text in (*HOSTILE_HTML, "-", "-12.5", "'=1", "1"))


def test_no_workbook_cell_is_a_formula_and_the_texts_are_kept(planted: Planted) -> None:
    assert set(planted.workbooks) >= {"ledger.xlsx", "leadership.xlsx", "report-owner.xlsx"}
    everything: set[str] = set()
    for name, data in planted.workbooks.items():
        formulas, texts = workbook_texts(data)
        assert formulas == [], f"{name} holds formulas at {formulas[:5]}"
        everything |= set(texts)
    # shown literally: the complaint texts (the ledger's descriptions), the owners (the
    # rankings), the campus (titles, preambles) are there as written, HTML included
    ledger_texts = set(workbook_texts(planted.workbooks["ledger.xlsx"])[1])
    assert set(HOSTILE) - {"\t=1", "\r=1"} <= {t.strip() for t in ledger_texts}
    owner_texts = set(workbook_texts(planted.workbooks["leadership.xlsx"])[1])
    assert set(OWNERS) <= owner_texts and CAMPUS in owner_texts
    assert f"{CAMPUS} 巡查完成情况" in everything


def test_no_csv_field_starts_a_formula_and_the_texts_are_kept(planted: Planted) -> None:
    assert set(planted.csvs) >= {"ledger.csv", "leadership.csv", "audit.csv", "audit-all.csv"}
    for name, data in planted.csvs.items():
        fields = csv_fields(data)
        assert fields, f"{name} is empty"
        live = [field for field in fields if formula_like(field)]
        assert live == [], f"{name} starts formulas: {live[:5]}"
    ledger_fields = {f.strip() for f in csv_fields(planted.csvs["ledger.csv"])}
    assert {"'" + text for text in HOSTILE_FORMULAS[:4]} <= ledger_fields
    assert set(HOSTILE_HTML) <= ledger_fields
    owners = set(csv_fields(planted.csvs["leadership.csv"]))
    assert {"'" + o if formula_like(o) else o for o in OWNERS} <= owners
    assert "'" + CAMPUS in owners  # the preamble
    audit = csv_fields(planted.csvs["audit.csv"])
    assert {"'" + name for name in ACCOUNTS} <= set(audit)  # who split and who activated
    for reason in (HOSTILE_FORMULAS[0], HOSTILE_FORMULAS[3]):
        written = json.dumps(reason, ensure_ascii=False)[1:-1]  # within the detail's JSON
        assert any(written in field for field in audit), reason
    assert not any(field.startswith(HOSTILE_FORMULAS[0]) for field in audit)


def test_account_names_refuse_html_and_most_formula_starts(db: Engine) -> None:
    """The names an account may have: no HTML, no ``=``, ``+``, tab or CR at all (the two
    starts the rule allows, ``@`` and ``-``, are planted above)."""
    for name in (*HOSTILE_HTML, *HOSTILE_FORMULAS):
        with pytest.raises(InvalidInput, match="is not allowed"):
            accounts.add_account(db, ADMIN, name, Role.VIEWER.value, PASSWORD)
