"""Ledger rates (as digital city-management evaluation counts them).

Closure rate, on-time closure rate, rework rate, extension rate and mean time to close per
cell, zone, owner, domain, severity or source and per period, over the hazards of
:mod:`zoning.safety.ledger.workflow` (this module depends on it, never the other way).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from zoning.clock import DEFAULT_TZ
from zoning.errors import InvalidInput
from zoning.safety.checklists import FREQUENCIES, period_due_at, period_of
from zoning.safety.ledger.workflow import Hazard

__all__ = ["RATE_GROUPS", "hazards_frame", "rates"]

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
            raise InvalidInput(
                f"Cannot group rates by {col!r}; use: {', '.join(RATE_GROUPS)}.",
                zh=f"不能按 {col!r} 统计比率：请用 {', '.join(RATE_GROUPS)} 之一。",
            )
    if period is not None and period not in FREQUENCIES:
        raise InvalidInput(
            f"Unknown period {period!r}; use one of: {', '.join(FREQUENCIES)} or None.",
            zh=f"未知的周期 {period!r}：请用 {', '.join(FREQUENCIES)} 之一，或不指定。",
        )
    if end < start:
        raise InvalidInput(
            f"The date range ends ({end}) before it starts ({start}).",
            zh=f"日期范围的结束日（{end}）早于开始日（{start}）。",
        )
    zone = ZoneInfo(tz)
    frame = frame[frame["state"] != "rejected"].copy()
    range_end = period_due_at(period_of(end, "daily"), tz=tz)

    def label_and_cutoff(times: pd.Series) -> tuple[pd.Series, pd.Series]:
        # The local day of each time at once; the period of each distinct day once (a
        # 90-day range has at most 90): a loop per hazard took ~1 s on 35,000 hazards.
        stamps = pd.to_datetime(times, utc=True)
        local = stamps.dt.tz_convert(zone).dt.date if len(stamps) else pd.Series([], dtype=object)
        days: list[date | None] = [None if pd.isna(d) else cast(date, d) for d in local.tolist()]
        known: dict[date, tuple[str, datetime]] = {}
        for day in {d for d in days if d is not None and start <= d <= end}:
            if period is None:
                known[day] = (f"{start.isoformat()}/{end.isoformat()}", range_end)
            else:
                p = period_of(day, period)
                known[day] = (p.label, min(period_due_at(p, tz=tz), range_end))
        found = [None if d is None else known.get(d) for d in days]
        labels = [None if f is None else f[0] for f in found]
        cutoffs = [None if f is None else f[1] for f in found]
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
