"""The rectification ledger (整改台账): hazard workflow, deadlines and escalation.

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
:func:`zoning.safety.ledger.rates.rates`; each formula is in its docstring.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from zoning.accounts.doing_zh import word
from zoning.errors import IllegalTransition, InvalidInput, NotFound
from zoning.safety.domains import DOMAIN_CODES

__all__ = [
    "ACTIONS", "CLOCK_STATES", "DEFAULT_POLICY", "FINAL_STATES", "LEVELS", "OPEN_STATES",
    "SEVERITIES", "SOURCES", "STATES", "TRANSITIONS", "DeadlinePolicy", "Hazard",
    "IllegalTransition", "ResponsibilityChain", "Transition", "allowed_actions", "apply",
    "deadline_for", "escalation_level", "new_hazard", "overdue_hours", "responsible_at",
    "validate_history",
]  # fmt: skip

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
                f"Unknown severity {severity!r}; use one of: {', '.join(SEVERITIES)}.",
                zh=f"未知的隐患等级 {severity!r}：请用以下之一：{', '.join(SEVERITIES)}。",
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
        raise InvalidInput(
            f"Unknown hazard source {source!r}; use one of: {', '.join(SOURCES)}.",
            zh=f"未知的隐患来源 {source!r}：请用以下之一：{', '.join(SOURCES)}。",
        )
    if domain not in DOMAIN_CODES:
        raise InvalidInput(
            f"Unknown domain {domain!r}; use one of: {', '.join(DOMAIN_CODES)}.",
            zh=f"未知的安全领域 {domain!r}：请用以下之一：{', '.join(DOMAIN_CODES)}。",
        )
    if severity not in SEVERITIES:
        raise InvalidInput(
            f"Unknown severity {severity!r}; use one of: {', '.join(SEVERITIES)}.",
            zh=f"未知的隐患等级 {severity!r}：请用以下之一：{', '.join(SEVERITIES)}。",
        )
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InvalidInput(
            f"({lon}, {lat}) is not a longitude/latitude pair in degrees.",
            zh=f"({lon}, {lat}) 不是以度为单位的经纬度。",
        )
    if not reported_by.strip():
        raise InvalidInput(
            "A hazard needs the person who reported it (reported_by).",
            zh="隐患需要填写上报人。",
        )
    _require_aware(reported_at, "reported_at")
    if deadline is None:
        deadline = deadline_for(
            domain=domain, severity=severity, reported_at=reported_at, policy=policy
        )
    _require_aware(deadline, "deadline")
    if deadline <= reported_at:
        raise InvalidInput(
            f"The deadline {deadline} must be later than the report {reported_at}.",
            zh=f"整改期限 {deadline} 必须晚于上报时间 {reported_at}。",
        )
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
            f"Allowed actions: {allowed}.",
            zh=f"隐患 {hazard.id} 当前为「{word(hazard.state)}」：不能「{word(action)}」。"
            f"可以：{'、'.join(word(a) for a in allowed_actions(hazard)) or '无'}。",
        )
    _require_aware(at, "at")
    if not by.strip():
        raise InvalidInput(
            f"'{action}' on hazard {hazard.id} needs the person doing it (by).",
            zh=f"对隐患 {hazard.id}「{word(action)}」需要填写办理人。",
        )
    last = hazard.history[-1].at if hazard.history else hazard.reported_at
    if at < last:
        raise InvalidInput(
            f"'{action}' on hazard {hazard.id} at {at.isoformat()} is earlier than its last "
            f"event at {last.isoformat()}.",
            zh=f"对隐患 {hazard.id}「{word(action)}」的时间 {at.isoformat()} 早于其上一条记录 "
            f"{last.isoformat()}。",
        )
    if action in _NOTE_REQUIRED and not note.strip():
        raise InvalidInput(
            f"'{action}' on hazard {hazard.id} needs a note giving the reason.",
            zh=f"对隐患 {hazard.id}「{word(action)}」需要在备注中写明原因。",
        )
    changes: dict[str, object] = {"state": target}
    if action == "extend":
        if deadline is None:
            raise InvalidInput(
                f"'extend' on hazard {hazard.id} needs the new deadline.",
                zh=f"隐患 {hazard.id} 延期需要填写新的期限。",
            )
        _require_aware(deadline, "deadline")
        if deadline <= hazard.deadline:
            raise InvalidInput(
                f"The new deadline {deadline.isoformat()} of hazard {hazard.id} must be later "
                f"than the current one {hazard.deadline.isoformat()}.",
                zh=f"隐患 {hazard.id} 的新期限 {deadline.isoformat()} 必须晚于当前期限 "
                f"{hazard.deadline.isoformat()}。",
            )
        changes["deadline"] = deadline
    elif deadline is not None:
        raise InvalidInput(
            f"Only 'extend' changes the deadline, not '{action}'.",
            zh=f"只有「延期」能修改期限，「{word(action)}」不能。",
        )
    if action == "dispatch":
        if not assignee or not assignee.strip():
            raise InvalidInput(
                f"'dispatch' on hazard {hazard.id} needs an assignee.",
                zh=f"派发隐患 {hazard.id} 需要指定整改人。",
            )
        changes["assignee"] = assignee
    elif assignee is not None:
        raise InvalidInput(
            f"Only 'dispatch' sets the assignee, not '{action}'.",
            zh=f"只有「派发」能指定整改人，「{word(action)}」不能。",
        )
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


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"'{name}' must be a timezone-aware datetime (UTC), got {value!r}.")
