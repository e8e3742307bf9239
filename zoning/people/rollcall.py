"""The nightly roll call's rules (晚点名): the window, the location check, the rotating code.

Pure functions over plain values: the services supply the time, the distance from the
dormitory building's cell (metres, computed in the campus's metric CRS) and the stored
secret. Coordinates never leave this check: what is kept is :class:`Verdict` (pass/fail, a
distance band and the accuracy).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from zoning.errors import InvalidInput

DEFAULT_TZ = "Asia/Shanghai"
#: How far (m) outside the building's cell a check-in still passes (GPS error).
DEFAULT_TOLERANCE_M = 50.0
#: The poorest accuracy (m, the phone's reported radius) a check-in may have.
DEFAULT_MAX_ACCURACY_M = 100.0
#: The rotating code changes every this many seconds; the previous code is still accepted.
CODE_STEP_S = 120
#: The distance bands kept instead of coordinates: (upper bound in m, label).
BANDS: tuple[tuple[float, str], ...] = ((0.0, "in"), (50.0, "≤50 m"), (200.0, "≤200 m"))
FAR = "far"
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(text: str, *, what: str) -> time:
    """Return the wall-clock time ``HH:MM``; InvalidInput otherwise.

    >>> parse_hhmm("21:30", what="--window")
    datetime.time(21, 30)
    """
    found = _HHMM.match(text.strip())
    if not found:
        raise InvalidInput(f"{what} {text!r} is not a time like 21:30.")
    return time(int(found[1]), int(found[2]))


@dataclass(frozen=True)
class Window:
    """A roll-call window in local wall-clock time; an ``end`` before ``start`` ends on the
    next day."""

    start: time = time(21, 30)
    end: time = time(23, 0)

    @classmethod
    def parse(cls, text: str, *, what: str = "--window") -> Window:
        """Return the window ``HH:MM-HH:MM``.

        >>> Window.parse("21:00-22:30").label()
        '21:00–22:30'
        """
        parts = text.replace("–", "-").split("-")
        if len(parts) != 2:
            raise InvalidInput(f"{what} {text!r} is not a window like 21:30-23:00.")
        start, end = (parse_hhmm(p, what=what) for p in parts)
        if start == end:
            raise InvalidInput(f"{what} {text!r} is empty: its start and end are the same.")
        return cls(start, end)

    def label(self) -> str:
        """Return ``HH:MM–HH:MM``."""
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def bounds(self, night: date, *, tz: str = DEFAULT_TZ) -> tuple[datetime, datetime]:
        """Return the UTC instants the window opens and closes on ``night`` (a local date)."""
        zone = ZoneInfo(tz)
        opens = datetime.combine(night, self.start, tzinfo=zone)
        end_day = night + timedelta(days=1) if self.end < self.start else night
        closes = datetime.combine(end_day, self.end, tzinfo=zone)
        return opens.astimezone(UTC), closes.astimezone(UTC)


@dataclass(frozen=True)
class Rules:
    """A campus's roll-call rules: its window, the windows of colleges that differ, the
    holidays without roll call, and the time zone."""

    window: Window = field(default_factory=Window)
    colleges: Mapping[str, Window] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    tz: str = DEFAULT_TZ

    def window_of(self, college: str) -> Window:
        """Return the window of ``college`` (the campus's unless it has its own)."""
        return self.colleges.get(college, self.window)

    def night_of(self, at: datetime) -> date:
        """Return the night an instant belongs to: its local date, the day before when it
        falls before noon (a window that ends after midnight)."""
        local = at.astimezone(ZoneInfo(self.tz))
        return local.date() - timedelta(days=1) if local.hour < 12 else local.date()

    def to_json(self) -> dict[str, Any]:
        """Return the rules as JSON-ready values (stored with the roll call)."""
        return {
            "window": self.window.label(),
            "colleges": {k: w.label() for k, w in sorted(self.colleges.items())},
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "tz": self.tz,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rules:
        """Return the rules :meth:`to_json` wrote."""
        return cls(
            window=Window.parse(str(data["window"])),
            colleges={k: Window.parse(str(v)) for k, v in dict(data.get("colleges", {})).items()},
            holidays=frozenset(date.fromisoformat(d) for d in data.get("holidays", [])),
            tz=str(data.get("tz", DEFAULT_TZ)),
        )


def check_window(rules: Rules, college: str, night: date, at: datetime) -> None:
    """Raise InvalidInput when ``at`` lies outside ``college``'s window on ``night``."""
    window = rules.window_of(college)
    opens, closes = window.bounds(night, tz=rules.tz)
    if not opens <= at <= closes:
        local = at.astimezone(ZoneInfo(rules.tz)).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput(
            f"Check-in refused: outside the roll-call window {window.label()} of {night} "
            f"(it is {local}); check in during the window."
        )


def band(distance_m: float) -> str:
    """Return the distance band of ``distance_m`` (0 inside the cell).

    >>> [band(d) for d in (0.0, 12.5, 50.0, 120.0, 900.0)]
    ['in', '≤50 m', '≤50 m', '≤200 m', 'far']
    """
    for upper, label in BANDS:
        if distance_m <= upper:
            return label
    return FAR


@dataclass(frozen=True)
class Verdict:
    """What a check-in's location leaves behind: pass/fail, its band, its accuracy (m)."""

    passed: bool
    band: str
    accuracy_m: float
    reason: str = ""


def judge_location(
    distance_m: float,
    accuracy_m: float,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    max_accuracy_m: float = DEFAULT_MAX_ACCURACY_M,
) -> Verdict:
    """Return the verdict on a location ``distance_m`` from the building's cell.

    >>> judge_location(30.0, 15.0).passed, judge_location(30.0, 150.0).reason
    (True, 'the location is too imprecise (150 m; at most 100 m): step outside or wait for GPS')
    """
    label = band(distance_m)
    if accuracy_m > max_accuracy_m:
        why = (
            f"the location is too imprecise ({accuracy_m:.0f} m; at most {max_accuracy_m:.0f} m)"
            ": step outside or wait for GPS"
        )
        return Verdict(False, label, accuracy_m, why)
    if distance_m > tolerance_m:
        why = f"too far from the dormitory ({label}; at most {tolerance_m:.0f} m from its cell)"
        return Verdict(False, label, accuracy_m, why)
    return Verdict(True, label, accuracy_m)


def step_of(at: datetime, *, step_s: int = CODE_STEP_S) -> int:
    """Return the time step of ``at`` (seconds since the epoch // ``step_s``)."""
    return int(at.timestamp()) // step_s


def rotating_code(secret: bytes, building: str, step: int) -> str:
    """Return the 6-digit code of ``building`` at time step ``step`` (HMAC-SHA256, truncated
    as in RFC 4226).

    >>> rotating_code(b"k", "1号楼", 7) == rotating_code(b"k", "1号楼", 7) != rotating_code(b"k", "1号楼", 8)
    True
    """  # noqa: E501
    message = f"{building}\x1f{step}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def code_matches(
    secret: bytes, building: str, code: str, at: datetime, *, step_s: int = CODE_STEP_S
) -> bool:
    """True when ``code`` is ``building``'s code at ``at``'s step or the step before."""
    step = step_of(at, step_s=step_s)
    given = code.strip()
    return any(
        hmac.compare_digest(rotating_code(secret, building, s), given) for s in (step, step - 1)
    )
