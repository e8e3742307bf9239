"""A hazard's photos on the ledger page (issue 16), AppTest on the seeded small demo: shown as
thumbnails to a safety officer; hidden from the inspector of the cell when the hazard is in
a sensitive domain; not reachable for an inspector outside the cell; the viewer is refused
the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
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
    url: str
    photos: Path
    owner: str
    other: str
    plain: int  # a hazard with a photo in the owner's cell (electrical)
    sensitive: int  # one in a sensitive domain (security), with a photo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("photos")
    url = demo_templates.spatialite(90, folder / "demo.sqlite")  # the demo with 90 days
    patch = pytest.MonkeyPatch()
    patch.setenv("CAMPUSGRID_PHOTO_DIR", str(folder / "store"))
    engine = open_engine(url)
    cells = load_cells(engine, "demo", None)
    owners = cells["owner"].value_counts().index
    owner, other = str(owners[0]), str(owners[1])
    point = cells[cells["owner"] == owner].geometry.iloc[0].representative_point()
    made = []
    for n, domain in enumerate(("electrical", "security")):
        photo = folder / f"{domain}.jpg"
        Image.new("RGB", (400, 300), (200, 40 * n, 40)).save(photo, format="JPEG")
        made.append(
            ledger.report_hazard(
                engine, "demo", actor=ADMIN, lon=point.x, lat=point.y, domain=domain,
                description=f"照片测试 {domain}", photos=[photo],
            ).hazard.id
        )  # fmt: skip
    engine.dispose()
    yield Demo(url, folder / "store", owner, other, int(made[0]), int(made[1]))
    patch.undo()


@pytest.fixture
def env(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.setenv("CAMPUSGRID_DB", demo.url)
    monkeypatch.setenv("CAMPUSGRID_PHOTO_DIR", str(demo.photos))
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    yield demo


def _ledger(role: str, name: str, **link: str | int) -> AppTest:
    app = signed_in(AppTest.from_file(APP, default_timeout=120), name, role, **link)
    app.run()
    app.switch_page("app_pages/ledger.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _show(app: AppTest, hazard_id: int) -> AppTest:
    """Search ``#hazard_id`` and choose it (None chosen when nothing is found)."""
    app.text_input(key="ledger_search").set_value(f"#{hazard_id}").run()
    if "ledger_found" in [s.key for s in app.selectbox]:
        app.selectbox(key="ledger_found").select_index(0).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _images(app: AppTest) -> list[object]:
    return list(app.get("image"))


def _captions(app: AppTest) -> str:
    return "\n".join(str(c.value) for c in app.caption)


def test_the_safety_officer_sees_the_thumbnails(env: Demo) -> None:
    app = _ledger("safety_officer", "photos-officer")
    _show(app, env.plain)
    assert len(_images(app)) == 1
    assert any("照片（1）" in str(m.value) for m in app.markdown)
    _show(app, env.sensitive)  # the officer may read the sensitive domain
    assert len(_images(app)) == 1


def test_the_inspector_of_the_cell_sees_no_photo_of_a_sensitive_hazard(env: Demo) -> None:
    app = _ledger("inspector", "photos-owner", campus="demo", person=env.owner)
    _show(app, env.plain)
    assert len(_images(app)) == 1  # their own cell's ordinary hazard: shown
    _show(app, env.sensitive)
    assert not _images(app)
    assert "敏感领域隐患的照片" in _captions(app)


def test_an_inspector_outside_the_cell_cannot_reach_the_photos(env: Demo) -> None:
    app = _ledger("inspector", "photos-other", campus="demo", person=env.other)
    _show(app, env.plain)
    assert not _images(app)
    assert f"没有找到“#{env.plain}”" in _captions(app)


def test_the_viewer_is_refused_the_ledger(env: Demo) -> None:
    app = signed_in(AppTest.from_file(APP, default_timeout=120), "photos-viewer", "viewer")
    app.run()
    app.switch_page("app_pages/ledger.py").run()
    assert app.error and not _images(app)
