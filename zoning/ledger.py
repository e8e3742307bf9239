"""The rectification ledger (整改台账): hazard workflow, deadlines, escalation and rates.

State graph (action: from → to). Every transition is stored as a :class:`Transition` with
who, when and a note; :func:`apply` returns a new :class:`Hazard` and never mutates::

    report    (new)       → reported      hazard found (inspection, on-the-spot report, complaint)
    register  reported    → registered    the safety office accepts it into the ledger
    reject    reported    → rejected      not a hazard / duplicate (note required; terminal)
    reject    registered  → rejected
    dispatch  registered  → dispatched    assigned to a person for rectification (assignee)
    start     dispatched  → rectifying    the assignee starts rectification
    complete  rectifying  → rectified     rectification reported done
    verify    rectified   → verified      verification passed
    rework    rectified   → rectifying    verification failed: back to rectification (note)
    close     verified    → closed        terminal
    extend    any open state → same state new deadline later than the current one (reason)

Open states are all but ``closed`` and ``rejected``. The deadline is a *rectification*
deadline: the overdue clock stops at the last ``complete`` (or ``reject``) and runs again
after a ``rework``.

Escalation: once overdue, a hazard climbs one level of the chain of responsibility
(:data:`LEVELS`: cell owner → zone leader → safety office → leadership) per started overdue
period; the period defaults to the hazard's original deadline span (original deadline −
reported time). A cell without an owner falls to its zone's fallback owner (属地兜底).
Rates (closure, on-time closure, rework, extension, mean time to close) are computed by
:func:`rates` over :func:`hazards_frame`; each formula is in its docstring.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from zoning.checklists import DEFAULT_TZ, FREQUENCIES, period_due_at, period_of
from zoning.domains import DOMAIN_CODES
from zoning.errors import CampusgridError, InvalidInput, NotFound

STATES: tuple[str, ...] = (
    "reported",
    "registered",
    "dispatched",
    "rectifying",
    "rectified",
    "verified",
    "closed",
    "rejected",
)
FINAL_STATES: frozenset[str] = frozenset({"closed", "rejected"})
OPEN_STATES: tuple[str, ...] = tuple(s for s in STATES if s not in FINAL_STATES)
#: States in which the rectification clock runs.
CLOCK_STATES: frozenset[str] = frozenset({"reported", "registered", "dispatched", "rectifying"})
SEVERITIES: tuple[str, ...] = ("major", "general")
SOURCES: tuple[str, ...] = ("inspection", "report", "complaint")
LEVELS: tuple[str, ...] = ("cell_owner", "zone_leader", "safety_office", "leadership")

#: (state, action) → next state. ``extend`` keeps the state.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("reported", "register"): "registered",
    ("reported", "reject"): "rejected",
    ("registered", "reject"): "rejected",
    ("registered", "dispatch"): "dispatched",
    ("dispatched", "start"): "rectifying",
    ("rectifying", "complete"): "rectified",
    ("rectified", "verify"): "verified",
    ("rectified", "rework"): "rectifying",
    ("verified", "close"): "closed",
    **{(state, "extend"): state for state in OPEN_STATES},
}
ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(a for _, a in TRANSITIONS))
_NOTE_REQUIRED = frozenset({"reject", "rework", "extend"})


class IllegalTransition(CampusgridError):
    """An action that the hazard's current state does not allow."""


@dataclass(frozen=True)
class Transition:
    """One ledger event; ``from_state`` is None for the initial ``report``."""

    action: str
    from_state: str | None
    to_state: str
    by: str
    at: datetime
    note: str = ""
    deadline: datetime | None = None
    assignee: str | None = None


@dataclass(frozen=True)
class Hazard:
    """A ledger item; times are UTC-aware, ``lon``/``lat`` in degrees (EPSG:4326).

    ``owner`` is the cell owner at report time (after the zone fallback); ``deadline`` the
    current rectification deadline, ``original_deadline`` the one set at report time.
    """

    id: str
    source: str
    domain: str
    severity: str
    description: str
    lon: float
    lat: float
    reported_by: str
    reported_at: datetime
    deadline: datetime
    original_deadline: datetime
    state: str = "reported"
    history: tuple[Transition, ...] = ()
    cell_code: str | None = None
    zone: str | None = None
    owner: str | None = None
    assignee: str | None = None
    source_id: str | None = None
    item_code: str | None = None
    category: str | None = None

    @property
    def is_open(self) -> bool:
        """True unless closed or rejected."""
        return self.state not in FINAL_STATES

    @property
    def closed_at(self) -> datetime | None:
        """When the hazard was closed, or None."""
        return self.history[-1].at if self.state == "closed" else None

    @property
    def rectified_at(self) -> datetime | None:
        """Time of the last ``complete`` (rectification reported done), or None."""
        times = [t.at for t in self.history if t.action == "complete"]
        return times[-1] if times else None

    @property
    def rework_count(self) -> int:
        """How many times verification failed."""
        return sum(1 for t in self.history if t.action == "rework")

    @property
    def extension_count(self) -> int:
        """How many times the deadline was extended."""
        return sum(1 for t in self.history if t.action == "extend")


