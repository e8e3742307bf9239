"""Placing a complaint by clicking the ledger's pick map, in a real browser (issue 16): the
click on the map's centre picks the cell drawn there, fills the forms' longitude and
latitude with a point inside that cell, and says what was picked."""

from __future__ import annotations

import re
from typing import Any

from shapely import Point

from maps.deck import campus_view
from tests.e2e.browser import CHART, wait_idle
from zoning import services
from zoning.store.engine import open_engine

PICKED = re.compile(r"已选取 (.+)：(-?\d+\.\d+), (-?\d+\.\d+)")


def test_a_click_on_the_pick_map_fills_the_location(server: str, page: Any, demo_db: str) -> None:
    engine = open_engine(demo_db)
    try:
        view = campus_view(services.load_layers(engine, "demo"))
        cells = services.load_cells(engine, "demo")
    finally:
        engine.dispose()
    page.goto(f"{server}/ledger")
    chart = page.locator(CHART).filter(has=page.locator("canvas")).last  # the pick map
    chart.locator("canvas").first.wait_for(timeout=60_000)
    chart.scroll_into_view_if_needed()
    wait_idle(page, 60_000)
    page.wait_for_timeout(1000)  # deck.gl wires its handlers after the first frame
    box = chart.locator("canvas").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2  # the view's centre
    caption = page.get_by_text(PICKED)
    for _attempt in range(3):
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        try:
            caption.first.wait_for(timeout=10_000)
            break
        except Exception:
            continue
    text = caption.first.inner_text()
    found = PICKED.search(text)
    assert found, text
    lon, lat = float(found.group(2)), float(found.group(3))
    # the point picked lies in the cell (or the building) drawn under the click, which is
    # the cell holding the view's centre or one of its buildings' cell
    held = cells[cells.contains(Point(lon, lat))]
    centre = cells[cells.contains(Point(view["longitude"], view["latitude"]))]
    assert len(held) == 1 and len(centre) == 1, (lon, lat)
    assert held.geometry.iloc[0].distance(centre.geometry.iloc[0]) < 1e-3, (text, lon, lat)
    assert page.locator("[data-testid=stException]").count() == 0
