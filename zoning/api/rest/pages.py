"""Cursor pagination of the API's lists: ``?limit=&cursor=``, ``next_cursor`` in the answer.

A cursor is opaque to clients: the offset of the next item and a fingerprint of the list's
path and filters, base64url-encoded. A cursor given with other filters or another path is
refused (422), so a client cannot mix pages of two different lists. Lists are in a stable
order (ids, codes, dates), so rows added meanwhile appear on later pages, not twice.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from zoning.api.rest.errors import ApiError

#: Items per page unless ``limit`` says otherwise.
DEFAULT_LIMIT = 100
#: The most items one page may hold.
MAX_LIMIT = 1000
#: The query parameters of pagination itself (left out of a list's fingerprint).
PAGE_PARAMS = ("limit", "cursor")


def fingerprint(path: str, query: Mapping[str, Any]) -> str:
    """Return a short digest of a list's path and filters (pagination left out)."""
    kept = {k: str(v) for k, v in sorted(query.items()) if k not in PAGE_PARAMS}
    raw = json.dumps([path, kept], ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:16]


def encode_cursor(offset: int, print_: str) -> str:
    """Return the opaque cursor of the item at ``offset`` of the list ``print_``."""
    raw = json.dumps({"o": offset, "f": print_}, separators=(",", ":")).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _bad_cursor() -> ApiError:
    return ApiError(
        422,
        "validation",
        "cursor: not a cursor of this list; give the next_cursor of the previous page with "
        "the same filters, or leave it out for the first page",
        field="cursor",
    )


def decode_cursor(cursor: str, print_: str) -> int:
    """Return the offset a ``cursor`` of list ``print_`` points at; ApiError 422 for a
    cursor that is malformed or belongs to another list."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError):
        raise _bad_cursor() from None
    if not isinstance(data, dict) or data.get("f") != print_:
        raise _bad_cursor()
    offset = data.get("o")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise _bad_cursor()
    return offset


def check_limit(limit: int | None) -> int:
    """Return the page size (``limit``, default :data:`DEFAULT_LIMIT`); 422 outside
    1 … :data:`MAX_LIMIT`."""
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(
            422, "validation", f"limit: give 1 to {MAX_LIMIT} items per page", field="limit"
        )
    return limit


def page(data: Mapping[str, Any], key: str, path: str, query: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``data`` with its list ``data[key]`` cut to the page ``query`` asks for
    (``limit``, ``cursor``), plus ``next_cursor`` (None on the last page) and ``total``."""
    items = list(data[key])
    print_ = fingerprint(path, query)
    limit = check_limit(query.get("limit"))
    cursor = query.get("cursor")
    start = decode_cursor(cursor, print_) if cursor else 0
    end = start + limit
    following = encode_cursor(end, print_) if end < len(items) else None
    return {**data, key: items[start:end], "next_cursor": following, "total": len(items)}
