"""The planner, inspections and ledger pages in real Chromium: they load without an
exception, the planner merges two cells a user picked, labels follow the language switch,
and nothing is fetched from outside 127.0.0.1."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from maps.plan_layers import plan_view
from tests.e2e.browser import CHART, wait_idle
from zoning import services
from zoning.store.engine import open_engine

pytestmark = pytest.mark.e2e

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TITLES = {
    "planner": ("网格规划", "Grid planner"),
    "inspections": ("巡查", "Inspections"),
    "ledger": ("台账", "Ledger"),
}


def _outside(requests: list[str]) -> set[str]:
    return {
        url
        for url in requests
        if urlsplit(url).scheme not in ("data", "blob")
        and urlsplit(url).hostname not in LOCAL_HOSTS
    }


@pytest.mark.parametrize("slug", list(TITLES))
def test_page_loads_in_both_languages(server: str, page: Any, slug: str, artifacts: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    zh, en = TITLES[slug]
    page.goto(f"{server}/{slug}")
    page.wait_for_selector(f"h1:has-text('{zh}')", timeout=60_000)
    wait_idle(page, 60_000)
    page.wait_for_selector("[data-testid=stDataFrame]", timeout=30_000)
    assert page.locator("[data-testid=stException]").count() == 0
    page.screenshot(path=str(artifacts / f"{slug}.png"), full_page=True)
    page.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
    page.wait_for_selector(f"h1:has-text('{en}')", timeout=30_000)
    wait_idle(page, 60_000)
    assert page.locator("[data-testid=stException]").count() == 0
    page.screenshot(path=str(artifacts / f"{slug}_en.png"), full_page=True)
    page.locator("[data-testid=stSidebar]").get_by_text("中文", exact=True).click()
    page.wait_for_selector(f"h1:has-text('{zh}')", timeout=30_000)
    assert not _outside(requests), sorted(_outside(requests))[:5]


def _pixel(
    view: dict[str, float], box: dict[str, float], lon: float, lat: float
) -> tuple[float, float]:
    """Return where lon/lat is drawn on the top-down planner map (Web Mercator)."""

    def merc(value: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(value) / 2))

    scale = 512 * 2 ** view["zoom"]
    x = box["x"] + box["width"] / 2 + (lon - view["longitude"]) / 360 * scale
    y = box["y"] + box["height"] / 2 - (merc(lat) - merc(view["latitude"])) / (2 * math.pi) * scale
    return x, y


def _chips(page: Any) -> list[str]:
    chips = page.locator("[data-testid=stMultiSelect] [data-tag]")
    return [chips.nth(i).inner_text().strip() for i in range(chips.count())]


def test_planner_merges_two_cells(server: str, page: Any, demo_db: str, artifacts: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}/planner")
    page.wait_for_selector("h1:has-text('网格规划')", timeout=60_000)
    wait_idle(page, 60_000)

    # A new draft from the active plan, with a reason (the signed-in account is the author).
    page.get_by_text("从方案新建草稿").click()
    page.get_by_label("原因").first.fill("合并两个网格")
    page.get_by_label("原因").first.press("Tab")
    page.get_by_role("button", name="新建草稿").click()
    page.get_by_text("已新建草稿 v2").wait_for(timeout=30_000)
    wait_idle(page, 60_000)

    engine = open_engine(demo_db)
    draft = next(p for p in services.list_plans(engine, "demo") if p.status == "draft")
    cells = services.load_cells(engine, "demo", draft.id)
    view = plan_view(services.load_layers(engine, "demo"))
    metric = cells.to_crs(3857)
    centre = cells.geometry.representative_point()
    first = int(metric.geometry.distance(metric.geometry.union_all().centroid).argmin())
    touching = metric.geometry.intersection(metric.geometry.iloc[first]).length > 1.0
    second = next(k for k in range(len(cells)) if touching.iloc[k] and k != first)
    pair = [str(cells["code"].iloc[first]), str(cells["code"].iloc[second])]

    # Select the two cells by clicking them on the map; fall back to the code picker.
    page.wait_for_selector(f"{CHART} canvas", timeout=60_000)
    page.wait_for_timeout(1500)
    for k in (first, second):
        # Read the box before each click: a message shown once moves the map on the rerun.
        box = page.locator(f"{CHART} canvas").first.bounding_box()
        x, y = _pixel(view, box, centre.iloc[k].x, centre.iloc[k].y)
        tooltip = page.locator(".deck-tooltip")
        for _attempt in range(3):  # hover until deck.gl picks the cell, then click it
            page.mouse.move(x - 2, y)
            page.mouse.move(x, y)
            page.wait_for_timeout(700)
            if tooltip.count() and str(cells["code"].iloc[k]) in tooltip.first.inner_text():
                break
        page.mouse.click(x, y)
        page.wait_for_timeout(1000)
        wait_idle(page, 60_000)
        page.wait_for_timeout(1000)
    picked_on_map = sorted(_chips(page)) == sorted(pair)
    print(f"cells picked on the map: {picked_on_map} ({_chips(page)} vs {pair})")
    if not picked_on_map:
        codes = page.locator("[data-testid=stMultiSelect]").first
        for chip in _chips(page):  # clear what the clicks picked
            codes.get_by_role("button", name=f"Remove {chip}").click(timeout=5000)
            wait_idle(page, 60_000)
        field = codes.locator("input")
        for code in pair:
            field.click()
            field.fill(code)
            page.get_by_role("option", name=code, exact=True).click()
            wait_idle(page, 60_000)
        page.keyboard.press("Escape")
    assert sorted(_chips(page)) == sorted(pair)
    page.screenshot(path=str(artifacts / "planner_selected.png"), full_page=True)

    page.get_by_role("button", name="合并所选网格").click()
    done = page.locator("[data-testid=stAlertContentSuccess]").filter(has_text="已保存")
    done.wait_for(timeout=30_000)
    wait_idle(page, 60_000)
    after = set(services.load_cells(engine, "demo", draft.id)["code"])
    (new_code,) = after - set(cells["code"])
    message = done.first.inner_text()
    assert new_code in message and pair[0] in message
    # The new code is in the diff table (added), and the old ones are listed as removed.
    diff = page.locator("[data-testid=stTable]").first
    diff.get_by_text(new_code, exact=True).wait_for(timeout=10_000)
    assert diff.get_by_text(pair[1], exact=True).count() == 1
    page.screenshot(path=str(artifacts / "planner.png"), full_page=True)
    assert page.locator("[data-testid=stException]").count() == 0
    assert not _outside(requests), sorted(_outside(requests))[:5]
