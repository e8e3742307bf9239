"""Inspections: schedules → due inspections, submissions → results and hazards, completion.

The due rows are a plain DataFrame (one row per cell × template × period, columns
:data:`DUE_COLUMNS`) so that storage can write them as rows and the map can colour cells by
them. A per-building checklist (:mod:`zoning.safety.checklists`) also goes to the cells
holding a building it is for, and its due row names those buildings (``buildings``, joined
by :data:`BUILDING_SEP`). A period is due at local midnight after its last day (``due_at``,
UTC); a submission at or after ``due_at`` is *late*, never on time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from zoning.clock import DEFAULT_TZ, local_day, local_instant
from zoning.errors import InvalidInput
from zoning.safety.checklists import (
    FREQUENCIES,
    ChecklistTemplate,
    period_due_at,
    periods_due_between,
    strictest,
)
from zoning.safety.ledger.workflow import DEFAULT_POLICY, DeadlinePolicy, Hazard, new_hazard

OUTCOMES: tuple[str, ...] = ("pass", "fail", "not_applicable")
DUE_COLUMNS: tuple[str, ...] = (
    "cell_code", "zone", "owner", "kind", "use", "template_code", "template_version",
    "domain", "frequency", "period", "period_start", "due_date", "due_at", "buildings",
)  # fmt: skip
RULE_COLUMNS: tuple[str, ...] = (
    "cell_code", "template_code", "template_version", "domain", "frequency", "buildings",
)  # fmt: skip
#: Between the building names of one due row.
BUILDING_SEP = "; "
BUILDING_KINDS: tuple[str, ...] = ("building", "floor")
COMPLETION_GROUPS: tuple[str, ...] = (
    "cell_code", "zone", "owner", "domain", "template_code", "frequency", "week", "period",
)  # fmt: skip


@dataclass(frozen=True)
class DueInspection:
    """One due inspection: a cell × template × period, with its owner and due instant."""

    cell_code: str
    zone: str | None
    owner: str | None
    kind: str
    use: str | None
    template_code: str
    template_version: int
    domain: str
    frequency: str
    period: str
    period_start: date
    due_date: date
    due_at: datetime
    buildings: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> DueInspection:
        """Build from one row of :func:`due_inspections` (a Series or a dict); a row
        without ``buildings`` (stored before it existed) names none."""
        values: dict[str, Any] = {name: row.get(name) for name in DUE_COLUMNS}
        for name in ("zone", "owner", "use", "buildings"):
            if values[name] is None or pd.isna(values[name]):
                values[name] = None
        values["template_version"] = int(values["template_version"])
        values["period_start"] = pd.Timestamp(values["period_start"]).date()
        values["due_date"] = pd.Timestamp(values["due_date"]).date()
        values["due_at"] = pd.Timestamp(values["due_at"]).tz_convert("UTC").to_pydatetime()
        return cls(**values)


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one checklist item; ``photo_path`` is a file path, not the image."""

    item_code: str
    outcome: str
    note: str = ""
    photo_path: str | None = None


@dataclass(frozen=True)
class Submission:
    """A submitted checklist: where (lon/lat degrees), when (UTC) and by whom."""

    id: str
    cell_code: str
    template_code: str
    template_version: int
    template_hash: str
    period: str
    inspector: str
    submitted_at: datetime
    lon: float
    lat: float
    results: tuple[ItemResult, ...]
    late: bool


@dataclass(frozen=True)
class SubmissionOutcome:
    """A submission and the hazards its failed items opened in the ledger."""

    submission: Submission
    hazards: tuple[Hazard, ...]


