"""Planted hostile text in real Chromium: every page shows it as text and runs nothing.

One database holds HTML and formulas in every kind of user text (planted through the
services: :func:`tests.hostile_campus.plant`), one guarded server serves it,
one signed-in tab opens the safety map (a cell's tooltip and panel), the ledger, the
inspections page, the planner and leadership. Any dialog, any call of alert/confirm/prompt,
any request for the ``<img src=x>``'s file, any ``<img onerror>`` or planted ``<script>``
element in the DOM fails the test; the planted texts must be readable as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.browser import CHART, wait_drawn, wait_idle
from tests.e2e.server import streamlit_server
from tests.e2e.signin import E2E_ACCOUNT, E2E_PASSWORD, ensure_account, session_cookie
from tests.hostile_campus import CAMPUS, plant
from tests.xss_campus import HOSTILE_FORMULAS, HOSTILE_HTML
from zoning.api.asgi import SESSION_COOKIE
from zoning.services.database import open_engine

pytestmark = pytest.mark.e2e

#: Records every alert/confirm/prompt call of every frame (before any page script runs).
TRAP = """
window.__hostile_calls = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = (...args) => { window.__hostile_calls.push(name + ":" + String(args[0])); };
}
"""
#: Elements that planted HTML would have made: an <img onerror> or a script running alert.
PLANTED_ELEMENTS = """() => [
  ...[...document.querySelectorAll("img[onerror]")].map(e => e.outerHTML),
  ...[...document.scripts].filter(s => s.textContent.includes("alert(1)")).map(s => s.outerHTML),
]"""

#: The texts of the data grids' cells (drawn on a canvas; glide keeps an accessible table).
GRID_CELLS = "() => [...document.querySelectorAll('[role=gridcell]')].map(e => e.textContent)"


@dataclass
class Watch:
    """What the tab did that planted text could have caused."""

    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    image_x: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A guarded server on a database holding only the planted campus."""
    folder = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{folder / 'hostile.sqlite'}"
    engine = open_engine(url)
    try:
        plant(engine, folder)
    finally:
        engine.dispose()
    ensure_account(url)
    with streamlit_server(url, folder / "streamlit.log") as base:
        yield base


@pytest.fixture(scope="module")
def watched(browser: Any, hostile_server: str) -> Iterator[tuple[Any, Watch]]:
    """One signed-in tab of the shared browser context, with its traps set."""
    token = session_cookie(hostile_server, E2E_ACCOUNT, E2E_PASSWORD)
    browser.add_cookies(
        [{"name": SESSION_COOKIE, "value": token, "url": hostile_server, "httpOnly": True,
          "sameSite": "Lax"}]
    )  # fmt: skip
    tab = browser.new_page()
    watch = Watch()
    tab.add_init_script(TRAP)

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: Any) -> None:
        if message.type == "error" and ("alert(1)" in message.text or "onerror" in message.text):
            watch.console.append(message.text)

    def on_request(request: Any) -> None:
        if urlsplit(request.url).path.rstrip("/").endswith("/x"):
            watch.image_x.append(request.url)

    tab.on("dialog", on_dialog)
    tab.on("console", on_console)
    tab.on("request", on_request)
    try:
        yield tab, watch
    finally:
        tab.close()


def _nothing_ran(tab: Any, watch: Watch) -> None:
    assert watch.dialogs == [], watch.dialogs
    assert watch.console == [], watch.console
    assert watch.image_x == [], f"the planted <img src=x> was fetched: {watch.image_x}"
    assert tab.evaluate("() => window.__hostile_calls") == []
    assert tab.evaluate(PLANTED_ELEMENTS) == []
    assert tab.locator("[data-testid=stException]").count() == 0


def _open(tab: Any, url: str) -> str:
    tab.goto(url)
    tab.wait_for_selector("h1", timeout=60_000)
    wait_idle(tab, 90_000)
    tab.wait_for_timeout(500)
    return str(tab.locator("body").inner_text())


