"""Secret tokens at rest: sessions, API tokens and public tracking numbers are stored only as
this hash, never as the token itself."""

from __future__ import annotations

import hashlib

__all__ = ["token_hash"]


def token_hash(token: str) -> str:
    """Return the hex SHA-256 of ``token``'s UTF-8 bytes (64 characters; a lone surrogate,
    which no issued token holds, hashes as ``?``)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
