"""Bounds on what a user can type: dates, times, numbers, ids, texts and locations.

Every check returns the value (a time as UTC) or raises :class:`InvalidInput` naming the
value, the bound and what to do, so the CLI and the pages show one clear line instead of an
OverflowError deep in a date computation or a database error.

>>> check_number(50.0, what="--duplicate-distance-m", low=0.0, high=10_000.0, unit="m")
50.0
>>> check_number(-1.0, what="--duplicate-distance-m", low=0.0, high=10_000.0, unit="m")
Traceback (most recent call last):
zoning.errors.InvalidInput: --duplicate-distance-m -1 m is out of range: use 0 to 10000 m.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import UTC, date, datetime, timedelta

from zoning.errors import InvalidInput

#: The first and last day a user may name (a campus ledger lives within them).
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
#: How far ahead of the clock a time that already happened may be (phone clocks drift).
CLOCK_MARGIN = timedelta(minutes=15)
#: How far ahead of today a report or to-do list may look (its schedule is stored).
LOOK_AHEAD_DAYS = 366
#: The largest id a database row can have (SQLite and PostgreSQL ``bigint``).
MAX_ID = 2**63 - 1
#: The longest free text (a complaint, a note, a name) in characters.
MAX_TEXT = 4000


def check_day(day: date, *, what: str) -> date:
    """Return ``day`` when it lies within 2000-01-01 … 2100-12-31; else InvalidInput."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidInput(
            f"{what} {day.isoformat()} is out of range: use a day from {EARLIEST_DAY} to "
            f"{LATEST_DAY}.",
            zh=f"日期 {day.isoformat()} 超出范围：请用 {EARLIEST_DAY} 至 {LATEST_DAY} 之间的日期。",
        )
    return day


def check_ahead(day: date, *, what: str, today: date) -> date:
    """Return ``day`` (within :func:`check_day`) when it is at most LOOK_AHEAD_DAYS after
    ``today``; else InvalidInput (looking further ahead would store years of schedule)."""
    check_day(day, what=what)
    if day > today + timedelta(days=LOOK_AHEAD_DAYS):
        raise InvalidInput(
            f"{what} {day.isoformat()} is more than {LOOK_AHEAD_DAYS} days after today "
            f"({today.isoformat()}): use an earlier day.",
            zh=f"日期 {day.isoformat()} 比今天（{today.isoformat()}）晚 {LOOK_AHEAD_DAYS} 天以上："
            "请选更早的日期。",
        )
    return day


def check_time(at: datetime, *, what: str, now: datetime | None = None) -> datetime:
    """Return the aware time ``at`` as UTC when its day lies within :func:`check_day` and,
    given ``now``, when it is not later than ``now`` + CLOCK_MARGIN (15 min): a submission,
    a complaint or a hazard event has already happened. Raises InvalidInput."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput(
            f"{what} {at.isoformat()} needs a time zone (an aware time).",
            zh=f"时间 {at.isoformat()} 缺少时区。",
        )
    try:
        utc = at.astimezone(UTC)
    except OverflowError:  # a day next to year 1 or 9999 shifted across the date line
        raise InvalidInput(
            f"{what} {at.isoformat()} is out of range: use a time from {EARLIEST_DAY} to "
            f"{LATEST_DAY}.",
            zh=f"时间 {at.isoformat()} 超出范围：请用 {EARLIEST_DAY} 至 {LATEST_DAY} 之间的时间。",
        ) from None
    check_day(utc.date(), what=what)
    if now is not None and utc > now + CLOCK_MARGIN:
        shown = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput(
            f"{what} {at.isoformat()} is in the future (now is {shown} UTC): give the time it "
            "happened, or leave it out for now.",
            zh=f"时间 {at.isoformat()} 在将来（现在是 UTC {shown}）：请填写实际发生的时间，"
            "或留空表示现在。",
        )
    return utc


def check_number(value: float, *, what: str, low: float, high: float, unit: str) -> float:
    """Return ``value`` as a float when it is finite and within [low, high] (in ``unit``);
    else InvalidInput naming the range."""
    number = float(value)
    if not (math.isfinite(number) and low <= number <= high):
        raise InvalidInput(
            f"{what} {value:g} {unit} is out of range: use {low:g} to {high:g} {unit}.",
            zh=f"{value:g} {unit} 超出范围：请用 {low:g} 至 {high:g} {unit}。",
        )
    return number


def check_count(value: int, *, what: str, low: int, high: int) -> int:
    """Return ``value`` when it is a whole number within [low, high]; else InvalidInput."""
    if not low <= int(value) <= high:
        raise InvalidInput(
            f"{what} {value} is out of range: use {low} to {high}.",
            zh=f"{value} 超出范围：请用 {low} 至 {high}。",
        )
    return int(value)


def check_id(value: int, *, what: str) -> int:
    """Return a row id when it can exist (1 … 2**63 − 1); else InvalidInput."""
    if not 1 <= int(value) <= MAX_ID:
        raise InvalidInput(
            f"{what} {value} is not an id: ids are whole numbers from 1 up.",
            zh=f"{value} 不是有效编号：编号是从 1 开始的整数。",
        )
    return int(value)


def check_text(value: str, *, what: str, limit: int = MAX_TEXT, empty: bool = True) -> str:
    """Return ``value`` when it has at most ``limit`` characters and no control characters
    (line breaks and tabs are allowed); ``empty=False`` also refuses a blank text."""
    if len(value) > limit:
        raise InvalidInput(
            f"{what} has {len(value)} characters: at most {limit} are allowed.",
            zh=f"填写的文字有 {len(value)} 个字符：最多 {limit} 个。",
        )
    bad = next(
        (c for c in value if c not in "\n\r\t" and unicodedata.category(c) in ("Cc", "Cs")),
        None,
    )
    if bad is not None:
        raise InvalidInput(
            f"{what} contains the control character U+{ord(bad):04X}: remove it and retry.",
            zh=f"填写的文字含控制字符 U+{ord(bad):04X}：请删除后重试。",
        )
    if not empty and not value.strip():
        raise InvalidInput(f"{what} is empty: give a value.", zh="有必填项为空：请填写。")
    return value


def check_lonlat(lon: float, lat: float, *, what: str) -> tuple[float, float]:
    """Return (lon, lat) when they are finite WGS-84 degrees (±180, ±90); else InvalidInput."""
    x, y = float(lon), float(lat)
    if not (math.isfinite(x) and math.isfinite(y) and -180.0 <= x <= 180.0 and -90.0 <= y <= 90.0):
        raise InvalidInput(
            f"{what} ({lon:g}, {lat:g}) is not a WGS-84 longitude/latitude pair: longitude is "
            "-180 to 180, latitude -90 to 90 degrees.",
            zh=f"({lon:g}, {lat:g}) 不是有效的经纬度：经度 -180 至 180，纬度 -90 至 90 度。",
        )
    return x, y


__all__ = [
    "CLOCK_MARGIN",
    "EARLIEST_DAY",
    "LATEST_DAY",
    "LOOK_AHEAD_DAYS",
    "MAX_ID",
    "MAX_TEXT",
    "check_ahead",
    "check_count",
    "check_day",
    "check_id",
    "check_lonlat",
    "check_number",
    "check_text",
    "check_time",
]
