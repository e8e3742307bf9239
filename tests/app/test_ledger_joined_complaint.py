"""The ledger page tells the officer that a repeated complaint joined the first hazard."""

from __future__ import annotations

import pytest

from tests.actors import ADMIN
from tests.app.test_workflow_pages import _open, demo_url, seeded  # noqa: F401 (fixtures)
from zoning.services import ledger
from zoning.store.engine import open_engine


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_repeated_complaint_on_the_page_joins_the_first_hazard(
    demo_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
) -> None:
    app = _open(demo_url, "ledger", monkeypatch)
    if lang == "en":
        app.session_state["lang"] = "en"
    for text in ("楼道灯坏了", "楼道灯还是坏的"):
        app.text_area(key="complaint_text").set_value(text)
        app.button(key="complaint_add").click().run()
        assert not app.exception and not app.error, [e.value for e in app.error]
    last = ledger.list_complaints(open_engine(demo_url), "demo", actor=ADMIN)[-1]
    assert last.joined and last.hazard_id is not None
    expected = (
        f"已并入隐患 #{last.hazard_id}" if lang == "zh" else f"joined hazard #{last.hazard_id}"
    )
    shown = " ".join(str(s.value) for s in app.success) + " ".join(
        str(df.value.to_csv()) for df in app.dataframe
    )
    assert expected in shown