def test_the_safety_map_shows_planted_names_as_text(
    hostile_server: str, watched: tuple[Any, Watch], artifacts: Path
) -> None:
    tab, watch = watched
    text = _open(tab, hostile_server)
    tab.wait_for_selector(f"{CHART} canvas", timeout=60_000)
    wait_drawn(tab)
    assert CAMPUS in text  # the campus name, HTML and formula, shown in the heading/sidebar
    box = tab.locator(f"{CHART} canvas").first.bounding_box()
    tooltip = tab.locator(".deck-tooltip")
    shown = ""
    # hover along the row of buildings (each named by a planted text) until one is picked
    for step in range(-8, 9):
        x = box["x"] + box["width"] / 2 + step * box["width"] / 40
        y = box["y"] + box["height"] / 2
        tab.mouse.move(x - 2, y)
        tab.mouse.move(x, y)
        tab.wait_for_timeout(250)
        if tooltip.count() and tooltip.first.is_visible():
            shown = str(tooltip.first.inner_text())
            if any(h in shown for h in HOSTILE_HTML):
                break
    tab.screenshot(path=str(artifacts / "hostile_tooltip.png"))
    # the cells' tooltip carries only the code (issue 18: details in the panel), and the
    # cells lie over the buildings, so a hover may only ever find cells: the tooltip must
    # show text, never markup; the planted names are checked in the panel below
    assert shown, "no tooltip on hover"
    if not any(h in shown for h in HOSTILE_HTML):
        print(f"the hover found a cell, not a building: {shown!r}")
    assert tooltip.first.locator("img, script").count() == 0
    # hide buildings, cameras and hazards (the last three layer chips): the click must
    # reach a cell, whose owner (a planted name) the panel shows
    layers_input = tab.locator("[data-testid=stMultiSelect] input").first
    layers_input.click()
    for _chip in range(3):
        layers_input.press("Backspace")
        wait_idle(tab)
    layers_input.press("Escape")
    wait_idle(tab)
    wait_drawn(tab)
    tab.wait_for_timeout(500)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    tab.mouse.move(x, y)
    tab.wait_for_timeout(300)
    tab.mouse.click(x, y)
    panel = tab.locator("h4").filter(has_text="网格 ")
    panel.first.wait_for(timeout=20_000)
    wait_idle(tab)
    text = str(tab.locator("body").inner_text())
    tab.screenshot(path=str(artifacts / "hostile_panel.png"), full_page=True)
    assert any(h in text for h in HOSTILE_HTML), "the panel shows no planted text"
    _nothing_ran(tab, watch)


#: The planted texts each page must show as text, beyond the campus name: the ledger's
#: complaint texts, the planner's owners, leadership's owner ranking. (The inspections page
#: lists no planted text of its own for the admin today: only the campus name is checked.)
SHOWN = {
    "ledger": (*HOSTILE_HTML, HOSTILE_FORMULAS[0]),
    "planner": (*HOSTILE_HTML, HOSTILE_FORMULAS[0]),
    "leadership": (HOSTILE_HTML[1],),
    "inspections": (),
}


@pytest.mark.parametrize("slug", sorted(SHOWN))
def test_each_page_shows_planted_text_and_runs_none(
    hostile_server: str, watched: tuple[Any, Watch], slug: str, artifacts: Path
) -> None:
    tab, watch = watched
    text = _open(tab, f"{hostile_server}/{slug}")
    for _wait in range(30):  # a loaded machine draws the tables' cells late: up to 30 s
        cells = tab.evaluate(GRID_CELLS)
        missing = [p for p in SHOWN[slug] if p not in text and p not in cells]
        if not missing:
            break
        tab.wait_for_timeout(1000)
        text = str(tab.locator("body").inner_text())
    tab.screenshot(path=str(artifacts / f"hostile_{slug}.png"), full_page=True)
    (artifacts / f"hostile_{slug}.txt").write_text(text + "\n==== grid cells\n" + "\n".join(cells))
    assert CAMPUS in text
    assert missing == [], f"{slug} does not show {missing} as text"
    _nothing_ran(tab, watch)
