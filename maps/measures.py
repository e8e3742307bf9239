"""Per-cell measures the safety map and the leadership heatmap colour cells by.

Pure pandas over the tables of :mod:`zoning.services.queries` (no DB): filter the completion
grid (cell × week × domain) and the hazards table, aggregate them per cell, and turn the
values into colours with fixed, legend-friendly classes.

>>> grid = pd.DataFrame({"cell_code": ["A", "A"], "zone": ["1", "1"],
...     "week": ["2026-W01", "2026-W02"], "domain": ["fire", "fire"],
...     "due": [2, 2], "on_time": [2, 0], "late": [0, 1], "missed": [0, 1]})
>>> float(completion_by_cell(grid)["A"])
75.0
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

import numpy as np
import pandas as pd
from zoning.clock import DEFAULT_TZ
from zoning.sums import sums_moved

from maps.colours import MISSING, RGBA, LegendEntry
from maps.i18n import DEFAULT_LANG, Lang, t

Measure = Literal["completion", "hazards", "coverage"]
MEASURES: Final[tuple[Measure, ...]] = ("completion", "hazards", "coverage")
#: Hazard status groups the filters offer.
StatusGroup = Literal["open", "overdue", "closed"]
STATUS_GROUPS: Final[tuple[StatusGroup, ...]] = ("open", "overdue", "closed")
OPEN_STATES: Final = frozenset(
    {"reported", "registered", "dispatched", "rectifying", "rectified", "verified"}
)


@dataclass(frozen=True)
class Scale:
    """Classes ``[lower, upper)`` with a colour each; values below the first go in it."""

    bounds: tuple[float, ...]
    colours: tuple[tuple[int, int, int], ...]
    unit: str = ""

    def colour(self, value: float | None, *, alpha: int = 170) -> RGBA:
        """Return the colour of ``value`` (grey when missing)."""
        if value is None or not math.isfinite(value):
            return MISSING.copy()
        index = int(np.searchsorted(self.bounds, value, side="right")) - 1
        r, g, b = self.colours[max(0, min(index, len(self.colours) - 1))]
        return [r, g, b, alpha]

    def colours_of(self, values: np.ndarray, *, alpha: int = 170) -> list[RGBA]:
        """Return :meth:`colour` of each of ``values`` (float array, NaN = missing), at once."""
        values = np.asarray(values, dtype=float)
        index = np.clip(
            np.searchsorted(self.bounds, values, side="right") - 1, 0, len(self.colours) - 1
        )
        palette = np.array([*([r, g, b, alpha] for r, g, b in self.colours), MISSING])
        index = np.where(np.isfinite(values), index, len(self.colours))  # the last: missing
        found: list[RGBA] = palette[index].tolist()  # a new list per value (~13,000: 2 ms)
        return found

    def legend(self, *, missing: str | None = None) -> list[LegendEntry]:
        """Return one legend line per class (and one for missing values when named)."""
        out = []
        for i, (r, g, b) in enumerate(self.colours):
            lo = self.bounds[i]
            hi = self.bounds[i + 1] if i + 1 < len(self.bounds) else None
            text = f"≥ {lo:g}{self.unit}" if hi is None else f"{lo:g}–{hi:g}{self.unit}"
            out.append(LegendEntry(text, (r, g, b, 255)))
        if missing:
            out.append(LegendEntry(missing, (*MISSING[:3], 255)))  # type: ignore[arg-type]
        return out


#: Inspection completion (%): red below 60, green from 95.
COMPLETION: Final = Scale(
    (0, 60, 80, 90, 95),
    ((215, 48, 39), (244, 109, 67), (254, 224, 139), (166, 217, 106), (26, 152, 80)),
    "%",
)
#: Open hazards per cell.
HAZARD_COUNT: Final = Scale(
    (0, 1, 2, 3, 5),
    ((237, 248, 233), (254, 204, 92), (253, 141, 60), (240, 59, 32), (189, 0, 38)),
)
#: Walkable area of the cell seen at ≥ detect (%).
COVERAGE: Final = Scale(
    (0, 20, 40, 60, 80),
    ((222, 45, 38), (252, 146, 114), (198, 219, 239), (107, 174, 214), (33, 113, 181)),
    "%",
)
#: Why a measure has no value, where the reason is known (completion: nothing was due).
MISSING_KEYS: Final[dict[Measure, str]] = {"completion": "rate.nothing_due"}
SCALES: Final[dict[Measure, Scale]] = {
    "completion": COMPLETION,
    "hazards": HAZARD_COUNT,
    "coverage": COVERAGE,
}


def week_start(label: str) -> date:
    """Return the Monday of ISO week ``label`` ("2026-W46")."""
    year, week = label.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def filter_grid(
    grid: pd.DataFrame,
    *,
    zones: Collection[str] = (),
    domains: Collection[str] = (),
    start: date | None = None,
    end: date | None = None,
    weeks: Collection[str] = (),
) -> pd.DataFrame:
    """Return the rows of the completion grid in ``zones``, ``domains``, ``weeks`` and the
    weeks overlapping ``start``…``end`` (an empty collection means no restriction)."""
    keep = np.ones(len(grid), dtype=bool)
    if zones:
        keep &= grid["zone"].astype(str).isin(set(zones)).to_numpy()
    if domains:
        keep &= grid["domain"].isin(set(domains)).to_numpy()
    if weeks:
        keep &= grid["week"].isin(set(weeks)).to_numpy()
    if start is not None or end is not None:
        labels = grid["week"].unique()
        starts = {w: week_start(str(w)) for w in labels}
        ok = {
            w
            for w, monday in starts.items()
            if (end is None or monday <= end)
            and (start is None or (monday.toordinal() + 6) >= start.toordinal())
        }
        keep &= grid["week"].isin(ok).to_numpy()
    return grid[keep]


def completion_by_cell(grid: pd.DataFrame) -> pd.Series:
    """Return completion % (on time + late over due) per cell code (NaN when nothing due)."""
    return completion_of_cell_sums(cell_sums(grid))


def cell_sums(grid: pd.DataFrame) -> pd.DataFrame:
    """Return the grid's due, on-time and late counts summed per cell code (cells in the
    order they first appear)."""
    if not len(grid):
        return pd.DataFrame(columns=["due", "on_time", "late"], dtype="int64")
    return grid.groupby("cell_code", sort=False)[["due", "on_time", "late"]].sum()


def cell_sums_moved(sums: pd.DataFrame, before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Return ``sums`` (:func:`cell_sums`) with the cells of ``before`` (their grid rows as
    they were) summed again from ``after`` (their rows now, as a splice appends them): equal
    to :func:`cell_sums` of the grid now. A new frame."""
    cells = set(before["cell_code"]) | set(after["cell_code"])
    kept = sums[~sums.index.isin(list(cells))]
    return pd.concat([kept, cell_sums(after)]) if len(after) else kept


