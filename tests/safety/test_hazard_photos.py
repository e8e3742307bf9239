"""A hazard's photos (issue 16): from the failed checklist item, the hazard report and the
public form; shown only to who may read the hazard (scope, sensitive domains); small
thumbnails; named in the ledger exports. Real SpatiaLite and PostGIS, real image files."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.safety_campus import CAMPUS, centre, make_campus
from zoning.errors import PermissionDenied
from zoning.services import ledger, public
from zoning.services import safety as ops
from zoning.services.photos import THUMBNAIL_PX, thumbnail

INSPECTOR = actor("inspector", person="张一", campus=CAMPUS, name="zhang")
OTHER_INSPECTOR = actor("inspector", person="李二", campus=CAMPUS, name="li")
OFFICER = actor("safety_officer", campus=CAMPUS, name="officer")
VIEWER = actor("viewer", name="guest")
#: Wednesday 4 March 2026, 10:00 in Beijing (week 2026-W10).
T1 = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


@pytest.fixture
def campus(db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """测试大学 with its plan and schedule, and a private photo store."""
    monkeypatch.setenv("CAMPUSGRID_PHOTO_DIR", str(tmp_path / "photos"))
    make_campus(db)
    return db


def _photo(folder: Path, name: str, colour: tuple[int, int, int]) -> Path:
    """Write a 640×480 JPEG of one colour (each colour a different stored file)."""
    path = folder / name
    Image.new("RGB", (640, 480), colour).save(path, format="JPEG")
    return path


def _report(engine: Engine, folder: Path, *, domain: str = "electrical") -> int:
    lon, lat = centre("C-01-02")
    photo = _photo(folder, f"{domain}.jpg", (200, 40, len(domain) * 10))  # one file per domain
    made = ledger.report_hazard(
        engine, CAMPUS, actor=INSPECTOR, lon=lon, lat=lat, domain=domain,
        description="配电箱门未锁", photos=[photo],
    )  # fmt: skip
    return int(made.hazard.id)


def test_a_reported_hazard_shows_its_photo_as_a_small_thumbnail(
    campus: Engine, tmp_path: Path
) -> None:
    hazard_id = _report(campus, tmp_path)
    (photo,) = ledger.hazard_photos(campus, CAMPUS, hazard_id, actor=OFFICER)
    assert photo.source == "report"
    assert Path(photo.path).parent == tmp_path / "photos" and Path(photo.path).is_file()
    assert photo.name.endswith(".jpg") and len(photo.name) == 64 + 4  # sha256 + suffix
    small = thumbnail(photo)
    assert small is not None
    with Image.open(io.BytesIO(small)) as shown:
        assert max(shown.size) == THUMBNAIL_PX and shown.size == (160, 120)
    assert ledger.hazard_photos(campus, CAMPUS, hazard_id, actor=INSPECTOR) == [photo]


def test_a_failed_items_photo_and_a_public_form_photo_are_the_hazards(
    campus: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = ops.submit_inspection(
        campus, CAMPUS, cell="C-00-00", template="flood", by="张一", at=T1, actor=ADMIN,
        results={"*": "pass", "drains_clear": "fail"}, notes={"drains_clear": "排水沟堵塞"},
        photos={"drains_clear": str(_photo(tmp_path, "drain.jpg", (10, 90, 200)))},
    )  # fmt: skip
    (hazard_id,) = report.hazard_ids
    (photo,) = ledger.hazard_photos(campus, CAMPUS, hazard_id, actor=OFFICER)
    assert photo.source == "inspection" and Path(photo.path).is_file()

    place = public.public_place(campus, CAMPUS, cell="C-01-01")
    png = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 200, 30)).save(png, format="PNG")
    public.submit_public_complaint(
        campus, place, actor=OFFICER, category="repairs", text="灯坏了", photo=png.getvalue()
    )
    (complaint,) = ledger.list_complaints(campus, CAMPUS, actor=ADMIN)
    (sent,) = ledger.hazard_photos(campus, CAMPUS, int(complaint.hazard_id or 0), actor=OFFICER)
    assert sent.source == "complaint" and Path(sent.path).is_file()


def test_photos_are_refused_outside_the_scope_and_hidden_in_a_sensitive_domain(
    campus: Engine, tmp_path: Path
) -> None:
    hazard_id = _report(campus, tmp_path)
    for who in (OTHER_INSPECTOR, VIEWER):
        with pytest.raises(PermissionDenied) as refused:
            ledger.hazard_photos(campus, CAMPUS, hazard_id, actor=who)
        assert "\n" not in str(refused.value)
    # security is a sensitive domain: the inspector of the cell sees the hazard redacted,
    # so no photo; the safety officer (view_sensitive) sees it
    sensitive = _report(campus, tmp_path, domain="security")
    assert ledger.hazard_photos(campus, CAMPUS, sensitive, actor=INSPECTOR) == []
    assert len(ledger.hazard_photos(campus, CAMPUS, sensitive, actor=OFFICER)) == 1


def test_a_missing_photo_file_gives_no_thumbnail(campus: Engine, tmp_path: Path) -> None:
    hazard_id = _report(campus, tmp_path)
    (photo,) = ledger.hazard_photos(campus, CAMPUS, hazard_id, actor=OFFICER)
    Path(photo.path).unlink()
    assert thumbnail(photo) is None


def test_the_ledger_exports_name_each_hazards_photos(campus: Engine, tmp_path: Path) -> None:
    hazard_id = _report(campus, tmp_path)
    hidden = _report(campus, tmp_path, domain="security")
    (photo,) = ledger.hazard_photos(campus, CAMPUS, hazard_id, actor=OFFICER)
    views = ledger.list_hazards(campus, CAMPUS, actor=ADMIN)
    path = tmp_path / "ledger.xlsx"
    ledger.export_ledger(campus, CAMPUS, views, actor=ADMIN, path=path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    header = next(r for r in rows if r and "编号" in r)
    by_id = {r[header.index("编号")]: r for r in rows[rows.index(header) + 1 :] if r[0]}
    assert by_id[hazard_id][header.index("照片数")] == 1
    assert by_id[hazard_id][header.index("照片文件")] == photo.name
    csv_text = ledger.export_ledger(campus, CAMPUS, views, actor=ADMIN, fmt="csv").decode(
        "utf-8-sig"
    )
    assert "照片文件" in csv_text and photo.name in csv_text
    # the inspector's export of the sensitive hazard is redacted: no photo names in it
    mine = ledger.list_hazards(campus, CAMPUS, actor=INSPECTOR)
    assert any(v.redacted and int(v.hazard.id) == hidden for v in mine)
    exported = ledger.export_ledger(
        campus, CAMPUS, mine, actor=actor("zone_leader", zone=1, campus=CAMPUS), fmt="csv"
    ).decode("utf-8-sig")
    (hidden_photo,) = ledger.hazard_photos(campus, CAMPUS, hidden, actor=OFFICER)
    assert hidden_photo.name not in exported and photo.name in exported
