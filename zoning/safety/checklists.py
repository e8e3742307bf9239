"""Hazard-inspection checklists (隐患排查清单): templates, YAML loading, applicability, periods.

A template is one YAML file. The shipped defaults live in ``zoning/safety/data/checklists/`` (one
file per safety domain); a user folder, given by ``CAMPUSGRID_CHECKLISTS`` or passed as
``user_dir``, overrides shipped templates with the same ``code`` and adds new ones.

File format (every key except ``code``, ``frequency_by_use``, ``building_uses`` and
``per_building`` is required; unknown keys are refused so that typos do not pass silently)::

    code: fire                   # optional, defaults to the file name without .yaml
    domain: fire                 # one of zoning.safety.domains.DOMAIN_CODES
    version: 3                   # positive integer; raise it on every edit
    name_zh: 消防安全检查
    name_en: Fire safety inspection
    frequency: monthly           # daily | weekly | monthly | quarterly
    frequency_by_use:            # optional: stricter cadence for some building uses
      dormitory: daily
    cell_kinds: [building, open] # building | floor | open | square | unit | hex | any
    building_uses: []            # optional; empty = every building
    per_building: true           # optional: also any cell holding such a building (below)
    items:
      - code: exits_clear
        zh: 疏散通道、安全出口畅通，无锁闭、堵塞
        en: Evacuation routes and exits are clear, not locked or blocked
        major: true              # failing it is a major hazard (重大隐患)

Applicability: a template applies to a cell whose kind is listed (or when ``any`` is);
``building_uses`` restricts *building* (and floor) cells only, so one template can cover
squares and open ground as well as, say, sports halls.

Per building: a ``per_building`` template follows what stands in a cell whatever the split
method. Besides the cells the rules above give it, it applies to a cell of any other kind
(unit, square, hex, open) that *holds* a building of one of its ``building_uses`` (empty:
every building with people, :func:`has_people`); a building is held by the one cell that
holds most of its footprint. Its cadence there is the strictest ``frequency_for`` among the
buildings held, and the due row names them. ``per_building`` is left out of the content
hash: where a checklist is scheduled does not change what an inspection against it records.

Versioning: each template carries its ``version`` and a ``content_hash`` (SHA-256 of the
parsed content, so comments and formatting do not change it). A user template that keeps
the version of the shipped one but changes its content is refused: inspections record the
code and version they were made against, so two different contents must not share both.

Periods: a daily period is a day, weekly an ISO week (Monday–Sunday), monthly a calendar
month, quarterly a calendar quarter; the due date is the last day of the period, and the
period is due at local midnight after it (``period_due_at``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from zoning.clock import DEFAULT_TZ, local_instant
from zoning.errors import InvalidInput
from zoning.safety.domains import DOMAIN_CODES

FREQUENCIES: tuple[str, ...] = ("daily", "weekly", "monthly", "quarterly")
CELL_KINDS: tuple[str, ...] = ("building", "floor", "open", "square", "unit", "hex")
ENV_VAR = "CAMPUSGRID_CHECKLISTS"
_TOKEN = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
#: Building uses (OSM ``building=*`` values) taken to have nobody in them: a per-building
#: template without ``building_uses`` (fire) is not scheduled for them.
UNOCCUPIED_USES: frozenset[str] = frozenset(
    {
        "bridge", "bunker", "carport", "construction", "garage", "garages", "greenhouse",
        "hut", "roof", "ruins", "service", "shed", "silo", "storage_tank",
        "transformer_tower", "water_tower",
    }
)  # fmt: skip
_TOP_KEYS = frozenset(
    {
        "code",
        "domain",
        "version",
        "name_zh",
        "name_en",
        "frequency",
        "frequency_by_use",
        "cell_kinds",
        "building_uses",
        "per_building",
        "items",
    }
)
_ITEM_KEYS = frozenset({"code", "zh", "en", "major"})


@dataclass(frozen=True)
class ChecklistItem:
    """One line of a checklist; ``major`` means failing it is a major hazard (重大隐患)."""

    code: str
    text_zh: str
    text_en: str
    major: bool = False


@dataclass(frozen=True)
class ChecklistTemplate:
    """A versioned checklist for one domain; ``source`` is the file it was loaded from."""

    code: str
    domain: str
    version: int
    name_zh: str
    name_en: str
    frequency: str
    cell_kinds: tuple[str, ...]
    items: tuple[ChecklistItem, ...]
    building_uses: tuple[str, ...] = ()
    frequency_by_use: tuple[tuple[str, str], ...] = ()
    per_building: bool = False
    content_hash: str = ""
    source: str = ""

    @property
    def major_items(self) -> tuple[ChecklistItem, ...]:
        """The items whose failure is a major hazard."""
        return tuple(i for i in self.items if i.major)

    def item(self, code: str) -> ChecklistItem:
        """Return the item with ``code``; raise :class:`InvalidInput` if there is none."""
        for candidate in self.items:
            if candidate.code == code:
                return candidate
        raise InvalidInput(
            f"Checklist {self.code!r} v{self.version} has no item {code!r}; "
            f"its items are: {', '.join(i.code for i in self.items)}."
        )

    def applies_to(self, *, kind: str, use: str | None = None) -> bool:
        """Return True when this template applies to a cell of ``kind`` (and building ``use``)."""
        if "any" not in self.cell_kinds and kind not in self.cell_kinds:
            return False
        if kind in ("building", "floor") and self.building_uses:
            return use in self.building_uses
        return True

    def frequency_for(self, use: str | None = None) -> str:
        """Return the inspection frequency for a cell with building ``use``."""
        return dict(self.frequency_by_use).get(use or "", self.frequency)

    def covers_building(self, use: str | None) -> bool:
        """Return True when this per-building template is for a building of ``use``: one of
        its ``building_uses``, or, when it lists none, any building with people."""
        if not self.per_building:
            return False
        if self.building_uses:
            return use in self.building_uses
        return has_people(use)


def has_people(use: str | None) -> bool:
    """Return True for a building use taken to have people in it (not in UNOCCUPIED_USES;
    an unknown use counts as occupied)."""
    return use not in UNOCCUPIED_USES


def strictest(frequencies: Iterable[str]) -> str:
    """Return the most frequent cadence of ``frequencies`` (daily before weekly …)."""
    return min(frequencies, key=FREQUENCIES.index)


@dataclass(frozen=True)
class Period:
    """One inspection period; ``end`` (inclusive) is the due date."""

    frequency: str
    label: str
    start: date
    end: date


# --------------------------------------------------------------------------- periods


def period_of(day: date, frequency: str) -> Period:
    """Return the period of ``frequency`` that contains ``day``; raise InvalidInput if unknown."""
    if frequency == "daily":
        return Period(frequency, day.isoformat(), day, day)
    if frequency == "weekly":
        start = day - timedelta(days=day.weekday())
        year, week, _ = day.isocalendar()
        return Period(frequency, f"{year}-W{week:02d}", start, start + timedelta(days=6))
    if frequency == "monthly":
        start = day.replace(day=1)
        return Period(frequency, f"{day.year}-{day.month:02d}", start, _month_end(start))
    if frequency == "quarterly":
        quarter = (day.month - 1) // 3 + 1
        start = date(day.year, 3 * quarter - 2, 1)
        end = _month_end(date(day.year, 3 * quarter, 1))
        return Period(frequency, f"{day.year}-Q{quarter}", start, end)
    raise InvalidInput(f"Unknown frequency {frequency!r}; use one of: {', '.join(FREQUENCIES)}.")


def periods_due_between(start: date, end: date, frequency: str) -> list[Period]:
    """Return the periods of ``frequency`` whose due date lies in ``start``…``end`` (inclusive).

    Counting by due date puts every period in exactly one of several consecutive ranges.
    """
    if end < start:
        raise InvalidInput(f"The date range ends ({end}) before it starts ({start}).")
    periods: list[Period] = []
    period = period_of(start, frequency)
    while period.end <= end:
        if period.end >= start:
            periods.append(period)
        period = period_of(period.end + timedelta(days=1), frequency)
    return periods


def period_due_at(period: Period, *, tz: str = DEFAULT_TZ) -> datetime:
    """Return the UTC instant a period falls due: local midnight after its due date.

    A submission strictly before this instant is on time; at or after it, late.
    """
    return local_instant(period.end + timedelta(days=1), tz=tz)


def _month_end(first: date) -> date:
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


# --------------------------------------------------------------------------- loading


def default_checklist_dir() -> Path:
    """Return the folder of the shipped default checklists."""
    return Path(__file__).parent / "data" / "checklists"


def parse_template(data: object, *, source: str) -> ChecklistTemplate:
    """Validate the parsed YAML ``data`` of one template; ``source`` names the file in errors.

    Raises :class:`InvalidInput` naming the file, the key and what is wrong.
    """
    name = Path(source).name
    if not isinstance(data, Mapping):
        raise InvalidInput(
            f"{name}: expected a mapping of keys (code, domain, items…) at top level."
        )
    unknown = sorted(str(k) for k in data if k not in _TOP_KEYS)
    if unknown:
        raise InvalidInput(
            f"{name}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_TOP_KEYS))}."
        )
    code = data.get("code", Path(source).stem)
    _require_token(code, name, "code")
    domain = _require(data, "domain", name)
    if domain not in DOMAIN_CODES:
        raise InvalidInput(
            f"{name}: key 'domain' is {domain!r}; use one of: {', '.join(DOMAIN_CODES)}."
        )
    version = _require(data, "version", name)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidInput(f"{name}: key 'version' must be a positive integer, got {version!r}.")
    frequency = _require(data, "frequency", name)
    if frequency not in FREQUENCIES:
        raise InvalidInput(
            f"{name}: key 'frequency' is {frequency!r}; use one of: {', '.join(FREQUENCIES)}."
        )
    by_use = data.get("frequency_by_use") or {}
    if not isinstance(by_use, Mapping):
        raise InvalidInput(f"{name}: key 'frequency_by_use' must map building uses to frequencies.")
    for use, freq in by_use.items():
        _require_token(use, name, f"frequency_by_use.{use}")
        if freq not in FREQUENCIES:
            raise InvalidInput(
                f"{name}: key 'frequency_by_use.{use}' is {freq!r}; "
                f"use one of: {', '.join(FREQUENCIES)}."
            )
    kinds = _str_list(_require(data, "cell_kinds", name), name, "cell_kinds")
    if not kinds:
        raise InvalidInput(f"{name}: key 'cell_kinds' is empty; list at least one, or 'any'.")
    for kind in kinds:
        if kind not in (*CELL_KINDS, "any"):
            raise InvalidInput(
                f"{name}: key 'cell_kinds' has {kind!r}; use: {', '.join((*CELL_KINDS, 'any'))}."
            )
    uses = _str_list(data.get("building_uses") or [], name, "building_uses")
    for use in uses:
        _require_token(use, name, "building_uses")
    per_building = data.get("per_building", False)
    if not isinstance(per_building, bool):
        raise InvalidInput(
            f"{name}: key 'per_building' must be true or false, got {per_building!r}."
        )
    items = _parse_items(_require(data, "items", name), name)
    content: dict[str, Any] = {
        "code": code,
        "domain": domain,
        "version": version,
        "name_zh": _text(data, "name_zh", name),
        "name_en": _text(data, "name_en", name),
        "frequency": frequency,
        "frequency_by_use": sorted((str(u), str(f)) for u, f in by_use.items()),
        "cell_kinds": kinds,
        "building_uses": uses,
        "items": [[i.code, i.text_zh, i.text_en, i.major] for i in items],
    }
    digest = hashlib.sha256(
        json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")
    ).hexdigest()
    return ChecklistTemplate(
        code=code,
        domain=domain,
        version=version,
        name_zh=content["name_zh"],
        name_en=content["name_en"],
        frequency=frequency,
        cell_kinds=tuple(kinds),
        items=items,
        building_uses=tuple(uses),
        frequency_by_use=tuple(content["frequency_by_use"]),
        per_building=per_building,
        content_hash=digest,
        source=str(source),
    )


def load_template(path: Path | str) -> ChecklistTemplate:
    """Load one template from a YAML file; raise :class:`InvalidInput` if it is malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidInput(f"{path.name}: cannot read the checklist file ({err}).") from err
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = " ".join(str(getattr(err, "problem", None) or err).split())  # one line
        raise InvalidInput(f"{path.name}: not valid YAML{where}: {problem}.") from err
    return parse_template(data, source=str(path))


