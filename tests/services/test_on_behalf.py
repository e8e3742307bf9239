"""One check that ``--by``/``--author`` names a real person, one audit shape for it, and the
audit listing shows older ``on_behalf`` rows in that shape (both backends)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from tests.actors import ADMIN
from tests.planner_campus import CAMPUS, make_campus
from zoning.cli import app
from zoning.errors import InvalidInput, NotFound
from zoning.services import campus as campuses
from zoning.services import plans as planner
from zoning.services import safety
from zoning.services.on_paper import person_on_paper
from zoning.store.audit import on_behalf_detail, record, shown_detail
from zoning.store.campus import campus_id
from zoning.store.engine import open_engine

ON_PAPER = {"entered_by", "on_behalf_of"}


def test_the_one_shape_names_the_account_and_the_person() -> None:
    assert on_behalf_detail("账号", " 校长 ") == {"entered_by": "账号", "on_behalf_of": "校长"}
    assert on_behalf_detail("账号", None) == {} == on_behalf_detail("账号", "  ")


def test_an_older_row_is_shown_in_the_one_shape_and_others_unchanged() -> None:
    old = {"plan_id": 3, "on_behalf": "校长"}
    assert shown_detail("planner1", old) == {
        "plan_id": 3, "entered_by": "planner1", "on_behalf_of": "校长",
    }  # fmt: skip
    new = {"plan_id": 3, "entered_by": "planner1", "on_behalf_of": "校长"}
    assert shown_detail("planner1", new) is new
    own = {"student_no": "2", "on_behalf": None}
    assert shown_detail("x", own) is own


def test_the_check_strips_refuses_strangers_and_lets_blank_act_as_oneself() -> None:
    names = pd.Series(["张一", "校长", None])
    assert person_on_paper(" 校长 ", names, "C") == "校长"
    assert person_on_paper(None, names, "C") is None
    assert person_on_paper("  ", names, "C") is None
    with pytest.raises(NotFound, match=r"^--author '路人' is not a person of campus 'C'"):
        person_on_paper("路人", names, "C", option="--author")
    with pytest.raises(InvalidInput, match="at most 200"):
        person_on_paper("x" * 201, names, "C")


def test_plans_and_the_ledger_refuse_a_stranger_with_the_same_words(db: Engine) -> None:
    make_campus(db)
    people = campuses.load_people(db, CAMPUS, actor=ADMIN)
    with pytest.raises(NotFound) as by_plans:
        campuses.on_behalf_of(db, CAMPUS, "路人")
    with pytest.raises(NotFound) as by_ledger:
        safety.acting_as(ADMIN, "路人", people, CAMPUS)
    assert str(by_plans.value) == str(by_ledger.value)
    assert by_plans.value.text("zh") == by_ledger.value.text("zh")
    named = str(people["name"].iloc[0])
    assert safety.acting_as(ADMIN, f" {named} ", people, CAMPUS) == named
    assert campuses.on_behalf_of(db, CAMPUS, f" {named} ") == named
    assert safety.acting_as(ADMIN, None, people, CAMPUS) == (ADMIN.person or ADMIN.name)
    assert safety.on_behalf(ADMIN, f" {named} ") == on_behalf_detail(ADMIN.name, named)


def test_audit_shows_old_and_new_rows_on_paper_alike(db_url: str) -> None:
    engine = open_engine(db_url)
    make_campus(engine)
    draft = planner.create_draft(engine, CAMPUS, actor=ADMIN).id
    with engine.begin() as conn:  # a row written before the one shape: {"on_behalf": P}
        cid = campus_id(conn, CAMPUS)
        record(conn, campus_id=cid, actor="老账号", action="plan.edit", detail={
            "plan_id": draft, "on_behalf": "校长",
        })  # fmt: skip
    planner.activate_plan(engine, CAMPUS, draft, reason="r", by="校长", actor=ADMIN)
    result = CliRunner().invoke(app, ["audit", CAMPUS, "--json", "--db", db_url])
    assert result.exit_code == 0, result.stderr
    rows = {r["action"]: json.loads(r["detail"]) for r in json.loads(result.stdout)}
    old, new = rows["plan.edit"], rows["plan.activate"]
    assert {k: old[k] for k in ON_PAPER} == {"entered_by": "老账号", "on_behalf_of": "校长"}
    assert {k: new[k] for k in ON_PAPER} == {"entered_by": ADMIN.name, "on_behalf_of": "校长"}
    assert "on_behalf" not in old and "on_behalf" not in new
    text = CliRunner().invoke(app, ["audit", CAMPUS, "--action", "plan.edit", "--db", db_url])
    assert '"entered_by": "老账号", "on_behalf_of": "校长"' in text.stdout
