"""Ledger rates (as digital city-management evaluation counts them).

Closure rate, on-time closure rate, rework rate, extension rate and mean time to close per
cell, zone, owner, domain, severity or source and per period, over the hazards of
:mod:`zoning.safety.ledger.workflow` (this module depends on it, never the other way).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from zoning.clock import DEFAULT_TZ
from zoning.errors import InvalidInput
from zoning.safety.checklists import FREQUENCIES, period_due_at, period_of
from zoning.safety.ledger.workflow import Hazard
from zoning.sums import sums_moved

__all__ = [
    "COUNT_COLUMNS",
    "RATE_GROUPS",
    "counts_moved",
    "hazards_frame",
    "rate_counts",
    "rates",
    "rates_of_counts",
]

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


#: The additive counts :func:`rates` are derived from (see :func:`rate_counts`).
COUNT_COLUMNS: tuple[str, ...] = (
    "reported", "due", "closed", "closed_on_time", "reworked", "extended",
    "closed_in_period", "hours_us", "hours_n",
)  # fmt: skip
_MICROSECONDS_PER_HOUR = 3_600_000_000


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
    return rates_of_counts(rate_counts(hazards, start=start, end=end, by=by, period=period, tz=tz))


def rate_counts(
    hazards: Iterable[Hazard] | pd.DataFrame,
    *,
    start: date,
    end: date,
    by: Sequence[str] = (),
    period: str | None = None,
    tz: str = DEFAULT_TZ,
    signs: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Return the counts behind :func:`rates` (same arguments): one row per group of ``by``
    and period (index ``[*by, "period"]``, sorted, missing groups last), the columns of
    :data:`COUNT_COLUMNS` as integers (``hours_us``: the summed µs from report to close of
    the ``hours_n`` hazards closed in the period). Counts of different hazards add up: see
    :func:`counts_moved`; ``signs`` (one per row, 1 or −1) counts some rows negatively (a
    change: rows as they were taken out, as they are put in). Raises :class:`InvalidInput`
    as :func:`rates` does."""
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
    kept = frame["state"].to_numpy() != "rejected"
    times = ("reported_at", "deadline", "rectified_at", "closed_at")
    frame = frame.loc[kept, list(dict.fromkeys([*by, *times, "reworks", "extensions"]))]
    ones = np.ones(len(frame), dtype="int64")
    if signs is not None:
        ones = np.asarray(signs, dtype="int64")[kept]
    range_end = period_due_at(period_of(end, "daily"), tz=tz)

    def label_and_cutoff(times: pd.Series) -> tuple[pd.Series, pd.Series]:
        # The local day of each time at once (numpy), the period of each distinct day once
        # (a 90-day range has at most 90), spread back by index: a loop per hazard took ~1 s
        # on 35,000 hazards, a list per row ~0.1 s (three columns, three reports a rerun).
        local = pd.to_datetime(times, utc=True).dt.tz_convert(zone).dt.tz_localize(None)
        days = local.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        distinct, where = np.unique(days, return_inverse=True)
        labels = np.full(len(distinct), None, dtype=object)
        cutoffs = np.full(len(distinct), np.datetime64("NaT"), dtype="datetime64[us]")
        for i, stamp in enumerate(distinct):
            if np.isnat(stamp):
                continue
            day = cast(date, stamp.astype(object))
            if not start <= day <= end:
                continue
            if period is None:
                label, cut = f"{start.isoformat()}/{end.isoformat()}", range_end
            else:
                p = period_of(day, period)
                label, cut = p.label, min(period_due_at(p, tz=tz), range_end)
            labels[i] = label
            cutoffs[i] = np.datetime64(cut.astimezone(UTC).replace(tzinfo=None), "us")
        where = where.reshape(-1)
        return (
            pd.Series(labels[where], index=times.index, dtype=object),
            pd.Series(cutoffs[where], index=times.index).dt.tz_localize(UTC),
        )

    due_period, cutoff = label_and_cutoff(frame["deadline"])
    closed_at = frame["closed_at"]
    closed = (closed_at.notna() & (closed_at < cutoff)).to_numpy()
    on_time = closed & (frame["rectified_at"] <= frame["deadline"]).to_numpy()
    took = (closed_at - frame["reported_at"]).to_numpy(dtype="timedelta64[us]")
    has_hours = ~np.isnat(took)
    hours_us = np.where(has_hours, took.astype("int64"), 0)  # exact sums: counts add up
    keys = [*by, "period"]
    # Each group column as sorted codes once (missing values a group of their own, last, as
    # ``groupby(dropna=False)`` puts them): the sums below are bincounts over one combined
    # code, in the groups' sort order, instead of a groupby over object columns each time.
    coded = [pd.factorize(frame[col].to_numpy(), sort=True, use_na_sentinel=False) for col in by]

    def counted(period: pd.Series, values: dict[str, np.ndarray]) -> pd.DataFrame:
        has = period.notna().to_numpy()
        labels, label_values = pd.factorize(period.to_numpy()[has], sort=True)
        parts = [(codes[has], len(uniques)) for codes, uniques in coded]
        combined = np.zeros(int(has.sum()), dtype="int64")
        for codes, size in [*parts, (labels, len(label_values))]:
            combined = combined * max(size, 1) + codes
        groups, where = np.unique(combined, return_inverse=True)
        # integer sums per group (a bincount's float weights would round the µs sums):
        # the rows in group order, each group's run summed at once
        order = np.argsort(where.reshape(-1), kind="stable")
        starts = np.searchsorted(where.reshape(-1)[order], np.arange(len(groups)))
        sums = {
            name: np.add.reduceat(v[has][order], starts) if len(groups) else v[:0]
            for name, v in values.items()
        }
        index_parts, rest = [], groups
        for size in [len(label_values), *(len(u) for _, u in reversed(coded))]:
            index_parts.append(rest % max(size, 1))
            rest = rest // max(size, 1)
        label_codes, *by_codes = index_parts
        arrays = [
            np.asarray(uniques, dtype=object)[c]
            for (_, uniques), c in zip(coded, reversed(by_codes), strict=True)
        ]
        index = pd.MultiIndex.from_arrays(
            [*arrays, np.asarray(label_values, dtype=object)[label_codes]], names=keys
        )
        return pd.DataFrame({n: v.astype("int64") for n, v in sums.items()}, index=index)

    due_stats = counted(
        due_period,
        {
            "due": ones,
            "closed": closed * ones,
            "closed_on_time": on_time * ones,
            "reworked": (frame["reworks"].to_numpy() > 0) * ones,
            "extended": (frame["extensions"].to_numpy() > 0) * ones,
        },
    )
    close_stats = counted(
        label_and_cutoff(closed_at)[0],
        {
            "closed_in_period": ones,
            "hours_us": hours_us * ones,
            "hours_n": has_hours * ones,
        },
    )
    report_stats = counted(label_and_cutoff(frame["reported_at"])[0], {"reported": ones})
    out = due_stats.join(close_stats, how="outer").join(report_stats, how="outer")
    return out.fillna(0).astype("int64")[list(COUNT_COLUMNS)].sort_index()


