"""Who did the work on paper: the one check that ``--by``/``--author`` names a real person.

An account may enter a record for a person of the campus who did the work on paper (a
plan drawn, a list kept, an inspection walked). The account stays the one audited; the
person is recorded beside it (:func:`zoning.store.audit.on_behalf_detail`).
"""

from __future__ import annotations

from collections.abc import Iterable

from zoning.errors import NotFound
from zoning.safety.bounds import check_text

__all__ = ["person_on_paper"]


def person_on_paper(
    person: str | None, names: Iterable[object], campus: str, *, option: str = "--by"
) -> str | None:
    """Return ``person`` stripped when it is one of ``names`` (the people of ``campus``); None
    when it is None or blank (the account acts as itself).

    Raises InvalidInput (over 200 characters, control characters), NotFound for a name that
    is not a person of the campus (``option``: the option named in the message).
    """
    if person is None or not person.strip():
        return None
    name = check_text(person.strip(), what=f"The person ({option})", limit=200)
    if name not in {str(n) for n in names if n is not None}:
        raise NotFound(
            f"{option} {name!r} is not a person of campus {campus!r}: it only records work "
            f"done on paper by someone of the campus (`campusgrid people list {campus}` lists "
            "them); leave it out to act as yourself.",
            zh=f"{name!r} 不是校区 {campus!r} 的人员：代填人只记录本校人员的纸面工作；"
            "请核对姓名，或留空以本人身份办理。",
        )
    return name