# --------------------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class DeadlinePolicy:
    """Rectification time limits in hours, by severity, with optional per-domain overrides.

    Defaults: major 24 h (immediate measures and rectification within a day), general 7 days.
    ``domain_hours`` maps domain → severity → hours, e.g. ``{"food": {"general": 24}}``.
    """

    hours: Mapping[str, float] = field(default_factory=lambda: {"major": 24.0, "general": 168.0})
    domain_hours: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def hours_for(self, *, domain: str, severity: str) -> float:
        """Return the time limit in hours; raise :class:`InvalidInput` for an unknown severity."""
        override = self.domain_hours.get(domain, {})
        if severity in override:
            return float(override[severity])
        if severity not in self.hours:
            raise InvalidInput(
                f"Unknown severity {severity!r}; use one of: {', '.join(SEVERITIES)}."
            )
        return float(self.hours[severity])


DEFAULT_POLICY = DeadlinePolicy()


def deadline_for(
    *, domain: str, severity: str, reported_at: datetime, policy: DeadlinePolicy = DEFAULT_POLICY
) -> datetime:
    """Return the rectification deadline of a hazard reported at ``reported_at``."""
    _require_aware(reported_at, "reported_at")
    return reported_at + timedelta(hours=policy.hours_for(domain=domain, severity=severity))


# --------------------------------------------------------------------------- workflow


def new_hazard(
    *,
    hazard_id: str,
    source: str,
    domain: str,
    severity: str,
    description: str,
    lon: float,
    lat: float,
    reported_by: str,
    reported_at: datetime,
    cell_code: str | None = None,
    zone: str | None = None,
    owner: str | None = None,
    deadline: datetime | None = None,
    policy: DeadlinePolicy = DEFAULT_POLICY,
    source_id: str | None = None,
    item_code: str | None = None,
    category: str | None = None,
) -> Hazard:
    """Return a new hazard in state ``reported`` with its ``report`` transition.

    The deadline comes from ``policy`` unless given. Raises :class:`InvalidInput` for an
    unknown source, domain or severity, a naive time, or lon/lat out of range.
    """
    if source not in SOURCES:
        raise InvalidInput(f"Unknown hazard source {source!r}; use one of: {', '.join(SOURCES)}.")
    if domain not in DOMAIN_CODES:
        raise InvalidInput(f"Unknown domain {domain!r}; use one of: {', '.join(DOMAIN_CODES)}.")
    if severity not in SEVERITIES:
        raise InvalidInput(f"Unknown severity {severity!r}; use one of: {', '.join(SEVERITIES)}.")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InvalidInput(f"({lon}, {lat}) is not a longitude/latitude pair in degrees.")
    if not reported_by.strip():
        raise InvalidInput("A hazard needs the person who reported it (reported_by).")
    _require_aware(reported_at, "reported_at")
    if deadline is None:
        deadline = deadline_for(
            domain=domain, severity=severity, reported_at=reported_at, policy=policy
        )
    _require_aware(deadline, "deadline")
    if deadline <= reported_at:
        raise InvalidInput(f"The deadline {deadline} must be later than the report {reported_at}.")
    report = Transition("report", None, "reported", reported_by, reported_at, description)
    return Hazard(
        id=hazard_id,
        source=source,
        domain=domain,
        severity=severity,
        description=description,
        lon=float(lon),
        lat=float(lat),
        reported_by=reported_by,
        reported_at=reported_at,
        deadline=deadline,
        original_deadline=deadline,
        history=(report,),
        cell_code=cell_code,
        zone=zone,
        owner=owner,
        source_id=source_id,
        item_code=item_code,
        category=category,
    )


def allowed_actions(hazard: Hazard) -> tuple[str, ...]:
    """Return the actions the hazard's current state allows, in workflow order."""
    return tuple(a for a in ACTIONS if (hazard.state, a) in TRANSITIONS)


