"""The safety map in real Chromium: it draws, fetches nothing from outside, and answers clicks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from shapely import Point

from maps.deck import campus_view
from tests.e2e.browser import CHART, wait_drawn, wait_idle
from tests.xss_campus import XSS_HAZARD, XSS_NAME
from zoning import services
from zoning.store.engine import open_engine

pytestmark = pytest.mark.e2e

PAGES = ("safety_map", "leadership", "planner", "inspections", "ledger", "cameras")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def test_safety_map_draws_without_outside_requests(server: str, page: Any, artifacts: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    started = time.perf_counter()
    page.goto(server)
    page.wait_for_selector(f"{CHART} canvas", timeout=60_000)
    png, fraction = wait_drawn(page)
    first_draw_s = time.perf_counter() - started
    page.screenshot(path=str(artifacts / "safety_map.png"))
    (artifacts / "safety_map_chart.png").write_bytes(png)
    (artifacts / "safety_map_timing.txt").write_text(
        f"navigation to canvas drawn: {first_draw_s:.2f} s; drawn fraction {fraction:.3f}\n"
    )
    print(f"navigation to canvas drawn: {first_draw_s:.2f} s, drawn fraction {fraction:.3f}")
    assert fraction > 0.05, "the deck canvas stayed blank"
    outside = {
        url
        for url in requests
        if urlsplit(url).scheme not in ("data", "blob")
        and urlsplit(url).hostname not in LOCAL_HOSTS
    }
    assert not outside, f"the page fetched from outside: {sorted(outside)[:5]}"
    assert page.locator("[data-testid=stException]").count() == 0
    # every layer's data in one file: one fetch, one parse, one frame (maps.bundle)
    files = [url for url in requests if urlsplit(url).path.startswith("/layers/")]
    assert len(files) == 1 and "/layers/bundle-" in files[0], files


@pytest.mark.parametrize("slug", PAGES)
def test_every_page_loads_without_an_exception(
    server: str, page: Any, slug: str, artifacts: Path
) -> None:
    # the default page lives at the root: Streamlit answers /safety_map with "Page not found"
    page.goto(server if slug == PAGES[0] else f"{server}/{slug}")
    page.wait_for_selector("h1", timeout=60_000)
    wait_idle(page, 90_000)
    page.wait_for_selector("[data-testid=stSidebar] [data-testid=stSelectbox]", timeout=10_000)
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.get_by_text("Page not found").count() == 0
    if page.locator(f"{CHART} canvas").count():
        wait_drawn(page, timeout_s=30)
    page.screenshot(path=str(artifacts / f"page_{slug}.png"), full_page=(slug != "safety_map"))


def test_switching_language_changes_labels(server: str, page: Any) -> None:
    page.goto(server)
    page.wait_for_selector("h1:has-text('安全地图')", timeout=60_000)
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text("校园", exact=True).wait_for(timeout=10_000)
    wait_idle(page)
    sidebar.get_by_text("English", exact=True).click()
    page.wait_for_selector("h1:has-text('Safety map')", timeout=30_000)
    sidebar.get_by_text("Campus", exact=True).wait_for(timeout=10_000)
    page.get_by_role("link", name="Leadership").wait_for(timeout=10_000)
    assert sidebar.get_by_text("校园", exact=True).count() == 0


def test_clicking_a_cell_opens_its_panel(
    server: str, page: Any, demo_db: str, artifacts: Path
) -> None:
    engine = open_engine(demo_db)
    layers = services.load_layers(engine, "demo")
    cells = services.load_cells(engine, "demo")
    view = campus_view(layers)
    centre = Point(view["longitude"], view["latitude"])
    under_centre = cells[cells.contains(centre)]
    assert len(under_centre) == 1, "the view centre must fall inside one cell"
    code = str(under_centre["code"].iloc[0])

    page.goto(server)
    page.wait_for_selector(f"{CHART} canvas", timeout=60_000)
    wait_idle(page)
    # Hide buildings, cameras and hazards (the last three layer chips): the click must
    # reach the cell.
    layers_input = page.locator("[data-testid=stMultiSelect] input").first
    layers_input.click()
    for _chip in range(3):
        layers_input.press("Backspace")
        wait_idle(page)
    layers_input.press("Escape")
    wait_idle(page)
    wait_drawn(page)
    page.wait_for_timeout(500)
    # The view centre is drawn at the centre of the canvas whatever the pitch and bearing.
    box = page.locator(f"{CHART} canvas").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    panel = page.locator("h4").filter(has_text="网格 ")
    for _attempt in range(3):  # the first click can land before deck.gl wires its handlers
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        try:
            panel.first.wait_for(timeout=10_000)
            break
        except Exception:
            continue
    wait_idle(page)
    page.screenshot(path=str(artifacts / "safety_map_cell_panel.png"))
    assert panel.first.inner_text() == f"网格 {code}"
    assert page.locator("[data-testid=stException]").count() == 0
    # The chain of responsibility starts with the cell's owner and ends with leadership.
    owner = str(under_centre["owner"].iloc[0])
    chain = page.locator("[data-testid=stMarkdownContainer]").filter(has_text="→").first
    assert chain.inner_text().startswith(f"网格员 {owner} ")  # then ☎ (staff), then →
    assert "安全保卫处" in chain.inner_text() and "校领导" in chain.inner_text()
    # The hazard entered at the centre shows its HTML text as text, and runs nothing.
    hazard_text = page.get_by_text(XSS_HAZARD, exact=False).first
    hazard_text.wait_for(timeout=10_000)
    assert page.locator("[data-testid=stMain] img[src=x]").count() == 0
    assert page.evaluate("() => window.__xss") is None


def test_user_written_names_show_as_text(server: str, page: Any, artifacts: Path) -> None:
    page.goto(server)
    page.wait_for_selector(f"{CHART} canvas", timeout=60_000)
    wait_idle(page)
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").click()
    page.get_by_role("option", name="xss (XSS)").click()
    page.wait_for_selector("h3:has-text('xss')", timeout=30_000)
    wait_idle(page)
    wait_drawn(page)
    box = page.locator(f"{CHART} canvas").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    tooltip = page.locator(".deck-tooltip")
    for _attempt in range(5):  # hover until deck.gl has picked the building
        page.mouse.move(x - 3, y)
        page.mouse.move(x, y)
        page.wait_for_timeout(400)
        if tooltip.count() and tooltip.first.is_visible():
            break
    page.screenshot(path=str(artifacts / "safety_map_xss_tooltip.png"))
    assert XSS_NAME in tooltip.first.inner_text()
    assert tooltip.first.locator("img").count() == 0
    assert page.evaluate("() => window.__xss") is None


def test_leadership_heatmap_draws(server: str, page: Any, artifacts: Path) -> None:
    page.goto(f"{server}/leadership")
    page.wait_for_selector(f"{CHART} canvas", timeout=60_000)
    wait_idle(page, 90_000)
    _png, fraction = wait_drawn(page)
    assert fraction > 0.05, "the heatmap canvas stayed blank"
    page.locator(CHART).first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "leadership.png"))
    assert page.locator("[data-testid=stException]").count() == 0


def test_leadership_exports_download(server: str, page: Any, artifacts: Path) -> None:
    """The Excel report and the charts are built when their button is clicked."""

    import io

    from openpyxl import load_workbook

    page.goto(f"{server}/leadership")
    page.wait_for_selector(f"{CHART} canvas", timeout=60_000)
    wait_idle(page, 90_000)
    files: dict[str, bytes] = {}
    for label in ("下载 Excel 报表", "下载图表 PNG"):
        button = page.get_by_role("button", name=label)
        button.scroll_into_view_if_needed()
        with page.expect_download(timeout=60_000) as download:
            button.click()
        path = download.value.path()
        files[download.value.suggested_filename] = Path(path).read_bytes()
    names = sorted(files)
    assert [n.rsplit(".", 1)[-1] for n in names] == ["png", "xlsx"]
    book = load_workbook(io.BytesIO(files[names[1]]))
    assert book.sheetnames[:3] == ["概况", "片区排名", "网格员排名"]
    assert files[names[0]].startswith(b"\x89PNG")
    (artifacts / "leadership_export.xlsx").write_bytes(files[names[1]])
    assert page.locator("[data-testid=stException]").count() == 0


def _still_chart(page: Any) -> Any:
    """Return the chart's picture once two screenshots 300 ms apart are the same (PIL)."""
    from io import BytesIO

    from PIL import Image

    chart = page.locator(CHART).first
    shot = chart.screenshot()
    for _attempt in range(40):
        page.wait_for_timeout(300)
        again = chart.screenshot()
        if again == shot:
            break
        shot = again
    return Image.open(BytesIO(shot)).convert("RGB")


