"""The roll-call page's dormitory map in AppTest: each dormitory building the account's
level sees, coloured by tonight's check-in share (green ≥ 95 %, amber, red), the tooltip
its name and counts only; grey before any roll call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.actors import ADMIN
from tests.people_grid.college import build_college, student_with
from tests.people_grid.dorms import CAMPUS, DORM1, DORM2, inside
from tests.signed_in import signed_in
from zoning.people import Rules, Window
from zoning.services import people_grid as grid
from zoning.store.engine import open_engine

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/rollcall.py"
ALWAYS = Rules(window=Window.parse("12:00-11:59"))
GREEN, AMBER, RED, GREY = [46, 125, 50, 200], [245, 166, 35, 200], [198, 40, 40, 200], [
    150, 150, 150, 160]  # fmt: skip


def _dorms_on_map(app: AppTest) -> dict[str, dict[str, Any]]:
    """Return building name → its record on the page's dormitory map."""
    charts = [json.loads(c.proto.json) for c in app.get("deck_gl_json_chart")]
    layers = [ly for c in charts for ly in c["layers"] if ly["id"] == "rollcall_dorms"]
    assert len(layers) == 1, charts
    return {r["name"]: r for r in layers[0]["data"]}


def _open(monkeypatch: pytest.MonkeyPatch, url: str, name: str, role: str,
          **link: str) -> AppTest:  # fmt: skip
    monkeypatch.setenv("CAMPUSGRID_DB", url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    app = signed_in(AppTest.from_file(APP, default_timeout=120), name, role, **link)
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def test_dormitories_coloured_by_tonights_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'map.sqlite'}"
    engine = open_engine(url)
    college = build_college(engine, 80)
    app = _open(monkeypatch, url, "map-office", "safety_officer")
    before = _dorms_on_map(app)
    assert set(before) == {DORM1, DORM2}  # no roll call yet: every dormitory grey
    assert all(r["fill"] == GREY for r in before.values())

    grid.open_rollcall(engine, CAMPUS, actor=ADMIN, rules=ALWAYS)
    code1 = grid.current_code(engine, CAMPUS, building=DORM1, actor=ADMIN)
    code2 = grid.current_code(engine, CAMPUS, building=DORM2, actor=ADMIN)
    in1 = [s for s in college.students if s.building == DORM1]
    in2 = [s for s in college.students if s.building == DORM2]
    lon, lat = inside()
    for s in in1:  # everyone of 1号楼
        grid.check_in(engine, CAMPUS, student_no=s.student_no, lon=lon, lat=lat,
                      accuracy_m=10.0, code=code1, actor=ADMIN)  # fmt: skip
    from tests.people_grid.dorms import LAT, LON, D

    for s in in2[:2]:  # two of 2号楼
        grid.check_in(engine, CAMPUS, student_no=s.student_no, lon=LON + 5.5 * D,
                      lat=LAT + 5.5 * D, accuracy_m=10.0, code=code2, actor=ADMIN)  # fmt: skip
    engine.dispose()

    app = _open(monkeypatch, url, "map-office", "safety_officer")
    seen = _dorms_on_map(app)
    assert seen[DORM1]["fill"] == GREEN and seen[DORM2]["fill"] == RED
    n1, n2 = len(in1), len(in2)
    assert seen[DORM1]["tip"] == f"{DORM1}：已签到 {n1}/{n1}，请假/在外 0，未到 0"
    assert seen[DORM2]["tip"] == f"{DORM2}：已签到 2/{n2}，请假/在外 0，未到 {n2 - 2}"
    names = {s.name for s in college.students}
    assert not any(n in r["tip"] for r in seen.values() for n in names)

    # A dormitory's grid member sees their own building only.
    member = student_with(college, "网格员", DORM1)
    app = _open(monkeypatch, url, "map-member", "grid_member", campus=CAMPUS, person=member)
    assert set(_dorms_on_map(app)) == {DORM1}


def test_amber_between_80_and_95_percent() -> None:
    from maps.dorm_layers import AMBER as LAYER_AMBER
    from maps.dorm_layers import DormCounts, fill_of

    assert LAYER_AMBER == AMBER
    assert fill_of(DormCounts(20, 17, 0, 3)) == AMBER  # 85 %
    assert fill_of(DormCounts(20, 18, 2, 0)) == GREEN  # on leave are not due
    assert fill_of(DormCounts(20, 15, 0, 5)) == RED
