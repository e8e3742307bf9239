"""The pure half of joining and splitting complaints: the hazard a complaint opens, the
attachment event, and the split recorded on both hazards (inputs left unchanged)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.safety.test_complaints import T0, route
from zoning.errors import InvalidInput
from zoning.safety.complaints import attach_complaint, hazard_for, split_off


def test_hazard_for_a_complaint_is_the_one_routing_opens() -> None:
    routed = route("K1", 50, 150, category="fire_risk", reported_by="热线")
    assert hazard_for(routed.complaint, reported_by="热线") == routed.hazard
    assert (routed.hazard.severity, routed.hazard.deadline) == ("major", T0 + timedelta(hours=2))
    with pytest.raises(InvalidInput, match="Unknown complaint category 'lost'"):
        hazard_for(replace(routed.complaint, category="lost"), reported_by="热线")


def test_attach_adds_one_event_and_keeps_state_and_deadline() -> None:
    first = route("K1", 50, 150).hazard
    at = T0 + timedelta(hours=3)
    after = attach_complaint(first, complaint_id="7", by="热线", at=at)
    assert len(first.history) == 1  # the input is unchanged
    assert (after.state, after.deadline, len(after.history)) == (first.state, first.deadline, 2)
    event = after.history[-1]
    assert (event.action, event.from_state, event.to_state, event.by, event.at, event.note) == (
        "attach", "reported", "reported", "热线", at, "duplicate complaint #7 attached",
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="timezone-aware"):
        attach_complaint(first, complaint_id="7", by="热线", at=datetime(2026, 3, 2, 9))
    with pytest.raises(InvalidInput, match="needs the person"):
        attach_complaint(first, complaint_id="7", by=" ", at=at)


def test_split_off_names_the_other_hazard_on_each_side() -> None:
    joined = replace(route("K1", 50, 150).hazard, id="12")
    own = replace(route("K2", 52, 150).hazard, id="13")
    at = datetime(2026, 3, 2, 8, tzinfo=UTC)
    left, opened = split_off(joined, own, complaint_id="K2", by="officer", at=at)
    assert left.history[-1].note == "complaint #K2 split off into hazard #13"
    assert opened.history[-1].note == "complaint #K2 split off from hazard #12"
    assert {e.action for e in (left.history[-1], opened.history[-1])} == {"split"}
    assert (left.state, opened.state) == (joined.state, own.state)
