"""The acting account: who calls a service, with what role, and where they may act."""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from enum import StrEnum

from zoning.accounts.doing_zh import chinese, role_zh
from zoning.accounts.roles import Permission, Role, can, roles_with
from zoning.errors import PermissionDenied


class Scope(StrEnum):
    """Where an account may act and which rows it sees."""

    CAMPUS = "campus"
    """Every cell of the campus."""
    ZONE = "zone"
    """The cells of the account's zone (zone leaders)."""
    CELLS = "cells"
    """The cells the account's person owns in the active plan (inspectors)."""


@dataclass(frozen=True)
class Actor:
    """An account acting on campusgrid: a signed-in user, an API token, the CLI's operator.

    ``name`` is what the audit trail records; ``person`` links the account to a person of
    ``campus`` (an inspector's cells are the cells that person owns); ``zone`` is a zone
    leader's zone number. Hashable, so pages may key their caches by it.
    """

    name: str
    role: Role
    person: str | None = None
    campus: str | None = None
    zone: int | None = None
    account_id: int | None = None

    @property
    def scope(self) -> Scope:
        """Where this account may act (see :class:`Scope`)."""
        if self.role is Role.INSPECTOR:
            return Scope.CELLS
        if self.role is Role.ZONE_LEADER:
            return Scope.ZONE
        return Scope.CAMPUS

    def can(self, permission: Permission) -> bool:
        """True when the account's role holds ``permission``."""
        return can(self.role, permission)

    def require(self, permission: Permission, doing: str) -> None:
        """Raise :class:`PermissionDenied` unless the role holds ``permission``.

        ``doing`` says what was refused, e.g. ``"activate a plan"``.

        >>> try:
        ...     Actor("li", Role.VIEWER).require(Permission.ACTIVATE_PLANS, "activate a plan")
        ... except PermissionDenied as refused:
        ...     print(refused.permission, str(refused).split(": ")[0])
        activate_plans li (viewer) may not activate a plan
        """
        if not self.can(permission):
            holders = roles_with(permission)
            doing_zh = chinese(doing)
            zh = None
            if doing_zh is not None:
                zh = (
                    f"{self.name}（{role_zh(self.role.value)}）无权{doing_zh}：需要 "
                    f"{permission.value} 权限（{'、'.join(role_zh(r.value) for r in holders)}）"
                )
            raise PermissionDenied(
                f"{self.name} ({self.role.value}) may not {doing}: that needs the permission "
                f"{permission.value} (held by {', '.join(r.value for r in holders)})",
                permission=permission.value,
                zh=zh,
            )

    def refuse(self, doing: str, why: str, permission: Permission) -> PermissionDenied:
        """Return the refusal of ``doing`` for a reason beyond the role (scope, duties);
        Chinese too when both phrases are in :mod:`zoning.accounts.doing_zh`."""
        doing_zh, why_zh = chinese(doing), chinese(why)
        zh = None
        if doing_zh is not None and why_zh is not None:
            zh = f"{self.name}（{role_zh(self.role.value)}）无权{doing_zh}：{why_zh}"
        return PermissionDenied(
            f"{self.name} ({self.role.value}) may not {doing}: {why}",
            permission=permission.value,
            zh=zh,
        )


def local_operator(host: str | None = None) -> Actor:
    """Return the CLI's local operator: an admin recorded as ``user@host``.

    Whoever can run the command on the server already holds the database file (or its
    password); naming an account with ``--as`` makes the services apply that account's role.
    """
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = "operator"
    return Actor(f"{user}@{host or socket.gethostname()}", Role.ADMIN)
