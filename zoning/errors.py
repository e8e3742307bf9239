"""The few precise errors campusgrid raises; each message tells the user what to do.

The CLI and the pages turn a :class:`CampusgridError` into one clear line (exit code 2),
never a traceback. ``str(err)`` is English (the CLI, the logs, the API); a raise site a page
user can reach adds the Chinese with ``zh=``, and the pages show ``err.text(lang)``.
"""

from __future__ import annotations

from typing import Any


class CampusgridError(Exception):
    """Base of every error meant for the user; ``str(err)`` is the one line to show.

    ``zh`` is the same line in Chinese (optional: without it, :meth:`text` falls back to
    the English).

    >>> err = CampusgridError("No plan yet: split the campus.", zh="还没有方案：请先划分网格。")
    >>> err.text("zh")
    '还没有方案：请先划分网格。'
    >>> err.text("en") == str(err) == "No plan yet: split the campus."
    True
    """

    def __init__(self, *args: object, zh: str | None = None) -> None:
        super().__init__(*args)
        self.zh = zh

    def text(self, lang: str) -> str:
        """Return the message in ``lang`` ("zh" or "en"); English when no Chinese was given."""
        if lang == "zh" and self.zh:
            return self.zh
        return str(self)


class ImportFailed(CampusgridError):
    """A file could not be imported (unreadable, empty, no boundary, ambiguous boundary)."""


class InvalidInput(CampusgridError):
    """An argument or a value in the user's data is impossible (wrong CRS, negative range…)."""


class AlreadySubmitted(InvalidInput):
    """A due inspection submitted a second time: the message names the first; a correction
    is an amendment with a reason."""


class NotFound(CampusgridError):
    """A campus, plan or cell named by the user does not exist."""


class InvalidPlan(CampusgridError):
    """A grid plan fails validation and cannot be used for what was asked."""


class StorageError(CampusgridError):
    """The database cannot be opened or used (missing SpatiaLite, unreachable PostGIS…)."""


class FetchFailed(CampusgridError):
    """Data from another server (basemap tiles) could not be fetched; the page goes on
    without it."""


class IllegalTransition(CampusgridError):
    """An action that the hazard's current state does not allow."""


class PlanConflict(CampusgridError):
    """A draft was changed by someone else since it was read: nothing was saved."""


class ActivationRefused(InvalidPlan):
    """The plan fails validation; ``problems`` holds them (JSON form)."""

    def __init__(
        self, message: str, problems: list[dict[str, Any]], *, zh: str | None = None
    ) -> None:
        super().__init__(message, zh=zh)
        self.problems = problems


class PermissionDenied(CampusgridError):
    """The acting account may not do this (its role, its scope, or separation of duties);
    ``permission`` names what it lacks."""

    def __init__(self, message: str, *, permission: str, zh: str | None = None) -> None:
        super().__init__(message, zh=zh)
        self.permission = permission


class SignInFailed(CampusgridError):
    """A wrong name or password, a disabled or locked account: the message says which
    (without telling a stranger whether the name exists)."""


__all__ = [
    "ActivationRefused",
    "AlreadySubmitted",
    "CampusgridError",
    "FetchFailed",
    "IllegalTransition",
    "ImportFailed",
    "InvalidInput",
    "InvalidPlan",
    "NotFound",
    "PermissionDenied",
    "PlanConflict",
    "SignInFailed",
    "StorageError",
]
