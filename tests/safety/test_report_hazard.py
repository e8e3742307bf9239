"""A hazard reported where one stands (issue 19), without a checklist: located at the point,
in the cell, zone and owner there; refused outside the reporter's scope or off the campus;
one ``hazard.report`` audit row; photos in the photo store; a major one queues its notice.
Real SpatiaLite and PostGIS, a real photo file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.safety_campus import CAMPUS, PEOPLE, cells_frame, centre
from tests.small_campus import D, small_campus
from zoning.errors import InvalidInput, PermissionDenied
from zoning.services import ledger, notify
from zoning.store.campus import save_campus
from zoning.store.plans import save_plan

INSPECTOR = actor("inspector", person="张一", campus=CAMPUS, name="zhang")
ZONE_LEADER = actor("zone_leader", person="乙组长", zone=2, campus=CAMPUS, name="yi")
VIEWER = actor("viewer", name="guest")


@pytest.fixture
def campus(db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """测试大学 with its plan (no schedule needed) and a private photo store."""
    monkeypatch.setenv("CAMPUSGRID_PHOTO_DIR", str(tmp_path / "photos"))
    save_campus(db, name=CAMPUS, layers=small_campus(), people=PEOPLE)
    save_plan(db, campus=CAMPUS, cells=cells_frame(), method="square")
    return db


def _audits(engine: Engine, action: str) -> list[tuple[str, dict[str, object]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT actor, detail FROM audit_event WHERE action = :a ORDER BY id"),
            {"a": action},
        ).all()
    return [(str(a), json.loads(d) if isinstance(d, str) else dict(d)) for a, d in rows]


def _hazard_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM hazard")).scalar_one())


def test_the_hazard_lies_at_the_point_in_its_cell_with_its_owner(campus: Engine) -> None:
    lon, lat = centre("C-01-02")
    made = ledger.report_hazard(
        campus, CAMPUS, actor=INSPECTOR, lon=lon, lat=lat, domain="electrical",
        description="配电箱门未锁",
    )  # fmt: skip
    h = made.hazard
    assert (h.source, h.domain, h.severity, h.state) == (
        "report",
        "electrical",
        "general",
        "reported",
    )
    assert (h.cell_code, h.zone, h.owner, h.reported_by) == ("C-01-02", "1", "张一", "张一")
    assert (h.deadline - h.reported_at).total_seconds() == 7 * 24 * 3600
    listed = ledger.list_hazards(campus, CAMPUS, actor=ADMIN)
    (row,) = [v for v in listed if v.hazard.id == h.id]
    assert row.hazard.cell_code == "C-01-02" and row.hazard.owner == "张一"
    assert row.hazard.lon == pytest.approx(lon, abs=1e-7)
    assert row.hazard.lat == pytest.approx(lat, abs=1e-7)
    assert [t.action for t in row.hazard.history] == ["report"]
    ((who, detail),) = _audits(campus, "hazard.report")
    assert who == "zhang"
    assert detail == {"hazard_id": int(h.id), "cell": "C-01-02", "domain": "electrical",
                      "severity": "general", "photos": []}  # fmt: skip


def test_a_vacant_cell_falls_to_its_zone_and_a_spot_just_outside_to_the_nearest_cell(
    campus: Engine,
) -> None:
    vacant = ledger.report_hazard(
        campus, CAMPUS, actor=ADMIN, lon=centre("C-04-03")[0], lat=centre("C-04-03")[1],
        domain="fire", description="消防通道堵塞",
    )  # fmt: skip
    assert vacant.hazard.cell_code == "C-04-03" and vacant.hazard.zone == "3"
    complaint = ledger.add_complaint(
        campus, CAMPUS, actor=ADMIN, lon=centre("C-04-03")[0], lat=centre("C-04-03")[1],
        category="fire_risk", text="消防通道堵塞",
    )  # fmt: skip
    # The zone's fallback owner (属地兜底), as a complaint at the same spot gets.
    assert vacant.hazard.owner == complaint.complaint.owner == "王三"
    west_lon, lat = centre("C-00-00")
    edge = ledger.report_hazard(
        campus, CAMPUS, actor=ADMIN, lon=west_lon - 1.2 * D, lat=lat, domain="fire",
        description="围墙外侧堆放易燃物",
    )  # fmt: skip
    assert edge.hazard.cell_code == "C-00-00" and edge.hazard.owner == "张一"


def test_outside_the_scope_is_refused_and_nothing_is_stored(campus: Engine) -> None:
    lon, lat = centre("C-02-01")  # zone 2: 李二's cell
    with pytest.raises(PermissionDenied, match="outside the cells you answer for"):
        ledger.report_hazard(
            campus, CAMPUS, actor=INSPECTOR, lon=lon, lat=lat, domain="fire", description="x"
        )
    with pytest.raises(PermissionDenied, match="report_hazards"):
        ledger.report_hazard(
            campus, CAMPUS, actor=VIEWER, lon=lon, lat=lat, domain="fire", description="x"
        )
    assert _hazard_rows(campus) == 0 and _audits(campus, "hazard.report") == []
    # The zone leader of zone 2 may report there, not in zone 1.
    made = ledger.report_hazard(
        campus, CAMPUS, actor=ZONE_LEADER, lon=lon, lat=lat, domain="fire", description="x"
    )
    assert made.hazard.owner == "李二" and made.hazard.reported_by == "乙组长"
    with pytest.raises(PermissionDenied):
        ledger.report_hazard(
            campus, CAMPUS, actor=ZONE_LEADER, lon=centre("C-00-00")[0],
            lat=centre("C-00-00")[1], domain="fire", description="x",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("where", "domain", "severity", "text", "message"),
    [
        ("off", "fire", "general", "x", "lies outside campus"),
        ("on", "arson", "general", "x", "Unknown domain 'arson'"),
        ("on", "fire", "normal", "x", "Unknown severity 'normal'"),
        ("on", "fire", "general", "  ", "description"),
    ],
)
def test_bad_input_is_one_clear_refusal(
    campus: Engine, where: str, domain: str, severity: str, text: str, message: str
) -> None:
    lon, lat = centre("C-00-00")
    if where == "off":
        lon += 0.05  # about 4 km east
    with pytest.raises(InvalidInput, match=message):
        ledger.report_hazard(
            campus, CAMPUS, actor=ADMIN, lon=lon, lat=lat, domain=domain, severity=severity,
            description=text,
        )  # fmt: skip
    assert _hazard_rows(campus) == 0


def test_photos_go_into_the_store_and_a_major_hazard_queues_its_notice(
    campus: Engine, tmp_path: Path
) -> None:
    notify.add_channel(
        campus, actor=ADMIN, kind="wecom",
        target="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
    )  # fmt: skip
    shot = tmp_path / "crack.png"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(shot)
    lon, lat = centre("C-00-01")
    made = ledger.report_hazard(
        campus, CAMPUS, actor=INSPECTOR, lon=lon, lat=lat, domain="facilities",
        description="楼梯扶手断裂", severity="major", photos=[shot],
    )  # fmt: skip
    assert (made.hazard.deadline - made.hazard.reported_at).total_seconds() == 24 * 3600
    ((_, detail),) = _audits(campus, "hazard.report")
    photos = detail["photos"]
    assert isinstance(photos, list) and len(photos) == 1
    stored = Path(str(photos[0]))
    assert stored.parent == tmp_path / "photos" and stored.is_file()
    with campus.connect() as conn:
        events = conn.execute(sa.text("SELECT event, event_key FROM outbox")).all()
    assert [tuple(e) for e in events] == [("major", f"hazard:{made.hazard.id}:major")]


def test_a_file_that_is_not_an_image_stores_nothing(campus: Engine, tmp_path: Path) -> None:
    fake = tmp_path / "notes.txt"
    fake.write_text("not a photo")
    lon, lat = centre("C-00-01")
    with pytest.raises(InvalidInput, match="is not an image"):
        ledger.report_hazard(
            campus, CAMPUS, actor=ADMIN, lon=lon, lat=lat, domain="fire", description="x",
            photos=[fake],
        )  # fmt: skip
    assert _hazard_rows(campus) == 0
    assert not list((tmp_path / "photos").glob("*"))


def test_the_cli_reports_a_hazard_and_refuses_bad_input_in_one_line(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from zoning.cli import app
    from zoning.store.engine import open_engine

    monkeypatch.setenv("CAMPUSGRID_PHOTO_DIR", str(tmp_path / "photos"))
    engine = open_engine(db_url)
    save_campus(engine, name=CAMPUS, layers=small_campus(), people=PEOPLE)
    save_plan(engine, campus=CAMPUS, cells=cells_frame(), method="square")
    shot = tmp_path / "wire.jpg"
    Image.new("RGB", (16, 16), (90, 90, 90)).save(shot, format="JPEG")
    lon, lat = centre("C-02-02")
    runner = CliRunner()
    base = ["hazards", "report", CAMPUS, "--lon", str(lon), "--lat", str(lat), "--db", db_url]
    done = runner.invoke(app, [*base, "--domain", "electrical", "--text", "电线裸露",
                               "--severity", "major", "--photo", str(shot)])  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert done.stdout.startswith("hazard #") and "cell C-02-02 (zone 2), owner 李二" in done.stdout
    (row,) = [v for v in ledger.list_hazards(engine, CAMPUS, actor=ADMIN)]
    assert (row.hazard.source, row.hazard.severity, row.hazard.cell_code) == (
        "report", "major", "C-02-02",
    )  # fmt: skip
    ((who, detail),) = _audits(engine, "hazard.report")
    assert "@" in who and isinstance(detail["photos"], list) and len(detail["photos"]) == 1
    bad = runner.invoke(app, [*base, "--domain", "arson", "--text", "x"])
    assert bad.exit_code == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "Unknown domain 'arson'" in bad.stderr
    assert _hazard_rows(engine) == 1
    engine.dispose()
