"""Notifications through an outbox, and the scheduler's round (``campusgrid tick``).

A change that others should hear about (a hazard dispatched, a complaint routed to its
owner, a major hazard opened, a plan activated) calls one of the ``enqueue_*`` helpers with
its open connection, inside its own ``writing(...)`` block: the outbox rows commit with the
change or not at all, and sending happens later (:func:`deliver`), so a failing channel
never blocks the change. An outbox row is keyed by (channel, event key): the scheduler's
events (deadline within 24 h, escalation to the next level, see :func:`tick`) are queued
once however often it runs. :func:`tick` runs under a database lease (``job_lease``), so two
processes never run a round at once; each row is claimed before it is sent.

Delivery retries with exponential backoff (1, 2, 4 … minutes; :data:`MAX_ATTEMPTS` tries),
records the last error and never raises. Channel management needs ``manage_accounts``
(admins) and is audited. Descriptions of sensitive domains never leave campusgrid: their
messages say only that details are in the app.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission, Role
from zoning.clock import local_day, local_text, utcnow
from zoning.errors import CampusgridError, InvalidInput, NotFound
from zoning.notify import Notice, check_events, check_kind, check_target
from zoning.notify.notice import HEADLINES
from zoning.safety.domains import SENSITIVE_DOMAINS
from zoning.safety.ledger.workflow import (
    CLOCK_STATES,
    LEVELS,
    OPEN_STATES,
    Hazard,
    escalation_level,
    responsible_at,
)
from zoning.services import people_alerts
from zoning.services._delivery import send
from zoning.services.safety import CampusOps, Staff, campus_ops, ensure_campus_schedule
from zoning.store import notify as repo
from zoning.store import safety as hazards_repo
from zoning.store.audit import record
from zoning.store.campus import campus_id
from zoning.store.engine import writing

__all__ = [
    "LEASE_NAME",
    "MAX_ATTEMPTS",
    "TickReport",
    "add_channel",
    "backoff",
    "deliver",
    "enqueue_activation",
    "enqueue_complaint",
    "enqueue_hazard",
    "list_channels",
    "outbox_log",
    "remove_channel",
    "tick",
    "try_channel",
]

#: Tries per outbox row before it is given up (shown by ``notify log --failed``).
MAX_ATTEMPTS = 8
#: The scheduler's lease, and how long one round may hold it.
LEASE_NAME = "tick"
LEASE_TTL = timedelta(minutes=5)
#: A row being sent is hidden from other senders this long (a crash mid-send retries then).
CLAIM_TTL = timedelta(minutes=5)
#: Who answers at each escalation level, as the role a channel may filter on.
LEVEL_ROLES: dict[str, str] = {
    "cell_owner": Role.INSPECTOR.value, "zone_leader": Role.ZONE_LEADER.value,
    "safety_office": Role.SAFETY_OFFICER.value, "leadership": Role.LEADERSHIP.value,
}  # fmt: skip
_LEVEL_NAMES = {"zone_leader": "区域负责人 zone leader", "safety_office": "安全处 safety office",
                "leadership": "校领导 leadership"}  # fmt: skip


def backoff(attempts: int) -> timedelta:
    """Return the wait after the ``attempts``-th failed try: 1, 2, 4 … minutes.

    >>> [int(backoff(n).total_seconds() // 60) for n in (1, 2, 3, 8)]
    [1, 2, 4, 128]
    """
    return timedelta(minutes=2 ** max(attempts - 1, 0))


# --------------------------------------------------------------------------- enqueue


def _zone(value: object) -> int | None:
    return hazards_repo.zone_number(value)


def _matching(channels: Sequence[repo.ChannelRow], notice: Notice) -> list[repo.ChannelRow]:
    return [
        c
        for c in channels
        if c.enabled
        and notice.event in c.events
        and (c.zone is None or c.zone == notice.zone)
        and (c.role is None or notice.role is None or c.role == notice.role)
    ]


def _queue(conn: sa.Connection, notice: Notice, key: str, *, at: datetime) -> list[int]:
    """Queue ``notice`` under ``key`` for every enabled channel that takes it."""
    channels = _matching(repo.load_channels(conn, enabled_only=True), notice)
    payload = json.dumps(notice.to_json(), ensure_ascii=False)
    rows = [
        {"event": notice.event, "event_key": key, "payload": payload, "channel_id": c.id}
        for c in channels
    ]
    return repo.enqueue(conn, rows, at=at)


def _place(conn: sa.Connection, cid: int, hazard: Hazard) -> str:
    building = repo.building_at(conn, cid, lon=hazard.lon, lat=hazard.lat)
    where = f"{hazard.lat:.6f}, {hazard.lon:.6f}"
    return f"{building} ({where})" if building else where


def _detail(hazard: Hazard, hazard_id: int) -> str:
    if hazard.domain in SENSITIVE_DOMAINS:
        return (
            f"#{hazard_id} {hazard.severity}: 敏感事项，详情请在系统内查看 / sensitive, see the app"
        )
    return f"#{hazard_id} {hazard.domain}/{hazard.severity}: {hazard.description}"


def enqueue_hazard(
    conn: sa.Connection,
    *,
    campus: str,
    cid: int,
    hazard: Hazard,
    hazard_id: int,
    event: str,
    key: str,
    recipient: str | None,
    level: str = LEVELS[0],
    at: datetime,
    headline: str | None = None,
) -> list[int]:
    """Queue ``event`` about a hazard for the matching channels, on the caller's open
    connection (inside its transaction); ``key`` names the event once (a second call with
    the same key queues nothing). Return the new outbox ids."""
    notice = Notice.about(
        event,
        campus=campus,
        page="ledger",
        query={"hazard": str(hazard_id)},
        headline=headline,
        cell=hazard.cell_code,
        place=_place(conn, cid, hazard),
        deadline=hazard.deadline,
        recipient=recipient,
        role=LEVEL_ROLES.get(level),
        zone=_zone(hazard.zone),
        detail=_detail(hazard, hazard_id),
    )
    return _queue(conn, notice, key, at=at)


def enqueue_complaint(
    conn: sa.Connection,
    *,
    campus: str,
    cid: int,
    hazard: Hazard,
    hazard_id: int,
    complaint_id: int,
    at: datetime,
) -> list[int]:
    """Queue "assigned" for a new complaint routed to its cell's owner, and "major" when its
    hazard is major (inside the caller's transaction)."""
    ids = enqueue_hazard(
        conn, campus=campus, cid=cid, hazard=hazard, hazard_id=hazard_id, event="assigned",
        key=f"complaint:{complaint_id}:assigned", recipient=hazard.owner, at=at,
        headline=HEADLINES["complaint"],
    )  # fmt: skip
    if hazard.severity == "major":
        ids += enqueue_hazard(
            conn, campus=campus, cid=cid, hazard=hazard, hazard_id=hazard_id, event="major",
            key=f"hazard:{hazard_id}:major", recipient=hazard.owner, at=at,
        )  # fmt: skip
    return ids


def enqueue_activation(
    conn: sa.Connection,
    *,
    campus: str,
    plan_id: int,
    activated_at: datetime,
    owners_changed: Sequence[dict[str, Any]],
) -> list[int]:
    """Queue "plan_activated" naming the owners whose cells changed (none changed: nothing)."""
    if not owners_changed:
        return []
    names = [str(o["owner"]) for o in owners_changed]
    shown = "、".join(names[:20]) + (f" … (+{len(names) - 20})" if len(names) > 20 else "")
    notice = Notice.about(
        "plan_activated",
        campus=campus,
        page="planner",
        query={"plan": str(plan_id)},
        cell=None,
        place=f"plan {plan_id}",
        deadline=None,
        detail=f"{len(names)} 位网格员的网格有变化 / owners whose cells changed: {shown}",
    )
    detail = f"{notice.detail} ({local_text(activated_at)})"
    return _queue(conn, replace(notice, detail=detail), f"plan:{plan_id}:activated", at=utcnow())


# --------------------------------------------------------------------------- channels


def _check_role(role: str | None) -> str | None:
    if role is None:
        return None
    try:
        return Role(role).value
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidInput(f"Unknown role {role!r}: use one of {known}.") from None


def add_channel(
    engine: Engine,
    *,
    actor: Actor,
    kind: str,
    target: str,
    secret: str | None = None,
    zone: int | None = None,
    role: str | None = None,
    events: str | None = None,
) -> repo.ChannelRow:
    """Add a channel (needs manage_accounts; audited ``notify.add``, the secret left out).
    ``events`` is a comma list (default: all). Raises PermissionDenied, InvalidInput."""
    actor.require(Permission.MANAGE_ACCOUNTS, "add a notification channel")
    kind = check_kind(kind)
    target = check_target(kind, target)
    names = check_events(events)
    role = _check_role(role)
    if zone is not None and not 1 <= zone <= 10_000:
        raise InvalidInput(f"--zone {zone} is not a zone number (1 or more).")
    secret = (secret or "").strip() or None
    if secret is not None and kind not in ("dingtalk", "feishu"):
        raise InvalidInput(f"A {kind} channel takes no secret: only dingtalk and feishu sign.")
    if secret is not None and len(secret) > 500:
        raise InvalidInput("The secret is longer than 500 characters: paste the robot's secret.")
    at = utcnow()
    with writing(engine) as conn:
        channel_id = repo.add_channel(
            conn, kind=kind, target=target, secret=secret, zone=zone, role=role, events=names,
            at=at,
        )  # fmt: skip
        added = repo.load_channel(conn, channel_id)
        assert added is not None
        record(conn, campus_id=None, actor=actor.name, action="notify.add",
               detail=added.to_json())  # fmt: skip
    return added


def list_channels(engine: Engine, *, actor: Actor) -> list[repo.ChannelRow]:
    """Return the channels (needs manage_accounts)."""
    actor.require(Permission.MANAGE_ACCOUNTS, "list the notification channels")
    with engine.connect() as conn:
        return repo.load_channels(conn)


def remove_channel(engine: Engine, channel_id: int, *, actor: Actor) -> None:
    """Remove a channel and its queued messages (needs manage_accounts; audited). Raises
    NotFound for an unknown id."""
    actor.require(Permission.MANAGE_ACCOUNTS, "remove a notification channel")
    with writing(engine) as conn:
        if not repo.remove_channel(conn, channel_id):
            raise NotFound(f"No notification channel {channel_id}: `campusgrid notify list`.")
        record(conn, campus_id=None, actor=actor.name, action="notify.remove",
               detail={"channel": channel_id})  # fmt: skip


def try_channel(engine: Engine, channel_id: int, *, actor: Actor) -> repo.OutboxEntry:
    """Send one test message on a channel now, through the outbox; return its row (sent, or
    with the error). Needs manage_accounts; audited. Raises NotFound for an unknown id."""
    actor.require(Permission.MANAGE_ACCOUNTS, "test a notification channel")
    at = utcnow()
    with writing(engine) as conn:
        channel = repo.load_channel(conn, channel_id)
        if channel is None:
            raise NotFound(f"No notification channel {channel_id}: `campusgrid notify list`.")
        notice = Notice.about(
            "test", campus="campusgrid", page="", query={}, cell=None,
            place=socket.gethostname(), deadline=None,
            detail=f"channel {channel_id} by {actor.name}",
        )  # fmt: skip
        payload = json.dumps(notice.to_json(), ensure_ascii=False)
        key = f"test:{uuid.uuid4().hex}"
        row = {"event": "test", "event_key": key, "payload": payload, "channel_id": channel_id}
        ids = repo.enqueue(conn, [row], at=at)
        record(conn, campus_id=None, actor=actor.name, action="notify.test",
               detail={"channel": channel_id})  # fmt: skip
    deliver(engine, now=at, ids=ids)
    with engine.connect() as conn:
        (entry,) = [e for e in repo.entries(conn, limit=50) if e.id == ids[0]]
    return entry


def outbox_log(
    engine: Engine, *, actor: Actor, failed_only: bool = False, limit: int = 100
) -> list[tuple[repo.OutboxEntry, Notice]]:
    """Return the newest outbox rows with their notices (only the failing ones, when asked).
    Needs manage_accounts."""
    actor.require(Permission.MANAGE_ACCOUNTS, "read the notification log")
    if not 1 <= limit <= 10_000:
        raise InvalidInput(f"--limit {limit} must be between 1 and 10000.")
    with engine.connect() as conn:
        rows = repo.entries(conn, failed_only=failed_only, limit=limit)
    return [(e, Notice.from_json(json.loads(e.payload))) for e in rows]


# --------------------------------------------------------------------------- delivery


def deliver(
    engine: Engine, *, now: datetime | None = None, ids: Sequence[int] | None = None
) -> int:
    """Send the outbox rows due at ``now`` (only ``ids`` when given); return how many were
    sent. Each row is claimed first, so two senders never send one row; a failure records
    the error and the next try (:func:`backoff`). Never raises a channel's failure."""
    now = now or utcnow()
    sent = 0
    with engine.connect() as conn:
        due = repo.due_entries(conn, now=now, max_attempts=MAX_ATTEMPTS, ids=ids)
        channels = {c.id: c for c in repo.load_channels(conn)}
    for entry in due:
        with writing(engine) as conn:
            if not repo.claim(conn, entry, now=now, until=now + CLAIM_TTL):
                continue
        channel = channels.get(entry.channel_id)
        if channel is None:
            continue
        error = send(channel, Notice.from_json(json.loads(entry.payload)), now=now)
        with writing(engine) as conn:
            if error is None:
                repo.mark_sent(conn, entry.id, at=now)
                sent += 1
            else:
                repo.mark_failed(
                    conn, entry.id, error=error, next_attempt_at=now + backoff(entry.attempts + 1)
                )
    return sent


# --------------------------------------------------------------------------- the scheduler


@dataclass(frozen=True)
class TickReport:
    """What one round did: whether it held the lease, the events queued per kind, the
    campuses whose schedule it checked, the messages sent, and the campuses that failed."""

    ran: bool
    queued: dict[str, int] = field(default_factory=dict)
    scheduled: tuple[str, ...] = ()
    sent: int = 0
    failures: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "ran": self.ran, "queued": self.queued, "scheduled": list(self.scheduled),
            "sent": self.sent, "failures": list(self.failures),
        }  # fmt: skip


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _campus_events(engine: Engine, ops: CampusOps, *, now: datetime) -> dict[str, int]:
    """Queue the deadline, escalation and major-hazard events of one campus."""
    chain = ops.staff.chain()
    counts: dict[str, int] = {}
    with writing(engine) as conn:
        for hazard in hazards_repo.load_hazards(conn, ops.cid, states=OPEN_STATES):
            for event, key, level in _due_events(hazard, chain.overdue_period_hours, now=now):
                person = _person(hazard, ops.staff, now=now, level=level)
                added = enqueue_hazard(
                    conn, campus=ops.campus, cid=ops.cid, hazard=hazard,
                    hazard_id=int(hazard.id), event=event, key=key, recipient=person,
                    level=level, at=now,
                    headline=f"{HEADLINES['escalated']}: {_LEVEL_NAMES.get(level, level)}"
                    if event == "escalated" else None,
                )  # fmt: skip
                if added:
                    counts[event] = counts.get(event, 0) + len(added)
        if counts:
            record(conn, campus_id=ops.cid, actor="campusgrid-scheduler", action="notify.tick",
                   detail={"queued": counts, "at": now.isoformat()})  # fmt: skip
    return counts


def _due_events(
    hazard: Hazard, period_h: float | None, *, now: datetime
) -> list[tuple[str, str, str]]:
    """Return (event, key, level) for what is due about ``hazard`` at ``now``."""
    out: list[tuple[str, str, str]] = []
    hid = hazard.id
    if hazard.severity == "major" and now - hazard.reported_at <= timedelta(hours=24):
        out.append(("major", f"hazard:{hid}:major", LEVELS[0]))
    if hazard.state not in CLOCK_STATES:
        return out
    if now < hazard.deadline <= now + timedelta(hours=24):
        out.append(("deadline", f"hazard:{hid}:deadline:{hazard.deadline.isoformat()}", LEVELS[0]))
    level = escalation_level(hazard, now=now, overdue_period_hours=period_h)
    if level > 0:
        out.append(("escalated", f"hazard:{hid}:escalated:{level}", LEVELS[level]))
    return out


def _person(hazard: Hazard, staff: Staff, *, now: datetime, level: str) -> str | None:
    if level == LEVELS[0] and hazard.assignee:
        return hazard.assignee
    try:
        return responsible_at(hazard, staff.chain(), now=now)[1]
    except NotFound:
        return None


def _people_events(engine: Engine, campus: str, *, now: datetime) -> dict[str, int]:
    """Queue the people grid's notices due at ``now`` (see :mod:`zoning.services.people_alerts`)."""
    due = people_alerts.due_notices(engine, campus, now=now)
    counts: dict[str, int] = {}
    if not due:
        return counts
    with writing(engine) as conn:
        for notice, key in due:
            added = _queue(conn, notice, key, at=now)
            if added:
                counts[notice.event] = counts.get(notice.event, 0) + len(added)
        if counts:
            detail = {"queued": counts, "at": now.isoformat()}
            cid = campus_id(conn, campus)
            record(conn, campus_id=cid, actor="campusgrid-scheduler", action="notify.people",
                   detail=detail)  # fmt: skip
    return counts


def tick(engine: Engine, *, actor: Actor, now: datetime | None = None) -> TickReport:
    """Run one scheduler round under the database lease: queue each campus's deadline
    reminders (deadline within 24 h), escalations (one per level reached) and major hazards
    opened in the last 24 h, the people grid's roll-call reminders, summaries and
    escalations (:mod:`zoning.services.people_alerts`), make sure the day's due inspections
    exist, then deliver.
    Another round holding the lease: nothing done (``ran`` False). A campus that fails is
    named in ``failures``; the others go on. Needs manage_accounts."""
    actor.require(Permission.MANAGE_ACCOUNTS, "run the scheduler")
    now = now or utcnow()
    holder = _holder()
    with writing(engine) as conn:
        if not repo.take_lease(conn, LEASE_NAME, holder=holder, now=now, ttl=LEASE_TTL):
            return TickReport(ran=False)
        names = repo.campus_names(conn)
    queued: dict[str, int] = {}
    scheduled: list[str] = []
    failures: list[str] = []
    try:
        for name in names:
            try:  # the people grid's reminders and escalations need no plan
                for event, count in _people_events(engine, name, now=now).items():
                    queued[event] = queued.get(event, 0) + count
            except CampusgridError as exc:
                failures.append(f"{name}: {exc}")
            try:
                ops = campus_ops(engine, name)
            except NotFound:
                continue  # a campus without a plan has no hazards or schedule yet
            try:
                for event, count in _campus_events(engine, ops, now=now).items():
                    queued[event] = queued.get(event, 0) + count
                ensure_campus_schedule(engine, name, local_day(now))
                scheduled.append(name)
            except CampusgridError as exc:
                failures.append(f"{name}: {exc}")
        sent = deliver(engine, now=now)
    finally:
        with writing(engine) as conn:
            repo.release_lease(conn, LEASE_NAME, holder=holder, now=now)
    return TickReport(True, queued, tuple(scheduled), sent, tuple(failures))
