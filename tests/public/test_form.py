"""The public form end to end against the real guarded server: the form, a complaint in
the ledger at the building's point, its tracking page; refusals (token, limits, photos) as
one clear line; hostile names shown as text."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image
from shapely.geometry import Point

from tests.actors import ADMIN
from tests.public.conftest import MAX_PHOTO_MB, PER_CLIENT, PER_PLACE
from tests.public.form_client import post_report, send, tracking_number
from tests.safety_campus import CAMPUS
from zoning.services import ledger
from zoning.store.campus import campus_id
from zoning.store.engine import open_engine
from zoning.store.public import buildings

pytestmark = pytest.mark.slow


def _buildings(url: str) -> list[tuple[int, str, object]]:
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            found = buildings(conn, campus_id(conn, CAMPUS))
        rows = zip(found["id"], found["name"], found.geometry, strict=True)
        return [(int(i), str(n), g) for i, n, g in rows]
    finally:
        engine.dispose()


def _png(size: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _query(building: int) -> str:
    return f"/report?campus={quote(CAMPUS)}&b={building}"


def test_form_complaint_and_tracking(public_base: str, public_db: str, server_dir: Path) -> None:
    (first, name, shape), _ = _buildings(public_db)
    form = send(public_base, _query(first), headers={"Accept": "text/html"}, client="127.0.0.2")
    assert form.status == 200, form.body
    assert "default-src 'none'" in form.headers["content-security-policy"]
    assert name in form.body and 'value="repairs"' in form.body and "<script" not in form.body
    assert "lat" not in re.findall(r'name="(\w+)"', form.body)  # never asks for coordinates
    token = re.search(r'name="csrf" value="([^"]+)"', form.body)
    assert token is not None and any(token.group(1) in c for c in form.set_cookies)
    fields = {"campus": CAMPUS, "b": str(first), "category": "repairs",
              "text": "走廊灯坏了 <script>alert(1)</script>", "contact": "13800001111"}  # fmt: skip
    made = post_report(public_base, fields, photo=("p.png", "image/png", _png()),
                       client="127.0.0.2", csrf=token.group(1))  # fmt: skip
    assert made.status == 201, made.body
    number = tracking_number(made)
    engine = open_engine(public_db)
    try:
        (view,) = [
            v for v in ledger.list_complaints(engine, CAMPUS, actor=ADMIN)
            if v.complaint.contact == "13800001111"
        ]  # fmt: skip
    finally:
        engine.dispose()
    assert shape.contains(Point(view.complaint.lon, view.complaint.lat))  # type: ignore[attr-defined]
    assert view.complaint.text == fields["text"] and view.state == "reported"
    assert len(list((server_dir / "photos").iterdir())) == 1
    page = send(public_base, f"/track/{number}", headers={"Accept": "text/html"})
    assert page.status == 200 and "已受理 / Received" in page.body
    assert "设施报修 / Facility repairs" in page.body
    assert "13800001111" not in page.body and "走廊灯" not in page.body
    assert "default-src 'none'" in page.headers["content-security-policy"]
    missing = send(public_base, "/track/" + "A" * 24, headers={"Accept": "text/html"})
    assert missing.status == 404 and "No complaint has this tracking number" in missing.body
    assert "尚无答复 / No reply yet" in page.body
    engine = open_engine(public_db)
    try:
        hazard = int(view.hazard_id or 0)
        ledger.move_hazard(engine, CAMPUS, hazard, "register", actor=ADMIN, note="内部备注")
        ledger.reply_publicly(engine, CAMPUS, int(view.complaint.id), "<i>已派人</i>", actor=ADMIN)
    finally:
        engine.dispose()
    page = send(public_base, f"/track/{number}", headers={"Accept": "text/html"})
    assert page.status == 200 and "正在处理 / Being handled" in page.body
    assert "&lt;i&gt;已派人&lt;/i&gt;" in page.body and "<i>" not in page.body
    assert "内部备注" not in page.body and ADMIN.name not in page.body


def test_hostile_names_and_text_are_shown_as_text(public_base: str, public_db: str) -> None:
    _, (second, name, _) = _buildings(public_db)
    assert name == "<img src=x onerror=alert(1)>"
    form = send(public_base, _query(second), client="127.0.0.3")
    assert form.status == 200 and "&lt;img src=x onerror=alert(1)&gt;" in form.body
    assert "<img" not in form.body
    evil = send(public_base, f"/report?campus={quote('<b>x</b>')}&b=1", client="127.0.0.3")
    assert evil.status == 404 and "<b>" not in evil.body
    assert "This code names no place on this campus any more" in evil.body


def test_refusals_are_one_clear_line(public_base: str, public_db: str) -> None:
    (first, _, _), _ = _buildings(public_db)
    fields = {"campus": CAMPUS, "b": str(first), "category": "noise", "text": "太吵了"}
    no_token = post_report(public_base, fields, client="127.0.0.4", csrf=None)
    assert no_token.status == 403 and "The form expired or came from elsewhere" in no_token.body
    big = _png(1200) + b"\0" * int(MAX_PHOTO_MB * 1_000_000)
    too_big = post_report(public_base, fields, photo=("big.png", "image/png", big),
                          client="127.0.0.4")  # fmt: skip
    assert too_big.status == 413
    assert f"The photo is too large: at most {MAX_PHOTO_MB:g} MB" in too_big.body
    html = post_report(public_base, fields, photo=("x.html", "text/html", b"<script>"),
                       client="127.0.0.4")  # fmt: skip
    assert html.status == 415 and "Only an image" in html.body
    fake = post_report(public_base, fields, photo=("x.png", "image/png", b"not a png"),
                       client="127.0.0.4")  # fmt: skip
    assert fake.status == 400 and "The photo is not a readable image" in fake.body
    assert "/tmp" not in fake.body
    empty = post_report(public_base, {**fields, "text": "  "}, client="127.0.0.4")
    assert empty.status == 400 and "Describe the problem" in empty.body


def test_rate_limits_per_place_and_per_client(public_base: str, public_db: str) -> None:
    _, (second, _, _) = _buildings(public_db)
    fields = {"campus": CAMPUS, "b": str(second), "category": "noise", "text": "施工噪声"}
    replies = [
        post_report(public_base, fields, client=f"127.0.1.{i}") for i in range(PER_PLACE + 1)
    ]
    assert [r.status for r in replies] == [201] * PER_PLACE + [429]
    assert "Too many reports from here just now" in replies[-1].body
    cells = [f"C-0{x}-0{y}" for x in range(3) for y in range(3)][: PER_CLIENT + 1]
    statuses = [
        post_report(public_base, {**fields, "b": "", "cell": cell}, client="127.0.2.1").status
        for cell in cells
    ]
    assert statuses == [201] * PER_CLIENT + [429]