def _differs(a: Any, b: Any) -> float:
    """Return the share of pixels that differ between pictures ``a`` and ``b``."""
    from PIL import ImageChops

    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 24 else 0)
    return float(diff.histogram()[255]) / (diff.width * diff.height)


def test_a_new_colouring_repaints_the_map_and_the_first_comes_back(
    server: str, page: Any, artifacts: Path
) -> None:
    # The first draw takes every layer from one bundle; the new colours come from the cells'
    # own new file, the old ones from the bundle again (maps.bundle): both must be drawn.
    page.goto(server)
    page.wait_for_selector(f"{CHART} canvas", timeout=60_000)
    wait_idle(page)
    wait_drawn(page)
    first = _still_chart(page)
    radio = page.locator("[data-testid=stRadio]").filter(has_text="面积").first
    radio.get_by_text("面积", exact=True).first.click()
    wait_idle(page)
    area = _still_chart(page)
    area.save(artifacts / "safety_map_by_area.png")
    radio.get_by_text("巡查完成率", exact=True).first.click()
    wait_idle(page)
    back = _still_chart(page)
    assert _differs(first, area) > 0.02, "colouring by area changed nothing on the map"
    assert _differs(first, back) < _differs(first, area) / 4, "the first colours did not return"
    assert page.locator("[data-testid=stException]").count() == 0
