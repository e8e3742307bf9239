"""The 15 safety domains (重点领域) that every checklist, hazard and complaint belongs to.

Codes are short, stable ASCII strings stored in the database; never rename one (add a new
domain instead). The order of :data:`DOMAINS` is the order the UI lists them in.

>>> get_domain("fire").name_zh
'消防'
>>> len(DOMAIN_CODES)
15
"""

from __future__ import annotations

from dataclasses import dataclass

from zoning.errors import NotFound


@dataclass(frozen=True)
class Domain:
    """One safety domain: a stable ``code`` and its Chinese and English names."""

    code: str
    name_zh: str
    name_en: str

    def name(self, lang: str = "zh") -> str:
        """Return the name in ``lang`` ("zh" or "en"; anything else falls back to Chinese)."""
        return self.name_en if lang == "en" else self.name_zh


DOMAINS: tuple[Domain, ...] = (
    Domain("facilities", "校舍设施", "Buildings and facilities"),
    Domain("fire", "消防", "Fire safety"),
    Domain("traffic", "交通", "Traffic"),
    Domain("food", "食品", "Food safety"),
    Domain("security", "治安", "Public security"),
    Domain("mental_health", "心理健康", "Mental health"),
    Domain("labs", "实验室与危化品", "Laboratories and hazardous chemicals"),
    Domain("electrical", "用电", "Electrical safety"),
    Domain("gas", "燃气", "Gas safety"),
    Domain(
        "special_equipment",
        "特种设备",
        "Special equipment (lifts, boilers, pressure vessels)",
    ),
    Domain("dormitory", "宿舍", "Dormitory life safety"),
    Domain("events", "大型活动", "Crowds and large events"),
    Domain("construction", "施工", "Construction sites"),
    Domain("flood", "防汛与自然灾害", "Flood and natural hazards"),
    Domain("cyber", "网络与信息", "Network and information security"),
)

DOMAIN_CODES: tuple[str, ...] = tuple(d.code for d in DOMAINS)

_BY_CODE: dict[str, Domain] = {d.code: d for d in DOMAINS}


def get_domain(code: str) -> Domain:
    """Return the domain with ``code``; raise :class:`NotFound` naming the valid codes."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise NotFound(
            f"Unknown safety domain {code!r}; use one of: {', '.join(DOMAIN_CODES)}."
        ) from None


def is_domain(code: object) -> bool:
    """Return True when ``code`` is the code of one of the 15 domains."""
    return isinstance(code, str) and code in _BY_CODE


#: Domains whose hazards and complaints show their details, people, contacts and photos only
#: to an account holding ``view_sensitive`` within its scope (DESIGN.md: accounts and
#: permissions); everyone else sees the row with those fields redacted.
SENSITIVE_DOMAINS: frozenset[str] = frozenset({"security", "mental_health"})
