"""The REST API's second part over real HTTP against the real server: cursor pages, plans,
the cell at a spot, cell filters, my inspections, a multipart submission with a photo,
hazards as GeoJSON, ETag/If-Match (two phones, one winner), 404 for what a role may not
see, cameras and coverage, the ledger report, the docs page."""

from __future__ import annotations

import io
import json
import threading

import pytest
from PIL import Image

from tests.api.rest_client import CAMPUS, call, centre, multipart, post_bytes, token_for
from zoning.api.rest import PREFIX

pytestmark = pytest.mark.e2e

INSPECTOR = "冯敏"  # owns cells of the small demo campus (seed 0)
V = PREFIX + "/campuses/" + CAMPUS


@pytest.fixture(scope="module")
def admin(api_db: str) -> str:
    return token_for(api_db, "res-admin", "admin")


@pytest.fixture(scope="module")
def inspector(api_db: str) -> str:
    return token_for(api_db, "res-inspector", "inspector", campus=CAMPUS, person=INSPECTOR)


@pytest.fixture(scope="module")
def viewer(api_db: str) -> str:
    return token_for(api_db, "res-viewer", "viewer")


def test_cursor_pages_walk_the_whole_list_once(base: str, admin: str) -> None:
    _, whole, _ = call(base, V + "/hazards?status=open&limit=1000", admin)
    seen: list[int] = []
    path = V + "/hazards?status=open&limit=7"
    pages = 0
    while True:
        status, page, _ = call(base, path, admin)
        assert status == 200 and len(page["hazards"]) <= 7 and page["total"] == whole["total"]
        seen += [h["id"] for h in page["hazards"]]
        pages += 1
        if page["next_cursor"] is None:
            break
        path = V + "/hazards?status=open&limit=7&cursor=" + page["next_cursor"]
    assert seen == [h["id"] for h in whole["hazards"]] and pages == -(-whole["total"] // 7)
    _, first, _ = call(base, V + "/hazards?status=open&limit=7", admin)
    other = V + "/hazards?status=closed&cursor=" + first["next_cursor"]
    for wrong in (other, V + "/hazards?cursor=not-a-cursor", V + "/hazards?limit=0",
                  V + "/hazards?limit=1001"):  # fmt: skip
        status, body, _ = call(base, wrong, admin)
        assert status == 422 and body["error"]["field"] in ("cursor", "limit"), wrong


def test_plans_list_and_one_author_hidden_from_a_viewer(base: str, admin: str, viewer: str) -> None:
    status, plans, _ = call(base, V + "/plans", admin)
    assert status == 200 and plans["plans"] and plans["next_cursor"] is None
    active = next(p for p in plans["plans"] if p["status"] == "active")
    status, one, _ = call(base, f"{V}/plans/{active['id']}", admin)
    assert status == 200 and one == active
    _, seen, _ = call(base, f"{V}/plans/{active['id']}", viewer)
    assert seen["author"] is None and seen["cells"] == active["cells"]
    status, body, _ = call(base, f"{V}/plans/99999", admin)
    assert status == 404 and "99999" in body["error"]["message"]


def test_cell_at_a_spot_now_and_before_any_plan(base: str, admin: str, viewer: str) -> None:
    _, cells, _ = call(base, V + "/cells?limit=1000", admin)
    feature = cells["features"][0]
    lon, lat = centre(feature)
    status, found, _ = call(base, f"{V}/cells/at?lon={lon}&lat={lat}", admin)
    assert status == 200, found
    assert found["code"] == feature["properties"]["code"]
    assert found["owner"] == feature["properties"]["owner"] and found["owner"]
    _, hidden, _ = call(base, f"{V}/cells/at?lon={lon}&lat={lat}", viewer)
    assert hidden["code"] == found["code"] and hidden["owner"] is None
    past = "2001-01-01T00:00:00%2B08:00"
    status, body, _ = call(base, f"{V}/cells/at?lon={lon}&lat={lat}&at={past}", admin)
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body, _ = call(base, f"{V}/cells/at?lon=10&lat=10", admin)
    assert status == 404
    status, body, _ = call(base, f"{V}/cells/at?lon=200&lat={lat}", admin)
    assert status == 422 and body["error"]["field"] == "lon"
    status, body, _ = call(base, f"{V}/cells/at?lat={lat}", admin)
    assert status == 422 and body["error"]["field"] == "lon"


def test_cells_by_zone_and_bbox(base: str, admin: str) -> None:
    _, every, _ = call(base, V + "/cells?limit=1000", admin)
    zone = every["features"][0]["properties"]["zone"]
    _, zoned, _ = call(base, f"{V}/cells?zone={zone}&limit=1000", admin)
    assert zoned["features"] and {f["properties"]["zone"] for f in zoned["features"]} == {zone}
    assert zoned["total"] == sum(f["properties"]["zone"] == zone for f in every["features"])
    lon, lat = centre(every["features"][0])
    box = f"{lon - 1e-5},{lat - 1e-5},{lon + 1e-5},{lat + 1e-5}"
    _, near, _ = call(base, f"{V}/cells?bbox={box}", admin)
    codes = [f["properties"]["code"] for f in near["features"]]
    assert every["features"][0]["properties"]["code"] in codes
    assert 0 < near["total"] < every["total"]
    for bad in ("1,2,3", "a,b,c,d", "10,10,0,0"):
        status, body, _ = call(base, f"{V}/cells?bbox={bad}", admin)
        assert status == 422 and body["error"]["field"] == "bbox", bad


def test_my_inspections_and_an_account_without_a_person(
    base: str, admin: str, inspector: str
) -> None:
    status, mine, _ = call(base, V + "/inspections/mine?limit=1000", inspector)
    assert status == 200 and mine["due"] and {d["owner"] for d in mine["due"]} == {INSPECTOR}
    _, due, _ = call(base, V + "/inspections/due?limit=1000", inspector)
    assert mine["total"] == due["total"]
    status, body, _ = call(base, V + "/inspections/mine", admin)
    assert status == 400 and "not linked to a person" in body["error"]["message"]


def test_a_multipart_inspection_and_its_refused_parts(base: str, inspector: str) -> None:
    _, due, _ = call(base, V + "/inspections/mine?limit=1000", inspector)
    row = due["due"][-1]
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo, "PNG")
    fields = {"cell": row["cell_code"], "template": row["template_code"],
              "results": {"*": "pass"}}  # fmt: skip
    data, kind = multipart([("checklist", None, json.dumps(fields).encode())])
    status, report = post_bytes(base, V + "/inspections", inspector, data, kind)
    assert status == 201, report
    assert report["cell"] == row["cell_code"]
    bad, kind = multipart([("checklist", None, json.dumps(fields).encode()),
                            ("photo.x", "x.png", b"not an image")])  # fmt: skip
    status, body = post_bytes(base, V + "/inspections", inspector, bad, kind)
    assert status in (400, 404) and body["error"]["code"] in ("invalid_input", "not_found")
    unknown, kind = multipart([("checklist", None, json.dumps(fields).encode()),
                                ("extra", None, b"1")])  # fmt: skip
    status, body = post_bytes(base, V + "/inspections", inspector, unknown, kind)
    assert status == 422 and body["error"]["field"] == "extra"
    missing, kind = multipart([("photo.x", "x.png", photo.getvalue())])
    status, body = post_bytes(base, V + "/inspections", inspector, missing, kind)
    assert status == 422 and body["error"]["field"] == "checklist"


