"""One click command per Typer app for the whole test session.

``typer.testing.CliRunner.invoke(app, …)`` turns the Typer app into its click command anew on
every call (``typer.main.get_command``): for the ``campusgrid`` app, with its dozens of
commands and options, that is ~0.15 s an invocation, most of a small command's run and of
each hypothesis example of the CLI fuzz tests. :func:`install` makes the runner reuse the
command built for the same app with the same commands registered; a click command keeps no
state between invocations (each ``main`` makes a new context), as the product's own single
``app()`` call per process assumes.
"""

from __future__ import annotations

from collections.abc import Callable

import typer
import typer.testing
from typer.main import get_command

#: What ``typer.testing`` calls to build the command (the library's own, kept to build once).
_BUILD: Callable[[typer.Typer], object] = get_command
#: (app id, registrations) → (the app, kept alive so that its id stays its own; its command).
_BUILT: dict[tuple[int, tuple[object, ...]], tuple[typer.Typer, object]] = {}


def registrations(app: typer.Typer) -> tuple[object, ...]:
    """The identities of what ``app`` has registered (commands, callback, sub-apps, nested):
    a command or group added later gives a new key, hence a new command."""
    return (
        id(app.registered_callback),
        tuple(id(c.callback) for c in app.registered_commands),
        tuple(
            registrations(g.typer_instance) if g.typer_instance is not None else None
            for g in app.registered_groups
        ),
    )


def cached_command(app: typer.Typer) -> object:
    """Return the click command of ``app``, built on the first call for its registrations."""
    key = (id(app), registrations(app))
    if key not in _BUILT:
        _BUILT[key] = (app, _BUILD(app))
    return _BUILT[key][1]


def install() -> None:
    """Make ``typer.testing.CliRunner`` build each app's command once (see the module)."""
    setattr(typer.testing, "_get_command", cached_command)  # noqa: B010 (a private name)
