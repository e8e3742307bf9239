"""`campusgrid inspections|hazards|complaints` end to end on both backends."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from typer.testing import CliRunner

from tests.safety_campus import CAMPUS, centre, make_campus
from zoning.cli import app
from zoning.store.engine import open_engine

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_inspection_due_submit_and_report(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPUSGRID_PHOTO_DIR", str(tmp_path / "photos"))
    make_campus(open_engine(db_url))
    code, out, _ = cli(
        "inspections", "due", CAMPUS, "--owner", "张一", "--date", "2026-03-10", "--db", db_url,
        "--json",
    )  # fmt: skip
    assert code == 0
    todo = json.loads(out)
    assert {t["owner"] for t in todo} == {"张一"}
    assert {"overdue", "open"} <= {t["todo"] for t in todo}
    photo = tmp_path / "exit.jpg"
    Image.new("RGB", (8, 8), (255, 0, 0)).save(photo, format="JPEG")
    lon, lat = centre("C-00-00")
    code, out, err = cli(
        "inspections", "submit", CAMPUS, "--cell", "C-00-00", "--template", "security",
        "--by", "张一", "--at", "2026-03-03T10:00", "--lon", str(lon), "--lat", str(lat),
        "--result", "*=pass", "--result", "patrols=fail", "--note", "patrols=夜间无人巡逻",
        "--photo", f"patrols={photo}", "--db", db_url, "--json",
    )  # fmt: skip
    assert code == 0, err
    submitted = json.loads(out)
    assert (submitted["period"], submitted["late"], len(submitted["hazards"])) == (
        "2026-W10", False, 1,
    )  # fmt: skip
    xlsx, table = tmp_path / "report.xlsx", tmp_path / "report.csv"
    code, out, err = cli(
        "inspections", "report", CAMPUS, "--by", "zone", "--from", "2026-03-02", "--to",
        "2026-03-08", "--xlsx", str(xlsx), "--csv", str(table), "--db", db_url, "--json",
    )  # fmt: skip
    assert code == 0, err
    rows = {r["zone"]: r for r in json.loads(out)}
    assert rows["1"]["on_time"] == 1 and rows["1"]["missed"] == rows["1"]["due"] - 1
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet is not None
    assert [c.value for c in sheet[3]][:4] == ["片区", "应检数", "按时完成", "逾期完成"]
    with table.open(encoding="utf-8-sig") as f:
        header = next(csv.reader(f))
    assert header[:2] == ["片区", "应检数"]


def test_hazard_moves_show_and_ledger_export(db_url: str, tmp_path: Path) -> None:
    make_campus(open_engine(db_url))
    code, out, err = cli(
        "inspections", "submit", CAMPUS, "--cell", "C-04-03", "--template", "security",
        "--by", "王三", "--at", "2026-03-03T10:00", "--result", "*=pass",
        "--result", "perimeter_intact=fail", "--db", db_url, "--json",
    )  # fmt: skip
    assert code == 0, err
    (hid,) = json.loads(out)["hazards"]
    code, _, err = cli(
        "hazards", "move", CAMPUS, str(hid), "close", "--by", "安全处", "--db", db_url
    )
    assert code == 2
    assert err.count("\n") == 1 and "'close' is not allowed" in err
    code, out, err = cli(
        "hazards", "move", CAMPUS, str(hid), "register", "--by", "安全处",
        "--at", "2026-03-03T11:00", "--db", db_url,
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = cli("hazards", "show", CAMPUS, str(hid), "--db", db_url, "--json")
    shown = json.loads(out)
    assert [h["action"] for h in shown["history"]] == ["report", "register"]
    assert shown["severity"] == "major" and shown["cell"] == "C-04-03"
    xlsx, table = tmp_path / "ledger.xlsx", tmp_path / "ledger.csv"
    code, out, err = cli(
        "hazards", "list", CAMPUS, "--status", "open", "--overdue", "--xlsx", str(xlsx),
        "--csv", str(table), "--db", db_url, "--json",
    )  # fmt: skip
    assert code == 0, err
    listed = json.loads(out)
    assert [h["id"] for h in listed] == [hid]
    assert listed[0]["level"] == "leadership"  # a 24 h major hazard, months overdue
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet is not None
    assert sheet["A1"].value == f"{CAMPUS} 整改台账"
    assert [c.value for c in sheet[3]][:6] == [
        "编号",
        "来源",
        "领域",
        "隐患等级",
        "隐患描述",
        "状态",
    ]
    assert [c.value for c in sheet[4]][1:4] == ["巡查", "治安", "重大隐患"]
    with table.open(encoding="utf-8-sig") as f:
        assert next(csv.reader(f))[0] == "编号"


def test_complaints_add_list_and_outside(db_url: str) -> None:
    make_campus(open_engine(db_url))
    lon, lat = centre("C-02-02")
    code, out, err = cli(
        "complaints", "add", CAMPUS, "--lon", str(lon), "--lat", str(lat), "--category",
        "fire_risk", "--text", "楼道堆放杂物", "--contact", "139", "--db", db_url, "--json",
    )  # fmt: skip
    assert code == 0, err
    added = json.loads(out)
    assert (added["cell"], added["owner"], added["duplicate_of"]) == ("C-02-02", "李二", None)
    code, _, err = cli(
        "complaints", "add", CAMPUS, "--lon", "0", "--lat", "0", "--category", "repairs",
        "--text", "x", "--db", db_url,
    )  # fmt: skip
    assert code == 2 and "outside the campus" in err and err.count("\n") == 1
    code, out, _ = cli("complaints", "list", CAMPUS, "--db", db_url, "--json")
    assert [c["id"] for c in json.loads(out)] == [added["id"]]
    code, _, err = cli("hazards", "show", CAMPUS, "999", "--db", db_url)
    assert code == 2 and "No hazard 999" in err


def test_an_inspector_acting_with_as_is_refused_verification_in_one_line(db_url: str) -> None:
    from tests.actors import ADMIN
    from zoning.services.accounts import add_account

    engine = open_engine(db_url)
    make_campus(engine)
    add_account(
        engine, ADMIN, "zhang", "inspector", "correct-horse-battery-9", campus=CAMPUS,
        person="张一",
    )  # fmt: skip
    lon, lat = centre("C-00-00")
    code, _, _ = cli(
        "complaints", "add", CAMPUS, "--lon", str(lon), "--lat", str(lat), "--category",
        "repairs", "--text", "路灯坏了", "--db", db_url,
    )  # fmt: skip
    assert code == 0
    code, out, err = cli("--as", "zhang", "hazards", "move", CAMPUS, "1", "close", "--db", db_url)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "verify_hazards" in err and "zhang (inspector)" in err
    code, out, err = cli(
        "--as", "zhang", "hazards", "move", CAMPUS, "1", "register", "--by", "Nobody",
        "--db", db_url,
    )  # fmt: skip
    assert code == 2 and "'Nobody' is not a person" in err
    code, out, _ = cli("--as", "zhang", "hazards", "show", CAMPUS, "1", "--db", db_url, "--json")
    assert code == 0 and json.loads(out)["state"] == "reported"
    engine.dispose()


def test_a_repeat_submission_is_refused_and_amend_corrects_it(db_url: str) -> None:
    make_campus(open_engine(db_url))
    base = (
        "inspections", "submit", CAMPUS, "--cell", "C-00-00", "--template", "security",
        "--by", "张一", "--result", "*=pass", "--db", db_url,
    )  # fmt: skip
    code, out, err = cli(*base, "--at", "2026-03-03T10:00", "--json")
    assert code == 0, err
    first = json.loads(out)["inspection_id"]
    code, out, err = cli(*base, "--at", "2026-03-04T09:00")
    assert code == 2 and out == ""
    line = err.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "already submitted by 张一 at 2026-03-03 10:00" in line
    assert f"(inspection {first})" in line and "--amend --reason" in line
    code, out, err = cli(*base, "--at", "2026-03-04T09:00", "--amend")
    assert code == 2 and "An amendment needs a reason" in err
    code, out, err = cli(
        *base, "--at", "2026-03-04T09:00", "--amend", "--reason", "patrols were not done"
    )
    assert code == 0, err
    assert f"amends inspection {first}" in out
    code, out, err = cli("audit", CAMPUS, "--action", "inspection.amend", "--db", db_url)
    assert code == 0, err
    assert "patrols were not done" in out
