"""Who the tests act as: the CLI's local operator (an admin), and helpers to make an account
of each role on a campus for the permission tests."""

from __future__ import annotations

from zoning.accounts import Actor, Role, local_operator

#: The local operator of the tests: an admin, recorded as ``tests@campusgrid-tests``.
ADMIN: Actor = local_operator("campusgrid-tests")


def actor(
    role: Role | str,
    *,
    person: str | None = None,
    campus: str | None = None,
    zone: int | None = None,
    name: str | None = None,
) -> Actor:
    """Return an actor of ``role`` (not stored: for calling the services directly)."""
    role = Role(role)
    return Actor(name or f"{role.value}-test", role, person=person, campus=campus, zone=zone)
