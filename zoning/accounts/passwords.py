"""Passwords: argon2id hashes (argon2-cffi), the rules a new password must meet.

No password is ever stored, logged or printed except the first admin's, printed once when
``make run`` creates it.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from zoning.errors import InvalidInput

#: Shortest password accepted (characters).
MIN_LENGTH = 10
#: Longest (characters): argon2 hashes anything, but a megabyte "password" is an attack.
MAX_LENGTH = 1024

_HASHER = PasswordHasher()
#: A hash to verify against when the account does not exist, so that a wrong name costs
#: the same time as a wrong password.
DUMMY_HASH = _HASHER.hash("campusgrid: no such account")


def check_password(password: str, *, account: str) -> str:
    """Return ``password`` if it meets the rules, else raise InvalidInput saying which.

    >>> check_password("short", account="li")
    Traceback (most recent call last):
    ...
    zoning.errors.InvalidInput: The password is too short: use at least 10 characters.
    """
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"The password is too short: use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"The password is too long: use at most {MAX_LENGTH} characters.")
    if password.strip() != password:
        raise InvalidInput("The password starts or ends with a space or a line break: remove it.")
    if password.casefold() == account.casefold():
        raise InvalidInput("The password is the account's name: choose another.")
    return password


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password`` (salted; about 50 ms)."""
    return _HASHER.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; a missing hash costs the same time."""
    try:
        return _HASHER.verify(stored_hash or DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """Return a random password (20 URL-safe characters, 120 bits)."""
    return secrets.token_urlsafe(15)