def apply(
    hazard: Hazard,
    action: str,
    *,
    by: str,
    at: datetime,
    note: str = "",
    deadline: datetime | None = None,
    assignee: str | None = None,
) -> Hazard:
    """Return a new hazard after ``action``; the input is left unchanged.

    ``extend`` needs a later ``deadline`` and a reason in ``note``; ``reject`` and ``rework``
    need a ``note``; ``dispatch`` needs an ``assignee``. Raises :class:`IllegalTransition`
    naming the current state and the allowed actions, or :class:`InvalidInput` for a
    missing argument, a naive time or a time before the last event.
    """
    target = TRANSITIONS.get((hazard.state, action))
    if target is None:
        allowed = ", ".join(allowed_actions(hazard)) or "none (final state)"
        raise IllegalTransition(
            f"Hazard {hazard.id} is '{hazard.state}': '{action}' is not allowed. "
            f"Allowed actions: {allowed}."
        )
    _require_aware(at, "at")
    if not by.strip():
        raise InvalidInput(f"'{action}' on hazard {hazard.id} needs the person doing it (by).")
    last = hazard.history[-1].at if hazard.history else hazard.reported_at
    if at < last:
        raise InvalidInput(
            f"'{action}' on hazard {hazard.id} at {at.isoformat()} is earlier than its last "
            f"event at {last.isoformat()}."
        )
    if action in _NOTE_REQUIRED and not note.strip():
        raise InvalidInput(f"'{action}' on hazard {hazard.id} needs a note giving the reason.")
    changes: dict[str, object] = {"state": target}
    if action == "extend":
        if deadline is None:
            raise InvalidInput(f"'extend' on hazard {hazard.id} needs the new deadline.")
        _require_aware(deadline, "deadline")
        if deadline <= hazard.deadline:
            raise InvalidInput(
                f"The new deadline {deadline.isoformat()} of hazard {hazard.id} must be later "
                f"than the current one {hazard.deadline.isoformat()}."
            )
        changes["deadline"] = deadline
    elif deadline is not None:
        raise InvalidInput(f"Only 'extend' changes the deadline, not '{action}'.")
    if action == "dispatch":
        if not assignee or not assignee.strip():
            raise InvalidInput(f"'dispatch' on hazard {hazard.id} needs an assignee.")
        changes["assignee"] = assignee
    elif assignee is not None:
        raise InvalidInput(f"Only 'dispatch' sets the assignee, not '{action}'.")
    record = Transition(action, hazard.state, target, by, at, note, deadline, assignee)
    changes["history"] = (*hazard.history, record)
    return replace(hazard, **changes)  # type: ignore[arg-type]


def validate_history(hazard: Hazard) -> None:
    """Raise :class:`IllegalTransition` unless the stored history is a legal, ordered walk.

    Use it when reading a hazard back from storage.
    """
    state: str | None = None
    previous: datetime | None = None
    for index, event in enumerate(hazard.history):
        if index == 0:
            legal = event.action == "report" and event.from_state is None
            expected = "reported"
        else:
            expected = TRANSITIONS.get((event.from_state or "", event.action), "")
            legal = event.from_state == state
        if not legal or event.to_state != expected or (previous and event.at < previous):
            raise IllegalTransition(
                f"Hazard {hazard.id}: event {index} ({event.action} {event.from_state} → "
                f"{event.to_state} at {event.at.isoformat()}) is not a legal transition."
            )
        state, previous = event.to_state, event.at
    if state != hazard.state:
        raise IllegalTransition(
            f"Hazard {hazard.id} is '{hazard.state}' but its history ends in {state!r}."
        )


# --------------------------------------------------------------------------- escalation


@dataclass(frozen=True)
class ResponsibilityChain:
    """Who answers for a hazard at each level of :data:`LEVELS`.

    ``cell_owners`` (cell code → person, or None when vacant) overrides the hazard's
    ``owner``; a vacant cell falls to ``zone_fallback_owners[zone]`` (属地兜底).
    ``overdue_period_hours`` is the escalation step; None = the hazard's original span.
    """

    safety_office: str
    leadership: str
    zone_leaders: Mapping[str, str] = field(default_factory=dict)
    zone_fallback_owners: Mapping[str, str] = field(default_factory=dict)
    cell_owners: Mapping[str, str | None] = field(default_factory=dict)
    overdue_period_hours: float | None = None


