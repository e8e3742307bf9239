"""The ``campusgrid`` command (Typer): ``app`` holds every command, ``main`` runs it.

One module per command group (``campus``, ``grid``, ``zones``, ``plans``, ``cameras``, ``safety``,
``people``, ``users``, ``serve``, ``notify``, ``tick``…); ``common`` holds the options and the
error handling they share; ``app`` holds the bare root and ``main``. The group modules only
declare their commands (plain functions, or a ``typer.Typer`` for a group with sub-commands);
this module is the one place that adds them to the root, from the two lists below.
"""

from collections.abc import Callable

import typer

from zoning.cli import (
    attention,
    backup,
    cameras,
    campus,
    grid,
    notify,
    people,
    plans,
    qr,
    rollcall,
    safety,
    serve,
    students,
    tick,
    tokens,
    users,
    whereabouts,
    zones,
)
from zoning.cli.app import INTERNAL_ERROR, main
from zoning.cli.app import app as _root

#: The top-level commands by name, in the order ``campusgrid --help`` lists them.
COMMANDS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("import", campus.import_),
    ("export", campus.export),
    ("demo", campus.demo),
    ("campuses", campus.campuses),
    ("plans", plans.list_plans),
    ("split", grid.split),
    ("coverage", cameras.coverage),
    ("suggest-cameras", cameras.suggest_cameras),
    ("serve", serve.serve),
    ("validate", plans.validate),
    ("assign-owners", plans.assign_owners),
    ("draft", plans.draft),
    ("diff", plans.diff),
    ("activate", plans.activate),
    ("import-plan", plans.import_plan),
    ("audit", plans.audit),
    ("owner-at", plans.owner_at),
    ("backup", backup.backup),
    ("restore", backup.restore),
    ("qr", qr.qr),
    ("tick", tick.tick),
    ("duty", attention.duty),
)

#: The command groups by name; Typer lists every group after the commands, in this order.
GROUPS: tuple[tuple[str, typer.Typer], ...] = (
    ("inspections", safety.inspections_app),
    ("hazards", safety.hazards_app),
    ("complaints", safety.complaints_app),
    ("people", people.people_app),
    ("users", users.users_app),
    ("students", students.students_app),
    ("rollcall", rollcall.rollcall_app),
    ("whereabouts", whereabouts.whereabouts_app),
    ("attention", attention.attention_app),
    ("tokens", tokens.tokens_app),
    ("notify", notify.notify_app),
    ("edit", plans.edit_app),
    ("zones", zones.zones_app),
)


def _assemble(root: typer.Typer) -> typer.Typer:
    """Add :data:`COMMANDS`, then :data:`GROUPS`, to ``root`` (in place) and return it."""
    for name, command in COMMANDS:
        root.command(name)(command)
    for name, group in GROUPS:
        root.add_typer(group, name=name)
    return root


app = _assemble(_root)

__all__ = ["COMMANDS", "GROUPS", "INTERNAL_ERROR", "app", "main"]
