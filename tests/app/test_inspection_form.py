"""The inspection form through its widgets (AppTest, a seeded demo): no default answer, no
sending until every item is answered, a failed item needs a note, the form follows the
picker after a submission, and a repeat is refused and can be amended."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from maps.i18n import t
from tests.actors import ADMIN
from tests.demo_copies import DemoTemplates
from tests.signed_in import signed_in
from zoning.services import safety as operations
from zoning.store.engine import open_engine
from zoning.store.models.safety import Inspection

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> Path:
    """The small demo campus with its active plan and 90 days of history, seeded once."""
    path = tmp_path_factory.mktemp("inspection-form") / "seed.sqlite"
    demo_templates.spatialite(90, path)
    return path


@pytest.fixture
def page(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The inspections page on a fresh copy of the demo (these tests write to it)."""
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(seeded, path)
    monkeypatch.setenv("CAMPUSGRID_DB", f"sqlite:///{path}")
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    app = signed_in(AppTest.from_file(APP, default_timeout=90)).run()
    app.switch_page("app_pages/inspections.py").run()
    assert not app.exception, app.exception
    return app


def url_of(app: AppTest) -> str:
    import os

    return os.environ["CAMPUSGRID_DB"]


def picker(app: AppTest) -> str:
    return str(next(s for s in app.selectbox if s.key.startswith("insp_due:")).value)


def items_of(due: str) -> list[str]:
    template = due.split("|")[1]
    return [item.code for item in operations.checklist_templates()[template].items]


def answer(app: AppTest, due: str, **outcomes: str) -> None:
    """Set the answer of each item of ``due`` (``*``: every item not named)."""
    rest = outcomes.get("*")
    for code in items_of(due):
        value = outcomes.get(code, rest)
        if value is not None:
            app.radio(key=f"insp_res:{due}:{code}@zh").set_value(value)


def submissions(app: AppTest, due: str) -> list[tuple[int, int | None]]:
    cell, template, period = due.split("|")
    i = Inspection
    with open_engine(url_of(app)).connect() as conn:
        rows = conn.execute(
            sa.select(i.id, i.amends)
            .where(i.cell_code == cell, i.template_code == template, i.period == period)
            .order_by(i.id)
        ).all()
    return [(int(r[0]), r[1]) for r in rows]


def test_no_answer_is_preset_and_sending_waits_for_every_item(page: AppTest) -> None:
    due = picker(page)
    codes = items_of(due)
    radios = [page.radio(key=f"insp_res:{due}:{c}@zh") for c in codes]
    assert [r.value for r in radios] == [None] * len(codes)  # no default 合格
    assert page.button(key="insp_submit").disabled
    assert any(t("insp.unanswered", "zh", n=len(codes)) in c.value for c in page.caption)
    answer(page, due, **dict.fromkeys(codes[:-1], "pass"))
    page.run()
    assert page.button(key="insp_submit").disabled
    assert any(t("insp.unanswered", "zh", n=1) in c.value for c in page.caption)
    assert submissions(page, due) == []
    # the form is plain widgets and a button: no st.form that Enter could send
    assert not page.get("form")


def test_a_failed_item_needs_a_note(page: AppTest) -> None:
    due = picker(page)
    first = items_of(due)[0]
    answer(page, due, **{"*": "pass", first: "fail"})
    page.run()
    assert not page.button(key="insp_submit").disabled
    page.button(key="insp_submit").click().run()
    assert submissions(page, due) == []
    assert any(t("insp.fail_needs_note", "zh", n=1) in e.value for e in page.error)
    page.text_input(key=f"insp_note:{due}:{first}").set_value("灭火器过期").run()
    page.button(key="insp_submit").click().run()
    assert not page.exception and len(submissions(page, due)) == 1


def test_after_a_submission_the_picker_and_the_form_move_together(page: AppTest) -> None:
    due = picker(page)
    options = next(s for s in page.selectbox if s.key.startswith("insp_due:")).options
    answer(page, due, **{"*": "pass"})
    page.run()
    page.button(key="insp_submit").click().run()
    assert not page.exception and not page.error, [e.value for e in page.error]
    assert len(submissions(page, due)) == 1
    after = picker(page)
    assert after != due
    cell, _, period = after.split("|")
    heading = next(m.value for m in page.markdown if m.value.startswith("#### "))
    heading = heading.replace("\\", "")  # the markdown escapes
    assert cell in heading and period in heading  # the form is the picked item's
    assert [
        r.value for r in (page.radio(key=f"insp_res:{after}:{c}@zh") for c in items_of(after))
    ] == [None] * len(items_of(after))
    assert any(f"#{submissions(page, due)[0][0]}" in s.value for s in page.success)
    # the submitted item left this session's to-do list (read again from the database)
    fresh = next(s for s in page.selectbox if s.key.startswith("insp_due:")).options
    assert len(fresh) == len(options) - 1


def test_a_repeat_is_refused_naming_the_first_and_can_be_amended(page: AppTest) -> None:
    due = picker(page)
    cell, template, period = due.split("|")
    # another browser submits the same item meanwhile
    elsewhere = operations.submit_inspection(
        open_engine(url_of(page)), "demo", cell=cell, template=template,
        results={"*": "pass"}, period=period, actor=ADMIN,
    )  # fmt: skip
    answer(page, due, **{"*": "pass"})
    page.run()
    page.button(key="insp_submit").click().run()
    errors = [e.value for e in page.error]
    assert any(  # in the page's language, naming the first submission
        "已由" in e and f"检查记录 {elsewhere.inspection_id}" in e for e in errors
    ), errors
    assert submissions(page, due) == [(elsewhere.inspection_id, None)]
    page.button(key="insp_amend").click().run()  # no reason yet
    assert any(t("insp.amend_needs_reason", "zh") in e.value for e in page.error)
    page.text_input(key=f"insp_reason:{due}").set_value("补录遗漏项").run()
    page.button(key="insp_amend").click().run()
    assert not page.exception
    stored = submissions(page, due)
    assert stored[0] == (elsewhere.inspection_id, None) and stored[1][1] == elsewhere.inspection_id