def overdue_hours(hazard: Hazard, *, now: datetime) -> float:
    """Return how many hours past its deadline the hazard is (0 if not overdue).

    The clock stops at the last ``complete`` or ``reject`` and runs again after ``rework``.
    """
    _require_aware(now, "now")
    end = now
    if hazard.state not in CLOCK_STATES:
        stops = [t.at for t in hazard.history if t.action in ("complete", "reject")]
        if stops:
            end = min(now, stops[-1])
    return max((end - hazard.deadline).total_seconds() / 3600.0, 0.0)


def escalation_level(
    hazard: Hazard, *, now: datetime, overdue_period_hours: float | None = None
) -> int:
    """Return the index in :data:`LEVELS`: 0 on time, +1 per started overdue period, max 3.

    Example: a 24 h major hazard overdue by 1 h is at level 1 (zone leader), by 25 h at 2.
    """
    late = overdue_hours(hazard, now=now)
    if late <= 0.0:
        return 0
    span = overdue_period_hours
    if span is None:
        span = (hazard.original_deadline - hazard.reported_at).total_seconds() / 3600.0
    if span <= 0:
        raise InvalidInput(f"The overdue period must be positive, got {span} h.")
    return min(math.ceil(late / span), len(LEVELS) - 1)


def responsible_at(hazard: Hazard, chain: ResponsibilityChain, *, now: datetime) -> tuple[str, str]:
    """Return ``(level, person)`` answering for ``hazard`` at ``now``.

    Raises :class:`NotFound` when the chain has nobody at that level for the hazard's zone.
    """
    level = escalation_level(hazard, now=now, overdue_period_hours=chain.overdue_period_hours)
    name = LEVELS[level]
    if level == 0:
        if hazard.cell_code is not None and hazard.cell_code in chain.cell_owners:
            person = chain.cell_owners[hazard.cell_code]
        else:
            person = hazard.owner
        if not person:
            person = chain.zone_fallback_owners.get(hazard.zone or "")
        if not person:
            raise NotFound(
                f"Cell {hazard.cell_code} of hazard {hazard.id} has no owner and zone "
                f"{hazard.zone!r} has no fallback owner (属地兜底): assign one."
            )
        return name, person
    if level == 1:
        leader = chain.zone_leaders.get(hazard.zone or "")
        if not leader:
            raise NotFound(
                f"Zone {hazard.zone!r} of hazard {hazard.id} has no zone leader: assign one."
            )
        return name, leader
    return name, chain.safety_office if level == 2 else chain.leadership


# --------------------------------------------------------------------------- rates

RATE_GROUPS: tuple[str, ...] = ("cell_code", "zone", "owner", "domain", "severity", "source")
_FRAME_COLUMNS = (
    "id", "source", "domain", "severity", "state", "cell_code", "zone", "owner",
    "reported_at", "deadline", "rectified_at", "closed_at", "reworks", "extensions",
)  # fmt: skip


