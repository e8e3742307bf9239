"""A real campus from OpenStreetMap to an active plan with owners, on both backends:
import, people, split, assign owners, validate, activate, route a complaint."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.planner_campus import CAMPUS, make_campus
from tests.realdata import campus_dir, load_layers
from zoning.cli import app
from zoning.store.engine import open_engine

runner = CliRunner()

PEOPLE = """name,role,quarter,phone
王伟,网格员,东区,13800000001
刘洋,网格员,东区,
陈晨,网格员,西区,
赵敏,网格员,西区,
李静,片区负责人,东区,
孙磊,片区负责人,西区,
保卫处,安全办,,
张校长,校领导,,
"""


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_real_campus_to_an_active_plan_with_owners(db_url: str, tmp_path: Path) -> None:
    folder = campus_dir("bupt")
    files = [str(folder / f) for f in ("boundary.geojson", "buildings.geojson", "roads.geojson")]
    code, _, err = cli("import", *files, "--campus", "bupt", "--boundary-name", "北京邮电大学",
                       "--db", db_url)  # fmt: skip
    assert code == 0, err
    code, out, err = cli("split", "bupt", "--method", "unit", "--db", db_url, "--json")
    assert code == 0, err
    plan = str(json.loads(out)["plan_id"])
    # nobody yet: the error says what to do
    code, _, err = cli("assign-owners", "bupt", "--plan", plan, "--db", db_url)
    assert code == 2 and "campusgrid people import bupt" in err
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    code, out, err = cli("people", "import", "bupt", str(people), "--db", db_url, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["added"], report["updated"]) == (8, 0)
    assert report["roles"] == {"owner": 4, "zone_leader": 2, "safety_office": 1, "leadership": 1}
    # importing again updates, never duplicates
    code, out, _ = cli("people", "import", "bupt", str(people), "--db", db_url, "--json")
    assert (json.loads(out)["added"], json.loads(out)["updated"]) == (0, 8)
    code, out, _ = cli("people", "list", "bupt", "--db", db_url, "--json")
    assert len(json.loads(out)) == 8
    code, _, err = cli("assign-owners", "bupt", "--plan", plan, "--db", db_url)
    assert code == 0, err
    code, out, _ = cli("validate", "bupt", "--plan", plan, "--db", db_url, "--json")
    report = json.loads(out)
    assert code == 0 and report["valid"] is True and report["problems"] == []
    assert isinstance(report.get("warnings"), list)  # unscheduled domains, if any (exit 0)
    code, _, err = cli("activate", "bupt", plan, "--reason", "首版网格",
                       "--db", db_url)  # fmt: skip
    assert code == 0, err
    # a complaint inside the campus reaches one of the four owners
    inside = load_layers("bupt").boundary.union_all().point_on_surface()
    code, out, err = cli("complaints", "add", "bupt", "--lon", f"{inside.x:.6f}",
                         "--lat", f"{inside.y:.6f}", "--category", "repairs",
                         "--text", "路灯不亮", "--db", db_url, "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["owner"] in {"王伟", "刘洋", "陈晨", "赵敏"}


def test_people_import_refuses_a_bad_file_and_writes_nothing(db_url: str, tmp_path: Path) -> None:
    make_campus(open_engine(db_url))
    before = json.loads(cli("people", "list", CAMPUS, "--db", db_url, "--json")[1])
    assert before
    bad = tmp_path / "people.csv"
    bad.write_text("name,role\n新人,网格员\n坏人,janitor\n", encoding="utf-8")
    code, _, err = cli("people", "import", CAMPUS, str(bad), "--db", db_url)
    assert code == 2 and err.startswith("error: ") and "line 3" in err and "Traceback" not in err
    assert json.loads(cli("people", "list", CAMPUS, "--db", db_url, "--json")[1]) == before
    code, _, err = cli("people", "import", "nowhere", str(bad), "--db", db_url)
    assert code == 2
