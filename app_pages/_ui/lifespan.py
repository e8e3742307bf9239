"""The web server's lifespan (``st.App(lifespan=…)``): at start, the warming thread
(:mod:`app_pages._ui.warm`) and the scheduler thread (:mod:`app_pages._ui.scheduler`); both
return at once, so the health check and the sign-in page answer while they work; both are
asked to stop at shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app_pages._ui import scheduler, warm


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """Start the background threads; stop them when the server stops."""
    warm.start()
    scheduler.start_scheduler()
    try:
        yield
    finally:
        scheduler.stop_scheduler()
        warm.stop()
