"""The progress callback services take: one short line per step of a long job."""

from __future__ import annotations

from collections.abc import Callable

#: Called with a short line ("splitting demo (square)") before each step of a long job.
Progress = Callable[[str], None]


def quiet(_message: str) -> None:
    """A progress callback that says nothing (the default)."""
    return None
