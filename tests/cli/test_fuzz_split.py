"""The numbers of ``split``, ``import-plan --snap-m`` and ``owner-at`` are bounded: out of
range is one ``error:`` line with exit 2 and nothing written; and hypothesis fuzzing of
every ``split`` option never ends in a traceback or exit 3. SpatiaLite, on a campus of
300 m × 300 m so that the finest allowed split stays small."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from shapely import LineString, box

from tests.cli_checks import run_checked
from tests.small_campus import LAT, LON, D
from zoning.campus.layers import CampusLayers, conform
from zoning.store.campus import save_campus
from zoning.store.engine import open_engine

CAMPUS = "小校"
SIDE = 3 * D  # degrees: about 260 m east-west, 330 m north-south


def tiny_campus() -> CampusLayers:
    """A square campus with one building and one road across it."""
    frame = gpd.GeoDataFrame

    def layer(name: str, rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
        geoms = [r.pop("geometry") for r in rows]
        return conform(name, frame(rows, geometry=geoms, crs="EPSG:4326"))

    outline = box(LON, LAT, LON + SIDE, LAT + SIDE)
    footprint = box(LON + D / 4, LAT + D / 4, LON + D, LAT + D)
    road = LineString([(LON + 1.5 * D, LAT - D), (LON + 1.5 * D, LAT + SIDE + D)])
    return CampusLayers(
        boundary=layer("boundary", [{"name": CAMPUS, "geometry": outline}]),
        buildings=layer(
            "buildings",
            [{"name": "楼", "height_m": 12.0, "height_source": "default", "geometry": footprint}],
        ),
        roads=layer("roads", [{"name": "路", "highway": "primary", "geometry": road}]),
    )


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, spatialite_template: Path) -> str:
    path = tmp_path_factory.mktemp("fuzz-split") / "campusgrid.sqlite"
    shutil.copy(spatialite_template, path)
    save_campus(open_engine(f"sqlite:///{path}"), name=CAMPUS, layers=tiny_campus())
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--cell-size-m", "0.001", "--cell-size-m 0.001 m is out of range: use 10 to 5000 m."),
        ("--cell-size-m", "nan", "--cell-size-m nan m is out of range: use 10 to 5000 m."),
        ("--cell-size-m", "1e308", "--cell-size-m 1e+308 m is out of range: use 10 to 5000 m."),
        ("--h3-res", "15", "--h3-res 15 is out of range: use 6 to 13."),
        ("--min-area-m2", "-1", "--min-area-m2 -1 m² is out of range: use 0 to 1e+06 m²."),
        ("--max-area-m2", "1", "--max-area-m2 1 m² is out of range: use 100 to 1e+07 m²."),
        ("--zones", "0", "--zones 0 is out of range: use 1 to 99."),
        ("--zones", "100000", "--zones 100000 is out of range: use 1 to 99."),
        ("--min-cell-m2", "inf", "--min-cell-m2 inf m² is out of range: use 0 to 100000 m²."),
    ],
)
def test_split_numbers_out_of_range_are_one_line(
    url: str, option: str, value: str, message: str
) -> None:
    code, err = check(url, "split", CAMPUS, "--method", "square", "--cell-size-m", "50",
                      option, value)  # fmt: skip
    assert code == 2 and err == f"error: {message}\n"


def test_snap_and_owner_at_numbers_out_of_range_are_one_line(url: str, tmp_path: Path) -> None:
    code, err = check(url, "import-plan", str(tmp_path / "cells.gpkg"), "--campus", CAMPUS,
                      "--snap-m", "-0.5")  # fmt: skip
    assert code == 2 and err == "error: --snap-m -0.5 m is out of range: use 0 to 100 m.\n"
    code, err = check(url, "import-plan", str(tmp_path / "cells.gpkg"), "--campus", CAMPUS,
                      "--snap-m", "nan")  # fmt: skip
    assert code == 2 and err == "error: --snap-m nan m is out of range: use 0 to 100 m.\n"
    code, err = check(url, "owner-at", CAMPUS, "200", str(LAT), "--at", "2026-03-01T12:00")
    assert code == 2 and err.startswith("error: The spot (200, ")
    code, err = check(url, "owner-at", CAMPUS, str(LON), "nan", "--at", "2026-03-01T12:00")
    assert code == 2 and "is not a WGS-84 longitude/latitude pair" in err
    code, err = check(url, "owner-at", CAMPUS, str(LON), str(LAT), "--at", "9999-12-31T23:59")
    assert code == 2 and err == (
        "error: --at 9999-12-31 is out of range: use a day from 2000-01-01 to 2100-12-31.\n"
    )
    code, err = check(url, "owner-at", CAMPUS, str(LON), str(LAT), "--at", "yesterday")
    assert code == 2 and err == (
        "error: --at 'yesterday' is not an ISO time like 2026-03-02T09:00.\n"
    )


def test_owner_at_within_bounds_answers(url: str) -> None:
    code, _ = check(url, "split", CAMPUS, "--method", "square", "--cell-size-m", "100")
    assert code == 0
    code, err = check(url, "owner-at", CAMPUS, str(LON + D), str(LAT + D), "--at",
                      "2026-03-01T12:00+08:00")  # fmt: skip
    assert code == 0, err


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
#: Typed numbers: mostly in range, some at or past the bounds, not finite, not numbers at all.
in_range = st.floats(min_value=10.0, max_value=400.0).map(repr)
odd = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "-1", "10", "5000", "100", "1e7", "1e-300", "1e308", "x", ""]),
)
typed = st.one_of(st.none(), in_range, st.none(), in_range, odd)
counts_typed = st.one_of(
    st.none(),
    st.integers(min_value=6, max_value=13).map(str),
    st.integers(min_value=-5, max_value=120).map(str),
    st.sampled_from(["2**70", "x", "99", "1"]),
)


@SETTINGS
@given(
    method=st.sampled_from(["square", "hex", "unit", "building", "square", "nonsense"]),
    cell_size_m=typed,
    h3_res=counts_typed,
    min_area_m2=typed,
    max_area_m2=typed,
    zones=counts_typed,
    min_cell_m2=typed,
)
def test_split_options(
    url: str,
    method: str,
    cell_size_m: str | None,
    h3_res: str | None,
    min_area_m2: str | None,
    max_area_m2: str | None,
    zones: str | None,
    min_cell_m2: str | None,
) -> None:
    args = ["split", CAMPUS, "--method", method]
    for option, value in (
        ("--cell-size-m", cell_size_m), ("--h3-res", h3_res), ("--min-area-m2", min_area_m2),
        ("--max-area-m2", max_area_m2), ("--zones", zones), ("--min-cell-m2", min_cell_m2),
    ):  # fmt: skip
        if value is not None:
            args += [option, value]
    code, err = check(url, *args)
    event(f"exit {code}: {err[:40]}")


def check(url: str, *args: str) -> tuple[int, str]:
    """Run ``args`` through :func:`run_checked`; return the exit code and stderr."""
    result = run_checked(url, *args)
    return result.exit_code, result.stderr
