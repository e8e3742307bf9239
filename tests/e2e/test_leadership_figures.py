"""The leadership page in Chromium (issue 16): every figure names its period, the replay
week drives the cards, no rate reads "None", and the CSV export carries its header lines."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.e2e.browser import CHART, wait_idle

METRIC_LABEL = "[data-testid=stMetricLabel]"


def test_leadership_figures_name_their_period(server: str, page: Any, artifacts: Path) -> None:
    page.goto(f"{server}/leadership")
    page.wait_for_selector(f"{CHART} canvas", timeout=60_000)
    wait_idle(page, 90_000)
    labels = page.locator(METRIC_LABEL).all_inner_texts()
    assert len(labels) == 5
    assert all("近 90 天" in label for label in (labels[0], labels[2], labels[3])), labels
    assert "当前" in labels[1] and "当前" in labels[4]
    body = page.locator("section.main, [data-testid=stMain]").first.inner_text()
    assert "统计期：近 90 天" in body
    # replay the last week: the cards follow it
    slider = page.get_by_role("slider").first
    slider.focus()
    page.keyboard.press("End")
    wait_idle(page, 90_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stMetricLabel]')]"
        ".some(e => /W\\d\\d（/.test(e.innerText))",
        timeout=60_000,
    )
    labels = page.locator(METRIC_LABEL).all_inner_texts()
    assert "-W" in labels[0] and "近 90 天" not in labels[0], labels
    page.screenshot(path=str(artifacts / "leadership_week.png"), full_page=True)
    button = page.get_by_role("button", name="下载网格完成率 CSV")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=60_000) as download:
        button.click()
    text = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert [line[0] for line in lines[:4]] == [
        "校园 Campus", "统计期 Period", "网格方案 Plan version", "生成时间 Made at",
    ]  # fmt: skip
    assert "-W" in lines[1][1]
    assert page.locator("[data-testid=stException]").count() == 0
