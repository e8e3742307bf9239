"""Operations data for tests and benchmarks: past-due checklists to submit (the completion
grid after new submissions, ``tests/app/test_grid_delta.py``, ``bench/ui_after_submit.py``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from zoning.clock import local_day, utcnow
from zoning.services import safety as operations


def open_due(engine: Engine, count: int) -> list[tuple[str, str, str]]:
    """Return (cell, template, period) of ``count`` unsubmitted due rows already past due,
    one per cell, latest first."""
    today = local_day(utcnow())
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT cell_code, template_code, period FROM inspection_due "
                "WHERE submitted_at IS NULL AND due_date < :today "
                "ORDER BY due_date DESC, cell_code"
            ),
            {"today": today},
        ).all()
    chosen: dict[str, tuple[str, str, str]] = {}
    for cell, template, period in rows:
        chosen.setdefault(cell, (cell, template, period))
        if len(chosen) == count:
            break
    return list(chosen.values())


def submit_passed(
    engine: Engine, campus: str, due: list[tuple[str, str, str]], *, failed: int = 0
) -> None:
    """Submit each (cell, template, period) of ``due`` by the campus's first person, every
    item passed but the first ``failed`` ones (each failed item opens a hazard)."""
    person = str(operations.campus_ops(engine, campus).people["name"].iloc[0])
    templates = operations.checklist_templates()
    for cell, template, period in due:
        items = [item.code for item in templates[template].items][:failed]
        operations.submit_inspection(
            engine, campus, cell=cell, template=template, by=person,
            results={"*": "pass", **dict.fromkeys(items, "fail")}, period=period, actor=ADMIN,
        )  # fmt: skip
