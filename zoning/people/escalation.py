"""When the people grid's unresolved items climb the chain (pure): a missing student after a
roll call closes, a student not back at a holiday's return deadline.

Level 0 is the dormitory's grid member (at once), 1 the counsellor, 2 the college's deputy
secretary: one more level every ``every_min`` minutes after the item became due.
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: The chain's levels, lowest first, as the roles a notification channel may filter on.
CHAIN: tuple[str, ...] = ("grid_member", "counsellor", "deputy_secretary")
#: Minutes before an item not followed up climbs one level.
DEFAULT_EVERY_MIN = 30
#: Minutes before a roll call's window closes that the students not checked in are reminded.
REMIND_BEFORE_MIN = 15
#: How long after it became due an item is still escalated (older ones are left alone, so a
#: scheduler started late does not send last week's news).
STALE_AFTER = timedelta(days=2)


def level_reached(due: datetime, now: datetime, *, every_min: int = DEFAULT_EVERY_MIN) -> int:
    """Return the highest level of :data:`CHAIN` reached at ``now`` by an item due at
    ``due``: -1 before it is due (or once it is stale), then 0, 1, 2.

    >>> from datetime import UTC
    >>> due = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    >>> [level_reached(due, due + timedelta(minutes=m)) for m in (-1, 0, 29, 30, 60, 600)]
    [-1, 0, 0, 1, 2, 2]
    """
    if every_min < 1:
        raise ValueError("every_min must be 1 or more")
    if now < due or now - due > STALE_AFTER:
        return -1
    steps = int((now - due).total_seconds() // (every_min * 60))
    return min(steps, len(CHAIN) - 1)


def reminder_due(closes: datetime, now: datetime, *, before_min: int = REMIND_BEFORE_MIN) -> bool:
    """True when ``now`` lies in the last ``before_min`` minutes before a window ``closes``.

    >>> from datetime import UTC
    >>> closes = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    >>> [reminder_due(closes, closes - timedelta(minutes=m)) for m in (16, 15, 1, 0)]
    [False, True, True, False]
    """
    return closes - timedelta(minutes=before_min) <= now < closes


__all__ = ["CHAIN", "DEFAULT_EVERY_MIN", "REMIND_BEFORE_MIN", "level_reached", "reminder_due"]
