"""The hazard ledger: state machine, deadlines, escalation and rates."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zoning.errors import InvalidInput, NotFound
from zoning.safety.ledger.rates import hazards_frame, rates
from zoning.safety.ledger.workflow import (
    ACTIONS,
    OPEN_STATES,
    STATES,
    TRANSITIONS,
    DeadlinePolicy,
    Hazard,
    IllegalTransition,
    ResponsibilityChain,
    allowed_actions,
    apply,
    deadline_for,
    escalation_level,
    new_hazard,
    responsible_at,
    validate_history,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing, Monday 2 March 2026
H = timedelta(hours=1)


def hazard(
    hazard_id: str = "H1",
    *,
    severity: str = "general",
    domain: str = "fire",
    at: datetime = T0,
    cell: str | None = "C01",
    zone: str | None = "Z1",
    owner: str | None = "wang",
) -> Hazard:
    return new_hazard(
        hazard_id=hazard_id,
        source="report",
        domain=domain,
        severity=severity,
        description="楼道堆放杂物",
        lon=116.35,
        lat=39.96,
        reported_by="li",
        reported_at=at,
        cell_code=cell,
        zone=zone,
        owner=owner,
    )


def walk(h: Hazard, actions: list[str], *, start: datetime, step: timedelta = H) -> Hazard:
    at = start
    for action in actions:
        at += step
        kwargs: dict[str, object] = {}
        if action == "dispatch":
            kwargs["assignee"] = "zhao"
        if action in ("reject", "rework", "extend"):
            kwargs["note"] = "reason"
        if action == "extend":
            kwargs["deadline"] = h.deadline + timedelta(days=3)
        h = apply(h, action, by="office", at=at, **kwargs)  # type: ignore[arg-type]
    return h


FULL = ["register", "dispatch", "start", "complete", "verify", "close"]


def test_full_walk_records_every_transition() -> None:
    h = walk(hazard(), FULL, start=T0)
    assert h.state == "closed" and not h.is_open
    assert [t.action for t in h.history] == ["report", *FULL]
    assert [t.to_state for t in h.history] == [
        "reported",
        "registered",
        "dispatched",
        "rectifying",
        "rectified",
        "verified",
        "closed",
    ]
    assert h.assignee == "zhao"
    assert h.closed_at == T0 + 6 * H and h.rectified_at == T0 + 4 * H
    validate_history(h)


def test_transition_returns_new_hazard_and_leaves_input_alone() -> None:
    h = hazard()
    h2 = apply(h, "register", by="office", at=T0 + H)
    assert h.state == "reported" and len(h.history) == 1
    assert h2.state == "registered" and len(h2.history) == 2


def test_illegal_transition_names_state_and_allowed_actions() -> None:
    h = walk(hazard(), ["register", "dispatch", "start", "complete"], start=T0)
    with pytest.raises(IllegalTransition, match=r"is 'rectified': 'close' is not allowed\. "):
        apply(h, "close", by="office", at=T0 + 9 * H)
    with pytest.raises(IllegalTransition, match=r"Allowed actions: verify, rework, extend\."):
        apply(h, "close", by="office", at=T0 + 9 * H)
    closed = walk(h, ["verify", "close"], start=T0 + 5 * H)
    with pytest.raises(IllegalTransition, match=r"none \(final state\)"):
        apply(closed, "extend", by="office", at=T0 + 9 * H, note="x", deadline=T0 + 99 * H)


def test_rework_goes_back_to_rectifying_and_counts() -> None:
    h = walk(
        hazard(), ["register", "dispatch", "start", "complete", "rework", "complete"], start=T0
    )
    assert h.state == "rectified" and h.rework_count == 1
    assert h.rectified_at == T0 + 6 * H
    with pytest.raises(InvalidInput, match="needs a note"):
        apply(h, "rework", by="office", at=T0 + 7 * H)


def test_extension_needs_a_later_deadline_and_a_reason() -> None:
    h = hazard()
    later = h.deadline + timedelta(days=2)
    with pytest.raises(InvalidInput, match="needs a note"):
        apply(h, "extend", by="office", at=T0 + H, deadline=later)
    with pytest.raises(InvalidInput, match="needs the new deadline"):
        apply(h, "extend", by="office", at=T0 + H, note="parts on order")
    with pytest.raises(InvalidInput, match="must be later than the current one"):
        apply(h, "extend", by="office", at=T0 + H, note="x", deadline=h.deadline)
    h2 = apply(h, "extend", by="office", at=T0 + H, note="parts on order", deadline=later)
    assert h2.state == "reported" and h2.deadline == later
    assert h2.original_deadline == h.deadline and h2.extension_count == 1
    assert h2.history[-1].deadline == later and h2.history[-1].note == "parts on order"


def test_times_must_be_aware_and_in_order() -> None:
    h = apply(hazard(), "register", by="office", at=T0 + 2 * H)
    with pytest.raises(InvalidInput, match="earlier than its last event"):
        apply(h, "reject", by="office", at=T0 + H, note="dup")
    with pytest.raises(InvalidInput, match="timezone-aware"):
        apply(h, "reject", by="office", at=datetime(2026, 3, 3), note="dup")
    with pytest.raises(InvalidInput, match="needs an assignee"):
        apply(h, "dispatch", by="office", at=T0 + 3 * H)
    with pytest.raises(InvalidInput, match="needs the person"):
        apply(h, "dispatch", by=" ", at=T0 + 3 * H, assignee="zhao")


def test_new_hazard_validation_and_deadlines() -> None:
    assert hazard(severity="major").deadline == T0 + 24 * H
    assert hazard(severity="general").deadline == T0 + 7 * 24 * H
    with pytest.raises(InvalidInput, match="Unknown severity"):
        hazard(severity="minor")
    with pytest.raises(InvalidInput, match="Unknown domain"):
        hazard(domain="weather")
    with pytest.raises(InvalidInput, match="timezone-aware"):
        hazard(at=datetime(2026, 3, 2))
    policy = DeadlinePolicy(domain_hours={"food": {"general": 24}, "labs": {"major": 4}})
    kwargs = {"reported_at": T0, "policy": policy}
    assert deadline_for(domain="food", severity="general", **kwargs) == T0 + 24 * H  # type: ignore[arg-type]
    assert deadline_for(domain="labs", severity="major", **kwargs) == T0 + 4 * H  # type: ignore[arg-type]
    assert deadline_for(domain="labs", severity="general", **kwargs) == T0 + 168 * H  # type: ignore[arg-type]


def test_validate_history_catches_a_forged_record() -> None:
    h = walk(hazard(), ["register", "dispatch"], start=T0)
    forged = replace(h.history[-1], action="close", to_state="closed")
    with pytest.raises(IllegalTransition, match="event 2"):
        validate_history(replace(h, history=(*h.history[:-1], forged), state="closed"))
    with pytest.raises(IllegalTransition, match="history ends in 'dispatched'"):
        validate_history(replace(h, state="closed"))


# --------------------------------------------------------------------------- property


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            # an index into the allowed actions (walks deep), or any action name at all
            st.one_of(st.integers(0, 5), st.sampled_from([*ACTIONS, "report", "approve"])),
            st.booleans(),  # give the required arguments?
            st.integers(min_value=-2, max_value=48),  # hours after the last event
        ),
        max_size=25,
    )
)
def test_random_action_sequences_never_reach_an_illegal_state(
    steps: list[tuple[int | str, bool, int]],
) -> None:
    h = hazard()
    for choice, with_args, hours in steps:
        allowed = allowed_actions(h)
        if isinstance(choice, int):
            action = allowed[choice % len(allowed)] if allowed else "close"
        else:
            action = choice
        at = h.history[-1].at + timedelta(hours=hours)
        kwargs: dict[str, object] = {}
        if with_args:
            if action == "dispatch":
                kwargs["assignee"] = "zhao"
            if action in ("reject", "rework", "extend"):
                kwargs["note"] = "reason"
            if action == "extend":
                kwargs["deadline"] = h.deadline + timedelta(hours=12)
        needs_args = action in ("dispatch", "reject", "rework", "extend")
        legal = (h.state, action) in TRANSITIONS and (with_args or not needs_args) and hours >= 0
        before = h
        if legal:
            h = apply(h, action, by="office", at=at, **kwargs)  # type: ignore[arg-type]
            assert h.state == TRANSITIONS[(before.state, action)]
            assert len(h.history) == len(before.history) + 1
        else:
            with pytest.raises((IllegalTransition, InvalidInput)):
                apply(h, action, by="office", at=at, **kwargs)  # type: ignore[arg-type]
            assert h == before
        assert h.state in STATES
        assert set(allowed_actions(h)) == {a for (s, a) in TRANSITIONS if s == h.state}
    validate_history(h)
    assert h.is_open == (h.state in OPEN_STATES)
    assert h.deadline >= h.original_deadline


# --------------------------------------------------------------------------- escalation

CHAIN = ResponsibilityChain(
    safety_office="safety_office",
    leadership="vice_president",
    zone_leaders={"Z1": "zone_leader_1"},
    zone_fallback_owners={"Z1": "fallback_1"},
)


@pytest.mark.parametrize(
    ("hours_after_report", "level", "person"),
    [
        (0, "cell_owner", "wang"),
        (24, "cell_owner", "wang"),  # exactly at the deadline: not yet overdue
        (24.5, "zone_leader", "zone_leader_1"),
        (48, "zone_leader", "zone_leader_1"),
        (49, "safety_office", "safety_office"),
        (72.1, "leadership", "vice_president"),
        (1000, "leadership", "vice_president"),
    ],
)
def test_major_hazard_escalates_one_level_per_overdue_day(
    hours_after_report: float, level: str, person: str
) -> None:
    h = hazard(severity="major")
    now = T0 + timedelta(hours=hours_after_report)
    assert responsible_at(h, CHAIN, now=now) == (level, person)


def test_configured_overdue_period_and_general_hazard() -> None:
    h = hazard(severity="general")  # 7 days
    assert escalation_level(h, now=T0 + 8 * 24 * H) == 1  # one day late, period = 7 days
    chain = replace(CHAIN, overdue_period_hours=12)
    assert responsible_at(h, chain, now=T0 + (7 * 24 + 13) * H)[0] == "safety_office"


def test_vacant_cell_falls_to_the_zone_fallback_owner() -> None:
    h = hazard(owner=None)
    assert responsible_at(h, CHAIN, now=T0) == ("cell_owner", "fallback_1")
    chain = replace(CHAIN, cell_owners={"C01": "new_owner"})
    assert responsible_at(h, chain, now=T0) == ("cell_owner", "new_owner")
    chain = replace(CHAIN, cell_owners={"C01": None})
    assert responsible_at(hazard(), chain, now=T0) == ("cell_owner", "fallback_1")
    with pytest.raises(NotFound, match="no fallback owner"):
        responsible_at(hazard(owner=None, zone="Z9"), CHAIN, now=T0)
    with pytest.raises(NotFound, match="no zone leader"):
        responsible_at(hazard(zone="Z9", severity="major"), CHAIN, now=T0 + 30 * H)


def test_overdue_clock_stops_at_rectification_and_restarts_on_rework() -> None:
    h = hazard(severity="major")
    done = walk(h, ["register", "dispatch", "start", "complete"], start=T0, step=5 * H)
    assert escalation_level(done, now=T0 + 500 * H) == 0  # rectified after 20 h
    late = walk(done, ["rework"], start=T0 + 29 * H)  # reopened at 30 h
    assert escalation_level(late, now=T0 + 30 * H) == 1
    closed = walk(late, ["complete", "verify", "close"], start=T0 + 49 * H)  # done at 50 h
    assert escalation_level(closed, now=T0 + 500 * H) == 2


# --------------------------------------------------------------------------- rates


def _ledger() -> list[Hazard]:
    """Eight hazards in March 2026 with hand-computed statistics (see the test)."""
    day = 24 * H
    out = []
    # A: major, reported 2 Mar, rectified at 16 h (on time), closed at 24 h.
    out.append(walk(hazard("A", severity="major"), FULL, start=T0, step=4 * H))
    # B: general, rectified 8 days later (late), closed.
    b = walk(hazard("B"), ["register", "dispatch", "start"], start=T0)
    out.append(walk(b, ["complete", "verify", "close"], start=T0 + 8 * day))
    # C: general, reworked once, closed within the deadline.
    c = walk(hazard("C"), ["register", "dispatch", "start", "complete", "rework"], start=T0)
    out.append(walk(c, ["complete", "verify", "close"], start=T0 + 2 * day))
    # D: general, extended to 20 March, still rectifying (deadline then in March).
    d = walk(hazard("D", owner="chen"), ["register", "dispatch", "start"], start=T0)
    out.append(
        apply(d, "extend", by="office", at=T0 + day, note="材料未到", deadline=T0 + 18 * day)
    )
    # E: general, open, deadline 9 March.
    out.append(hazard("E", owner="chen"))
    # F: rejected: left out of everything.
    out.append(walk(hazard("F"), ["reject"], start=T0))
    # G: reported 28 March, deadline 4 April: not due in March.
    out.append(hazard("G", at=T0 + 26 * day))
    # H: other zone, major, closed late (rectified at 30 h).
    h = walk(hazard("H", zone="Z2", owner="sun", severity="major"), FULL[:3], start=T0)
    out.append(walk(h, FULL[3:], start=T0 + 29 * H))
    return out


def test_rates_on_a_hand_made_ledger() -> None:
    table = rates(_ledger(), start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert len(table) == 1
    row = table.iloc[0]
    assert row["period"] == "2026-03-01/2026-03-31"
    assert row["reported"] == 7  # all but the rejected F
    assert row["due"] == 6  # A B C D E H
    assert row["closed"] == 4  # A B C H
    assert row["closed_on_time"] == 2  # A C
    assert row["reworked"] == 1 and row["extended"] == 1
    assert row["closure_rate"] == pytest.approx(4 / 6)
    assert row["on_time_rate"] == pytest.approx(2 / 6)
    assert row["rework_rate"] == pytest.approx(1 / 6)
    assert row["extension_rate"] == pytest.approx(1 / 6)
    assert row["closed_in_period"] == 4
    # A 24 h (6 steps of 4 h), B 8 d + 3 h, C 2 d + 3 h, H 32 h
    expected_hours = (24 + (8 * 24 + 3) + (2 * 24 + 3) + 32) / 4
    assert row["mean_hours_to_close"] == pytest.approx(expected_hours)


def test_rates_by_zone_owner_and_week() -> None:
    by_zone = rates(_ledger(), start=date(2026, 3, 1), end=date(2026, 3, 31), by=["zone"])
    z2 = by_zone.set_index("zone").loc["Z2"]
    assert (z2["due"], z2["closed"], z2["closed_on_time"]) == (1, 1, 0)
    by_owner = rates(_ledger(), start=date(2026, 3, 1), end=date(2026, 3, 31), by=["owner"])
    chen = by_owner.set_index("owner").loc["chen"]
    assert (chen["due"], chen["closed"], chen["extension_rate"]) == (2, 0, 0.5)
    assert math.isnan(chen["mean_hours_to_close"])
    weekly = rates(
        _ledger(), start=date(2026, 3, 1), end=date(2026, 3, 31), period="weekly"
    ).set_index("period")
    # A and H are due in W10 (3 March); B, C, E on 9 March (W11); D on 20 March (W12).
    assert weekly.loc["2026-W10", "due"] == 2
    assert weekly.loc["2026-W11", "due"] == 3
    assert weekly.loc["2026-W12", "due"] == 1
    # B is closed on 10 March, within W11 (ends 15 March).
    assert weekly.loc["2026-W11", "closed"] == 2
    # the frame form gives the same answer
    frame = hazards_frame(_ledger())
    again = rates(frame, start=date(2026, 3, 1), end=date(2026, 3, 31), period="weekly")
    assert again.set_index("period")["due"].to_dict() == weekly["due"].to_dict()


def test_closed_after_the_period_does_not_count_as_closed_in_it() -> None:
    table = rates(_ledger(), start=date(2026, 3, 1), end=date(2026, 3, 9), by=["zone"])
    z1 = table.set_index("zone").loc["Z1"]
    # due by 9 March in Z1: A, B, C, E; B closes on 10 March (after the range).
    assert (z1["due"], z1["closed"]) == (4, 2)


def test_rates_refuse_bad_arguments() -> None:
    with pytest.raises(InvalidInput, match="Cannot group rates by 'colour'"):
        rates([], start=date(2026, 3, 1), end=date(2026, 3, 31), by=["colour"])
    with pytest.raises(InvalidInput, match="Unknown period"):
        rates([], start=date(2026, 3, 1), end=date(2026, 3, 31), period="yearly")
    empty = rates([], start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert empty.empty