def due_inspections(
    cells: pd.DataFrame,
    templates: Mapping[str, ChecklistTemplate],
    *,
    start: date,
    end: date,
    tz: str = DEFAULT_TZ,
    fallback_owners: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return the inspections due between ``start`` and ``end`` (local dates, inclusive).

    ``cells`` needs columns code, zone, kind, owner and optionally ``use`` (the building
    use of building cells) and ``buildings`` (per cell, the (name, use) pairs of the
    buildings it holds: see :func:`scheduled_rules`). A period is included when its due date
    lies in the range, so consecutive ranges never count a period twice. A cell without an
    owner gets its zone's entry in ``fallback_owners`` (属地兜底). Raises
    :class:`InvalidInput` for missing columns.
    """
    missing = [c for c in ("code", "zone", "kind", "owner") if c not in cells.columns]
    if missing:
        raise InvalidInput(f"The cells lack column(s) {', '.join(missing)}.")
    plain = pd.DataFrame(
        {
            "cell_code": cells["code"].astype(object).to_numpy(),
            "zone": _nullable(cells["zone"]),
            "owner": _nullable(cells["owner"]),
            "kind": cells["kind"].astype(object).to_numpy(),
            "use": _nullable(cells["use"]) if "use" in cells.columns else None,
        }
    )
    if fallback_owners:
        vacant = plain["owner"].isna()
        plain.loc[vacant, "owner"] = plain.loc[vacant, "zone"].map(dict(fallback_owners))
    rules = scheduled_rules(cells, templates)
    periods = [
        (freq, p.label, p.start, p.end, period_due_at(p, tz=tz))
        for freq in FREQUENCIES
        for p in periods_due_between(start, end, freq)
    ]
    period_frame = pd.DataFrame(
        periods, columns=["frequency", "period", "period_start", "due_date", "due_at"]
    )
    period_frame["due_at"] = pd.to_datetime(period_frame["due_at"], utc=True)
    due = plain.merge(rules, on="cell_code").merge(period_frame, on="frequency")
    due = due.sort_values(["due_date", "cell_code", "template_code"], kind="stable")
    return due[list(DUE_COLUMNS)].reset_index(drop=True)


def scheduled_rules(
    cells: pd.DataFrame, templates: Mapping[str, ChecklistTemplate]
) -> pd.DataFrame:
    """Return which template each cell is scheduled, at which cadence, naming which buildings.

    One row per cell × template (:data:`RULE_COLUMNS`). ``cells`` has code, kind, optionally
    ``use`` and ``buildings`` (an iterable of (name, use) pairs per cell: the buildings it
    holds). A template applies by its cell-kind rules (``applies_to``); a per-building one
    also to a cell of another kind holding a building it is for, at the strictest cadence
    of those buildings. A per-building row names the buildings it is for, else None.
    """
    kinds = cells["kind"].astype(object).to_numpy()
    uses = _nullable(cells["use"]) if "use" in cells.columns else np.full(len(cells), None)
    frame = pd.DataFrame(
        {"cell_code": cells["code"].astype(object).to_numpy(), "kind": kinds,
         "use_key": pd.Series(uses, dtype=object).fillna("").to_numpy()}
    )  # fmt: skip
    by_kind = []
    for kind, use in frame[["kind", "use_key"]].drop_duplicates().itertuples(index=False):
        for template in templates.values():
            if template.applies_to(kind=kind, use=use or None):
                by_kind.append(
                    (kind, use, template.code, template.version, template.domain,
                     template.frequency_for(use or None))
                )  # fmt: skip
    kind_rules = pd.DataFrame(
        by_kind,
        columns=["kind", "use_key", "template_code", "template_version", "domain", "frequency"],
    )
    rules = frame.merge(kind_rules, on=["kind", "use_key"])
    rules["buildings"] = pd.Series([None] * len(rules), index=rules.index, dtype=object)
    per_building = [t for _, t in sorted(templates.items()) if t.per_building]
    if not per_building or "buildings" not in cells.columns:
        return rules[list(RULE_COLUMNS)].reset_index(drop=True)
    named: dict[tuple[str, str], str] = {}
    extra = []
    # A Python loop over the cells that hold a building (a few thousand on a large campus)
    # × the per-building templates (four shipped).
    held_by = cells["buildings"].to_numpy(dtype=object)
    for code, kind, use, held in zip(frame["cell_code"], kinds, uses, held_by, strict=True):
        if held is None or not len(held):
            continue
        for template in per_building:
            mine = [(str(n), u) for n, u in held if template.covers_building(u)]
            if not mine:
                continue
            names = BUILDING_SEP.join(sorted({n for n, _ in mine}))
            if template.applies_to(kind=kind, use=use):
                named[(str(code), template.code)] = names
            elif kind not in BUILDING_KINDS:
                frequency = strictest(template.frequency_for(u) for _, u in mine)
                extra.append(
                    (code, template.code, template.version, template.domain, frequency, names)
                )
    keys = zip(rules["cell_code"].astype(str), rules["template_code"], strict=True)
    rules["buildings"] = pd.Series([named.get(k) for k in keys], index=rules.index, dtype=object)
    if not extra:
        return rules[list(RULE_COLUMNS)].reset_index(drop=True)
    added = pd.DataFrame(extra, columns=list(RULE_COLUMNS)).astype({"buildings": object})
    return pd.concat([rules[list(RULE_COLUMNS)], added], ignore_index=True)


def submit(
    due: DueInspection,
    template: ChecklistTemplate,
    *,
    submission_id: str,
    inspector: str,
    submitted_at: datetime,
    lon: float,
    lat: float,
    results: Sequence[ItemResult],
    policy: DeadlinePolicy = DEFAULT_POLICY,
    tz: str = DEFAULT_TZ,
) -> SubmissionOutcome:
    """Record a checklist for ``due``; every failed item opens a hazard (id ``<sub>/<item>``).

    Severity is major when the item is major (default deadline 24 h), else general (7 days),
    counted from ``submitted_at``. Raises :class:`InvalidInput` when the template is not the
    one due, an item is missing, unknown or given twice, an outcome is unknown, the time is
    naive or before the period starts.
    """
    if template.code != due.template_code:
        raise InvalidInput(
            f"Cell {due.cell_code} is due checklist {due.template_code!r}, not {template.code!r}.",
            zh=f"网格 {due.cell_code} 待做检查表 {due.template_code!r}，不是 {template.code!r}。",
        )
    if submitted_at.tzinfo is None or submitted_at.utcoffset() is None:
        raise InvalidInput(f"submitted_at must be timezone-aware (UTC), got {submitted_at!r}.")
    opens = local_instant(due.period_start, tz=tz)
    if submitted_at < opens:
        raise InvalidInput(
            f"Period {due.period} of {due.cell_code} starts {opens.isoformat()}; "
            f"a submission at {submitted_at.isoformat()} is too early.",
            zh=f"网格 {due.cell_code} 的周期 {due.period} 从 {opens.isoformat()} 开始："
            f"{submitted_at.isoformat()} 提交太早。",
        )
    if not inspector.strip():
        raise InvalidInput(
            "A submission needs the inspector who made it.", zh="提交巡查需要填写巡查人。"
        )
    given: dict[str, ItemResult] = {}
    for result in results:
        template.item(result.item_code)  # raises for an unknown item
        if result.outcome not in OUTCOMES:
            raise InvalidInput(
                f"Item {result.item_code!r}: outcome {result.outcome!r} is not one of "
                f"{', '.join(OUTCOMES)}.",
                zh=f"检查项 {result.item_code!r} 的结果 {result.outcome!r} 无效："
                "请选合格、不合格或不适用。",
            )
        if result.item_code in given:
            raise InvalidInput(
                f"Item {result.item_code!r} is answered twice.",
                zh=f"检查项 {result.item_code!r} 填了两次。",
            )
        given[result.item_code] = result
    missing = [i.code for i in template.items if i.code not in given]
    if missing:
        raise InvalidInput(
            f"Checklist {template.code!r} lacks results for: {', '.join(missing)}.",
            zh=f"检查表 {template.code!r} 还有 {len(missing)} 项未作答：{', '.join(missing)}。"
            "每一项都要选合格、不合格或不适用。",
        )
    submission = Submission(
        id=submission_id,
        cell_code=due.cell_code,
        template_code=template.code,
        template_version=template.version,
        template_hash=template.content_hash,
        period=due.period,
        inspector=inspector,
        submitted_at=submitted_at,
        lon=float(lon),
        lat=float(lat),
        results=tuple(given[i.code] for i in template.items),
        late=submitted_at >= due.due_at,
    )
    hazards = []
    for item in template.items:
        result = given[item.code]
        if result.outcome != "fail":
            continue
        text = f"{item.text_zh} / {item.text_en}"
        hazards.append(
            new_hazard(
                hazard_id=f"{submission_id}/{item.code}",
                source="inspection",
                domain=template.domain,
                severity="major" if item.major else "general",
                description=f"{text}: {result.note}" if result.note else text,
                lon=lon,
                lat=lat,
                reported_by=inspector,
                reported_at=submitted_at,
                cell_code=due.cell_code,
                zone=due.zone,
                owner=due.owner,
                policy=policy,
                source_id=submission_id,
                item_code=item.code,
            )
        )
    return SubmissionOutcome(submission, tuple(hazards))


def submissions_frame(submissions: Iterable[Submission]) -> pd.DataFrame:
    """Return one row per submission (id, cell_code, template_code, period, inspector, time)."""
    rows = [
        (s.id, s.cell_code, s.template_code, s.period, s.inspector, s.submitted_at)
        for s in submissions
    ]
    columns = ["id", "cell_code", "template_code", "period", "inspector", "submitted_at"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], utc=True)
    return frame


def inspection_status(
    due: pd.DataFrame, submissions: pd.DataFrame, *, now: datetime
) -> pd.DataFrame:
    """Return ``due`` with ``submitted_at`` (first submission up to ``now``) and ``status``.

    Status: ``on_time`` (submitted before due_at), ``late`` (at or after due_at), ``missed``
    (nothing submitted and due_at ≤ now), ``pending`` (nothing yet, not yet due).
    """
    if now.tzinfo is None:
        raise InvalidInput(f"now must be timezone-aware (UTC), got {now!r}.")
    keys = ["cell_code", "template_code", "period"]
    subs = submissions[pd.to_datetime(submissions["submitted_at"], utc=True) <= now]
    first = subs.groupby(keys, as_index=False)["submitted_at"].min()
    out = due.merge(first, on=keys, how="left")
    out["submitted_at"] = pd.to_datetime(out["submitted_at"], utc=True)
    due_at = pd.to_datetime(out["due_at"], utc=True)
    submitted = out["submitted_at"].notna()
    status = np.where(
        submitted,
        np.where(out["submitted_at"] < due_at, "on_time", "late"),
        np.where(due_at <= pd.Timestamp(now), "missed", "pending"),
    )
    out["status"] = pd.Series(status, index=out.index, dtype=object)
    return out


def completion(
    due: pd.DataFrame,
    submissions: pd.DataFrame,
    *,
    now: datetime,
    by: Sequence[str] = ("cell_code",),
) -> pd.DataFrame:
    """Return inspection completion per group of ``by`` (see :data:`COMPLETION_GROUPS`).

    Columns: ``due`` = on_time + late + missed (rows already due or done), ``on_time``,
    ``late``, ``missed``, ``pending`` (not yet due, nothing submitted), ``on_time_rate`` =
    on_time / due and ``completion_rate`` = (on_time + late) / due (NaN when due is 0).
    ``week`` groups by the ISO week of the due date. Raises :class:`InvalidInput` for an
    unknown group.
    """
    for col in by:
        if col not in COMPLETION_GROUPS:
            raise InvalidInput(
                f"Cannot group completion by {col!r}; use: {', '.join(COMPLETION_GROUPS)}."
            )
    status = inspection_status(due, submissions, now=now)
    if "week" in by:
        iso = pd.to_datetime(status["due_date"]).dt.isocalendar()
        status["week"] = [f"{y}-W{w:02d}" for y, w in zip(iso["year"], iso["week"], strict=True)]
    counts = pd.crosstab(
        [status[c].fillna("") for c in by] if by else pd.Series("all", index=status.index),
        status["status"],
    )
    for col in ("on_time", "late", "missed", "pending"):
        if col not in counts.columns:
            counts[col] = 0
    out = counts[["on_time", "late", "missed", "pending"]].astype("int64")
    out.insert(0, "due", out["on_time"] + out["late"] + out["missed"])
    denominator = out["due"].where(out["due"] > 0, np.nan)
    out["on_time_rate"] = out["on_time"] / denominator
    out["completion_rate"] = (out["on_time"] + out["late"]) / denominator
    out.columns.name = None
    return out.reset_index() if by else out.reset_index(drop=True)


def owner_todo(
    due: pd.DataFrame,
    submissions: pd.DataFrame,
    *,
    owner: str,
    now: datetime,
    tz: str = DEFAULT_TZ,
) -> pd.DataFrame:
    """Return ``owner``'s open inspections at ``now``: overdue first, then due today, then open.

    ``todo`` is ``overdue`` (due_at passed, nothing submitted), ``due_today`` (the due
    date is today, local) or ``open`` (the period has started, due later). Future periods
    and submitted ones are left out.
    """
    return open_todo(due[due["owner"] == owner], submissions, now=now, tz=tz)


def open_todo(
    due: pd.DataFrame, submissions: pd.DataFrame, *, now: datetime, tz: str = DEFAULT_TZ
) -> pd.DataFrame:
    """Return every owner's open inspections in ``due`` at ``now`` in one pass: grouped by
    owner (sorted; rows without an owner left out), each as :func:`owner_todo` orders them.
    """
    due = due[due["owner"].map(lambda o: isinstance(o, str)).astype(bool)]
    status = inspection_status(due, submissions, now=now)
    today = local_day(now, tz=tz)
    waiting = status[status["status"].isin(["missed", "pending"])].copy()
    waiting = waiting[pd.to_datetime(waiting["period_start"]).dt.date <= today]
    due_dates = pd.to_datetime(waiting["due_date"]).dt.date
    todo = np.where(
        waiting["status"] == "missed", "overdue", np.where(due_dates == today, "due_today", "open")
    )
    waiting["todo"] = pd.Series(todo, index=waiting.index, dtype=object)
    order = waiting["todo"].map({"overdue": 0, "due_today": 1, "open": 2})
    waiting = waiting.assign(_order=order).sort_values(
        ["owner", "_order", "due_date", "cell_code"], kind="stable"
    )
    return waiting.drop(columns=["_order", "status", "submitted_at"]).reset_index(drop=True)


def _nullable(values: pd.Series) -> np.ndarray[Any, np.dtype[Any]]:
    """Object array with None for missing values."""
    array = values.astype(object).to_numpy()
    return np.array([None if pd.isna(v) else v for v in array], dtype=object)
