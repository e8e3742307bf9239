"""A campus with hostile text everywhere a user can write it, planted through the services
(the export test and the browser test both read it back)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.xss_campus import HOSTILE, HOSTILE_FORMULAS, write_hostile_campus
from zoning.clock import utcnow
from zoning.services import accounts, grid, ledger, plans, safety
from zoning.services.campus import import_campus, upsert_people
from zoning.store.plans import load_cells

#: A campus name that is both HTML and a formula.
CAMPUS = '=HYPERLINK("http://x","校")<script>alert(1)</script>'
#: Person names: every hostile text but the two that start with white space (the people
#: import strips names, as the CSV reader does, so they would become "=1" twice).
OWNERS = HOSTILE[:6]
#: Account names: the hostile starts the account name rule (letters, digits . _ @ -) allows.
ACCOUNTS = ("@SUM.A1", "-1-1")
PASSWORD = "a long enough password"


def plant(engine: Engine, folder: Path) -> None:
    """Write every kind of user text on a new campus, hostile, through the services."""
    import_campus(engine, write_hostile_campus(folder), campus=CAMPUS, actor=ADMIN)
    people = pd.DataFrame(
        {
            # "\t=1组长" is stored stripped ("=1组长"), as a people CSV would be
            "name": [*OWNERS, *(f"{h}组长" for h in HOSTILE_FORMULAS[-3:-1])],
            "role": ["owner"] * len(OWNERS) + ["safety_office", "leadership"],
            "quarter": [None] * (len(OWNERS) + 2),
            "phone": [*OWNERS, None, None],
        },
        dtype=object,
    )
    upsert_people(engine, CAMPUS, people, actor=ADMIN)
    made = [accounts.add_account(engine, ADMIN, name, "admin", PASSWORD) for name in ACCOUNTS]
    hostile_admin = accounts.actor_named(engine, made[0].name)
    split = grid.split_campus(
        engine, CAMPUS, actor=hostile_admin, method="square", cell_size_m=100, zones=2,
        reason=HOSTILE_FORMULAS[0],
    )  # fmt: skip
    plans.activate_plan(
        engine, CAMPUS, split.plan.id, actor=accounts.actor_named(engine, made[1].name),
        reason=HOSTILE_FORMULAS[4],
    )  # fmt: skip
    plans.create_draft(engine, CAMPUS, actor=ADMIN, reason=HOSTILE_FORMULAS[3])
    cells = load_cells(engine, CAMPUS, split.plan.id)
    now = utcnow()
    for index, text in enumerate(HOSTILE):
        centre = cells.geometry.iloc[index].representative_point()
        ledger.add_complaint(
            engine, CAMPUS, actor=ADMIN, lon=centre.x, lat=centre.y, category="repairs",
            text=text, contact=text, at=now - timedelta(hours=index + 1),
        )  # fmt: skip
    for hazard in ledger.list_hazards(engine, CAMPUS, actor=ADMIN)[:3]:
        ledger.move_hazard(
            engine, CAMPUS, int(hazard.hazard.id), "register", actor=ADMIN, note=HOSTILE_FORMULAS[2]
        )
    due = safety.todo(engine, CAMPUS, actor=ADMIN)
    for (_, row), note in zip(due.iterrows(), HOSTILE, strict=False):
        template = safety.checklist_templates()[str(row["template_code"])]
        safety.submit_inspection(
            engine, CAMPUS, actor=ADMIN, cell=str(row["cell_code"]),
            template=template.code, results={"*": "fail"},
            notes={template.items[0].code: note}, period=str(row["period"]),
        )  # fmt: skip
