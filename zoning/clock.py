"""Time and time zones: the one place that knows what "now", "UTC" and "local" mean.

Instants are timezone-aware datetimes in UTC; calendar days (schedules, deadlines, reports)
are local days in :data:`DEFAULT_TZ` unless a caller passes another IANA zone name. Stored
times come back naive from SQLite (which drops the offset): :func:`as_utc` reads them as UTC.
Nothing here imports the rest of ``zoning``.

>>> from datetime import UTC, date, datetime
>>> local_day(datetime(2026, 3, 1, 16, 30, tzinfo=UTC))  # 00:30 on 2 March in Beijing
datetime.date(2026, 3, 2)
>>> local_instant(date(2026, 3, 2))  # local midnight, as UTC
datetime.datetime(2026, 3, 1, 16, 0, tzinfo=datetime.timezone.utc)
>>> local_text("2026-03-02T01:00:00+00:00")
'2026-03-02 09:00'
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

#: The campus time zone: local days, deadlines and exported times are in it.
DEFAULT_TZ: Final = "Asia/Shanghai"
#: How times are shown to people (exports, tables): local, to the minute.
LOCAL_FORMAT: Final = "%Y-%m-%d %H:%M"


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as a UTC-aware datetime (a naive value, as SQLite returns it, is UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def maybe_utc(value: datetime | None) -> datetime | None:
    """Return :func:`as_utc` of ``value``, or None."""
    return None if value is None else as_utc(value)


def local_day(at: datetime, *, tz: str = DEFAULT_TZ) -> date:
    """Return the local calendar day (in ``tz``) of the aware instant ``at``."""
    return at.astimezone(ZoneInfo(tz)).date()


def local_instant(day: date, at: time = time(0), *, tz: str = DEFAULT_TZ) -> datetime:
    """Return the UTC instant of local wall-clock time ``at`` (default midnight) on ``day``."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def local_noon(day: date, *, tz: str = DEFAULT_TZ) -> datetime:
    """Return 12:00 local time on ``day`` as UTC: "now" when a command is given --date."""
    return local_instant(day, time(12), tz=tz)


def local_text(value: object, *, tz: str = DEFAULT_TZ) -> str:
    """Return an aware datetime or ISO time string as local ``YYYY-MM-DD HH:MM`` ('' for none).

    Pass aware values: a naive one is read as the machine's local time (``astimezone``).
    """
    if value is None or value == "":
        return ""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when.astimezone(ZoneInfo(tz)).strftime(LOCAL_FORMAT)
