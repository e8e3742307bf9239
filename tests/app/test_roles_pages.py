"""What each role sees in the pages (AppTest on the seeded small demo, signed in as an
account of each role): an inspector and a zone leader see only the rows of their own cells,
leadership sees figures but no complaint text, contact or hazard description, a viewer sees
the map and is refused, in one line, on the pages it may not use; no page shows a traceback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.actors import ADMIN
from tests.demo_copies import DemoTemplates
from tests.signed_in import signed_in
from zoning.services import ledger
from zoning.store.engine import open_engine
from zoning.store.plans import load_cells

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = ("safety_map", "leadership", "planner", "inspections", "ledger", "cameras")
#: A complaint's text and contact that only staff of its cell may read.
SECRET_TEXT = "角色测试-投诉内容-请勿外泄"
SECRET_CONTACT = "13912345678"
#: The columns that name a cell in the ledger's and the inspections' tables.
CELL_COLUMNS = ("网格", "网格编号", "网格编码", "cell", "cell_code")


@dataclass(frozen=True)
class Demo:
    """The seeded demo database and who holds what in its active plan."""

    url: str
    owner: str
    owner_cells: frozenset[str]
    zone: int
    zone_cells: frozenset[str]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> Demo:
    """The small demo with one complaint in the busiest owner's first cell (read only)."""
    url = demo_templates.spatialite(90, tmp_path_factory.mktemp("roles") / "demo.sqlite")
    engine = open_engine(url)
    cells = load_cells(engine, "demo", None)
    owner = str(cells["owner"].value_counts().index[0])
    mine = cells[cells["owner"] == owner]
    point = mine.geometry.iloc[0].representative_point()
    ledger.add_complaint(
        engine, "demo", actor=ADMIN, lon=point.x, lat=point.y, category="repairs",
        text=SECRET_TEXT, contact=SECRET_CONTACT,
    )  # fmt: skip
    zone = int(mine["zone"].iloc[0])
    engine.dispose()
    return Demo(
        url=url,
        owner=owner,
        owner_cells=frozenset(mine["code"].astype(str)),
        zone=zone,
        zone_cells=frozenset(cells.loc[cells["zone"] == zone, "code"].astype(str)),
    )


@pytest.fixture
def env(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.setenv("CAMPUSGRID_DB", demo.url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    yield demo


def open_as(demo: Demo, role: str, page: str) -> AppTest:
    """Return ``page`` run signed in as the test account of ``role``."""
    link: dict[str, str | int] = {}
    if role == "inspector":
        link = {"campus": "demo", "person": demo.owner}
    elif role == "zone_leader":
        link = {"campus": "demo", "zone": demo.zone}
    app = signed_in(AppTest.from_file(APP, default_timeout=120), f"roles-{role}", role, **link)
    app.run()
    if page != "safety_map":
        app.switch_page(f"app_pages/{page}.py").run()
    return app


def tables(app: AppTest) -> list[pd.DataFrame]:
    return [frame.value for frame in app.dataframe if isinstance(frame.value, pd.DataFrame)]


def shown_text(app: AppTest) -> str:
    """Return every text the page shows: markdown, captions, alerts, metrics, tables."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title"):
        parts += [str(element.value) for element in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    parts += [frame.to_csv() for frame in tables(app)]
    return "\n".join(parts)


def shown_cells(app: AppTest) -> set[str]:
    """Return the cell codes of every table row the page shows."""
    out: set[str] = set()
    for frame in tables(app):
        for column in CELL_COLUMNS:
            if column in frame.columns:
                out |= {str(v) for v in frame[column].dropna()}
    return out


@pytest.mark.parametrize("role", ["inspector", "zone_leader", "leadership", "viewer"])
@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_a_traceback_for_any_role(env: Demo, role: str, page: str) -> None:
    app = open_as(env, role, page)
    assert not app.exception, [e.value for e in app.exception]
    assert "Traceback" not in shown_text(app)


@pytest.mark.parametrize(
    ("role", "own"), [("inspector", "owner_cells"), ("zone_leader", "zone_cells")]
)
@pytest.mark.parametrize("page", ["ledger", "inspections"])
def test_scoped_roles_see_only_their_cells_rows(env: Demo, role: str, own: str, page: str) -> None:
    app = open_as(env, role, page)
    assert not app.exception and not app.error, [e.value for e in app.error]
    seen = shown_cells(app)
    assert seen, f"{page} shows no cell rows to the {role}"
    assert seen <= getattr(env, own), sorted(seen - getattr(env, own))[:5]


def test_the_inspector_reads_the_complaint_of_their_cell(env: Demo) -> None:
    """The other side of the leadership test below: the text is on the ledger page."""
    assert SECRET_TEXT in shown_text(open_as(env, "inspector", "ledger"))


def test_leadership_sees_figures_but_no_texts_contacts_or_descriptions(env: Demo) -> None:
    app = open_as(env, "leadership", "leadership")
    assert not app.exception and not app.error
    assert len(app.metric) >= 4  # the KPI cards
    text = shown_text(app)
    assert SECRET_TEXT not in text and SECRET_CONTACT not in text
    for page in ("ledger", "inspections", "safety_map"):
        shown = shown_text(open_as(env, "leadership", page))
        assert SECRET_TEXT not in shown and SECRET_CONTACT not in shown, page


def test_the_viewer_sees_the_map_and_is_refused_elsewhere_in_one_line(env: Demo) -> None:
    app = open_as(env, "viewer", "safety_map")
    assert not app.exception and not app.error
    assert app.get("deck_gl_json_chart"), "the viewer sees no map"
    assert SECRET_TEXT not in shown_text(app)
    for page in ("ledger", "inspections", "leadership"):
        app = open_as(env, "viewer", page)
        assert not app.exception
        (refusal,) = [str(e.value) for e in app.error]
        assert "\n" not in refusal.strip()
        # in the page's language (Chinese first), naming the permission missing
        assert refusal.startswith("无权操作") and "may not" not in refusal, refusal
        assert re.search(r"需要 [a-z_\\]+ 权限", refusal), refusal  # markdown-escaped
        assert not [f for f in tables(app) if len(f)], page
    # the planner is the plan read-only (cells, zones, owners: what the map shows), no ledger
    assert SECRET_TEXT not in shown_text(open_as(env, "viewer", "planner"))
