"""The people of a campus's chain of responsibility, read from a CSV a school already keeps.

A real campus comes from OpenStreetMap without anyone in it: before cells can get owners
(网格员) and overdue hazards can escalate, the school lists its people. One row per person:

    name,role,quarter,phone
    王伟,网格员,教学区,13800000001
    李静,zone_leader,教学区,
    安全办,safety_office,,
    张校长,leadership,,

``role`` is one of :data:`ROLES` (English, or the Chinese of :data:`ROLE_ALIASES`);
``quarter`` (片区) ties owners to their zone leader; ``phone`` is optional.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pandas as pd

from zoning.errors import InvalidInput

#: Roles, lowest first: the chain of responsibility an overdue hazard climbs.
ROLES: tuple[str, ...] = ("owner", "zone_leader", "safety_office", "leadership")

#: Other spellings accepted in a CSV, mapped to :data:`ROLES`.
ROLE_ALIASES: dict[str, str] = {
    "网格员": "owner",
    "网格长": "zone_leader",
    "片区负责人": "zone_leader",
    "片长": "zone_leader",
    "安全办": "safety_office",
    "保卫处": "safety_office",
    "安全管理部门": "safety_office",
    "校领导": "leadership",
    "领导": "leadership",
    "zone leader": "zone_leader",
    "safety office": "safety_office",
}

#: Columns of a people table, in order.
PEOPLE_COLUMNS: tuple[str, ...] = ("name", "role", "quarter", "phone")

#: A people CSV larger than this is refused (bytes): a campus has hundreds of people.
MAX_CSV_BYTES = 5_000_000


def normalise_role(text: str) -> str | None:
    """Return the role ``text`` names (see :data:`ROLES`), or None when it names none."""
    key = text.strip()
    if key.lower() in ROLES:
        return key.lower()
    return ROLE_ALIASES.get(key) or ROLE_ALIASES.get(key.lower())


def _cell(row: dict[str | None, str | None], column: str, *, where: str) -> str | None:
    """Return the stripped text of ``column``, None when empty; InvalidInput for a control
    character or a line break in it (a name or a phone is one line)."""
    value = (row.get(column) or "").strip()
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp")), None)
    if bad is not None:
        raise InvalidInput(
            f"{where}: the {column} {value!r} contains the control character U+{ord(bad):04X} "
            "(a line break?): fix that cell."
        )
    return value or None


def clean_people(people: pd.DataFrame, *, where: str = "The people list") -> pd.DataFrame:
    """Return a copy of ``people`` (:data:`PEOPLE_COLUMNS`) held to the CSV reader's rules:
    texts stripped, no control character or line break, a name on every row, each name once,
    known roles (aliases resolved). Raises InvalidInput naming the row (from 1).

    >>> clean_people(pd.DataFrame({"name": [" 王五 "], "role": ["网格员"]}))["name"].tolist()
    ['王五']
    """
    rows = []
    seen: dict[str, int] = {}
    records = people.to_dict("records")
    for n, record in enumerate(records, start=1):
        row = {
            k: (None if v is None or (isinstance(v, float) and v != v) else str(v))
            for k, v in record.items()
        }
        here = f"{where}, row {n}"
        name = _cell(row, "name", where=here)  # type: ignore[arg-type]
        if name is None:
            raise InvalidInput(f"{here}: the name is empty.")
        role = normalise_role(_cell(row, "role", where=here) or "")  # type: ignore[arg-type]
        if role is None:
            raise InvalidInput(
                f"{here}: {name}'s role {row.get('role')!r} is not one of {', '.join(ROLES)}."
            )
        if name in seen:
            raise InvalidInput(f"{here}: {name} is listed twice (first on row {seen[name]}).")
        seen[name] = n
        quarter, phone = (_cell(row, c, where=here) for c in ("quarter", "phone"))  # type: ignore[arg-type]
        rows.append((name, role, quarter, phone))
    return pd.DataFrame(rows, columns=list(PEOPLE_COLUMNS), dtype=object)


def read_people_csv(path: Path) -> pd.DataFrame:
    """Return the people of a CSV (UTF-8, with or without BOM) as :data:`PEOPLE_COLUMNS`.

    Raises :class:`InvalidInput` naming the file, and the line of the first bad row: a
    missing ``name`` or ``role`` column, an empty name, an unknown role, a name twice.
    """
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise InvalidInput(
                f"{path} is {path.stat().st_size:,} bytes, over the {MAX_CSV_BYTES:,}-byte "
                "limit for a people list: is it the right file?"
            )
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            reader.fieldnames = header
            missing = [c for c in ("name", "role") if c not in header]
            if missing:
                raise InvalidInput(
                    f"{path} has no {' or '.join(missing)} column: the header must be "
                    f"{','.join(PEOPLE_COLUMNS)} (quarter and phone optional); it is "
                    f"{repr(','.join(header)) if header else 'empty'}."
                )
            rows = []
            seen: dict[str, int] = {}
            for line, row in enumerate(reader, start=2):
                where = f"{path}, line {line}"
                name = _cell(row, "name", where=where)
                role_text = _cell(row, "role", where=where)
                if name is None and role_text is None:
                    continue  # a blank line
                if name is None:
                    raise InvalidInput(f"{path}, line {line}: the name is empty.")
                role = normalise_role(role_text or "")
                if role is None:
                    raise InvalidInput(
                        f"{path}, line {line}: {name}'s role {role_text!r} is not one of "
                        f"{', '.join(ROLES)} (or 网格员, 片区负责人, 安全办, 校领导)."
                    )
                if name in seen:
                    raise InvalidInput(
                        f"{path}, line {line}: {name} is listed twice (first on line "
                        f"{seen[name]}); names identify people, make them unique."
                    )
                seen[name] = line
                quarter, phone = (_cell(row, c, where=where) for c in ("quarter", "phone"))
                rows.append((name, role, quarter, phone))
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text: save the CSV as UTF-8.") from None
    if not rows:
        raise InvalidInput(f"{path} lists nobody: add one row per person under the header.")
    return pd.DataFrame(rows, columns=list(PEOPLE_COLUMNS), dtype=object)
