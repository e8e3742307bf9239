"""`campusgrid complaints add|list|split`: a likely duplicate joins the first hazard, and an
officer splits it off (both backends, through the real CLI)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.safety_campus import CAMPUS, centre, make_campus
from zoning.cli import app
from zoning.store.engine import open_engine

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def add(db_url: str, at: str, *extra: str) -> tuple[int, str, str]:
    lon, lat = centre("C-02-02")
    return cli(
        "complaints", "add", CAMPUS, "--lon", str(lon), "--lat", str(lat), "--category",
        "repairs", "--text", "水管漏水", "--at", at, "--db", db_url, *extra,
    )  # fmt: skip


def test_a_duplicate_joins_then_an_officer_splits_it(db_url: str) -> None:
    make_campus(open_engine(db_url))
    code, out, err = add(db_url, "2026-03-03T09:00", "--json")
    assert code == 0, err
    first = json.loads(out)
    code, out, err = add(db_url, "2026-03-03T11:00")
    assert code == 0, err
    assert f"joined hazard #{first['hazard_id']} (已并入隐患 #{first['hazard_id']})" in out
    assert f"likely duplicate of #{first['id']}" in out
    code, out, _ = cli("complaints", "list", CAMPUS, "--db", db_url, "--json")
    listed = json.loads(out)
    assert [c["joined_hazard_id"] for c in listed] == [None, first["hazard_id"]]
    second = listed[1]["id"]
    code, out, err = cli("hazards", "list", CAMPUS, "--db", db_url, "--json")
    assert code == 0, err
    assert len(json.loads(out)) == 1
    code, out, err = cli(
        "complaints", "split", CAMPUS, str(second), "--by", "安全处", "--db", db_url, "--json"
    )
    assert code == 0, err
    split = json.loads(out)
    assert split["split_from_hazard_id"] == first["hazard_id"]
    assert split["hazard_id"] != first["hazard_id"] and split["joined_hazard_id"] is None
    code, out, _ = cli("hazards", "show", CAMPUS, str(first["hazard_id"]), "--db", db_url, "--json")
    notes = [e["note"] for e in json.loads(out)["history"]]
    assert notes[1:] == [
        f"duplicate complaint #{second} attached",
        f"complaint #{second} split off into hazard #{split['hazard_id']}",
    ]
    code, out, err = cli(
        "complaints", "split", CAMPUS, str(second), "--by", "安全处", "--db", db_url
    )
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        f"error: Complaint #{second} is not attached to another complaint's hazard (it has its "
        f"own hazard #{split['hazard_id']}); only a complaint that joined a hazard can be split."
    ]
    code, out, err = cli("hazards", "list", CAMPUS, "--db", db_url, "--json")
    assert len(json.loads(out)) == 2


def test_split_text_output_and_unknown_complaint(db_url: str) -> None:
    make_campus(open_engine(db_url))
    add(db_url, "2026-03-03T09:00")
    add(db_url, "2026-03-03T10:00")
    code, out, err = cli("complaints", "split", CAMPUS, "2", "--by", "安全处", "--db", db_url)
    assert code == 0, err
    assert out.startswith("complaint #2 split off hazard #1 into its own hazard #2 (owner 李二")
    code, out, err = cli("complaints", "split", CAMPUS, "77", "--by", "安全处", "--db", db_url)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "No complaint 77" in err and "complaints list" in err
