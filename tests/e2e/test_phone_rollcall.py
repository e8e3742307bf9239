"""晚点名签到 on the phone page ``/m`` in Chromium at a phone's viewport (390×844, touch),
the location given through Playwright's geolocation: a student in the dormitory checks in
with the building's code (a second try says already checked in); one far away is refused;
one whose phone refuses the location is told to allow it or find the grid member. A roll
call open now on its own server (:mod:`tests.people_grid.tonight`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.server import streamlit_server
from tests.e2e.signin import E2E_PASSWORD, session_cookie
from tests.people_grid.dorms import inside, metres_north
from tests.people_grid.tonight import code_now, student_account, tonight_db
from zoning.api.asgi import SESSION_COOKIE

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(database URL, base URL of a guarded server on it)."""
    folder = tmp_path_factory.mktemp("rollcall-phone")
    url = tonight_db(folder)
    with streamlit_server(url, folder / "streamlit.log") as base:
        yield url, base


@pytest.fixture(scope="module")
def chromium(playwright: Any) -> Iterator[Any]:
    """A Chromium from the session's Playwright (conftest.py)."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


def _phone(chromium: Any, base: str, number: str, where: tuple[float, float] | None) -> Any:
    """A phone's context signed in as student ``number``, located at ``where`` (None: the
    location is refused)."""
    located = {} if where is None else {
        "permissions": ["geolocation"],
        "geolocation": {"longitude": where[0], "latitude": where[1], "accuracy": 15},
    }  # fmt: skip
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
        device_scale_factor=3, locale="zh-CN", **located,
    )  # fmt: skip
    token = session_cookie(base, student_account(number), E2E_PASSWORD)
    context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base,
                          "httpOnly": True, "sameSite": "Lax"}])  # fmt: skip
    return context


def _open(context: Any, base: str) -> Any:
    tab = context.new_page()
    tab.goto(base + "/m")
    tab.wait_for_selector("body[data-ready=true]", timeout=30_000)
    button = tab.locator("#rollcall-open")
    assert button.is_visible() and button.inner_text() == "晚点名签到"
    assert not tab.locator("#due-heading").is_visible()  # a student has no inspections
    button.tap()
    assert tab.locator("#rollcall").is_visible()
    return tab


def _send(tab: Any, code: str) -> str:
    tab.locator("#rollcall-code").fill(code)
    tab.locator("#rollcall-send").tap()
    result = tab.locator("#rollcall-result")
    result.wait_for(state="visible", timeout=20_000)
    tab.locator("#rollcall-send:not([disabled])").wait_for()
    return str(result.inner_text())


def test_a_student_checks_in_from_the_phone(night: tuple[str, str], chromium: Any) -> None:
    url, base = night
    context = _phone(chromium, base, "1", inside())
    try:
        tab = _open(context, base)
        tab.locator("#rollcall-where").filter(has_text="已定位").wait_for(timeout=15_000)
        assert "请输入 6 位数字" in _send(tab, "12")
        answer = _send(tab, code_now(url))
        assert answer == "签到成功（距离：楼内，精度 15 米）。"
        assert tab.locator("#rollcall-result").get_attribute("class") == "ok"
        assert _send(tab, code_now(url)) == "你今晚已签到，无需重复签到。"
        assert tab.locator("#rollcall-result").get_attribute("class") == "refused"
        # In English the service's own line.
        tab.locator("#lang").tap()
        assert _send(tab, code_now(url)).startswith("Student 1 is already checked in")
    finally:
        context.close()


def test_far_from_the_dormitory_is_refused(night: tuple[str, str], chromium: Any) -> None:
    url, base = night
    context = _phone(chromium, base, "2", metres_north(600))
    try:
        tab = _open(context, base)
        answer = _send(tab, code_now(url))
        assert answer == "签到未通过：你距宿舍楼太远，请回到宿舍楼后再签到。"
    finally:
        context.close()


def test_a_refused_location_says_what_to_do(night: tuple[str, str], chromium: Any) -> None:
    url, base = night
    context = _phone(chromium, base, "3", None)
    try:
        tab = _open(context, base)
        answer = _send(tab, code_now(url))
        assert answer.startswith("没有定位无法线上签到") and "网格员" in answer
        assert tab.locator("#rollcall-where").inner_text() in (
            "定位被拒绝：请在浏览器设置中允许本页使用位置。",
            "无法获取定位：手机未提供位置。",
        )
    finally:
        context.close()