def hazards_frame(hazards: Iterable[Hazard]) -> pd.DataFrame:
    """Return one row per hazard with the columns :func:`rates` needs (times in UTC)."""
    attrs = {"reworks": "rework_count", "extensions": "extension_count"}
    rows = [[getattr(h, attrs.get(col, col)) for col in _FRAME_COLUMNS] for h in hazards]
    frame = pd.DataFrame(rows, columns=list(_FRAME_COLUMNS))
    for col in ("reported_at", "deadline", "rectified_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def rates(
    hazards: Iterable[Hazard] | pd.DataFrame,
    *,
    start: date,
    end: date,
    by: Sequence[str] = (),
    period: str | None = None,
    tz: str = DEFAULT_TZ,
) -> pd.DataFrame:
    """Return closure statistics per group in ``by`` and per ``period`` of ``start``…``end``.

    Dates are local calendar days in ``tz`` (inclusive); ``period`` is one of
    daily/weekly/monthly/quarterly, or None for the whole range. Rejected hazards are left
    out. For each group and period (as digital city-management evaluation counts them):

    - ``due`` (应结案数): hazards whose current deadline falls in the period;
    - ``closed`` (结案数): of those, closed before the end of the period;
    - ``closed_on_time`` (按期结案数): of those closed, last rectification at or before the
      deadline;
    - ``closure_rate`` = closed / due; ``on_time_rate`` = closed_on_time / due;
    - ``rework_rate`` (返工率) = due hazards with ≥ 1 rework / due;
    - ``extension_rate`` (延期率) = due hazards with ≥ 1 extension / due;
    - ``mean_hours_to_close`` (平均结案时长, hours) = mean of closed_at − reported_at over
      hazards *closed* in the period (whatever their deadline); ``closed_in_period`` counts them.
    - ``reported``: hazards reported in the period.

    A rate with a zero denominator is NaN. Raises :class:`InvalidInput` for an unknown
    ``by`` column or ``period``.
    """
    frame = hazards if isinstance(hazards, pd.DataFrame) else hazards_frame(hazards)
    for col in by:
        if col not in RATE_GROUPS:
            raise InvalidInput(f"Cannot group rates by {col!r}; use: {', '.join(RATE_GROUPS)}.")
    if period is not None and period not in FREQUENCIES:
        raise InvalidInput(
            f"Unknown period {period!r}; use one of: {', '.join(FREQUENCIES)} or None."
        )
    if end < start:
        raise InvalidInput(f"The date range ends ({end}) before it starts ({start}).")
    zone = ZoneInfo(tz)
    frame = frame[frame["state"] != "rejected"].copy()
    range_end = period_due_at(period_of(end, "daily"), tz=tz)

    def label_and_cutoff(times: pd.Series) -> tuple[pd.Series, pd.Series]:
        labels: list[str | None] = []
        cutoffs: list[datetime | None] = []
        for t in times:
            day = None if pd.isna(t) else t.to_pydatetime().astimezone(zone).date()
            if day is None or not start <= day <= end:
                labels.append(None)
                cutoffs.append(None)
            elif period is None:
                labels.append(f"{start.isoformat()}/{end.isoformat()}")
                cutoffs.append(range_end)
            else:
                p = period_of(day, period)
                labels.append(p.label)
                cutoffs.append(min(period_due_at(p, tz=tz), range_end))
        return (
            pd.Series(labels, index=times.index, dtype=object),
            pd.to_datetime(pd.Series(cutoffs, index=times.index, dtype=object), utc=True),
        )

    frame["due_period"], cutoff = label_and_cutoff(frame["deadline"])
    frame["close_period"], _ = label_and_cutoff(frame["closed_at"])
    frame["report_period"], _ = label_and_cutoff(frame["reported_at"])
    closed = frame["closed_at"].notna() & (frame["closed_at"] < cutoff)
    frame["is_closed"] = closed
    frame["is_on_time"] = closed & (frame["rectified_at"] <= frame["deadline"])
    frame["is_reworked"] = frame["reworks"] > 0
    frame["is_extended"] = frame["extensions"] > 0
    frame["hours_to_close"] = (frame["closed_at"] - frame["reported_at"]).dt.total_seconds() / 3600
    keys = [*by, "period"]

    def on_period(label: str) -> pd.DataFrame:
        return frame[frame[label].notna()].rename(columns={label: "period"})

    due_stats = (
        on_period("due_period")
        .groupby(keys, dropna=False)
        .agg(
            due=("id", "size"),
            closed=("is_closed", "sum"),
            closed_on_time=("is_on_time", "sum"),
            reworked=("is_reworked", "sum"),
            extended=("is_extended", "sum"),
        )
    )
    close_stats = (
        on_period("close_period")
        .groupby(keys, dropna=False)
        .agg(closed_in_period=("id", "size"), mean_hours_to_close=("hours_to_close", "mean"))
    )
    report_stats = (
        on_period("report_period").groupby(keys, dropna=False).agg(reported=("id", "size"))
    )
    out = due_stats.join(close_stats, how="outer").join(report_stats, how="outer")
    counts = ["due", "closed", "closed_on_time", "reworked", "extended", "closed_in_period"]
    for col in [*counts, "reported"]:
        out[col] = out[col].fillna(0).astype("int64")
    denominator = out["due"].where(out["due"] > 0, np.nan)
    out["closure_rate"] = out["closed"] / denominator
    out["on_time_rate"] = out["closed_on_time"] / denominator
    out["rework_rate"] = out["reworked"] / denominator
    out["extension_rate"] = out["extended"] / denominator
    columns = [
        "reported", *counts[:5], "closure_rate", "on_time_rate", "rework_rate",
        "extension_rate", "closed_in_period", "mean_hours_to_close",
    ]  # fmt: skip
    result: pd.DataFrame = out.reset_index()[[*keys, *columns]]
    return result


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"'{name}' must be a timezone-aware datetime (UTC), got {value!r}.")
