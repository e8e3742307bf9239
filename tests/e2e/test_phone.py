"""The phone page ``/m`` in Chromium at a phone's viewport (390×844, touch) with the
phone's location: an inspector of the demo signs in once (a persistent cookie), sees the
due list, answers every item (a photo on a failed one), submits; a checklist opened far
from its cell warns; a submission made offline is queued, survives a reload while offline,
and is sent exactly once when the network is back."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.actors import ADMIN
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.signin import E2E_PASSWORD, ensure_account
from zoning.services import campus as campuses
from zoning.services import safety
from zoning.store.engine import open_engine

pytestmark = pytest.mark.e2e

CAMPUS = "demo"
ACCOUNT = "phone-inspector"


def _sql(url: str, text: str, **params: Any) -> list[Any]:
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(text), params))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def rounds(demo_db: str) -> dict[str, Any]:
    """An owner of the demo with two due inspections in different cells, the first two rows
    of their due list and a spot inside each cell (lon, lat)."""
    engine = open_engine(demo_db)
    try:
        due = safety.todo(engine, CAMPUS, actor=ADMIN)
        active = next(p for p in campuses.list_plans(engine, CAMPUS) if p.status == "active")
        cells = campuses.load_cells(engine, CAMPUS, active.id).set_index("code")
    finally:
        engine.dispose()
    for owner, rows in sorted(due.groupby("owner"), key=lambda kv: str(kv[0]), reverse=True):
        picked = rows.drop_duplicates("cell_code").head(2)
        if len(picked) == 2:
            spots = [cells.loc[c, "geometry"].representative_point() for c in picked.cell_code]
            return {"owner": str(owner), "rows": picked.to_dict("records"),
                    "spots": [(p.x, p.y) for p in spots]}  # fmt: skip
    raise AssertionError("no owner of the demo has two due cells")


@pytest.fixture(scope="module")
def phone(rounds: dict[str, Any], playwright: Any) -> Iterator[Any]:
    """A Chromium context like a phone: 390×844, mobile, touch, location allowed (from the
    session's Playwright: conftest.py)."""
    lon, lat = rounds["spots"][0]
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
        device_scale_factor=3, locale="zh-CN", permissions=["geolocation"],
        geolocation={"longitude": lon, "latitude": lat},
    )  # fmt: skip
    context.grant_permissions(["geolocation"])
    try:
        yield context
    finally:
        context.close()
        browser.close()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (180, 40, 40)).save(out, "PNG")
    return out.getvalue()


def _open(page: Any, row: dict[str, Any]) -> None:
    page.locator(
        f'#due button[data-cell="{row["cell_code"]}"][data-template="{row["template_code"]}"]'
        f'[data-period="{row["period"]}"]'
    ).tap()
    page.wait_for_selector("#check:not([hidden])")
    page.wait_for_function("() => !document.getElementById('where').textContent.includes('定位')")


def _inspections(url: str, row: dict[str, Any]) -> int:
    return len(_sql(url, "SELECT id FROM inspection WHERE cell_code = :c AND template_code = :t "
                    "AND period = :p", c=row["cell_code"], t=row["template_code"],
                    p=row["period"]))  # fmt: skip


def _audits(url: str) -> int:
    return len(_sql(url, "SELECT id FROM audit_event WHERE action = 'inspection.submit' "
                    "AND actor = :a", a=ACCOUNT))  # fmt: skip


def _queue(page: Any) -> int:
    return int(page.locator("#queue li").count())


