"""``Idempotency-Key`` on the API's POSTs: over real HTTP against the real server (a repeat
gets the first answer and writes nothing; another account's same key is its own; a key
used for another call is refused), and the key rows on both backends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.api.rest_client import CAMPUS, call, token_for
from zoning.api.rest import PREFIX
from zoning.clock import utcnow
from zoning.services import accounts
from zoning.store import idempotency as rows
from zoning.store.engine import open_engine

V = PREFIX + "/campuses/" + CAMPUS


@pytest.fixture(scope="module")
def first(api_db: str) -> str:
    return token_for(api_db, "idem-admin-1", "admin")


@pytest.fixture(scope="module")
def second(api_db: str) -> str:
    return token_for(api_db, "idem-admin-2", "admin")


def _complaint(base: str, token: str, text: str, key: str | None) -> tuple[int, Any, Any]:
    cells = call(base, V + "/cells?limit=1", token)[1]
    ring = cells["features"][0]["geometry"]["coordinates"][0]
    ring = ring[0] if isinstance(ring[0][0], list) else ring
    lon = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
    lat = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    body = {"lon": lon, "lat": lat, "category": "repairs", "text": text}
    headers = {} if key is None else {"Idempotency-Key": key}
    return call(base, V + "/complaints", token, method="POST", body=body, headers=headers)


def _rows(api_db: str, sql: str, **params: Any) -> list[Any]:
    engine = open_engine(api_db)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))
    finally:
        engine.dispose()


def _complaints(api_db: str, text: str) -> int:
    return len(_rows(api_db, "SELECT id FROM complaint WHERE text = :t", t=text))


def test_the_same_key_twice_writes_once_and_answers_the_same(
    base: str, api_db: str, first: str
) -> None:
    text = "idempotency: a broken lamp"
    status, made, reply = _complaint(base, first, text, "phone-key-0001")
    assert status == 201, made
    assert "idempotent-replayed" not in reply.headers
    again_status, again, again_reply = _complaint(base, first, text, "phone-key-0001")
    assert again_status == 201 and again == made
    assert again_reply.headers["idempotent-replayed"] == "true"
    assert _complaints(api_db, text) == 1
    audited = _rows(
        api_db, "SELECT id FROM audit_event WHERE action = 'complaint.add' AND actor = :a",
        a="idem-admin-1",
    )  # fmt: skip
    assert len(audited) == 1
    # Without a key, the same body is a second complaint (the key is what makes it one).
    assert _complaint(base, first, text, None)[0] == 201
    assert _complaints(api_db, text) == 2


def test_another_accounts_same_key_is_its_own(
    base: str, api_db: str, first: str, second: str
) -> None:
    text = "idempotency: two accounts, one key"
    status, one, _ = _complaint(base, first, text, "shared-key-0002")
    other_status, other, reply = _complaint(base, second, text, "shared-key-0002")
    assert status == other_status == 201
    assert other["id"] != one["id"] and "idempotent-replayed" not in reply.headers
    assert _complaints(api_db, text) == 2


def test_a_refusal_is_kept_and_a_key_on_another_call_is_refused(
    base: str, api_db: str, first: str
) -> None:
    move = V + "/hazards/99999999/moves"
    headers = {"Idempotency-Key": "key-0003", "If-Match": '"1.1"'}
    status, body, _ = call(base, move, first, method="POST", body={"action": "start"},
                           headers=headers)  # fmt: skip
    assert status == 404, body
    again, body_again, reply = call(base, move, first, method="POST", body={"action": "start"},
                                    headers=headers)  # fmt: skip
    assert (again, body_again) == (404, body) and reply.headers["idempotent-replayed"] == "true"
    text = "idempotency: the key of another call"
    status, body, _ = _complaint(base, first, text, "key-0003")
    assert status == 422 and body["error"]["field"] == "Idempotency-Key"
    assert "used for POST " + move in body["error"]["message"]
    assert _complaints(api_db, text) == 0
    bad, body, _ = _complaint(base, first, text, "a key with spaces")
    assert bad == 422 and body["error"]["field"] == "Idempotency-Key"


def test_the_openapi_document_names_the_header(base: str) -> None:
    _, doc, _ = call(base, PREFIX + "/openapi.json")
    post = doc["paths"][PREFIX + "/campuses/{campus}/inspections"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in post["parameters"]]
    get = doc["paths"][PREFIX + "/campuses/{campus}/cells"]["get"]
    assert "Idempotency-Key" not in [p["name"] for p in get["parameters"]]


def _account(db: Engine, name: str) -> int:
    accounts.add_account(db, ADMIN, name, "viewer", "a-long-password-1")
    with db.connect() as conn:
        return int(conn.execute(sa.text("SELECT id FROM account WHERE name = :n"), {"n": name})
                   .scalar_one())  # fmt: skip


def test_key_rows_claim_answer_release_and_forget(db: Engine) -> None:
    one, two = _account(db, "idem-one"), _account(db, "idem-two")
    now = utcnow()
    with db.begin() as conn:
        assert rows.claim(conn, account_id=one, key="k", endpoint="POST /a", at=now) is None
    with db.begin() as conn:
        held = rows.claim(conn, account_id=one, key="k", endpoint="POST /a", at=now)
        assert held is not None and held.running
        assert rows.claim(conn, account_id=two, key="k", endpoint="POST /b", at=now) is None
        rows.store_answer(conn, account_id=one, key="k", status=201, response='{"x": 1}')
    with db.begin() as conn:
        found = rows.load(conn, account_id=one, key="k")
        assert found is not None and (found.status, found.response) == (201, '{"x": 1}')
        assert found.endpoint == "POST /a"
        rows.release(conn, account_id=one, key="k")  # answered: kept
        rows.release(conn, account_id=two, key="k")  # running: forgotten
        assert rows.load(conn, account_id=two, key="k") is None
        assert rows.forget_before(conn, account_id=one, before=now - timedelta(days=1)) == 0
        assert rows.forget_before(conn, account_id=one, before=now + timedelta(seconds=1)) == 1
        assert rows.load(conn, account_id=one, key="k") is None