def rates_of_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Return the rates of :func:`rate_counts`'s ``counts`` (see :func:`rates`): a new frame
    with the group and period columns first."""
    out = counts.copy()
    denominator = out["due"].where(out["due"] > 0, np.nan)
    out["closure_rate"] = out["closed"] / denominator
    out["on_time_rate"] = out["closed_on_time"] / denominator
    out["rework_rate"] = out["reworked"] / denominator
    out["extension_rate"] = out["extended"] / denominator
    closed = out["hours_n"].where(out["hours_n"] > 0, np.nan)
    out["mean_hours_to_close"] = out["hours_us"] / _MICROSECONDS_PER_HOUR / closed
    columns = [
        "reported", "due", "closed", "closed_on_time", "reworked", "extended",
        "closure_rate", "on_time_rate", "rework_rate", "extension_rate", "closed_in_period",
        "mean_hours_to_close",
    ]  # fmt: skip
    keys = list(counts.index.names)
    result: pd.DataFrame = out.reset_index()[[*keys, *columns]]
    return result


def counts_moved(counts: pd.DataFrame, change: pd.DataFrame) -> pd.DataFrame:
    """Return ``counts`` (:func:`rate_counts`) plus ``change`` (rate_counts of the same window
    and groups over some hazards' rows as they were, signed −1, and as they are now, +1):
    equal to counting every hazard again; groups left with nothing dropped. A new frame."""
    return sums_moved(counts, change)[list(COUNT_COLUMNS)]
