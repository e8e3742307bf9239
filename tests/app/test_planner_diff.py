"""The planner page's diff table, driven by AppTest on the planner campus: a draft imported
from QGIS (cell A split in two) is picked; the table shows area and owner for the removed
cell and for both added cells, not only for the changed ones."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely import LineString
from shapely.ops import split
from streamlit.testing.v1 import AppTest

from tests.actors import ADMIN
from tests.planner_campus import CAMPUS, LAT, LON, D, cell_box, code_at, make_campus
from tests.signed_in import signed_in
from zoning.services import plans as planner
from zoning.services.campus import export_campus
from zoning.store.engine import open_engine

APP = str(Path(__file__).resolve().parents[2] / "app_pages" / "app.py")
A = code_at(0, 0)


@pytest.fixture
def split_draft(sqlite_url: str, tmp_path: Path) -> tuple[str, int]:
    """The planner campus (plan 1 active) and a draft imported with cell A split in two."""
    engine = open_engine(sqlite_url)
    make_campus(engine)
    path = tmp_path / "plan.gpkg"
    export_campus(engine, CAMPUS, fmt="gpkg", out=path, plan_id=1, actor=ADMIN)
    cells = pyogrio.read_dataframe(path, layer="cells")
    line = LineString([(LON, LAT + 0.5 * D), (LON + 1.5 * D, LAT + 0.6 * D)])
    south, north = split(cell_box(0, 0), line).geoms
    row = cells.index[cells["code"] == A][0]
    cells.loc[row, "geometry"] = south
    extra = cells.loc[[row]].assign(geometry=[north])
    edited = gpd.GeoDataFrame(
        pd.concat([cells, extra], ignore_index=True), geometry="geometry", crs=cells.crs
    )
    pyogrio.write_dataframe(edited, path, layer="cells", driver="GPKG", promote_to_multi=True)
    report = planner.import_plan(engine, path, campus=CAMPUS, author="甲组长", actor=ADMIN)
    assert not report.problems, report.problems
    return sqlite_url, report.plan.id


def test_the_diff_shows_area_and_owner_of_added_and_removed_cells(
    split_draft: tuple[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, draft = split_draft
    monkeypatch.setenv("CAMPUSGRID_DB", url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    app = signed_in(AppTest.from_file(APP, default_timeout=90)).run()
    app.switch_page("planner.py").run()
    assert not app.exception, app.exception
    app.radio(key="lang").set_value("en").run()
    app.selectbox(key=f"planner_plan:{CAMPUS}@en").set_value(draft).run()
    assert not app.exception, app.exception
    (table,) = [t.value for t in app.table if A in t.value.index]
    assert set(table.index) == {A, *planner.diff(open_engine(url), CAMPUS, 1, draft).added}
    area_before, area_after = [c for c in table.columns if "area" in c.lower()][:2]
    removed, added = table.loc[A], table.drop(index=A)
    assert removed[area_before] > 30_000 and removed[area_after] == 0
    assert (added[area_before] == 0).all() and (added[area_after] > 10_000).all()
    assert added[area_after].sum() == pytest.approx(removed[area_before], abs=1)
    owners = [c for c in table.columns if "owner" in c.lower()]
    assert removed[owners[0]] == "张一" and (added[owners[1]] == "张一").all()


@pytest.mark.parametrize(
    ("role", "edits", "activates"),
    [("planner", True, True), ("viewer", False, False), ("safety_officer", False, False)],
)
def test_the_planner_shows_edit_and_activate_controls_only_to_roles_that_may(
    split_draft: tuple[str, int],
    monkeypatch: pytest.MonkeyPatch,
    role: str,
    edits: bool,
    activates: bool,
) -> None:
    url, _draft = split_draft
    monkeypatch.setenv("CAMPUSGRID_DB", url)
    app = signed_in(AppTest.from_file(APP, default_timeout=90), f"{role}-page", role).run()
    app.switch_page("planner.py").run()
    assert not app.exception, app.exception
    buttons = {b.key for b in app.button}
    assert ("planner_merge" in buttons) is edits
    assert ("planner_create" in buttons) is edits
    assert ("planner_activate" in buttons) is activates
    assert "planner_who" not in {w.key for w in app.text_input}  # the account acts, not a name
    if activates:
        app.text_input(key="planner_act_reason").set_value("拆分 A").run()
        app.button(key="planner_activate").click().run()
        assert not app.exception, app.exception
        rows = planner.audit_events(open_engine(url), CAMPUS, actor=ADMIN)
        assert (rows["actor"].iloc[0], rows["action"].iloc[0]) == (f"{role}-page", "plan.activate")
