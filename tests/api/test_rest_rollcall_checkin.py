"""``POST /api/v1/campuses/{campus}/rollcall/checkins`` on a real guarded server with a roll
call open now (:mod:`tests.people_grid.tonight`): in the building, far away, a wrong code,
twice, without a location, with the session cookie as the phone page sends it; the point
is never stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.api.rest_client import call, token_for
from tests.e2e.server import streamlit_server
from tests.e2e.signin import E2E_PASSWORD, session_cookie
from tests.people_grid.dorms import CAMPUS, inside, metres_north
from tests.people_grid.tonight import code_now, student_account, tonight_db
from zoning.store.engine import open_engine

PATH = f"/api/v1/campuses/{quote(CAMPUS)}/rollcall/checkins"


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(database URL, base URL of a guarded server on it)."""
    folder = tmp_path_factory.mktemp("rollcall-api")
    url = tonight_db(folder)
    with streamlit_server(url, folder / "streamlit.log") as base:
        yield url, base


def _token(url: str, number: str) -> str:
    return token_for(url, student_account(number), "student", person=number, campus=CAMPUS)


def _post(base: str, token: str, body: dict[str, Any]) -> tuple[int, Any]:
    status, data, _ = call(base, PATH, token, method="POST", body=body)
    return status, data


def _rows(url: str, query: str) -> list[Any]:
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(query)))
    finally:
        engine.dispose()


def test_in_the_building_checks_in_and_keeps_no_point(night: tuple[str, str]) -> None:
    url, base = night
    lon, lat = inside()
    body = {"code": code_now(url), "lon": lon, "lat": lat, "accuracy_m": 12.0}
    status, data = _post(base, _token(url, "1"), body)
    assert status == 201, data
    assert data == {"student_no": "1", "checked_in": True, "band": "in", "accuracy_m": 12.0}
    # Twice: refused with its reason, nothing changed.
    status, data = _post(base, _token(url, "1"), {**body, "code": code_now(url)})
    assert status == 400 and data["error"]["reason"] == "already", data
    assert "already checked in" in data["error"]["message"]
    # The audit row and every stored row keep the band and the accuracy, never the point.
    audits = _rows(url, "SELECT detail FROM audit_event WHERE action = 'rollcall.checkin'")
    assert len(audits) == 1
    detail = json.loads(audits[0][0]) if isinstance(audits[0][0], str) else audits[0][0]
    assert detail["band"] == "in" and detail["accuracy_m"] == 12.0
    marks = _rows(url, "SELECT * FROM rollcall_mark")
    text = repr(marks) + repr(audits)
    assert f"{lon:.4f}"[:8] not in text and f"{lat:.4f}"[:7] not in text


def test_far_away_is_refused_with_the_band(night: tuple[str, str]) -> None:
    url, base = night
    lon, lat = metres_north(500)
    body = {"code": code_now(url), "lon": lon, "lat": lat, "accuracy_m": 8.0}
    status, data = _post(base, _token(url, "2"), body)
    assert status == 400, data
    assert data["error"]["reason"] == "far"
    assert data["error"]["message"].startswith("Check-in refused: too far from the dormitory")


def test_a_wrong_code_is_refused(night: tuple[str, str]) -> None:
    url, base = night
    right = code_now(url)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    lon, lat = inside()
    status, data = _post(base, _token(url, "3"), {"code": wrong, "lon": lon, "lat": lat,
                                                   "accuracy_m": 8.0})  # fmt: skip
    assert status == 400 and data["error"]["reason"] == "code", data
    assert "code is wrong or expired" in data["error"]["message"]


def test_without_a_location_the_answer_sends_to_the_grid_member(night: tuple[str, str]) -> None:
    url, base = night
    status, data = _post(base, _token(url, "3"), {"code": code_now(url)})
    assert status == 400 and data["error"]["reason"] == "no_location", data
    assert "grid member" in data["error"]["message"]
    status, data = _post(base, _token(url, "3"), {"code": code_now(url), "lon": 117.7,
                                                   "lat": 39.08})  # fmt: skip
    assert status == 422 and data["error"]["field"] == "accuracy_m", data


def test_another_students_check_in_is_refused(night: tuple[str, str]) -> None:
    url, base = night
    lon, lat = inside()
    body = {"code": code_now(url), "lon": lon, "lat": lat, "accuracy_m": 8.0, "student": "5"}
    status, data = _post(base, _token(url, "3"), body)
    assert status == 403, data
    assert _rows(url, "SELECT count(*) FROM rollcall_mark WHERE state = 'present'")[0][0] == 1


def test_the_phone_pages_cookie_checks_in_with_the_csrf_header(
    night: tuple[str, str], tmp_path: Path
) -> None:
    url, base = night
    session = session_cookie(base, student_account("4"), E2E_PASSWORD)
    from tests.people_grid.dorms import LAT, LON, D

    body = {"code": code_now(url, "2号楼"), "lon": LON + 5.5 * D, "lat": LAT + 5.5 * D,
            "accuracy_m": 20.0}  # fmt: skip
    cookie = {"Cookie": f"campusgrid_session={session}", "Origin": base}
    status, data, _ = call(base, PATH, method="POST", body=body, headers=cookie)
    assert status in (401, 403), data  # no X-Requested-With: another site's form
    headers = {**cookie, "X-Requested-With": "campusgrid"}
    status, data, _ = call(base, PATH, method="POST", body=body, headers=headers)
    assert status == 201 and data["band"] == "in", data


def test_every_refusal_of_the_rules_has_its_reason() -> None:
    from datetime import UTC, date, datetime

    from tests.people_grid.tonight import ALL_DAY
    from zoning.api.rest.rollcall_handlers import reason_of
    from zoning.errors import InvalidInput
    from zoning.people import Rules, judge_location
    from zoning.people.rollcall import check_window

    assert reason_of(f"Check-in refused: {judge_location(10.0, 500.0).reason}.") == "imprecise"
    assert reason_of(f"Check-in refused: {judge_location(900.0, 5.0).reason}.") == "far"
    with pytest.raises(InvalidInput) as refused:
        check_window(Rules(), "理学院", date(2026, 3, 2), datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    assert reason_of(str(refused.value)) == "window"
    assert ALL_DAY.window.label() == "12:00–11:59"
    assert reason_of("something new") == "other"
