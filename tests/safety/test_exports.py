"""Exports never let a user-written text run as a spreadsheet formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from tests.actors import ADMIN, actor
from tests.planner_campus import CAMPUS, make_campus
from zoning.safety.exports import csv_safe, workbook_bytes, write_table
from zoning.services import plans
from zoning.store.engine import open_engine

HOSTILE = ('=HYPERLINK("http://evil.example","点我")', "=1+2", "+SUM(A1)", "@cmd", "-2+3")
HARMLESS = ("-", "+", "-12.5", "+3", "正常文字", "a=b")


def test_openpyxl_alone_would_store_a_formula() -> None:
    """The hazard this guards against is real: a plain openpyxl write keeps "=" as a formula."""
    ws = Workbook().active
    assert ws is not None
    assert ws.cell(row=1, column=1, value="=1+2").data_type == "f"


def test_workbook_stores_formula_like_text_as_text() -> None:
    frame = pd.DataFrame({"描述": [*HOSTILE, *HARMLESS]})
    book = load_workbook(io.BytesIO(workbook_bytes({"台账": frame}, title="=标题")))
    ws = book["台账"]
    assert ws["A1"].value == "=标题" and ws["A1"].data_type == "s"
    cells = [ws.cell(row=r, column=1) for r in range(4, 4 + len(frame))]
    assert [c.value for c in cells] == [*HOSTILE, *HARMLESS]  # the text is kept exactly
    assert {c.data_type for c in cells} == {"s"}


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_cells_that_would_run_get_a_quote(text: str) -> None:
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("value", [*HARMLESS, 3, 2.5, None])
def test_csv_cells_that_cannot_run_stay(value: object) -> None:
    assert csv_safe(value) == value


def test_write_table_csv_neutralises(tmp_path: Path) -> None:
    out = write_table(pd.DataFrame({"描述": ["=1+2", "-"], "数": [1, -2]}), tmp_path / "t.csv")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["描述"] for r in rows] == ["'=1+2", "-"] and [r["数"] for r in rows] == ["1", "-2"]


def test_audit_csv_neutralises_the_actor(db_url: str, tmp_path: Path) -> None:
    """Who did what is typed by users (an account's name): it must not run in Excel."""
    engine = open_engine(db_url)
    make_campus(engine)
    plans.create_draft(
        engine, CAMPUS, from_plan=1, reason="r", actor=actor("planner", name='=HYPERLINK("x")')
    )
    out = plans.export_audit_csv(engine, CAMPUS, tmp_path / "audit.csv", actor=ADMIN)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        actors = [row["actor"] for row in csv.DictReader(handle)]
    assert '\'=HYPERLINK("x")' in actors
    engine.dispose()
