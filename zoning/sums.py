"""Sums kept current by a change instead of summed again over every row.

Reports, completion per cell, weeks: each is a table of sums per group. When some rows
change, the sums of those rows as they were (negated) and as they are now are the change;
adding it to the kept sums equals summing every row again, at the cost of the changed rows.
"""

from __future__ import annotations

from typing import Any, TypeVar

import pandas as pd

SumsT = TypeVar("SumsT", pd.DataFrame, pd.Series)


def sums_moved(sums: SumsT, *changes: SumsT) -> SumsT:
    """Return ``sums`` (integer sums per group: the index, of any number of levels) plus
    ``changes`` (sums of the same groups over rows as they were, negated, and as they are
    now): per group in order (a missing value last), groups left at zero everywhere dropped
    (a group with rows sums to more than zero somewhere), as int64. A new object.

    >>> kept = pd.Series([3, 1], index=pd.Index(["a", "b"], name="k"))
    >>> sums_moved(kept, pd.Series([-1], index=["b"]), pd.Series([2], index=["c"])).to_dict()
    {'a': 3, 'c': 2}
    """
    given: list[Any] = [sums, *changes]
    parts = [part for part in given if len(part)]
    if not parts:
        return sums.copy()
    levels = list(range(sums.index.nlevels))
    summed: Any = pd.concat(parts).groupby(level=levels, sort=True, dropna=False).sum()
    if isinstance(sums.index, pd.MultiIndex) and not isinstance(summed.index, pd.MultiIndex):
        summed.index = pd.MultiIndex.from_arrays([summed.index])  # one level stays a level
    summed.index.names = sums.index.names
    nonzero = summed.ne(0)
    left = nonzero.any(axis=1) if isinstance(nonzero, pd.DataFrame) else nonzero
    kept: SumsT = summed[left].astype("int64")
    return kept
