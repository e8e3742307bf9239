"""Headless Chromium for the browser tests and the UI benchmarks, and the waits they share.

Playwright cannot download browsers here: the system's Debian ``chromium`` is launched with
``executable_path``. WebGL runs on SwiftShader (``--disable-gpu``).
"""

from __future__ import annotations

import io
import os
import time
from typing import Any

CHROMIUM = os.environ.get("CAMPUSGRID_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The deck.gl chart of a page.
CHART = "[data-testid=stDeckGlJsonChart]"


def _drawn_fraction(png: bytes) -> float:
    """Return the fraction of pixels that are not the white page background."""
    from PIL import Image, ImageChops

    image = Image.open(io.BytesIO(png)).convert("RGB")
    diff = ImageChops.difference(image, Image.new("RGB", image.size, (255, 255, 255)))
    histogram = diff.convert("L").point(lambda v: 255 if v > 16 else 0).histogram()
    return histogram[255] / (image.size[0] * image.size[1])


def wait_idle(page: Any, timeout_ms: int = 30_000) -> None:
    """Wait (at most ``timeout_ms`` ms) until the page's script has stopped running."""
    page.wait_for_function(
        "() => document.querySelector('[data-test-script-state]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=timeout_ms,
    )


def wait_drawn(page: Any, *, timeout_s: float = 60.0) -> tuple[bytes, float]:
    """Poll the chart until it has drawn; return its screenshot and the fraction drawn."""
    deadline = time.monotonic() + timeout_s
    png, fraction = b"", 0.0
    while time.monotonic() < deadline:
        chart = page.locator(CHART).first
        if chart.count() and chart.locator("canvas").count():
            png = chart.screenshot()
            fraction = _drawn_fraction(png)
            if fraction > 0.05:
                return png, fraction
        page.wait_for_timeout(250)
    return png, fraction