def test_hazards_as_geojson(base: str, admin: str) -> None:
    status, plain, _ = call(base, V + "/hazards?limit=5", admin)
    status, geo, _ = call(base, V + "/hazards?format=geojson&limit=5", admin)
    assert status == 200 and geo["type"] == "FeatureCollection" and geo["total"] == plain["total"]
    first, row = geo["features"][0], plain["hazards"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
    assert first["properties"]["id"] == row["id"] and "lon" not in first["properties"]


def test_two_phones_moving_one_hazard_only_one_wins(base: str, admin: str) -> None:
    _, found, _ = call(base, V + "/hazards?status=rectifying&limit=1000", admin)
    hazard = found["hazards"][-1]
    path = f"{V}/hazards/{hazard['id']}"
    tag = call(base, path, admin)[2].headers["etag"]
    body = {"action": "complete", "note": "done"}
    status, answer, _ = call(base, path + "/moves", admin, method="POST", body=body)
    assert status == 428 and "If-Match" in answer["error"]["message"]
    stale = {"If-Match": f'"{hazard["id"]}.0"'}
    status, answer, _ = call(base, path + "/moves", admin, method="POST", body=body,
                             headers=stale)  # fmt: skip
    assert status == 412 and answer["error"]["code"] == "precondition_failed"
    results: list[int] = []

    def phone() -> None:
        results.append(call(base, path + "/moves", admin, method="POST", body=body,
                            headers={"If-Match": tag})[0])  # fmt: skip

    phones = [threading.Thread(target=phone) for _ in range(2)]
    for p in phones:
        p.start()
    for p in phones:
        p.join()
    assert sorted(results) == [200, 412], results
    _, now, _ = call(base, path, admin)
    assert [e["action"] for e in now["history"]].count("complete") == 1 + [
        e["action"] for e in hazard.get("history", [])
    ].count("complete")


def test_a_hazard_outside_the_scope_is_404_like_a_missing_one(
    base: str, admin: str, inspector: str, viewer: str
) -> None:
    _, every, _ = call(base, V + "/hazards?limit=1000", admin)
    other = next(h for h in every["hazards"] if h["owner"] not in (INSPECTOR, None))
    status, hidden, _ = call(base, f"{V}/hazards/{other['id']}", inspector)
    assert status == 404
    _, missing, _ = call(base, f"{V}/hazards/99999999", inspector)
    assert hidden["error"]["message"] == missing["error"]["message"].replace(
        "99999999", str(other["id"])
    )
    status, body, _ = call(base, f"{V}/hazards/{other['id']}/moves", inspector, method="POST",
                           body={"action": "complete"}, headers={"If-Match": "*"})  # fmt: skip
    assert status == 404
    status, body, _ = call(base, f"{V}/hazards/{other['id']}", viewer)
    assert status == 403 and body["error"]["permission"] == "view_ledger"


def test_cameras_coverage_and_the_ledger_report(base: str, admin: str, viewer: str) -> None:
    status, cams, _ = call(base, V + "/cameras?limit=3", viewer)
    assert status == 200 and len(cams["cameras"]) == 3 and cams["total"] > 3
    assert {"lon", "lat", "heading_deg", "range_m"} <= set(cams["cameras"][0])
    status, cover, _ = call(base, V + "/cameras/coverage", viewer)
    assert status == 200 and cover["cameras"] == cams["total"]
    assert 0 < cover["covered_area_m2"] <= cover["walkable_area_m2"]
    assert cover["cells"] and {"code", "covered_pct"} <= set(cover["cells"][0])
    status, report, _ = call(base, V + "/reports/ledger?by=zone", admin)
    assert status == 200 and report["rows"] and "closure_rate" in report["rows"][0]
    status, body, _ = call(base, V + "/reports/ledger", viewer)
    assert status == 403 and body["error"]["permission"] == "view_reports"
    status, body, _ = call(base, V + "/reports/ledger?from=2026-03-10&to=2026-03-01", admin)
    assert status == 400 and "before it starts" in body["error"]["message"]


def test_the_docs_page_is_self_contained(base: str) -> None:
    status, _, reply = call(base, PREFIX + "/docs")
    assert status == 200 and reply.headers["content-type"].startswith("text/html")
    assert "openapi.json" in reply.body and "innerHTML" not in reply.body
    assert "src=" not in reply.body and "https://" not in reply.body  # no CDN
    assert "connect-src 'self'" in reply.headers["content-security-policy"]
