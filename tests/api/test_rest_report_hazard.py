"""POST /api/v1/campuses/{campus}/hazards over real HTTP against the real server (issue 19):
201 with the hazard at the cell and owner of the spot, 403 outside the inspector's cells,
422 naming a bad field, multipart with a photo, Idempotency-Key (one hazard for two sends),
and the endpoint in the OpenAPI document."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.api.rest_client import CAMPUS, call, centre, multipart, post_bytes, token_for
from zoning.api.rest import PREFIX
from zoning.store.engine import open_engine

pytestmark = pytest.mark.e2e

INSPECTOR = "冯敏"  # owns cells of the small demo campus (seed 0)
V = PREFIX + "/campuses/" + CAMPUS


@pytest.fixture(scope="module")
def inspector(api_db: str) -> str:
    return token_for(api_db, "rep-inspector", "inspector", campus=CAMPUS, person=INSPECTOR)


@pytest.fixture(scope="module")
def spots(base: str, api_db: str) -> dict[str, Any]:
    """A cell of the inspector's and a cell of someone else's, with their centres."""
    admin = token_for(api_db, "rep-admin", "admin")
    _, cells, _ = call(base, V + "/cells?limit=1000", admin)
    mine = next(f for f in cells["features"] if f["properties"]["owner"] == INSPECTOR)
    other = next(f for f in cells["features"] if f["properties"]["owner"] not in (INSPECTOR, None))
    return {"mine": (mine["properties"]["code"], centre(mine)),
            "other": (other["properties"]["code"], centre(other))}  # fmt: skip


def _rows(url: str, sql: str, **params: Any) -> list[Any]:
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))
    finally:
        engine.dispose()


def _reports(url: str) -> list[dict[str, Any]]:
    found = _rows(url, "SELECT detail FROM audit_event WHERE action = 'hazard.report' "
                  "AND actor = 'rep-inspector' ORDER BY id")  # fmt: skip
    return [json.loads(d) if isinstance(d, str) else dict(d) for (d,) in found]


def test_an_inspector_reports_in_their_cell_and_is_refused_elsewhere(
    base: str, api_db: str, inspector: str, spots: dict[str, Any]
) -> None:
    code, (lon, lat) = spots["mine"]
    sent = {"lon": lon, "lat": lat, "domain": "fire", "description": "灭火器被挪走"}
    status, made, reply = call(base, V + "/hazards", inspector, method="POST", body=sent)
    assert status == 201, made
    assert (made["source"], made["cell"], made["owner"], made["state"], made["severity"]) == (
        "report", code, INSPECTOR, "reported", "general",
    )  # fmt: skip
    assert reply.headers["etag"] == f'"{made["id"]}.1"'
    status, shown, _ = call(base, f"{V}/hazards/{made['id']}", inspector)
    assert status == 200 and shown["description"] == "灭火器被挪走"
    assert _reports(api_db)[-1]["hazard_id"] == made["id"]

    other, (olon, olat) = spots["other"]
    before = len(_reports(api_db))
    status, body, _ = call(base, V + "/hazards", inspector, method="POST",
                           body={**sent, "lon": olon, "lat": olat})  # fmt: skip
    assert status == 403 and body["error"]["code"] == "forbidden", body
    assert f"cell {other}" in body["error"]["message"]
    for bad, field in (({**sent, "domain": "arson"}, "domain"),
                       ({**sent, "severity": "normal"}, "severity"),
                       ({k: v for k, v in sent.items() if k != "description"}, "description"),
                       ({**sent, "lat": 91}, "lat")):  # fmt: skip
        status, body, _ = call(base, V + "/hazards", inspector, method="POST", body=bad)
        assert (status, body["error"]["field"]) == (422, field), body
    status, body, _ = call(base, V + "/hazards", inspector, method="POST",
                           body={**sent, "lon": lon + 0.1})  # fmt: skip
    assert status == 400 and "outside campus" in body["error"]["message"]
    assert len(_reports(api_db)) == before  # nothing stored by a refusal


def test_a_report_with_a_photo_sent_twice_with_one_key_opens_one_hazard(
    base: str, api_db: str, inspector: str, spots: dict[str, Any]
) -> None:
    _, (lon, lat) = spots["mine"]
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 30, 200)).save(photo, "PNG")
    fields = {"lon": lon, "lat": lat, "domain": "electrical", "description": "插座冒烟",
              "severity": "major"}  # fmt: skip
    data, kind = multipart([("checklist", None, json.dumps(fields).encode()),
                             ("photo.1", "smoke.png", photo.getvalue())])  # fmt: skip
    status, made = post_bytes(base, V + "/hazards", inspector, data, kind)
    assert status == 201 and made["severity"] == "major", made
    assert len(_reports(api_db)[-1]["photos"]) == 1

    key = {"Idempotency-Key": "report-hazard-test-key-1"}
    sent = {"lon": lon, "lat": lat, "domain": "facilities", "description": "窗户玻璃破裂"}
    first = call(base, V + "/hazards", inspector, method="POST", body=sent, headers=key)
    again = call(base, V + "/hazards", inspector, method="POST", body=sent, headers=key)
    assert first[0] == again[0] == 201 and first[1]["id"] == again[1]["id"]
    assert again[2].headers.get("idempotent-replayed") == "true"
    found = _rows(api_db, "SELECT count(*) FROM hazard WHERE description = '窗户玻璃破裂'")
    assert found[0][0] == 1


def test_the_endpoint_is_in_the_openapi_document(base: str, inspector: str) -> None:
    status, doc, _ = call(base, PREFIX + "/openapi.json", inspector)
    assert status == 200
    post = doc["paths"][PREFIX + "/campuses/{campus}/hazards"]["post"]
    assert post["operationId"] == "report_hazard" and "201" in post["responses"]
    content = post["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(content)
    schema = content["application/json"]["schema"]
    assert set(schema["required"]) == {"lon", "lat", "domain", "description"}
    assert "fire" in schema["properties"]["domain"]["enum"]
