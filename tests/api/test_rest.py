"""The REST API over real HTTP against the real server (``tests/api/conftest.py``) and its
SQLite demo campus: each endpoint, each error status, two roles' scopes, the audit trail
naming the token's account, revoked and expired tokens, the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from tests.actors import ADMIN
from tests.api.rest_client import CAMPUS, call, token_for
from tests.e2e.signin import E2E_ACCOUNT, E2E_PASSWORD, session_cookie
from zoning.api.rest import ENDPOINTS, PREFIX
from zoning.clock import utcnow
from zoning.services import accounts
from zoning.services.database import open_engine

pytestmark = pytest.mark.e2e

INSPECTOR = "冯敏"  # owns cells of the small demo campus (seed 0)
V = PREFIX + "/campuses/" + CAMPUS


@pytest.fixture(scope="module")
def admin(api_db: str) -> str:
    return token_for(api_db, "api-admin", "admin")


@pytest.fixture(scope="module")
def inspector(api_db: str) -> str:
    return token_for(api_db, "api-inspector", "inspector", campus=CAMPUS, person=INSPECTOR)


@pytest.fixture(scope="module")
def viewer(api_db: str) -> str:
    return token_for(api_db, "api-viewer", "viewer")


def _audit(api_db: str, action: str) -> list[tuple[str, str]]:
    engine = open_engine(api_db)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT actor, detail FROM audit_event WHERE action = :a ORDER BY id"),
                {"a": action},
            ).all()
    finally:
        engine.dispose()
    return [(r[0], r[1]) for r in rows]


def test_openapi_document_validates_and_lists_every_route(base: str) -> None:
    status, doc, _ = call(base, PREFIX + "/openapi.json")
    assert status == 200
    validate(doc)
    for endpoint in ENDPOINTS:
        op = doc["paths"][PREFIX + endpoint.path][endpoint.method.lower()]
        assert op["operationId"] == endpoint.operation_id
        for field in endpoint.body:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            assert field.name in schema["properties"]
    for path in ("/services.json", "/requests.json", "/requests/{request_id}.json"):
        assert "/open311/v2" + path in doc["paths"]
    assert len(doc["paths"]) == len({e.path for e in ENDPOINTS}) + 2 + 3  # + openapi.json, docs


def test_without_a_token_401_a_session_cookie_reads_but_writes_only_from_the_page(
    base: str,
) -> None:
    status, body, reply = call(base, PREFIX + "/me")
    assert status == 401 and body["error"]["code"] == "unauthorized"
    assert "campusgrid tokens create" in body["error"]["message"]
    assert "location" not in reply.headers  # no redirect to the sign-in page
    cookie = {"Cookie": f"campusgrid_session={session_cookie(base, E2E_ACCOUNT, E2E_PASSWORD)}"}
    status, me, _ = call(base, PREFIX + "/me", headers=cookie)
    assert status == 200 and me["name"] == E2E_ACCOUNT
    complaint = {"lon": 117.70008, "lat": 39.08417, "category": "repairs", "text": "csrf"}
    host = base.removeprefix("http://")
    for extra in ({}, {"Origin": base}, {"X-Requested-With": "campusgrid"},
                  {"Origin": "http://evil.example", "X-Requested-With": "campusgrid"}):  # fmt: skip
        status, body, _ = call(
            base, V + "/complaints", method="POST", body=complaint, headers={**cookie, **extra}
        )
        assert status == 403 and body["error"]["code"] == "csrf", (extra, body)
        assert "X-Requested-With: campusgrid" in body["error"]["message"]
    own = {**cookie, "Origin": base, "Host": host, "X-Requested-With": "campusgrid"}
    status, body, _ = call(base, V + "/complaints", method="POST", body={}, headers=own)
    assert status == 422 and body["error"]["field"] == "lon"  # past the CSRF check
    ended = {"Cookie": "campusgrid_session=not-a-session"}
    status, body, _ = call(base, PREFIX + "/me", headers=ended)
    assert status == 401 and "/signin" in body["error"]["message"]
    assert call(base, PREFIX + "/me", "cgt_not-a-real-token")[0] == 401
    assert call(base, PREFIX + "/me", headers={"Authorization": "Basic eDp5"})[0] == 401


def test_me_and_campuses(base: str, inspector: str) -> None:
    status, me, _ = call(base, PREFIX + "/me", inspector)
    assert status == 200
    assert (me["name"], me["role"], me["scope"], me["person"]) == (
        "api-inspector", "inspector", "cells", INSPECTOR,
    )  # fmt: skip
    assert "view_ledger" in me["permissions"] and "verify_hazards" not in me["permissions"]
    status, found, _ = call(base, PREFIX + "/campuses", inspector)
    assert status == 200 and [c["name"] for c in found["campuses"]] == [CAMPUS]


def test_cells_are_geojson_of_the_active_plan_owners_hidden_from_a_viewer(
    base: str, admin: str, viewer: str
) -> None:
    status, cells, _ = call(base, V + "/cells?limit=1000", admin)
    assert status == 200 and cells["type"] == "FeatureCollection"
    assert cells["plan"]["status"] == "active" and len(cells["features"]) == cells["plan"]["cells"]
    first = cells["features"][0]
    assert first["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert first["properties"]["code"].startswith("DEMO-") and first["properties"]["owner"]
    status, seen, _ = call(base, V + "/cells?limit=1000", viewer)
    assert status == 200 and {f["properties"]["owner"] for f in seen["features"]} == {None}
    status, body, _ = call(base, PREFIX + "/campuses/nowhere/cells", admin)
    assert status == 404 and body["error"]["code"] == "not_found"


def _every_hazard(base: str, token: str, query: str = "") -> list[dict[str, Any]]:
    """Return every hazard ``/hazards?{query}`` lists, walking its cursor pages (at most
    1000 rows a page), each page answering 200 with the same total."""
    first = f"{V}/hazards?{query}&limit=1000" if query else f"{V}/hazards?limit=1000"
    path, hazards, total = first, [], None
    while True:
        status, page, _ = call(base, path, token)
        assert status == 200, page
        assert total in (None, page["total"])
        total = page["total"]
        hazards += page["hazards"]
        if page["next_cursor"] is None:
            break
        path = f"{first}&cursor={page['next_cursor']}"
    ids = [h["id"] for h in hazards]
    assert len(ids) == len(set(ids)) == total
    return hazards


def test_hazards_filters_one_hazard_and_its_errors(base: str, admin: str) -> None:
    every = _every_hazard(base, admin)
    assert len(every) > 100
    open_ = _every_hazard(base, admin, "status=open")
    states = {h["state"] for h in open_}
    assert open_ and states.isdisjoint({"closed", "rejected"})
    late = _every_hazard(base, admin, "overdue=true")
    assert all(h["overdue_hours"] >= 0 for h in late)  # 0.0: under 3 min, rounded
    assert 0 < len(late) < len(every)
    status, body, _ = call(base, V + "/hazards?status=lost", admin)
    assert status == 422 and body["error"]["field"] == "status"
    status, body, _ = call(base, V + "/hazards?colour=red", admin)
    assert status == 422 and body["error"]["field"] == "colour"
    hazard_id = open_[0]["id"]
    status, one, reply = call(base, f"{V}/hazards/{hazard_id}", admin)
    assert status == 200 and one["id"] == hazard_id and one["history"]
    assert reply.headers["etag"] == f'"{hazard_id}.{len(one["history"])}"'
    status, body, _ = call(base, f"{V}/hazards/99999999", admin)
    assert status == 404 and "99999999" in body["error"]["message"]
    status, body, _ = call(base, f"{V}/hazards/abc", admin)
    assert status == 404 and body["error"]["code"] == "not_found"


def test_a_move_is_audited_with_the_tokens_account_and_an_illegal_one_is_409(
    base: str, api_db: str, admin: str
) -> None:
    _, found, _ = call(base, V + "/hazards?status=rectifying", admin)
    hazard = found["hazards"][0]
    tag = call(base, f"{V}/hazards/{hazard['id']}", admin)[2].headers["etag"]
    match = {"If-Match": tag}
    status, body, _ = call(
        base, f"{V}/hazards/{hazard['id']}/moves", admin, method="POST", body={"action": "close"},
        headers=match,
    )  # fmt: skip
    assert status == 409 and body["error"]["code"] == "conflict"
    status, moved, reply = call(
        base, f"{V}/hazards/{hazard['id']}/moves", admin, method="POST",
        body={"action": "complete", "note": "fixed over the API"}, headers=match,
    )  # fmt: skip
    assert status == 200, moved
    assert reply.headers["etag"] != tag
    assert moved["state"] == "rectified" and moved["history"][-1]["note"] == "fixed over the API"
    actors = [
        a for a, detail in _audit(api_db, "hazard.move") if f'"hazard_id": {hazard["id"]}' in detail
    ]
    assert actors == ["api-admin"]
    match = {"If-Match": reply.headers["etag"]}
    status, body, _ = call(
        base, f"{V}/hazards/{hazard['id']}/moves", admin, method="POST", body={"action": "fly"},
        headers=match,
    )  # fmt: skip
    assert status == 422 and body["error"]["field"] == "action"
    status, body, _ = call(
        base, f"{V}/hazards/{hazard['id']}/moves", admin, method="POST",
        body={"action": "extend", "note": "x", "deadline": "tomorrow"}, headers=match,
    )  # fmt: skip
    assert status == 422 and body["error"]["field"] == "deadline"


def test_complaints_add_list_and_every_input_error(base: str, api_db: str, admin: str) -> None:
    _, cells, _ = call(base, V + "/cells?limit=1000", admin)
    ring = cells["features"][0]["geometry"]["coordinates"][0]
    ring = ring[0] if isinstance(ring[0][0], list) else ring
    lon = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
    lat = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    sent = {"lon": lon, "lat": lat, "category": "repairs", "text": "broken door over the API",
            "contact": "13800000000"}  # fmt: skip
    status, made, _ = call(base, V + "/complaints", admin, method="POST", body=sent)
    assert status == 201, made
    assert made["hazard_id"] and made["state"] in ("reported", "registered")
    _, listed, _ = call(base, V + "/complaints", admin)
    assert made["id"] in [c["id"] for c in listed["complaints"]]
    assert "api-admin" in [a for a, d in _audit(api_db, "complaint.add")]
    cases = [
        ({k: v for k, v in sent.items() if k != "text"}, 422, "validation"),
        ({**sent, "lon": "117.7"}, 422, "validation"),
        ({**sent, "category": "ufo"}, 422, "validation"),
        ({**sent, "extra": 1}, 422, "validation"),
        ({**sent, "lon": 10.0, "lat": 10.0}, 400, "invalid_input"),
    ]
    for body, code, kind in cases:
        status, answer, _ = call(base, V + "/complaints", admin, method="POST", body=body)
        assert (status, answer["error"]["code"]) == (code, kind), (body, answer)
    status, answer, _ = call(base, V + "/complaints", admin, method="POST", raw="{not json")
    assert status == 400 and answer["error"]["code"] == "bad_json"
    status, answer, _ = call(base, V + "/complaints", admin, method="POST", raw="[1, 2]")
    assert status == 400 and answer["error"]["code"] == "bad_json"
    huge = {**sent, "text": "x" * (1 << 21)}
    status, answer, _ = call(base, V + "/complaints", admin, method="POST", body=huge)
    assert status == 413 and answer["error"]["code"] == "too_large"


def test_an_inspector_sees_and_submits_only_their_own_cells(
    base: str, api_db: str, admin: str, inspector: str
) -> None:
    _, cells, _ = call(base, V + "/cells?limit=1000", admin)
    mine = {f["properties"]["code"] for f in cells["features"]
            if f["properties"]["owner"] == INSPECTOR}  # fmt: skip
    other = next(f["properties"]["code"] for f in cells["features"]
                 if f["properties"]["owner"] not in (INSPECTOR, None))  # fmt: skip
    assert mine
    _, theirs, _ = call(base, V + "/hazards?limit=1000", inspector)
    _, every, _ = call(base, V + "/hazards?limit=1000", admin)
    assert theirs["hazards"] and theirs["total"] < every["total"]
    assert {h["cell"] for h in theirs["hazards"]} <= mine
    status, due, _ = call(base, V + "/inspections/due", inspector)
    assert status == 200 and due["due"]
    assert {d["owner"] for d in due["due"]} == {INSPECTOR}
    status, body, _ = call(base, V + "/inspections/due?owner=" + "%E4%B8%81%E6%80%9D", inspector)
    assert status == 403 and body["error"]["permission"] == "submit_inspections"
    row = due["due"][0]
    sent = {"cell": row["cell_code"], "template": row["template_code"], "results": {"*": "pass"}}
    status, report, _ = call(base, V + "/inspections", inspector, method="POST", body=sent)
    assert status == 201, report
    assert report["cell"] == row["cell_code"] and report["hazards"] == []
    assert "api-inspector" in [a for a, _ in _audit(api_db, "inspection.submit")]
    status, body, _ = call(
        base, V + "/inspections", inspector, method="POST", body={**sent, "cell": other}
    )
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body, _ = call(
        base, V + "/inspections", inspector, method="POST", body={**sent, "results": ["pass"]}
    )
    assert status == 422 and body["error"]["field"] == "results"


def test_a_viewer_is_refused_on_the_ledger_naming_the_permission(base: str, viewer: str) -> None:
    for path in ("/hazards", "/hazards/1", "/complaints"):
        status, body, _ = call(base, V + path, viewer)
        assert status == 403, (path, body)
        assert body["error"]["permission"] == "view_ledger"
        assert "view_ledger" in body["error"]["message"]
    status, body, _ = call(base, V + "/reports/completion", viewer)
    assert status == 403 and body["error"]["permission"] == "view_reports"


def test_completion_report_for_leadership(base: str, api_db: str) -> None:
    token = token_for(api_db, "api-leader", "leadership")
    status, report, _ = call(base, V + "/reports/completion?by=zone", token)
    assert status == 200 and report["by"] == "zone" and report["rows"]
    assert {"zone", "due", "on_time_rate"} <= set(report["rows"][0])
    status, body, _ = call(base, V + "/reports/completion?by=planet", token)
    assert status == 422 and body["error"]["field"] == "by"
    status, body, _ = call(base, V + "/reports/completion?from=2026-13-01", token)
    assert status == 422 and body["error"]["field"] == "from"


def test_revoked_expired_and_disabled_tokens_are_refused(base: str, api_db: str) -> None:
    good = token_for(api_db, "api-short", "viewer")
    assert call(base, PREFIX + "/me", good)[0] == 200
    engine = open_engine(api_db)
    try:
        made = accounts.list_tokens(engine, ADMIN, "api-short")[-1]
        accounts.revoke_token(engine, ADMIN, "api-short", made.id)
        _, old = accounts.add_token(
            engine, ADMIN, "api-short", expires_days=1, now=utcnow() - timedelta(days=2)
        )
        _, later = accounts.add_token(engine, ADMIN, "api-short")
        assert call(base, PREFIX + "/me", later)[0] == 200
        accounts.set_disabled(engine, ADMIN, "api-short")
    finally:
        engine.dispose()
    for token in (good, old, later):
        status, body, _ = call(base, PREFIX + "/me", token)
        assert status == 401 and "revoked or expired" in body["error"]["message"]


def test_an_unknown_api_route_is_a_json_404(base: str, admin: str) -> None:
    status, body, _ = call(base, PREFIX + "/nothing/here", admin)
    assert status == 404 and "openapi.json" in body["error"]["message"]
