"""Finding things (issue 16), AppTest on the seeded small demo, signed in per role: a cell
code searched on the safety map opens that cell's panel (with the chain's phones for staff
and what "done/due" means); a hazard outside an inspector's cells is not found; the ledger's
search shows the hazard chosen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.actors import ADMIN
from tests.demo_copies import DemoTemplates
from tests.signed_in import signed_in
from zoning.services import ledger
from zoning.store.engine import open_engine
from zoning.store.plans import load_cells

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@dataclass(frozen=True)
class Demo:
    """The seeded demo, an owner, one of their cells, and a hazard inside / outside them."""

    url: str
    owner: str
    cell: str
    hazard_in: int
    hazard_out: int


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> Demo:
    url = demo_templates.spatialite(90, tmp_path_factory.mktemp("search") / "demo.sqlite")
    engine = open_engine(url)
    cells = load_cells(engine, "demo", None)
    owner = str(cells["owner"].value_counts().index[0])
    mine = set(cells.loc[cells["owner"] == owner, "code"].astype(str))
    hazards = ledger.list_hazards(engine, "demo", actor=ADMIN)
    inside = [int(v.hazard.id) for v in hazards if v.hazard.cell_code in mine]
    outside = [int(v.hazard.id) for v in hazards if v.hazard.cell_code not in mine]
    engine.dispose()
    assert inside and outside, "the demo should have hazards in and outside the owner's cells"
    return Demo(url, owner, sorted(mine)[0], inside[0], outside[0])


@pytest.fixture
def env(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.setenv("CAMPUSGRID_DB", demo.url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    yield demo


def _open(demo: Demo, role: str, page: str = "safety_map") -> AppTest:
    link: dict[str, str | int] = (
        {"campus": "demo", "person": demo.owner} if role == "inspector" else {}
    )
    app = signed_in(AppTest.from_file(APP, default_timeout=120), f"search-{role}", role, **link)
    app.run()
    if page != "safety_map":
        app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _search(app: AppTest, query: str) -> AppTest:
    app.text_input(key="map_search").set_value(query).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _texts(app: AppTest) -> str:
    """Return the page's markdown and captions, Markdown escapes removed (``DEMO\\-01``)."""
    shown = (str(e.value) for kind in ("markdown", "caption") for e in getattr(app, kind))
    return "\n".join(shown).replace("\\", "")


def test_a_cell_code_searched_opens_its_panel_with_phones_and_done_meaning(env: Demo) -> None:
    app = _search(_open(env, "safety_officer"), env.cell.lower())  # codes: any case
    found = app.selectbox(key="map_found")
    assert found.options[0].startswith(f"网格 · {env.cell} · ")  # the exact code first
    assert f"#### 网格 {env.cell}" not in _texts(app)  # nothing chosen yet
    found.select_index(0).run()
    assert not app.exception
    text = _texts(app)
    assert f"#### 网格 {env.cell}" in text
    assert "☎ 138-0000-" in text  # the chain's phones, to staff
    assert "本期" in text and "份检查表中已提交" in text  # what done/due means
    deck = app.get("deck_gl_json_chart")[0]
    assert '"initialViewState"' in deck.proto.json and '"transitionDuration":800' in (
        deck.proto.json
    )


def test_a_viewer_sees_no_phones(env: Demo) -> None:
    app = _search(_open(env, "viewer"), env.cell)
    app.selectbox(key="map_found").select_index(0).run()
    text = _texts(app)
    assert f"#### 网格 {env.cell}" in text
    assert "138-0000-" not in text and "电话号码仅对已登录的工作人员显示" in text


def test_an_inspector_finds_their_hazard_but_not_one_outside_their_cells(env: Demo) -> None:
    app = _search(_open(env, "inspector"), f"#{env.hazard_out}")
    assert not app.get("selectbox") or "map_found" not in [s.key for s in app.selectbox]
    assert f"没有找到“#{env.hazard_out}”" in _texts(app)
    _search(app, f"#{env.hazard_in}")
    found = app.selectbox(key="map_found")
    assert found.options[0].startswith(f"隐患 · #{env.hazard_in}")
    found.select_index(0).run()
    assert f"隐患 #{env.hazard_in} 的详情和照片在“台账”页" in _texts(app)


def test_the_ledger_search_shows_the_hazard_chosen(env: Demo) -> None:
    app = _open(env, "safety_officer", "ledger")
    app.text_input(key="ledger_search").set_value(str(env.hazard_out)).run()
    found = app.selectbox(key="ledger_found")
    assert found.options[0].startswith(f"隐患 · #{env.hazard_out}")
    found.select_index(0).run()
    assert not app.exception, [e.value for e in app.exception]
    picker = next(s for s in app.selectbox if str(s.key).startswith("ledger_pick"))
    assert picker.value == env.hazard_out
