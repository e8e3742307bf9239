"""Signing in and out in real Chromium: the form before anything else, who is signed in in
the sidebar, sign-out back to the form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import wait_idle
from tests.e2e.signin import E2E_ACCOUNT, E2E_PASSWORD

pytestmark = pytest.mark.e2e


def test_sign_in_who_am_i_and_sign_out(
    server: str, browser: Any, page: Any, artifacts: Path
) -> None:
    browser.clear_cookies()  # a browser that never signed in
    page.goto(f"{server}/ledger")
    assert page.url == f"{server}/signin?next=%2Fledger"
    assert page.locator("h1").inner_text().startswith("登录")
    page.fill("#name", E2E_ACCOUNT)
    page.fill("#password", "a-wrong-password-9")
    page.click("button[type=submit]")
    assert "账号或密码错误。" in page.locator(".error").inner_text()
    page.fill("#password", E2E_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/ledger")
    wait_idle(page, 60_000)
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text(f"当前用户：{E2E_ACCOUNT}（系统管理员）").wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts / "signed_in.png"))
    page.locator("[data-testid=cg-sign-out]").click()
    page.wait_for_url(f"{server}/signin")
    page.goto(server)  # the old cookie is no session any more
    assert page.url.startswith(f"{server}/signin")
