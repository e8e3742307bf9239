"""The public form's services on both backends: QR sheets (permission, audit), complaints
at the building's point with a tracking number, the status a number shows, the account the
form acts as."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from shapely.geometry import Point
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.public.pdf_reading import page_count
from tests.safety_campus import CAMPUS, make_campus
from zoning.errors import InvalidInput, NotFound, PermissionDenied
from zoning.services import accounts, ledger, public
from zoning.store.campus import campus_id
from zoning.store.public import buildings


@pytest.fixture
def campus(db: Engine) -> Engine:
    make_campus(db)
    return db


def _building_ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [int(i) for i in buildings(conn, campus_id(conn, CAMPUS))["id"]]


def _audit(engine: Engine, action: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT actor, action FROM audit_event WHERE action = :a"), {"a": action}
        )
        return [(str(a), str(b)) for a, b in rows]


def test_sheets_per_building_and_per_cell(campus: Engine, tmp_path: Path) -> None:
    ids = _building_ids(campus)
    sheets = public.qr_sheets(campus, CAMPUS, actor=ADMIN, base_url="https://grid.example.edu/")
    assert [s.url.rsplit("&b=", 1)[1] for s in sheets] == [str(i) for i in ids]
    assert sheets[0].title == "第一教学楼" and sheets[0].url.startswith(
        "https://grid.example.edu/report?"
    )
    cells = public.qr_sheets(campus, CAMPUS, actor=ADMIN, per="cell", base_url="http://x.test")
    assert len(cells) == 20 and cells[0].url.endswith("&cell=C-00-00")
    done = public.export_qr_sheets(campus, CAMPUS, actor=ADMIN, out=tmp_path / "s.pdf")
    assert done.pages == len(ids) and page_count(done.path.read_bytes()) == len(ids)
    assert _audit(campus, "qr.export") == [(ADMIN.name, "qr.export")]


def test_sheets_need_export_and_a_real_address(campus: Engine, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied, match="export"):
        public.export_qr_sheets(campus, CAMPUS, actor=actor("viewer"), out=tmp_path / "s.pdf")
    with pytest.raises(InvalidInput, match="--base-url 'javascript:alert"):
        public.qr_sheets(campus, CAMPUS, actor=ADMIN, base_url="javascript:alert(1)")
    with pytest.raises(NotFound, match="No campus named"):
        public.qr_sheets(campus, "无此校区", actor=ADMIN)
    assert not (tmp_path / "s.pdf").exists() and _audit(campus, "qr.export") == []


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_a_complaint_at_the_building_with_a_tracking_number(
    campus: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CAMPUSGRID_PHOTO_DIR", str(tmp_path / "photos"))
    first = _building_ids(campus)[0]
    place = public.public_place(campus, CAMPUS, building=str(first))
    with campus.connect() as conn:
        shape = buildings(conn, campus_id(conn, CAMPUS), [first]).geometry.iloc[0]
    assert shape.contains(Point(place.lon, place.lat))
    officer = actor("safety_officer", campus=CAMPUS)
    token = public.submit_public_complaint(
        campus, place, actor=officer, category="repairs", text="灯坏了 <script>x</script>",
        contact="138-0000-0000", photo=_png(),
    )  # fmt: skip
    assert len(token) >= 24
    (view,) = ledger.list_complaints(campus, CAMPUS, actor=ADMIN)
    assert (view.complaint.lon, view.complaint.lat) == pytest.approx((place.lon, place.lat))
    assert view.complaint.contact == "138-0000-0000" and view.complaint.cell_code
    assert len(list((tmp_path / "photos").iterdir())) == 1
    status = public.track(campus, token)
    assert status.status == "received" and status.category_en == "Facility repairs"
    assert status.response_deadline > status.received_at and status.closed_at is None
    assert "contact" not in vars(status) and "text" not in vars(status)
    ledger.move_hazard(campus, CAMPUS, int(view.hazard_id or 0), "register", actor=ADMIN)
    assert public.track(campus, token).status == "handling"
    ledger.move_hazard(campus, CAMPUS, int(view.hazard_id or 0), "reject", actor=ADMIN,
                       note="duplicate")  # fmt: skip
    assert public.track(campus, token).status == "closed"  # rejected: the reporter sees closed


def test_unknown_numbers_places_and_bad_input_are_one_line(campus: Engine) -> None:
    for token in ("", "x" * 24, "../../etc/passwd", "a" * 200):
        with pytest.raises(NotFound, match="No complaint has this tracking number"):
            public.track(campus, token)
    for building in ("999999", "1; drop table", "-1"):
        with pytest.raises(NotFound, match="no place on this campus"):
            public.public_place(campus, CAMPUS, building=building)
    with pytest.raises(NotFound, match="no place"):
        public.public_place(campus, "无此校区", building="1")
    place = public.public_place(campus, CAMPUS, cell="C-01-01")
    officer = actor("safety_officer", campus=CAMPUS)
    with pytest.raises(InvalidInput, match="Choose a category"):
        public.submit_public_complaint(campus, place, actor=officer, category="x", text="t")
    with pytest.raises(InvalidInput, match="Describe the problem"):
        public.submit_public_complaint(campus, place, actor=officer, category="noise", text=" ")
    with pytest.raises(
        InvalidInput, match=r"^照片无法读取 / The photo is not a readable image"
    ) as e:
        public.submit_public_complaint(
            campus, place, actor=officer, category="noise", text="t", photo=b"<html>"
        )
    assert "/tmp" not in str(e.value)
    with pytest.raises(PermissionDenied):
        public.submit_public_complaint(
            campus, place, actor=actor("viewer"), category="noise", text="t"
        )
    assert ledger.list_complaints(campus, CAMPUS, actor=ADMIN) == []


def test_the_form_acts_only_as_an_enabled_account_that_receives_complaints(
    campus: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(public.PUBLIC_ACCOUNT_ENV, raising=False)
    assert public.public_account(campus) is None
    accounts.add_account(campus, ADMIN, "kiosk-viewer", "viewer", "password-long-1")
    accounts.add_account(campus, ADMIN, "public-form", "safety_officer", "password-long-2",
                         campus=CAMPUS)  # fmt: skip
    for name in ("nobody", "kiosk-viewer"):
        monkeypatch.setenv(public.PUBLIC_ACCOUNT_ENV, name)
        assert public.public_account(campus) is None
    monkeypatch.setenv(public.PUBLIC_ACCOUNT_ENV, "public-form")
    found = public.public_account(campus)
    assert found is not None and found.name == "public-form"
    accounts.set_disabled(campus, ADMIN, "public-form", disabled=True)
    assert public.public_account(campus) is None