def completion_of_cell_sums(sums: pd.DataFrame) -> pd.Series:
    """Return completion % per cell from :func:`cell_sums` (NaN when nothing due)."""
    if not len(sums):
        return pd.Series(dtype=float)
    due = sums["due"].where(sums["due"] > 0)
    return ((sums["on_time"] + sums["late"]) / due * 100).round(1)


def weeks_of(grid: pd.DataFrame) -> list[str]:
    """Return the ISO week labels of the grid, oldest first."""
    return weeks_of_rows(week_rows(grid))


def week_rows(grid: pd.DataFrame) -> pd.Series:
    """Return the grid's rows counted per week label (additive: :func:`week_rows_moved`)."""
    return grid.groupby("week", sort=True).size()


def week_rows_moved(rows: pd.Series, before: pd.DataFrame, after: pd.DataFrame) -> pd.Series:
    """Return ``rows`` (:func:`week_rows`) less the weeks of ``before``'s rows plus those
    of ``after``'s: equal to :func:`week_rows` of the grid now (weeks left empty dropped)."""
    return sums_moved(rows, -week_rows(before), week_rows(after))


def weeks_of_rows(rows: pd.Series) -> list[str]:
    """Return the week labels of :func:`week_rows`, oldest first."""
    return sorted(str(w) for w in rows.index)


