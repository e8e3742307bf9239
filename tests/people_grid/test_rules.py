"""The roll call's pure rules: the window, the rotating code, distance bands, accuracy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from zoning.errors import InvalidInput
from zoning.people import Rules, Window, check_window, code_matches, judge_location, rotating_code
from zoning.people.rollcall import CODE_STEP_S, step_of

NIGHT = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 22:00 in Beijing


def test_the_default_window_is_2130_to_2300_beijing_time() -> None:
    rules = Rules()
    check_window(rules, "理学院", NIGHT, AT)
    check_window(rules, "理学院", NIGHT, datetime(2026, 3, 2, 13, 30, tzinfo=UTC))  # 21:30
    with pytest.raises(InvalidInput, match=r"outside the roll-call window 21:30–23:00 .*23:01"):
        check_window(rules, "理学院", NIGHT, datetime(2026, 3, 2, 15, 1, tzinfo=UTC))


def test_a_college_window_and_one_past_midnight() -> None:
    rules = Rules(colleges={"医学院": Window.parse("23:30-00:30")})
    late = datetime(2026, 3, 2, 16, 15, tzinfo=UTC)  # 00:15 on 3 March, Beijing
    assert rules.night_of(late) == NIGHT
    check_window(rules, "医学院", NIGHT, late)
    with pytest.raises(InvalidInput):
        check_window(rules, "理学院", NIGHT, late)
    with pytest.raises(InvalidInput, match="not a window like"):
        Window.parse("21:30")


def test_the_code_accepts_this_step_and_the_previous_only() -> None:
    secret = b"s" * 32
    now = step_of(AT)
    for step, accepted in ((now, True), (now - 1, True), (now - 2, False), (now + 1, False)):
        code = rotating_code(secret, "1号楼", step)
        assert len(code) == 6 and code.isdigit()
        assert code_matches(secret, "1号楼", code, AT) is accepted, step
    assert not code_matches(secret, "2号楼", rotating_code(secret, "1号楼", now), AT)
    later = AT + timedelta(seconds=2 * CODE_STEP_S)
    assert not code_matches(secret, "1号楼", rotating_code(secret, "1号楼", now), later)


@pytest.mark.parametrize(
    ("distance_m", "accuracy_m", "passed", "band"),
    [
        (0.0, 10.0, True, "in"),
        (49.0, 10.0, True, "≤50 m"),
        (51.0, 10.0, False, "≤200 m"),
        (500.0, 10.0, False, "far"),
        (0.0, 101.0, False, "in"),
    ],
)
def test_bands_tolerance_and_accuracy(
    distance_m: float, accuracy_m: float, passed: bool, band: str
) -> None:
    verdict = judge_location(distance_m, accuracy_m)
    assert (verdict.passed, verdict.band, verdict.accuracy_m) == (passed, band, accuracy_m)
