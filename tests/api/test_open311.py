"""Open311 GeoReport v2 over real HTTP against the real server: the categories as
services, a request posted form-encoded with an API token, read back without its contact,
its status following the ledger, the official replies as status_notes; address_string and
media_url; the spec's error format."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.actors import ADMIN
from tests.api.rest_client import CAMPUS, call, token_for
from tests.e2e.signin import request
from zoning.api.rest import PREFIX
from zoning.safety.complaints import DEFAULT_CATEGORIES
from zoning.services import ledger
from zoning.store.engine import open_engine

pytestmark = pytest.mark.e2e

OPEN311 = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _post(base: str, fields: dict[str, str]) -> tuple[int, Any]:
    reply = request(
        base, OPEN311 + "/requests.json", method="POST", body=urlencode(fields), headers=FORM
    )
    return reply.status, json.loads(reply.body)


def _get(base: str, path: str, **params: str) -> tuple[int, Any]:
    reply = request(base, OPEN311 + path + ("?" + urlencode(params) if params else ""))
    return reply.status, json.loads(reply.body)


@pytest.fixture(scope="module")
def officer(api_db: str) -> str:
    return token_for(api_db, "open311-officer", "safety_officer")


def _cell(base: str, token: str) -> dict[str, Any]:
    _, cells, _ = call(base, PREFIX + f"/campuses/{CAMPUS}/cells", token)
    return dict(cells["features"][1])


def _reply(db_url: str, complaint_id: str, text: str) -> None:
    engine = open_engine(db_url)
    try:
        ledger.reply_publicly(engine, CAMPUS, int(complaint_id), text, actor=ADMIN)
    finally:
        engine.dispose()


def _inside(base: str, token: str) -> tuple[float, float]:
    _, cells, _ = call(base, PREFIX + f"/campuses/{CAMPUS}/cells", token)
    ring = cells["features"][1]["geometry"]["coordinates"][0]
    ring = ring[0] if isinstance(ring[0][0], list) else ring
    n = len(ring) - 1
    return sum(p[0] for p in ring[:-1]) / n, sum(p[1] for p in ring[:-1]) / n


def test_services_are_the_complaint_categories(base: str) -> None:
    status, services = _get(base, "/services.json")
    assert status == 200 and isinstance(services, list)
    assert [s["service_code"] for s in services] == list(DEFAULT_CATEGORIES)
    assert {"service_name", "description", "metadata", "type", "keywords", "group"} <= set(
        services[0]
    )


def test_a_request_round_trip_follows_the_ledger_and_hides_the_contact(
    base: str, officer: str, api_db: str
) -> None:
    lon, lat = _inside(base, officer)
    fields = {
        "api_key": officer, "service_code": "repairs", "lat": str(lat), "long": str(lon),
        "description": "Leaking pipe by the east door", "email": "li@example.org",
        "phone": "13900000000", "first_name": "Li",
    }  # fmt: skip
    status, made = _post(base, fields)
    assert status == 201, made
    assert isinstance(made, list) and set(made[0]) >= {"service_request_id"}
    rid = made[0]["service_request_id"]
    status, found = _get(base, f"/requests/{rid}.json", api_key=officer)
    assert status == 200 and isinstance(found, list) and len(found) == 1
    one = found[0]
    assert one["status"] == "open" and one["service_code"] == "repairs"
    assert one["description"] == "Leaking pipe by the east door"
    assert one["agency_responsible"].startswith("grid owner, zone")
    assert one["expected_datetime"] > one["requested_datetime"]
    assert one["updated_datetime"] >= one["requested_datetime"]
    assert one["status_notes"] is None and one["address"] and one["media_url"] is None
    text = json.dumps(found, ensure_ascii=False)
    for secret in ("li@example.org", "13900000000", '"Li'):
        assert secret not in text
    _, hazards, _ = call(base, PREFIX + f"/campuses/{CAMPUS}/complaints", officer)
    hazard = next(c["hazard_id"] for c in hazards["complaints"] if str(c["id"]) == rid)
    status, moved, _ = call(
        base, PREFIX + f"/campuses/{CAMPUS}/hazards/{hazard}/moves", officer, method="POST",
        body={"action": "reject", "note": "not ours: the city's water main"},
        headers={"If-Match": "*"},
    )  # fmt: skip
    assert status == 200, moved
    _reply(api_db, rid, "已转市政水务 / Passed to the city's water company")
    _reply(api_db, rid, "感谢反映 / Thank you")
    _, found = _get(base, f"/requests/{rid}.json", api_key=officer)
    assert found[0]["status"] == "closed"
    assert found[0]["status_notes"] == (
        "感谢反映 / Thank you\n已转市政水务 / Passed to the city's water company"
    )
    assert found[0]["updated_datetime"] > one["updated_datetime"]
    assert "not ours" not in json.dumps(found) and ADMIN.name not in json.dumps(found)
    _, listed = _get(base, "/requests.json", api_key=officer, status="closed")
    assert rid in [r["service_request_id"] for r in listed]
    _, listed = _get(base, "/requests.json", api_key=officer, status="open")
    assert rid not in [r["service_request_id"] for r in listed]


def test_address_string_and_media_url(base: str, officer: str) -> None:
    cell = _cell(base, officer)
    code = str(cell["properties"]["code"])
    fields = {
        "api_key": officer, "service_code": "repairs", "address_string": code.lower(),
        "description": "Broken bench", "media_url": "https://photos.example.org/bench.jpg",
    }  # fmt: skip
    status, made = _post(base, fields)
    assert status == 201, made
    rid = made[0]["service_request_id"]
    _, found = _get(base, f"/requests/{rid}.json", api_key=officer)
    one = found[0]
    assert one["address_id"] == code and code in one["address"]
    assert one["media_url"] == "https://photos.example.org/bench.jpg"


def test_errors_come_in_the_georeport_format(base: str, officer: str) -> None:
    lon, lat = _inside(base, officer)
    good = {"api_key": officer, "service_code": "repairs", "lat": str(lat), "long": str(lon),
            "description": "x"}  # fmt: skip
    cases = [
        ({**good, "lat": "10", "long": "10"}, 400, "outside"),
        ({**good, "service_code": "ufo"}, 404, "services.json"),
        ({k: v for k, v in good.items() if k != "lat"}, 400, "lat is required"),
        (
            {**good, "lat": "", "long": "", "address_string": "nowhere 404"},
            400,
            "neither a building name nor a cell code",
        ),
        ({**good, "media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({k: v for k, v in good.items() if k != "api_key"}, 403, "api_key"),
        ({**good, "jurisdiction_id": "elsewhere"}, 404, "jurisdiction_id"),
    ]
    for fields, code, words in cases:
        status, body = _post(base, fields)
        assert status == code, (fields, body)
        assert isinstance(body, list) and body[0]["code"] == code
        assert words in body[0]["description"], body
    status, body = _get(base, "/requests/99999999.json", api_key=officer)
    assert status == 404 and body[0]["code"] == 404
    status, body = _get(base, "/requests.json")
    assert status == 403 and "api_key" in body[0]["description"]
