"""Holiday whereabouts (假期去向) as plain rules: the plans a student declares, the risks a
counsellor is told of, and whether a student is accounted for after the holiday.

A declaration is staying on campus, going home or travelling (destination, dates,
companions, contact). :func:`risk_flags` flags travelling alone, a destination outside
the mainland provinces or naming a flagged word, and a return after the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from zoning.errors import InvalidInput

#: What a student declares for a holiday.
Plan = Literal["staying", "home", "travelling"]
PLANS: tuple[str, ...] = ("staying", "home", "travelling")
#: The mainland's provinces, regions and municipalities (a destination names one of them).
MAINLAND: tuple[str, ...] = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆",
    "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
)  # fmt: skip
#: Words that flag a destination whatever the province.
FLAGGED_WORDS: tuple[str, ...] = ("境外", "出境", "国外", "海外", "边境", "无人区", "探险")
#: The risk flags and how a counsellor reads them.
FLAGS: dict[str, str] = {
    "alone": "travelling alone",
    "destination": "destination outside the mainland list or naming a flagged word",
    "late": "returns after the deadline",
}
MAX_TEXT = 500


@dataclass(frozen=True)
class Holiday:
    """A holiday of a campus: first and last day, and the day everyone must be back by."""

    name: str
    starts: date
    ends: date
    return_by: date

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 200:
            raise InvalidInput("The holiday needs a name of at most 200 characters.")
        if self.ends < self.starts:
            raise InvalidInput(f"The holiday ends ({self.ends}) before it starts ({self.starts}).")
        if self.return_by < self.ends:
            raise InvalidInput(
                f"The return deadline {self.return_by} lies before the holiday's end {self.ends}."
            )


@dataclass(frozen=True)
class Declaration:
    """What a student declares: ``plan``; travelling needs a destination and a contact."""

    plan: Plan
    destination: str | None = None
    leave_on: date | None = None
    return_on: date | None = None
    companions: str | None = None
    contact: str | None = None


def _text(value: str | None, what: str) -> str | None:
    value = (value or "").strip() or None
    if value is not None and len(value) > MAX_TEXT:
        raise InvalidInput(f"{what} is longer than {MAX_TEXT} characters: shorten it.")
    return value


def declaration(
    plan: str,
    *,
    destination: str | None = None,
    leave_on: date | None = None,
    return_on: date | None = None,
    companions: str | None = None,
    contact: str | None = None,
) -> Declaration:
    """Return a checked declaration (InvalidInput saying what is missing).

    >>> declaration("home", return_on=date(2026, 2, 20)).plan
    'home'
    >>> declaration("travelling", destination="云南大理")
    Traceback (most recent call last):
    ...
    zoning.errors.InvalidInput: Travelling needs --contact (a phone or a person to reach).
    """
    if plan not in PLANS:
        raise InvalidInput(f"The plan {plan!r} is unknown: use staying, home or travelling.")
    destination = _text(destination, "--destination")
    contact = _text(contact, "--contact")
    if plan == "travelling":
        if destination is None:
            raise InvalidInput("Travelling needs --destination (where to).")
        if contact is None:
            raise InvalidInput("Travelling needs --contact (a phone or a person to reach).")
    if leave_on and return_on and return_on < leave_on:
        raise InvalidInput(f"--return-on {return_on} lies before --leave-on {leave_on}.")
    return Declaration(
        plan,  # type: ignore[arg-type]
        destination,
        leave_on,
        return_on,
        _text(companions, "--companions"),
        contact,
    )


def risk_flags(decl: Declaration, holiday: Holiday) -> tuple[str, ...]:
    """Return the flags (keys of :data:`FLAGS`) of a declaration, in that order.

    >>> h = Holiday("寒假", date(2026, 1, 20), date(2026, 2, 20), date(2026, 2, 22))
    >>> risk_flags(Declaration("travelling", "香港", return_on=date(2026, 2, 25)), h)
    ('alone', 'destination', 'late')
    >>> risk_flags(Declaration("travelling", "云南大理", companions="王二"), h)
    ()
    """
    flags: list[str] = []
    if decl.plan == "travelling":
        if not decl.companions:
            flags.append("alone")
        where = decl.destination or ""
        if not any(p in where for p in MAINLAND) or any(w in where for w in FLAGGED_WORDS):
            flags.append("destination")
    if decl.plan != "staying" and decl.return_on is not None and decl.return_on > holiday.return_by:
        flags.append("late")
    return tuple(flags)