def test_a_round_on_the_phone_online_then_offline(
    phone: Any, server: str, demo_db: str, rounds: dict[str, Any]
) -> None:
    first, second = rounds["rows"]
    ensure_account(demo_db, ACCOUNT, "inspector", campus=CAMPUS, person=rounds["owner"])
    page = phone.new_page()
    # Not signed in: the gate sends the phone to the sign-in form, "keep me signed in" ticked.
    page.goto(server + "/m")
    assert "/signin?next=%2Fm" in page.url
    assert page.locator("input[name=remember]").is_checked()
    page.fill("#name", ACCOUNT)
    page.fill("#password", E2E_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    cookie = next(c for c in phone.cookies() if c["name"] == "campusgrid_session")
    assert cookie["expires"] > 0  # persistent: the phone stays signed in
    own = page.locator("#map path.mine, #map path.overdue")  # their cells, late ones in red
    assert page.locator("#map path").count() > own.count() > 0

    # Online: every item answered (one failed, with a photo and a note), then submitted.
    _open(page, first)
    submit = page.locator("#submit")
    items = page.locator("#items > li")
    assert items.count() > 1 and submit.is_disabled()
    assert page.locator("#far").is_hidden()
    items.nth(0).locator("[data-answer=fail]").tap()
    items.nth(0).locator("input[type=file]").set_input_files(
        {"name": "crack.png", "mimeType": "image/png", "buffer": _png()}
    )
    items.nth(0).locator("textarea").fill("灭火器压力不足")
    for index in range(1, items.count() - 1):
        items.nth(index).locator("[data-answer=pass]").tap()
    assert submit.is_disabled()  # no default: the last item is still unanswered
    items.nth(items.count() - 1).locator("[data-answer=na]").tap()
    assert submit.is_enabled()
    submit.tap()
    page.wait_for_function("() => document.querySelectorAll('#queue li').length === 0")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('已发送')")
    assert _inspections(demo_db, first) == 1 and _audits(demo_db) == 1

    # The service worker keeps the page openable offline once it controls the page.
    page.wait_for_function("async () => !!(await navigator.serviceWorker.ready)")
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.wait_for_function("() => !!navigator.serviceWorker.controller")

    # Far from the cell: the checklist warns.
    phone.set_geolocation({"longitude": rounds["spots"][1][0] + 0.01,
                           "latitude": rounds["spots"][1][1]})  # fmt: skip
    _open(page, second)
    assert page.locator("#far").is_visible()
    page.locator("#check-back").tap()

    # Offline: the submission is kept on the phone, survives a reload, is sent once.
    phone.set_geolocation({"longitude": rounds["spots"][1][0], "latitude": rounds["spots"][1][1]})
    _open(page, second)
    assert page.locator("#far").is_hidden(), page.locator("#where").text_content()
    for index in range(page.locator("#items > li").count()):
        page.locator("#items > li").nth(index).locator("[data-answer=pass]").tap()
    phone.set_offline(True)
    page.locator("#submit").tap()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('已保存')")
    assert _queue(page) == 1 and _inspections(demo_db, second) == 0
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    assert _queue(page) == 1 and _inspections(demo_db, second) == 0
    phone.set_offline(False)
    page.wait_for_function("() => document.querySelectorAll('#queue li').length === 0",
                           timeout=30_000)  # fmt: skip
    assert _inspections(demo_db, second) == 1 and _audits(demo_db) == 2
    page.evaluate("() => new Promise((r) => setTimeout(r, 500))")
    assert _inspections(demo_db, second) == 1  # never twice
    page.close()


def test_a_hazard_reported_where_i_stand_offline_is_sent_once(
    phone: Any, server: str, demo_db: str, rounds: dict[str, Any]
) -> None:
    ensure_account(demo_db, ACCOUNT, "inspector", campus=CAMPUS, person=rounds["owner"])
    phone.set_geolocation({"longitude": rounds["spots"][0][0], "latitude": rounds["spots"][0][1]})
    page = phone.new_page()
    page.goto(server + "/m")
    if "/signin" in page.url:  # this test run alone: sign in first
        page.fill("#name", ACCOUNT)
        page.fill("#password", E2E_PASSWORD)
        page.click("button[type=submit]")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.locator("#report-open").tap()
    page.wait_for_selector("#hazard-form:not([hidden])")
    assert page.locator("#report-form").is_hidden()  # an inspector receives no complaints
    page.wait_for_function(
        "() => !document.getElementById('report-where').textContent.includes('定位')"
    )
    assert rounds["rows"][0]["cell_code"] in page.locator("#report-where").inner_text()
    assert page.locator("#hazard-domain option[value=fire]").count() == 1
    page.select_option("#hazard-domain", "fire")
    text = "消防通道被自行车堵住"
    page.fill("#hazard-text", text)
    page.locator("#hazard-photo").set_input_files(
        {"name": "bikes.png", "mimeType": "image/png", "buffer": _png()}
    )
    phone.set_offline(True)
    page.locator("#hazard-send").tap()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('已保存')")
    reported = "SELECT id, cell_code, source FROM hazard WHERE description = :d"
    assert _queue(page) == 1 and _sql(demo_db, reported, d=text) == []
    phone.set_offline(False)
    page.wait_for_function("() => document.querySelectorAll('#queue li').length === 0",
                           timeout=30_000)  # fmt: skip
    page.evaluate("() => new Promise((r) => setTimeout(r, 500))")
    ((hazard_id, cell, source),) = _sql(demo_db, reported, d=text)  # exactly once
    assert (cell, source) == (rounds["rows"][0]["cell_code"], "report")
    audits = _sql(demo_db, "SELECT detail FROM audit_event WHERE action = 'hazard.report' "
                  "AND actor = :a", a=ACCOUNT)  # fmt: skip
    details = [json.loads(d) if isinstance(d, str) else d for (d,) in audits]
    (mine,) = [d for d in details if d["hazard_id"] == hazard_id]
    assert len(mine["photos"]) == 1  # the photo went with the queued report
    page.close()
