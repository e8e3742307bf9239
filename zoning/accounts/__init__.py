"""Accounts, roles and permissions (pure: no database).

``roles`` holds the roles and the permission matrix (written once, here, and printed by
``campusgrid users roles`` and the README); ``actor`` the acting account every service takes
(:class:`Actor`, the CLI's :func:`local_operator`); ``passwords`` hashing (argon2) and the
password rules.
"""

from zoning.accounts.actor import Actor, Scope, local_operator
from zoning.accounts.passwords import (
    check_password,
    hash_password,
    new_password,
    password_matches,
)
from zoning.accounts.roles import MATRIX, Permission, Role, can, roles_with

__all__ = [
    "MATRIX",
    "Actor",
    "Permission",
    "Role",
    "Scope",
    "can",
    "check_password",
    "hash_password",
    "local_operator",
    "new_password",
    "password_matches",
    "roles_with",
]
