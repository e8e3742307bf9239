"""Exports for people who live in Excel: the ledger (整改台账), the completion report and the
leadership meeting workbook.

Workbooks (openpyxl, built by :func:`workbook_bytes` alone) and CSV files carry Chinese
headers; CSV is UTF-8 with a BOM so that Excel opens it correctly. Times are shown in local
time (:data:`zoning.clock.DEFAULT_TZ`), ``YYYY-MM-DD HH:MM`` (:func:`zoning.clock.local_text`).

>>> book = workbook_bytes({"片区": pd.DataFrame({"片区": ["1"], "完成率": [0.9]})})
>>> book[:2]
b'PK'
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from zoning.clock import local_text
from zoning.errors import InvalidInput
from zoning.safety.domains import get_domain, is_domain

if TYPE_CHECKING:  # openpyxl loads only when a workbook is written
    from openpyxl.cell.cell import Cell

STATE_ZH = {
    "reported": "已上报",
    "registered": "已登记",
    "dispatched": "已派发",
    "rectifying": "整改中",
    "rectified": "已整改",
    "verified": "已验收",
    "closed": "已结案",
    "rejected": "已驳回",
}
SEVERITY_ZH = {"major": "重大隐患", "general": "一般隐患"}
SOURCE_ZH = {"inspection": "巡查", "report": "随手报", "complaint": "接诉即办"}
LEVEL_ZH = {
    "cell_owner": "网格员",
    "zone_leader": "片区负责人",
    "safety_office": "安全管理部门",
    "leadership": "校领导",
    "closed": "已办结",
}
LEDGER_HEADERS: dict[str, str] = {
    "id": "编号",
    "source": "来源",
    "domain": "领域",
    "severity": "隐患等级",
    "description": "隐患描述",
    "state": "状态",
    "cell": "网格编号",
    "zone": "片区",
    "owner": "网格员",
    "reported_by": "上报人",
    "reported_at": "上报时间",
    "deadline": "整改期限",
    "overdue_hours": "超期时长(小时)",
    "level": "当前责任层级",
    "responsible": "当前责任人",
    "assignee": "整改责任人",
    "lon": "经度",
    "lat": "纬度",
    # the stored photos (issue 16): how many, and their file names in the photo store
    "photo_count": "照片数",
    "photos": "照片文件",
}
REPORT_HEADERS: dict[str, str] = {
    "cell_code": "网格编号",
    "zone": "片区",
    "owner": "网格员",
    "domain": "领域",
    "week": "周次",
    "due": "应检数",
    "on_time": "按时完成",
    "late": "逾期完成",
    "missed": "未完成",
    "pending": "未到期",
    "on_time_rate": "按时完成率",
    "completion_rate": "完成率",
    "hazards_reported": "上报隐患数",
    "hazards_due": "应结案数",
    "closed": "结案数",
    "closed_on_time": "按期结案数",
    "reworked": "返工数",
    "extended": "延期数",
    "closure_rate": "结案率",
    "closed_on_time_rate": "按期结案率",
    "rework_rate": "返工率",
    "extension_rate": "延期率",
    "closed_in_period": "期内结案数",
    "mean_hours_to_close": "平均结案时长(小时)",
}
#: English names of :data:`REPORT_HEADERS` (the leadership exports carry both languages).
REPORT_HEADERS_EN: dict[str, str] = {
    "cell_code": "Cell",
    "zone": "Zone",
    "owner": "Owner",
    "domain": "Domain",
    "week": "Week",
    "due": "Due",
    "on_time": "On time",
    "late": "Late",
    "missed": "Missed",
    "pending": "Not yet due",
    "on_time_rate": "On-time rate",
    "completion_rate": "Completion rate",
    "hazards_reported": "Hazards reported",
    "hazards_due": "Hazards due",
    "closed": "Closed",
    "closed_on_time": "Closed on time",
    "reworked": "Reworked",
    "extended": "Extended",
    "closure_rate": "Closure rate",
    "closed_on_time_rate": "On-time closure rate",
    "rework_rate": "Rework rate",
    "extension_rate": "Extension rate",
    "closed_in_period": "Closed in period",
    "mean_hours_to_close": "Mean hours to close",
}
#: What a report's rate or mean says when it has no denominator, in both languages.
NOTHING_DUE = "—（无应检 / nothing due）"
NO_HAZARD_DUE = "—（无应结案隐患 / no hazard due）"
NOTHING_CLOSED = "—（无结案 / nothing closed）"
NO_DENOMINATOR: dict[str, str] = {
    "completion_rate": NOTHING_DUE,
    "on_time_rate": NOTHING_DUE,
    "closure_rate": NO_HAZARD_DUE,
    "closed_on_time_rate": NO_HAZARD_DUE,
    "rework_rate": NO_HAZARD_DUE,
    "extension_rate": NO_HAZARD_DUE,
    "mean_hours_to_close": NOTHING_CLOSED,
}
TODO_HEADERS: dict[str, str] = {
    "todo": "待办类型",
    "owner": "网格员",
    "due_date": "截止日期",
    "cell_code": "网格编号",
    "zone": "片区",
    "template_code": "检查表",
    "domain": "领域",
    "frequency": "频次",
    "period": "周期",
}


def ledger_frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """Return the ledger (rows as ``HazardView.to_json()``) with Chinese headers and values."""
    out = []
    for row in rows:
        domain = str(row.get("domain"))
        out.append(
            {
                **{key: row.get(key) for key in LEDGER_HEADERS},
                "source": SOURCE_ZH.get(str(row.get("source")), row.get("source")),
                "domain": get_domain(domain).name_zh if is_domain(domain) else domain,
                "severity": SEVERITY_ZH.get(str(row.get("severity")), row.get("severity")),
                "state": STATE_ZH.get(str(row.get("state")), row.get("state")),
                "level": LEVEL_ZH.get(str(row.get("level")), row.get("level")),
                "reported_at": local_text(row.get("reported_at")),
                "deadline": local_text(row.get("deadline")),
            }
        )
    frame = pd.DataFrame(out, columns=list(LEDGER_HEADERS), dtype=object)
    return frame.rename(columns=LEDGER_HEADERS)


def report_frame(table: pd.DataFrame, *, bilingual: bool = False) -> pd.DataFrame:
    """Return the completion report with Chinese headers, domains by their Chinese name.

    ``bilingual``: headers "中文 English" (:data:`REPORT_HEADERS_EN`) and every rate without a
    denominator written as the reason (:data:`NO_DENOMINATOR`) instead of an empty cell.
    """
    frame = table.copy()
    if "domain" in frame.columns:
        frame["domain"] = [get_domain(d).name_zh if is_domain(d) else d for d in frame["domain"]]
    if not bilingual:
        return frame.rename(columns=REPORT_HEADERS)
    for column, reason in NO_DENOMINATOR.items():
        if column in frame.columns:
            frame[column] = [reason if pd.isna(v) else v for v in frame[column]]
    return frame.rename(columns=bilingual_headers(frame.columns, REPORT_HEADERS, REPORT_HEADERS_EN))


def bilingual_headers(
    columns: Iterable[object], zh: Mapping[str, str], en: Mapping[str, str]
) -> dict[str, str]:
    """Return column → "中文 English" for the ``columns`` named in both ``zh`` and ``en``."""
    return {str(c): f"{zh[str(c)]} {en[str(c)]}" for c in columns if str(c) in zh and str(c) in en}


def export_preamble(
    *, campus: str, period: str, plan_version: str, made_at: datetime
) -> list[tuple[str, str]]:
    """Return the lines that head an export, as (bilingual label, value): the campus, the
    period its figures cover, the grid plan version and when it was made (local time)."""
    return [
        ("校园 Campus", campus),
        ("统计期 Period", period),
        ("网格方案 Plan version", plan_version),
        ("生成时间 Made at", local_text(made_at)),
    ]


#: CSV lines end in CR LF (RFC 4180), so a field holding a lone CR is quoted: with LF
#: endings Python's csv writer leaves it bare, and a spreadsheet starts a new row there,
#: whose first cell (``=1`` of ``"note\r=1"``) it would run as a formula.
CSV_LINE_END = "\r\n"


def csv_bytes(frame: pd.DataFrame, *, preamble: Sequence[tuple[str, str]] = ()) -> bytes:
    """Return ``frame`` as CSV (UTF-8 with a BOM, CR LF line ends, formula-safe cells, see
    :func:`csv_safe`), headed by the ``preamble`` lines (label, value) and an empty line
    when given."""
    out = io.StringIO()
    if preamble:
        pd.DataFrame([list(line) for line in preamble]).map(csv_safe).to_csv(
            out, index=False, header=False, lineterminator=CSV_LINE_END
        )
        out.write(CSV_LINE_END)
    frame.map(csv_safe).to_csv(out, index=False, lineterminator=CSV_LINE_END)
    return out.getvalue().encode("utf-8-sig")


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """Return ``value`` safe in a CSV cell: a string that a spreadsheet would run as a formula
    gets a leading ``'`` (shown as text). Numbers, and "-" or "-12.5" written as text, stay.

    >>> csv_safe("=1+2"), csv_safe("@SUM(A1)"), csv_safe("-"), csv_safe("-12.5"), csv_safe(3)
    ("'=1+2", "'@SUM(A1)", '-', '-12.5', 3)
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if value.startswith(("-", "+")):
        try:
            float(value)
            return value
        except ValueError:
            if value in ("-", "+"):
                return value
    return "'" + value


