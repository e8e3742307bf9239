"""The safety map's first draw: what it shows before the user touches a filter.

The safety map (``app_pages/safety_map.py``) sets its widgets' defaults from here and the
server's warm-up (``app_pages/_ui/warm.py``) fills the caches for the same choice, so the
first visitor's map is already painted.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from maps.measures import Measure, StatusGroup

__all__ = ["FIRST_DAYS", "FIRST_MEASURE", "FIRST_STATUSES", "first_dates"]

#: The measure the cells are coloured by at first.
FIRST_MEASURE: Final[Measure] = "completion"
#: The hazard states shown at first.
FIRST_STATUSES: Final[tuple[StatusGroup, ...]] = ("open",)
#: How many local days, today included, the first date range covers.
FIRST_DAYS: Final[int] = 90


def first_dates(today: date) -> tuple[date, date]:
    """Return the first date range: the :data:`FIRST_DAYS` local days ending ``today``."""
    return today - timedelta(days=FIRST_DAYS - 1), today
