"""`campusgrid validate` and the planner warn about safety domains nothing schedules on a
campus that has the buildings for them (issue 16), and not otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from tests.actors import ADMIN
from zoning.cli import app
from zoning.safety.checklists import default_checklist_dir
from zoning.services import plans as planner
from zoning.services.demo import seed_demo
from zoning.store.engine import open_engine


def _no_per_building_food(folder: Path) -> Path:
    """A user checklist folder whose food checklist applies to building cells only."""
    text = (default_checklist_dir() / "food.yaml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("per_building:")]
    assert len(lines) < len(text.splitlines())
    folder.mkdir()
    (folder / "food.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _canteens(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM building WHERE use = 'canteen'")
            ).scalar_one()
        )


def test_no_warning_when_every_domain_with_buildings_is_scheduled(db: Engine) -> None:
    campus = seed_demo(db, actor=ADMIN, history_days=0).name  # a square split
    report = planner.validate_plan(db, campus)
    assert report.warnings == []
    assert report.to_json()["warnings"] == []


def test_warns_when_canteens_get_no_food_checks(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    campus = seed_demo(db, actor=ADMIN, history_days=0).name
    monkeypatch.setenv("CAMPUSGRID_CHECKLISTS", str(_no_per_building_food(tmp_path / "lists")))
    report = planner.validate_plan(db, campus)
    assert report.valid  # a warning does not make the plan invalid
    (warning,) = report.warnings
    n = _canteens(db)
    assert n > 0
    assert warning["domain"] == "food" and warning["uses"] == {"canteen": n}
    assert warning["message"].startswith(f"{n} canteen building")
    assert "but no food checks are scheduled" in warning["message"]


def test_validate_prints_the_warning_and_exits_0(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_engine(sqlite_url)
    campus = seed_demo(engine, actor=ADMIN, history_days=0).name
    n = _canteens(engine)
    engine.dispose()
    runner = CliRunner()
    plain = runner.invoke(app, ["validate", campus, "--db", sqlite_url])
    assert plain.exit_code == 0 and "warning" not in plain.output
    monkeypatch.setenv("CAMPUSGRID_CHECKLISTS", str(_no_per_building_food(tmp_path / "lists")))
    warned = runner.invoke(app, ["validate", campus, "--db", sqlite_url])
    assert warned.exit_code == 0, warned.output
    assert (
        f"warning [unscheduled_domain]: {n} canteen building{'s' if n != 1 else ''} but no "
        "food checks are scheduled" in warned.output
    )
    as_json = runner.invoke(app, ["validate", campus, "--db", sqlite_url, "--json"])
    assert as_json.exit_code == 0
    assert [w["domain"] for w in json.loads(as_json.stdout)["warnings"]] == ["food"]