def write_table(
    frame: pd.DataFrame, path: str | Path, *, sheet: str = "Sheet1", title: str | None = None
) -> Path:
    """Write ``frame`` to ``path``: ``.xlsx`` (one sheet, see :func:`workbook_bytes`) or ``.csv``.

    Raises InvalidInput for another suffix or a folder that does not exist.
    """
    out = Path(path)
    if not out.parent.is_dir():
        raise InvalidInput(f"The folder {out.parent} does not exist: create it first.")
    suffix = out.suffix.lower()
    if suffix == ".csv":
        frame.map(csv_safe).to_csv(
            out, index=False, encoding="utf-8-sig", lineterminator=CSV_LINE_END
        )
        return out
    if suffix != ".xlsx":
        raise InvalidInput(f"Cannot write {out.name}: use a .xlsx or .csv file name.")
    out.write_bytes(workbook_bytes({sheet: frame}, title=title))
    return out


def workbook_bytes(
    sheets: Mapping[str, pd.DataFrame],
    *,
    title: str | None = None,
    preamble: Sequence[tuple[str, str]] = (),
) -> bytes:
    """Return an .xlsx workbook with one sheet per entry (name → frame), in order.

    Sheet names are cut to Excel's 31 characters. Each sheet has ``title`` in bold in A1
    when given, then the ``preamble`` lines (label in bold, value beside it) and an empty
    row when given, then bold headers, the rows below them frozen,
    columns as wide as their first 200 values (8–60 characters), floats rounded to 4
    decimals and missing values (None, NaN, NaT, NA) as empty cells. A text that starts with
    ``=`` is stored as text, never as a formula (a user-written note cannot run in Excel).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    for index, (name, frame) in enumerate(sheets.items()):
        ws = book.active if index == 0 else book.create_sheet()
        assert ws is not None
        ws.title = name[:31]
        top = 1
        if title:
            _as_text(ws.cell(row=1, column=1, value=title)).font = Font(bold=True, size=14)
            top = 3
        for label, value in preamble:
            _as_text(ws.cell(row=top, column=1, value=label)).font = Font(bold=True)
            _as_text(ws.cell(row=top, column=2, value=value))
            top += 1
        top += 1 if preamble else 0
        for col, header in enumerate(frame.columns, start=1):
            _as_text(ws.cell(row=top, column=col, value=str(header))).font = Font(bold=True)
            width = max([len(str(header)) * 2, *(len(str(v)) for v in frame.iloc[:200, col - 1])])
            letter = ws.cell(row=top, column=col).column_letter
            ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
        for r, values in enumerate(frame.itertuples(index=False), start=top + 1):
            for col, value in enumerate(values, start=1):
                _as_text(ws.cell(row=r, column=col, value=_cell(value)))
        ws.freeze_panes = ws.cell(row=top + 1, column=1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _as_text(cell: Cell) -> Cell:
    """Return ``cell``, stored as text where openpyxl took a leading ``=`` for a formula."""
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def _cell(value: object) -> object:
    """Return ``value`` as openpyxl stores it: None for missing, floats to 4 decimals."""
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