def load_folder(folder: Path | str) -> dict[str, ChecklistTemplate]:
    """Load every ``*.yaml``/``*.yml`` file of ``folder``, keyed by template code.

    Raises :class:`InvalidInput` if the folder is missing or two files share a code.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInput(f"The checklist folder {folder} does not exist or is not a folder.")
    found: dict[str, ChecklistTemplate] = {}
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    for path in paths:
        template = load_template(path)
        if template.code in found:
            other = Path(found[template.code].source).name
            raise InvalidInput(
                f"{path.name}: template code {template.code!r} is already used by {other}."
            )
        found[template.code] = template
    return found


def load_templates(
    *, user_dir: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, ChecklistTemplate]:
    """Return the shipped templates, overridden and extended by the user folder.

    The user folder is ``user_dir`` or else ``$CAMPUSGRID_CHECKLISTS`` (read from
    ``environ``, default ``os.environ``). Raises :class:`InvalidInput` for a malformed file,
    a missing folder, or a user template that changes content without raising its version.
    """
    templates = load_folder(default_checklist_dir())
    env = os.environ if environ is None else environ
    folder = user_dir if user_dir is not None else env.get(ENV_VAR) or None
    if folder is None:
        return templates
    for code, template in load_folder(folder).items():
        shipped = templates.get(code)
        if (
            shipped is not None
            and shipped.version == template.version
            and shipped.content_hash != template.content_hash
        ):
            raise InvalidInput(
                f"{Path(template.source).name}: template {code!r} differs from the shipped "
                f"version {shipped.version} but keeps its number; set 'version' higher "
                f"(e.g. {shipped.version + 1})."
            )
        templates[code] = template
    return templates


def applicable_templates(
    templates: Mapping[str, ChecklistTemplate], *, kind: str, use: str | None = None
) -> list[ChecklistTemplate]:
    """Return the templates that apply to a cell of ``kind`` and building ``use``, by code."""
    return [t for _, t in sorted(templates.items()) if t.applies_to(kind=kind, use=use)]


# --------------------------------------------------------------------------- helpers


def _require(data: Mapping[Any, Any], key: str, name: str) -> Any:
    if key not in data or data[key] is None:
        raise InvalidInput(f"{name}: missing required key {key!r}.")
    return data[key]


def _text(data: Mapping[Any, Any], key: str, name: str) -> str:
    value = _require(data, key, name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{name}: key {key!r} must be non-empty text, got {value!r}.")
    return value.strip()


def _require_token(value: object, name: str, key: str) -> None:
    if not isinstance(value, str) or not _TOKEN.match(value):
        raise InvalidInput(
            f"{name}: key {key!r} must be a lowercase ASCII code (a-z, 0-9, _ . -), got {value!r}."
        )


def _str_list(value: object, name: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{name}: key {key!r} must be a list of text values, got {value!r}.")
    return list(value)


def _parse_items(value: object, name: str) -> tuple[ChecklistItem, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidInput(f"{name}: key 'items' must be a non-empty list of checklist items.")
    items: list[ChecklistItem] = []
    seen: set[str] = set()
    for index, raw in enumerate(value):
        where = f"items[{index}]"
        if not isinstance(raw, Mapping):
            raise InvalidInput(f"{name}: {where} must be a mapping with code, zh, en, major.")
        unknown = sorted(str(k) for k in raw if k not in _ITEM_KEYS)
        if unknown:
            raise InvalidInput(
                f"{name}: {where} has unknown key(s) {', '.join(unknown)}; "
                "allowed: code, zh, en, major."
            )
        code = raw.get("code")
        _require_token(code, name, f"{where}.code")
        assert isinstance(code, str)
        if code in seen:
            raise InvalidInput(f"{name}: {where}.code {code!r} is used twice.")
        seen.add(code)
        major = raw.get("major", False)
        if not isinstance(major, bool):
            raise InvalidInput(f"{name}: {where}.major must be true or false, got {major!r}.")
        items.append(
            ChecklistItem(
                code=code,
                text_zh=_text(raw, "zh", f"{name}: {where}"),
                text_en=_text(raw, "en", f"{name}: {where}"),
                major=major,
            )
        )
    return tuple(items)
