"""Who sees and does what in the ledger, complaints and inspections (row-level rules).

Pure: the services give it the acting account and the cells of its scope in the current
plan, it answers per row. An inspector's rows are those whose stored owner is their person
or that lie in a cell they own now; a zone leader's, those whose stored zone is theirs or
that lie in a cell of their zone now; everyone else's, all of them. A hazard or complaint in
a sensitive domain (:data:`~zoning.safety.domains.SENSITIVE_DOMAINS`) shows its details only
to an account holding ``view_sensitive``; everyone else gets it with the details replaced by
:data:`REDACTED` (the row stays, so counts stay right). A complaint's contact needs
``view_phones`` too.

>>> from zoning.accounts import Actor, Role
>>> scope = Access(Actor("wang", Role.INSPECTOR, person="王一"), frozenset({"C1"}))
>>> scope.sees(cell="C1", zone="2", owner=None), scope.sees(cell="C9", zone="2", owner="李四")
(True, False)
>>> scope.details("mental_health"), scope.details("fire")
(False, True)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from zoning.accounts import Actor, Permission, Scope
from zoning.safety.complaints import DEFAULT_CATEGORIES, Complaint
from zoning.safety.domains import SENSITIVE_DOMAINS
from zoning.safety.ledger.workflow import Hazard

#: What a redacted field shows, in both UI languages.
REDACTED = "—（敏感，已隐去）/ redacted"

#: Actions that judge a rectification: they need ``verify_hazards`` and someone other than
#: whoever rectified (``rework`` is a failed verification).
VERIFY_ACTIONS: frozenset[str] = frozenset({"verify", "rework", "close"})


@dataclass(frozen=True)
class Access:
    """The acting account and the codes of the current cells in its scope.

    ``cells`` is ignored for campus-wide accounts; for a zone leader it holds the cells of
    their zone, for an inspector the cells their person owns (both in the current plan).
    """

    actor: Actor
    cells: frozenset[str] = frozenset()

    def sees(self, *, cell: str | None, zone: object, owner: str | None) -> bool:
        """True when a row stored at ``cell``/``zone``/``owner`` lies in the scope."""
        actor = self.actor
        if actor.scope is Scope.CAMPUS:
            return True
        if cell is not None and cell in self.cells:
            return True
        if actor.scope is Scope.ZONE:
            return actor.zone is not None and zone is not None and str(zone) == str(actor.zone)
        return actor.person is not None and owner == actor.person

    def sees_rows(self, cells: pd.Series, zones: pd.Series, owners: pd.Series) -> pd.Series:
        """Return :meth:`sees` of every row at once (a boolean Series on ``cells``'s index):
        ``zones`` holds labels or numbers (compared as text), missing values never match.

        >>> from zoning.accounts import Role
        >>> scope = Access(Actor("wang", Role.INSPECTOR, person="王一"), frozenset({"C1"}))
        >>> scope.sees_rows(pd.Series(["C1", "C9", None]), pd.Series(["2", "2", None]),
        ...                 pd.Series([None, "李四", "王一"])).tolist()
        [True, False, True]
        """
        actor = self.actor
        if actor.scope is Scope.CAMPUS:
            return pd.Series(True, index=cells.index, dtype=bool)
        keep = cells.isin(self.cells).to_numpy(dtype=bool, copy=True)
        if actor.scope is Scope.ZONE:
            if actor.zone is not None:  # a handful of distinct zones over many rows
                codes, distinct = pd.factorize(zones)
                match = np.array([str(z) == str(actor.zone) for z in distinct] + [False])
                keep |= match[codes]  # code -1 (missing) picks the trailing False
        elif actor.person is not None:
            keep |= (owners == actor.person).fillna(False).to_numpy(dtype=bool)
        return pd.Series(keep, index=cells.index, dtype=bool)

    def sees_hazard(self, hazard: Hazard) -> bool:
        """True when ``hazard`` lies in the scope (see :meth:`sees`)."""
        return self.sees(cell=hazard.cell_code, zone=hazard.zone, owner=hazard.owner)

    def sees_complaint(self, complaint: Complaint) -> bool:
        """True when ``complaint`` lies in the scope (see :meth:`sees`)."""
        return self.sees(cell=complaint.cell_code, zone=complaint.zone, owner=complaint.owner)

    def details(self, domain: str | None) -> bool:
        """True when the account may see the details of a row in ``domain``."""
        return domain not in SENSITIVE_DOMAINS or self.actor.can(Permission.VIEW_SENSITIVE)


def complaint_domain(category: str) -> str | None:
    """Return the safety domain of a complaint ``category`` (None for an unknown one)."""
    found = DEFAULT_CATEGORIES.get(category)
    return found.domain if found else None


def redact_hazard(hazard: Hazard) -> Hazard:
    """Return ``hazard`` with its description, reporter and each event's person and note
    replaced by :data:`REDACTED` (state, cell, zone, owner, times and deadlines stay)."""
    history = tuple(
        replace(t, by=REDACTED, note=REDACTED if t.note else "") for t in hazard.history
    )
    return replace(hazard, description=REDACTED, reported_by=REDACTED, history=history)


def redact_complaint(complaint: Complaint, *, text: bool, contact: bool) -> Complaint:
    """Return ``complaint`` with its ``text`` and/or ``contact`` replaced by :data:`REDACTED`."""
    return replace(
        complaint,
        text=REDACTED if text else complaint.text,
        contact=REDACTED if contact and complaint.contact is not None else complaint.contact,
    )


def rectified_by(hazard: Hazard) -> str | None:
    """Return who reported the current rectification done (the last ``complete``), or None."""
    done = [t.by for t in hazard.history if t.action == "complete"]
    return done[-1] if done else None


def permitted_actions(actor: Actor, hazard: Hazard, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Return the actions of ``allowed`` (the hazard's next states) that ``actor``'s role
    permits, without verify/rework/close when the actor rectified it (pages show only these
    buttons; the services check again, also the account that entered the rectification)."""
    rectifier = rectified_by(hazard)
    mine = {actor.name, actor.person} - {None}
    out = []
    for action in allowed:
        if action in VERIFY_ACTIONS:
            if actor.can(Permission.VERIFY_HAZARDS) and rectifier not in mine:
                out.append(action)
        elif actor.can(Permission.REPORT_HAZARDS):
            out.append(action)
    return tuple(out)


__all__ = [
    "REDACTED",
    "VERIFY_ACTIONS",
    "Access",
    "complaint_domain",
    "permitted_actions",
    "rectified_by",
    "redact_complaint",
    "redact_hazard",
]