def filter_hazards(
    hazards: pd.DataFrame,
    *,
    zones: Collection[str] = (),
    domains: Collection[str] = (),
    statuses: Collection[StatusGroup] = (),
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Return the hazards in ``zones`` and ``domains``, of status groups ``statuses``
    (open, overdue = open and past its deadline, closed) reported in ``start``…``end``."""
    keep = np.ones(len(hazards), dtype=bool)
    if zones:
        keep &= hazards["zone"].astype(str).isin(set(zones)).to_numpy()
    if domains:
        keep &= hazards["domain"].isin(set(domains)).to_numpy()
    if statuses:
        is_open = hazards["state"].isin(OPEN_STATES).to_numpy()
        overdue = is_open & (hazards["overdue_hours"].to_numpy(dtype=float) > 0)
        closed = (hazards["state"] == "closed").to_numpy()
        want = np.zeros(len(hazards), dtype=bool)
        if "open" in statuses:
            want |= is_open
        if "overdue" in statuses:
            want |= overdue
        if "closed" in statuses:
            want |= closed
        keep &= want
    if start is not None or end is not None:
        days = hazards["reported_at"].dt.tz_convert(DEFAULT_TZ).dt.date
        if start is not None:
            keep &= (days >= start).to_numpy()
        if end is not None:
            keep &= (days <= end).to_numpy()
    return hazards[keep]


def open_hazards_by_cell(hazards: pd.DataFrame) -> pd.Series:
    """Return the number of open hazards per cell code."""
    open_ = hazards[hazards["state"].isin(OPEN_STATES)]
    return open_.groupby("cell")["id"].count().astype(float)


def measure_text(measure: Measure, value: float | None, *, lang: Lang = DEFAULT_LANG) -> str:
    """Return the tooltip line of a cell's measure value; a completion without a value
    says why ("—（无应检）": nothing was due), not a bare "no data"."""
    if value is None or not math.isfinite(value):
        shown = t(MISSING_KEYS.get(measure, "value.none"), lang)
    elif measure == "hazards":
        shown = f"{value:g}"
    else:
        shown = f"{value:.1f}%"
    return f"{t(f'measure.{measure}', lang)}: {shown}"


def measure_colours(
    codes: Iterable[str],
    values: Mapping[str, float],
    measure: Measure,
    *,
    lang: Lang = DEFAULT_LANG,
    alpha: int = 170,
) -> tuple[dict[str, RGBA], list[LegendEntry]]:
    """Return the colour of every cell code for ``measure`` and the legend.

    Cells without a value are grey for completion and coverage, and the first class
    (no open hazard) for hazards.
    """
    scale = SCALES[measure]
    keys = list(codes)
    default = 0.0 if measure == "hazards" else math.nan
    raw = pd.to_numeric(pd.Series(values, dtype=object).reindex(keys), errors="coerce").to_numpy(
        dtype=float, na_value=math.nan
    )
    array = np.where(np.isnan(raw), default, raw)
    out = dict(zip(keys, scale.colours_of(array, alpha=alpha), strict=True))
    missing = None if measure == "hazards" else t(MISSING_KEYS.get(measure, "value.none"), lang)
    return out, scale.legend(missing=missing)


def shortfall_heights(
    values: Mapping[str, float], *, metres_per_pct: float = 3.0
) -> dict[str, float]:
    """Return an extrusion height (m) per cell: the completion shortfall (100 − %) × scale,
    so the worst cells stand tallest; cells without a value stay flat."""
    out: dict[str, float] = {}
    for code, value in values.items():  # a loop: building a Series of 13,000 costs more
        if value is None or pd.isna(value):
            continue
        out[code] = round(max(0.0, 100.0 - float(value)) * metres_per_pct, 1)
    return out


def worst_first(values: pd.Series, *, limit: int = 10) -> pd.Series:
    """Return the ``limit`` lowest values (worst completion first), NaN left out."""
    return values.dropna().sort_values(kind="stable").head(limit)
