"""The planner commands end to end on both backends, with a QGIS-style round trip."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from typer.testing import CliRunner

from tests.planner_campus import CAMPUS, LAT, LON, D, add_items, code_at, make_campus
from zoning.cli import app
from zoning.store.engine import open_engine

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def qgis_edit(source: Path, target: Path) -> None:
    """Edit the cells layer as a planner would in QGIS with topological editing on:
    move the boundary vertex shared by two cells, merge two features, delete one."""
    cells = pyogrio.read_dataframe(source, layer="cells")
    old, new = (LON + D, LAT), (LON + 1.05 * D, LAT)

    def move(xy: shapely.Geometry) -> shapely.Geometry:
        coords = shapely.get_coordinates(xy)
        hit = (abs(coords[:, 0] - old[0]) < 1e-9) & (abs(coords[:, 1] - old[1]) < 1e-9)
        coords[hit] = new
        return shapely.set_coordinates(xy, coords)

    cells["geometry"] = [move(g) for g in cells.geometry]
    by_code = {c: k for k, c in enumerate(cells["code"])}
    a, b = by_code[code_at(2, 2)], by_code[code_at(3, 2)]
    cells.loc[a, "geometry"] = shapely.union(cells.geometry.iloc[a], cells.geometry.iloc[b])
    cells = cells.drop(index=[b, by_code[code_at(3, 1)]]).reset_index(drop=True)
    pyogrio.write_dataframe(cells, target, layer="cells", driver="GPKG")


@pytest.fixture
def campus_url(db_url: str) -> str:
    engine = open_engine(db_url)
    make_campus(engine)
    add_items(engine)
    return db_url


def test_qgis_round_trip_keeps_codes_and_reports_the_deleted_cell(
    campus_url: str, tmp_path: Path
) -> None:
    exported = tmp_path / "plan.gpkg"
    code, _, err = cli("export", CAMPUS, str(exported), "--plan", "1", "--format", "gpkg",
                       "--db", campus_url)  # fmt: skip
    assert code == 0, err
    edited = tmp_path / "edited.gpkg"
    qgis_edit(exported, edited)
    code, out, err = cli("import-plan", str(edited), "--campus", CAMPUS, "--db", campus_url,
                         "--json")  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    moved = {code_at(0, 0), code_at(1, 0)}
    assert moved <= set(report["kept"])
    assert len(report["new"]) == 1
    assert set(report["retired"]) == {code_at(2, 2), code_at(3, 2), code_at(3, 1)}
    (merged,) = report["new"]
    lineage = {(x["old"], x["new"]) for x in report["lineage"]}
    assert lineage == {(code_at(2, 2), merged), (code_at(3, 2), merged)}
    gaps = [p for p in report["problems"] if p["kind"] == "gap"]
    assert len(gaps) == 1 and not report["valid"]
    hole = shapely.from_wkt(gaps[0]["location_wkt"])
    deleted = shapely.box(LON + 3 * D, LAT + D, LON + 4 * D, LAT + 2 * D)
    assert hole.intersection(deleted).area > 0.99 * deleted.area
    diff = report["diff"]
    changed = {c["code"]: c["area_delta_m2"] for c in diff["changed"]}
    assert set(changed) == moved
    assert changed[code_at(0, 0)] > 0 > changed[code_at(1, 0)]
    assert changed[code_at(0, 0)] == pytest.approx(-changed[code_at(1, 0)], rel=1e-3)
    assert diff["added"] == [merged]
    assert set(diff["removed"]) == set(report["retired"])
    assert diff["owner_changes"]["hazards"] >= 0
    # snapping small slivers away does not hide the hole of a whole cell
    code, out, err = cli("import-plan", str(edited), "--campus", CAMPUS, "--snap-m", "2",
                         "--db", campus_url, "--json")  # fmt: skip
    assert code == 0, err
    again = json.loads(out)
    assert [p["kind"] for p in again["problems"]] == ["gap"]
    # the imported draft is refused at validation and activation, and nothing moves
    code, out, _ = cli("validate", CAMPUS, "--plan", str(report["plan_id"]), "--db", campus_url,
                       "--json")  # fmt: skip
    assert code == 1 and json.loads(out)["valid"] is False
    code, out, err = cli("activate", CAMPUS, str(report["plan_id"]), "--reason", "x", "--by",
                         "校长", "--db", campus_url)  # fmt: skip
    assert code == 2 and "not valid" in err and "Traceback" not in err


def test_draft_edit_undo_diff_activate_and_audit(campus_url: str, tmp_path: Path) -> None:
    code, out, err = cli("draft", CAMPUS, "--from", "1", "--author", "甲组长", "--db",
                         campus_url, "--json")  # fmt: skip
    assert code == 0, err
    plan = str(json.loads(out)["id"])
    a, b = code_at(0, 0), code_at(1, 0)
    code, out, err = cli("edit", "merge", CAMPUS, plan, a, b, "--db", campus_url, "--json")
    assert code == 0, err
    merged = json.loads(out)
    assert merged["valid"] and set(merged["retired"]) == {a, b}
    code, out, err = cli("edit", "undo", CAMPUS, plan, "--db", campus_url)
    assert code == 0 and "undo" in out
    lon = LON + 2.5 * D
    line = f"{lon},{LAT + 1.9 * D} {lon},{LAT + 3.1 * D}"
    code, out, err = cli("edit", "split", CAMPUS, plan, code_at(2, 2), "--line", line,
                         "--db", campus_url, "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["valid"]
    code, out, err = cli("edit", "reassign", CAMPUS, plan, code_at(0, 0), "--owner", "nobody",
                         "--db", campus_url)  # fmt: skip
    assert code == 2 and "nobody" in err
    code, out, err = cli("edit", "split", CAMPUS, plan, code_at(0, 0), "--line", "1,2",
                         "--db", campus_url)  # fmt: skip
    assert code == 2 and "--line" in err
    code, out, err = cli("diff", CAMPUS, "1", plan, "--db", campus_url, "--json")
    assert code == 0, err
    found = json.loads(out)
    assert found["removed"] == [code_at(2, 2)] and len(found["added"]) == 2
    code, out, err = cli("activate", CAMPUS, plan, "--reason", "拆分", "--by", "校长",
                         "--db", campus_url, "--json")  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    for counts in result["open_items"].values():
        assert counts["open_before"] == counts["open_after"] + len(counts["collapsed"])
    assert result["open_items"]["hazards"]["open_before"] == 6
    code, out, err = cli("owner-at", CAMPUS, str(LON + 0.5 * D), str(LAT + 0.5 * D), "--at",
                         "2026-03-02T12:00+08:00", "--db", campus_url, "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["plan_id"] == 1
    target = tmp_path / "audit.csv"
    code, out, err = cli("audit", CAMPUS, "--csv", str(target), "--db", campus_url)
    assert code == 0, err
    with target.open(encoding="utf-8-sig") as handle:
        actions = [row["action"] for row in csv.DictReader(handle)]
    assert actions.count("plan.edit") == 2 and "plan.undo" in actions
    assert actions[-1] == "plan.activate"


def test_assign_owners_only_on_drafts(campus_url: str, tmp_path: Path) -> None:
    mapping = tmp_path / "owners.csv"
    mapping.write_text(f"code,owner\n{code_at(0, 0)},王三\n", encoding="utf-8")
    code, _, err = cli("assign-owners", CAMPUS, "--plan", "1", "--db", campus_url)
    assert code == 2 and "only drafts" in err
    code, out, _ = cli("draft", CAMPUS, "--db", campus_url, "--json")
    plan = str(json.loads(out)["id"])
    code, out, err = cli("assign-owners", CAMPUS, "--plan", plan, "--from", str(mapping),
                         "--db", campus_url, "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["valid"]
    cells = gpd.GeoDataFrame(
        pyogrio.read_dataframe(_export(campus_url, plan, tmp_path), layer="cells")
    )
    owners = dict(zip(cells["code"], cells["owner"], strict=True))
    assert owners[code_at(0, 0)] == "王三" and all(owners.values())


def _export(url: str, plan: str, folder: Path) -> Path:
    out = folder / f"plan{plan}.gpkg"
    code, _, err = cli("export", CAMPUS, str(out), "--plan", plan, "--db", url)
    assert code == 0, err
    return out
