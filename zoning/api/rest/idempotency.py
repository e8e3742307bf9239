"""``Idempotency-Key`` on the API's POSTs: a phone that lost its connection mid-request
sends the same request again with the same key, and gets the first answer back without a
second write.

The first request with a key claims it (one row per account and key, committed before the
write runs); its answer — a success or a definitive refusal (4xx) — is stored and replayed
to every repeat with the header ``Idempotent-Replayed: true``. A server error or a 429
forgets the claim, so the repeat runs again. A repeat while the first is still running gets
409 ``in_progress`` (retry shortly); the same key on another call gets 422. Keys are kept
:data:`RETENTION`; another account's same key is another key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response

from zoning.accounts import Actor
from zoning.api.rest.errors import ApiError
from zoning.clock import utcnow
from zoning.store import idempotency as rows

#: The request header, and the header marking a replayed answer.
HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
#: A key: 1 to 200 visible ASCII characters (a UUID is the usual choice).
KEY_RE = re.compile(r"[\x21-\x7e]{1,200}")
#: How long a key's answer is kept.
RETENTION = timedelta(days=7)
#: Seconds a repeat of a running request is asked to wait.
RETRY_AFTER_S = 2
#: Answer headers replayed with the stored body.
KEPT_HEADERS = ("etag", "location")


@dataclass(frozen=True)
class Claim:
    """A key this request holds: the account's id and the key."""

    account_id: int
    key: str


def key_of(request: Request) -> str | None:
    """Return the request's ``Idempotency-Key`` (None: not sent); ApiError 422 for one that
    is not 1 to 200 visible ASCII characters."""
    value = request.headers.get(HEADER.lower())
    if value is None:
        return None
    if not KEY_RE.fullmatch(value):
        raise ApiError(
            422, "validation", f"{HEADER}: give 1 to 200 visible ASCII characters, e.g. a UUID",
            field=HEADER,
        )  # fmt: skip
    return value


def replay(found: rows.Remembered) -> Response:
    """Return the stored answer of a key, marked as replayed."""
    saved = json.loads(found.response or "{}")
    headers = {**saved.get("headers", {}), REPLAYED: "true", "Cache-Control": "no-store"}
    return Response(
        saved.get("body", ""), status_code=found.status, headers=headers,
        media_type="application/json",
    )  # fmt: skip


def begin(engine: Engine, actor: Actor, key: str, endpoint: str) -> Claim | Response:
    """Claim ``key`` for ``endpoint`` (``METHOD path``) as ``actor``'s account, or return
    the stored answer of its earlier use. Blocking; ApiError 409 while the first request
    runs, 422 when the key was used for another call."""
    if actor.account_id is None:  # not an account (no API caller is): nothing to key on
        return Claim(-1, key)
    now = utcnow()
    with engine.begin() as conn:
        rows.forget_before(conn, account_id=actor.account_id, before=now - RETENTION)
        found = rows.claim(conn, account_id=actor.account_id, key=key, endpoint=endpoint, at=now)
    if found is None:
        return Claim(actor.account_id, key)
    if found.endpoint != endpoint:
        raise ApiError(
            422, "validation", f"{HEADER}: this key was used for {found.endpoint}; send a new "
            "key for each new request", field=HEADER,
        )  # fmt: skip
    if found.running:
        raise ApiError(
            409, "in_progress", f"The first request with this {HEADER} is still running: "
            f"retry in {RETRY_AFTER_S} s to get its answer.", retry_after=RETRY_AFTER_S,
        )  # fmt: skip
    return replay(found)


def settle(engine: Engine, claim: Claim, response: Response) -> None:
    """Store ``response`` as the key's answer; a server error or a 429 forgets the claim
    instead (the request may be sent again). Blocking."""
    if claim.account_id < 0:
        return
    with engine.begin() as conn:
        if response.status_code >= 500 or response.status_code == 429:
            rows.release(conn, account_id=claim.account_id, key=claim.key)
            return
        kept = {k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
        body = bytes(response.body).decode("utf-8")
        saved = json.dumps({"headers": kept, "body": body}, ensure_ascii=False)
        rows.store_answer(
            conn, account_id=claim.account_id, key=claim.key, status=response.status_code,
            response=saved,
        )  # fmt: skip
