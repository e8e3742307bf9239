"""The SQL condition on hazard rows of what an account's scope may keep (shared by the
ledger's list and the pages' hazards table)."""

from __future__ import annotations

import sqlalchemy as sa

from zoning.accounts import Actor, Scope
from zoning.store.models.safety import HazardRow


def scope_clause(actor: Actor, cells: frozenset[str] | None) -> sa.ColumnElement[bool]:
    """Return the SQL condition on hazards of the rows :class:`Access` may keep (a superset
    for the scoped accounts, narrowed by :func:`visible_hazards`)."""
    h = HazardRow
    if cells is None or actor.scope is Scope.CAMPUS:
        return sa.true()
    ors: list[sa.ColumnElement[bool]] = [h.cell_code.in_(sorted(cells))]
    if actor.scope is Scope.ZONE and actor.zone is not None:
        ors.append(h.zone == actor.zone)
    if actor.scope is Scope.CELLS and actor.person is not None:
        ors.append(h.owner == actor.person)
    return sa.or_(*ors)
