"""hypothesis fuzzing of the safety commands' typed arguments (texts, numbers, times and
coordinates): every run ends with exit 0 or one ``error:`` line and exit 2, never a
traceback or exit 3, and a refused command leaves every table as it was. SpatiaLite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_checks import run_checked
from tests.safety_campus import CAMPUS, centre, make_campus
from zoning.store.engine import open_engine

LON, LAT = centre("C-01-01")

texts = st.text(max_size=60)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -1.0, 1e308, 50.0, 1e-300]),
).map(repr)
times = st.one_of(
    texts,
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31T23:59:59", "0001-01-01", "2030-01-01", "2026-03-03T10:00"]),
)
lons = st.one_of(st.floats(), st.floats(min_value=LON - 0.01, max_value=LON + 0.01)).map(repr)
lats = st.one_of(st.floats(), st.floats(min_value=LAT - 0.01, max_value=LAT + 0.01)).map(repr)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, spatialite_template: Path) -> str:
    path = tmp_path_factory.mktemp("fuzz") / "campusgrid.sqlite"
    shutil.copy(spatialite_template, path)
    make_campus(open_engine(f"sqlite:///{path}"))
    return f"sqlite:///{path}"


#: What a refused command must leave as it was (the schedule of due inspections is not
#: among them: a command materialises it up to now before it reads its arguments' period).
TABLES = ("inspection", "inspection_result", "hazard", "hazard_event", "complaint")


def check(url: str, *args: str) -> None:
    """Run ``args``: exit 0, or exit 2 with one error line and nothing written to TABLES."""
    run_checked(url, *args, tables=TABLES)


@SETTINGS
@given(lon=lons, lat=lats, text=texts, at=times, distance=numbers, window=numbers)
def test_complaints_add(url: str, lon: str, lat: str, text: str, at: str, distance: str,
                        window: str) -> None:  # fmt: skip
    check(
        url, "complaints", "add", CAMPUS, "--lon", lon, "--lat", lat, "--category", "repairs",
        "--text", text, "--at", at, "--duplicate-distance-m", distance,
        "--duplicate-window-h", window,
    )  # fmt: skip


@SETTINGS
@given(at=times, lon=lons, lat=lats, note=texts, period=texts)
def test_inspections_submit(url: str, at: str, lon: str, lat: str, note: str, period: str) -> None:
    check(
        url, "inspections", "submit", CAMPUS, "--cell", "C-01-01", "--template", "security",
        "--by", "张一", "--result", "*=pass", "--at", at, "--lon", lon, "--lat", lat,
        "--note", f"patrols={note}",
    )  # fmt: skip
    check(
        url, "inspections", "submit", CAMPUS, "--cell", "C-01-01", "--template", "security",
        "--by", "张一", "--result", "*=pass", "--period", period,
    )  # fmt: skip


@SETTINGS
@given(
    hazard=st.integers(min_value=0, max_value=2**70).map(str),
    action=st.one_of(st.sampled_from(["register", "extend", "reject"]), texts),
    at=times,
    deadline=times,
    note=texts,
    by=st.one_of(st.just("安全处"), texts),
)
def test_hazards_move(url: str, hazard: str, action: str, at: str, deadline: str, note: str,
                      by: str) -> None:  # fmt: skip
    check(
        url, "hazards", "move", CAMPUS, hazard, action, "--by", by, "--at", at,
        "--deadline", deadline, "--note", note,
    )  # fmt: skip
