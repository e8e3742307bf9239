"""The rectification ledger (整改台账): ``workflow`` (states, transitions, deadlines,
escalation along the chain of responsibility) and ``rates`` (on-time, overdue and closure
rates by zone, owner, domain or week).

Pure: no database, no CLI.
"""

from zoning.safety.ledger.rates import hazards_frame, rates
from zoning.safety.ledger.workflow import (
    FINAL_STATES,
    OPEN_STATES,
    STATES,
    Hazard,
    IllegalTransition,
    Transition,
    apply,
    new_hazard,
)

__all__ = [
    "FINAL_STATES",
    "OPEN_STATES",
    "STATES",
    "Hazard",
    "IllegalTransition",
    "Transition",
    "apply",
    "hazards_frame",
    "new_hazard",
    "rates",
]
