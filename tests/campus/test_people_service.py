"""People added through the service obey the people CSV's rules (both backends)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.small_campus import small_campus
from zoning.errors import InvalidInput
from zoning.services.campus import load_people, upsert_people
from zoning.store.campus import save_campus


def _people(*names: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"name": list(names), "role": ["网格员"] * len(names), "quarter": None, "phone": None},
        dtype=object,
    )


def test_names_are_stripped_and_roles_resolved(db: Engine) -> None:
    save_campus(db, name="small", layers=small_campus())
    assert upsert_people(db, "small", _people(" 王五\t", "李四"), actor=ADMIN) == (2, 0)
    stored = load_people(db, "small", actor=ADMIN)
    assert sorted(stored["name"]) == ["李四", "王五"]
    assert set(stored["role"]) == {"owner"}


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (("\t=1", "\r=1"), "listed twice"),
        (("a\nb",), "control character"),
        (("  ",), "name is empty"),
    ],
)
def test_bad_names_are_refused_and_nothing_is_stored(
    db: Engine, names: tuple[str, ...], message: str
) -> None:
    save_campus(db, name="small", layers=small_campus())
    with pytest.raises(InvalidInput, match=message):
        upsert_people(db, "small", _people(*names), actor=ADMIN)
    assert len(load_people(db, "small", actor=ADMIN)) == 0
