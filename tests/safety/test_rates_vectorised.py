"""Ledger rates counted per local day of each time, checked against a plain count per hazard
(an independent oracle): periods, the range's edges, missing times, and a time zone with
daylight saving (the local day of a UTC time moves with it)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from zoning.safety.checklists import period_due_at, period_of
from zoning.safety.ledger.rates import counts_moved, rate_counts, rates, rates_of_counts

START, END = date(2026, 2, 20), date(2026, 4, 10)  # spans New York's spring-forward


def _hazards(seed: int) -> pd.DataFrame:
    """Random hazards around the range (some outside it, some times missing)."""
    rng = random.Random(seed)
    base = datetime(2026, 2, 10, tzinfo=UTC)
    rows = []
    for i in range(400):
        reported = base + timedelta(minutes=rng.randrange(0, 80 * 24 * 60))
        deadline = reported + timedelta(hours=rng.choice([2, 24, 72, 240]))
        closed = reported + timedelta(hours=rng.randrange(1, 400)) if rng.random() < 0.7 else None
        rectified = closed - timedelta(hours=1) if closed is not None else None
        rows.append(
            {
                "id": i + 1, "source": "inspection", "domain": "fire", "severity": "minor",
                "state": rng.choice(["closed", "assigned", "rejected", "closed"]),
                "cell_code": f"C{i % 7}", "zone": str(i % 3 + 1), "owner": f"o{i % 5}",
                "reported_at": reported, "deadline": deadline, "rectified_at": rectified,
                "closed_at": closed, "reworks": rng.choice([0, 0, 1]),
                "extensions": rng.choice([0, 0, 0, 2]),
            }
        )  # fmt: skip
    frame = pd.DataFrame(rows)
    for col in ("reported_at", "deadline", "rectified_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def _oracle(frame: pd.DataFrame, *, by: str, period: str | None, tz: str) -> pd.DataFrame:
    """The same figures counted hazard by hazard, with plain datetimes."""
    zone, range_end = ZoneInfo(tz), period_due_at(period_of(END, "daily"), tz=tz)

    def place(value: object) -> tuple[str, datetime] | None:
        if value is None or pd.isna(value):
            return None
        day = pd.Timestamp(value).to_pydatetime().astimezone(zone).date()
        if not START <= day <= END:
            return None
        if period is None:
            return f"{START.isoformat()}/{END.isoformat()}", range_end
        p = period_of(day, period)
        return p.label, min(period_due_at(p, tz=tz), range_end)

    counts: dict[tuple[str, str], dict[str, int]] = {}
    for h in frame[frame["state"] != "rejected"].itertuples():
        for column, what in (("deadline", "due"), ("closed_at", "closed_in_period"),
                             ("reported_at", "reported")):  # fmt: skip
            found = place(getattr(h, column))
            if found is None:
                continue
            row = counts.setdefault((str(getattr(h, by)), found[0]), {})
            row[what] = row.get(what, 0) + 1
            if what == "due":
                done = pd.notna(h.closed_at) and h.closed_at < found[1]
                on_time = done and h.rectified_at <= h.deadline
                row["closed"] = row.get("closed", 0) + int(done)
                row["closed_on_time"] = row.get("closed_on_time", 0) + int(on_time)
    return pd.DataFrame([{by: k[0], "period": k[1], **v} for k, v in counts.items()]).fillna(0)


@pytest.mark.parametrize(
    ("period", "tz"),
    [(None, "Asia/Shanghai"), ("weekly", "Asia/Shanghai"), ("daily", "America/New_York"),
     ("monthly", "America/New_York"), ("weekly", "Europe/London")],
)  # fmt: skip
def test_rates_match_a_count_per_hazard(period: str | None, tz: str) -> None:
    frame = _hazards(seed=len(tz) + len(period or ""))
    got = rates(frame, start=START, end=END, by=["zone"], period=period, tz=tz)
    want = _oracle(frame, by="zone", period=period, tz=tz)
    columns = ["due", "closed", "closed_on_time", "closed_in_period", "reported"]
    got_rows = got.set_index(["zone", "period"])[columns].astype(int).sort_index()
    want_rows = want.set_index(["zone", "period"]).reindex(columns=columns).fillna(0)
    want_rows = want_rows.astype(int).sort_index()
    pd.testing.assert_frame_equal(got_rows, want_rows, check_names=False)
    assert got_rows["due"].sum() > 50  # the range holds real work, not an empty comparison


def test_missing_and_out_of_range_times_are_left_out() -> None:
    frame = _hazards(seed=1).head(3).copy()
    frame["deadline"] = pd.to_datetime(
        [None, datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, 4, tzinfo=UTC)], utc=True
    )
    frame["state"] = "closed"
    got = rates(frame, start=START, end=END, period="daily", tz="Asia/Shanghai")
    assert got["due"].sum() == 1
    assert got.loc[got["due"] == 1, "period"].tolist() == ["2026-03-01"]


@pytest.mark.parametrize(("by", "period"), [(["zone"], None), (["owner"], None), ([], "weekly")])
def test_counts_moved_by_some_hazards_equal_counting_all_again(
    by: list[str], period: str | None
) -> None:
    """Counts kept current from the touched hazards' rows only (as they were, as they are)
    equal a count of every hazard: closed, reopened, rejected, re-owned and new hazards, a
    group emptied and a group new; the hours to close exactly (integer µs sums)."""
    before = _hazards(seed=7)
    after = before.copy()
    rng = random.Random(3)
    touched = rng.sample(list(after["id"]), 60)
    rows = after["id"].isin(touched)
    after.loc[rows & (after.index % 3 == 0), "closed_at"] = pd.NaT
    after.loc[rows & (after.index % 3 == 1), "state"] = "rejected"
    after.loc[rows & (after.index % 3 == 2), "owner"] = None  # a missing group
    after.loc[after["zone"] == "3", "zone"] = "2"  # zone 3 emptied: its rows all touched
    touched += list(after.loc[after["zone"] == "2", "id"])
    new = before.head(5).copy()
    new["id"] += 1000
    new["zone"], new["owner"] = "9", "o-new"  # a new group
    after = pd.concat([after, new], ignore_index=True)
    touched += list(new["id"])

    def counts(frame: pd.DataFrame, signs: list[int] | None = None) -> pd.DataFrame:
        return rate_counts(
            frame, start=START, end=END, by=by, period=period, tz="Asia/Shanghai", signs=signs
        )

    gone, come = before[before["id"].isin(touched)], after[after["id"].isin(touched)]
    change = counts(pd.concat([gone, come]), [-1] * len(gone) + [1] * len(come))
    moved = counts_moved(counts(before), change)
    whole = counts(after)
    pd.testing.assert_frame_equal(moved, whole)
    assert whole["due"].sum() > 50 and whole["hours_n"].sum() > 50
    want = rates(after, start=START, end=END, by=by, period=period, tz="Asia/Shanghai")
    pd.testing.assert_frame_equal(rates_of_counts(moved), want)
