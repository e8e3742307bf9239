"""The inspection form in real Chromium (issue 16): Enter in a note does not send it; an
unanswered item keeps the button disabled with the message; a failed item without a note is
refused; a photo uploaded for a failed item is stored and shown in the hazard's history."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PIL import Image

from zoning.store.engine import open_engine

TIMEOUT_MS = 30_000


def _inspections(url: str) -> int:
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM inspection")).scalar_one())
    finally:
        engine.dispose()


def _photo_rows(url: str) -> list[tuple[int, str]]:
    """Return (hazard id, stored photo path) of every failed item with a photo."""
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT h.id, r.photo_path FROM hazard h JOIN inspection_result r "
                    "ON r.inspection_id = h.inspection_id AND r.item_code = h.item_code "
                    "WHERE r.photo_path IS NOT NULL ORDER BY h.id"
                )
            ).all()
    finally:
        engine.dispose()
    return [(int(i), str(p)) for i, p in rows]


def _jpeg(folder: Path) -> Path:
    path = folder / "drain.jpg"
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 210)).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_the_inspection_form_in_a_browser(
    server: str, page: Any, demo_db: str, tmp_path: Path, artifacts: Path
) -> None:
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/inspections")
    submit = page.get_by_role("button", name="提交", exact=True)
    submit.wait_for()
    groups = page.locator("[role=radiogroup]").filter(has_text="不合格")  # the items
    assert groups.count() >= 2, "the checklist has items"
    before = _inspections(demo_db)

    # nothing answered: the button is disabled and says why
    assert submit.is_disabled()
    assert page.get_by_text("未作答：每一项都须选择合格、不合格或不适用").first.is_visible()

    # Enter in a note field sends nothing
    note = page.get_by_placeholder("备注").first
    note.fill("巡查中")
    note.press("Enter")
    page.wait_for_timeout(1500)
    assert _inspections(demo_db) == before

    # every item answered, the first failed without a note: refused with the message
    note.fill("")
    note.press("Tab")
    for i in range(groups.count()):
        groups.nth(i).get_by_text("不合格" if i == 0 else "合格", exact=True).click()
        page.wait_for_timeout(300)
    page.wait_for_function(
        "!document.querySelector('[data-testid=stBaseButton-primary]')?.disabled"
    )
    submit.click()
    page.get_by_text("个不合格项没有备注").first.wait_for()
    assert _inspections(demo_db) == before

    # a note and a photo: stored, and shown in the hazard's history on the ledger
    page.get_by_placeholder("发现的问题（必填）").first.fill("排水沟堵塞（浏览器测试）")
    page.locator("input[type=file]").first.set_input_files(str(_jpeg(tmp_path)))
    page.get_by_text("drain.jpg").first.wait_for()
    submit.click()
    page.get_by_text("已提交巡查").first.wait_for()
    assert _inspections(demo_db) == before + 1
    hazard_id, stored = _photo_rows(demo_db)[-1]
    assert Path(stored).is_file() and stored.endswith(".jpg")

    page.goto(f"{server}/ledger")
    search = page.get_by_placeholder("网格编号、建筑名、网格员姓名或隐患编号")
    search.fill(f"#{hazard_id}")
    search.press("Enter")
    results = page.locator("[data-testid=stSelectbox]").filter(has_text="搜索结果（1）")
    results.locator("input").click()
    page.get_by_role("option").filter(has_text=f"#{hazard_id}").first.click()
    page.get_by_text("照片（1）").first.wait_for()
    image = page.locator("[data-testid=stImage] img").first
    image.wait_for()
    assert image.evaluate("img => img.naturalWidth") == 160
    page.screenshot(path=str(artifacts / "inspection-form-photo.png"))
