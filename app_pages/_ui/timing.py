"""The page-run timing hook for ``bench/ui.py``: off unless ``CAMPUSGRID_TIMING_LOG`` names
a file. The entry script (``app_pages/app.py``) wraps each page run in :func:`page_run`;
the pages themselves time nothing."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

TIMING_ENV = "CAMPUSGRID_TIMING_LOG"


@contextmanager
def page_run(page: str) -> Iterator[None]:
    """Append ``<page>.run <seconds>`` to the file named by ``CAMPUSGRID_TIMING_LOG`` when
    the page script completes; a run interrupted (a newer rerun, ``st.stop``) or failed
    writes nothing."""
    path = os.environ.get(TIMING_ENV, "").strip()
    started = time.perf_counter()
    yield
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{page}.run {time.perf_counter() - started:.4f}\n")
