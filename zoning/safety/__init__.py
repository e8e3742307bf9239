"""Safety work: the 15 domains, checklists (YAML in ``data/checklists``), inspections due
and submitted, located complaints (接诉即办), the hazard ledger (``ledger/``: workflow,
deadlines, escalation, rates) and the Excel/CSV exports of them.

Pure: no database, no CLI.
"""

from zoning.safety.checklists import ChecklistTemplate, load_templates
from zoning.safety.complaints import Complaint, route_complaint
from zoning.safety.domains import DOMAIN_CODES, DOMAINS, Domain, get_domain, is_domain
from zoning.safety.inspections import DueInspection, Submission, due_inspections, submit

__all__ = [
    "DOMAINS",
    "DOMAIN_CODES",
    "ChecklistTemplate",
    "Complaint",
    "Domain",
    "DueInspection",
    "Submission",
    "due_inspections",
    "get_domain",
    "is_domain",
    "load_templates",
    "route_complaint",
    "submit",
]
