"""Official public replies, atomic tracking and what Open311 needs beyond the ledger, on
both backends: a reply shows on the tracking page's data (text and time, never who wrote
it), needs ``receive_complaints`` and scope, and is audited; the complaint and its tracking
row are written together or not at all; ``address_string`` and ``media_url``."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa
from shapely.geometry import Point
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.safety_campus import CAMPUS, make_campus
from zoning.clock import utcnow
from zoning.errors import InvalidInput, NotFound, PermissionDenied
from zoning.services import ledger, public
from zoning.store.campus import campus_id
from zoning.store.public import buildings


@pytest.fixture
def campus(db: Engine) -> Engine:
    make_campus(db)
    return db


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def _submitted(engine: Engine, text: str = "走廊灯坏了") -> tuple[str, ledger.ComplaintView]:
    place = public.public_place(engine, CAMPUS, cell="C-01-01")
    officer = actor("safety_officer", campus=CAMPUS)
    token = public.submit_public_complaint(
        engine, place, actor=officer, category="repairs", text=text
    )
    view = ledger.list_complaints(engine, CAMPUS, actor=ADMIN)[-1]
    return token, view


def test_replies_show_latest_first_without_their_author(campus: Engine) -> None:
    token, view = _submitted(campus)
    cid = int(view.complaint.id)
    assert public.track(campus, token).replies == ()
    now = utcnow()
    first = ledger.reply_publicly(
        campus, CAMPUS, cid, "已派维修人员 <b>", actor=ADMIN, at=now - timedelta(hours=1)
    )
    ledger.reply_publicly(campus, CAMPUS, cid, "  已修好，谢谢反映。 ", actor=ADMIN, at=now)
    replies = public.track(campus, token).replies
    assert [r.text for r in replies] == ["已修好，谢谢反映。", "已派维修人员 <b>"]
    assert replies[1].at == first.at and set(vars(replies[0])) == {"text", "at"}
    audit = _rows(campus, "SELECT actor, action FROM audit_event WHERE action='complaint.reply'")
    assert audit == [(ADMIN.name, "complaint.reply")] * 2
    details = public.request_details(campus, CAMPUS, [view])[cid]
    assert [r.text for r in details.replies] == [r.text for r in replies]
    assert details.updated == max(now, view.complaint.received_at)


def test_a_reply_needs_the_permission_the_scope_and_a_text(campus: Engine) -> None:
    _, view = _submitted(campus)
    cid, zone = int(view.complaint.id), int(view.complaint.zone or 0)
    with pytest.raises(PermissionDenied, match="receive_complaints"):
        ledger.reply_publicly(campus, CAMPUS, cid, "ok", actor=actor("viewer"))
    elsewhere = actor("zone_leader", campus=CAMPUS, zone=zone % 3 + 1)
    with pytest.raises(PermissionDenied, match="outside the cells you answer for"):
        ledger.reply_publicly(campus, CAMPUS, cid, "ok", actor=elsewhere)
    with pytest.raises(NotFound, match="No complaint 999999"):
        ledger.reply_publicly(campus, CAMPUS, 999999, "ok", actor=ADMIN)
    for bad in ("   ", "x" * (ledger.MAX_REPLY + 1), "a\x00b"):
        with pytest.raises(InvalidInput, match="The reply"):
            ledger.reply_publicly(campus, CAMPUS, cid, bad, actor=ADMIN)
    own_zone = actor("zone_leader", campus=CAMPUS, zone=zone)
    ledger.reply_publicly(campus, CAMPUS, cid, "收到", actor=own_zone)
    assert _rows(campus, "SELECT text FROM complaint_reply") == [("收到",)]


def test_a_failing_tracking_insert_leaves_no_complaint(
    campus: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: "same-number-" + "x" * 13)
    _submitted(campus, "first")
    before = _rows(campus, "SELECT count(*) FROM complaint")
    with pytest.raises(sa.exc.IntegrityError):
        _submitted(campus, "second: its tracking number collides")  # the unique token_hash
    assert _rows(campus, "SELECT count(*) FROM complaint") == before == [(1,)]
    assert _rows(campus, "SELECT count(*) FROM hazard") == [(1,)]
    assert _rows(campus, "SELECT count(*) FROM complaint_tracking") == [(1,)]
    added = "SELECT count(*) FROM audit_event WHERE action='complaint.add'"
    assert _rows(campus, added) == [(1,)]


def _first_building(engine: Engine) -> tuple[str, object]:
    with engine.connect() as conn:
        found = buildings(conn, campus_id(conn, CAMPUS))
    row = found[found["name"] == "第一教学楼"].iloc[0]
    return str(row["name"]), row.geometry


def test_open311_address_string_and_media_url(campus: Engine) -> None:
    name, shape = _first_building(campus)
    officer = actor("safety_officer", campus=CAMPUS)
    made = public.add_open311_complaint(
        campus, CAMPUS, actor=officer, category="repairs", text="门坏了", address=f" {name} ",
        media_url="https://example.org/p.jpg", reported_by="Open311",
    )  # fmt: skip
    assert shape.contains(Point(made.complaint.lon, made.complaint.lat))  # type: ignore[attr-defined]
    cell = public.add_open311_complaint(
        campus, CAMPUS, actor=officer, category="noise", text="吵", address="c-01-01",
        reported_by="Open311",
    )  # fmt: skip
    assert cell.complaint.cell_code == "C-01-01"
    details = public.request_details(campus, CAMPUS, [made, cell])
    one, two = details[int(made.complaint.id)], details[int(cell.complaint.id)]
    assert (one.address, one.media_url) == (name, "https://example.org/p.jpg")
    assert two.media_url is None and two.address is not None and "C-01-01" in two.address
    ledger.move_hazard(campus, CAMPUS, int(made.hazard_id or 0), "register", actor=ADMIN)
    moved = public.request_details(campus, CAMPUS, [made])[int(made.complaint.id)]
    assert moved.updated > one.updated


def test_open311_refusals_store_nothing(campus: Engine) -> None:
    officer = actor("safety_officer", campus=CAMPUS)
    cases = [
        ({"address": "图书馆"}, "neither a building name nor a cell code"),
        ({"address": None}, "lat and long are required"),
        ({"address": "C-01-01", "media_url": "javascript:alert(1)"}, "not an http"),
        ({"address": "C-01-01", "media_url": "file:///etc/passwd"}, "not an http"),
        ({"lon": 10.0, "lat": 10.0}, "outside"),
    ]
    for extra, words in cases:
        with pytest.raises(InvalidInput, match=words):
            public.add_open311_complaint(
                campus, CAMPUS, actor=officer, category="repairs", text="t",
                reported_by="Open311", **extra,  # type: ignore[arg-type]
            )  # fmt: skip
    assert _rows(campus, "SELECT count(*) FROM complaint") == [(0,)]
    assert _rows(campus, "SELECT count(*) FROM complaint_media") == [(0,)]
