"""The server's warm-up fills the caches for the very filters the safety map draws first
(one source: maps/map_defaults.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages._ui import layers, warm
from tests.demo_copies import DemoTemplates
from tests.signed_in import signed_in
from zoning.clock import DEFAULT_TZ

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> str:
    """A fresh SQLite database holding the small demo campus and its first plan."""
    url = demo_templates.spatialite(90, tmp_path_factory.mktemp("defaults") / "demo.sqlite")
    return url


def test_the_warm_up_warms_what_the_safety_map_draws_first(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPUSGRID_DB", demo_url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    app = signed_in(AppTest.from_file(APP, default_timeout=60)).run()
    assert not app.exception, app.exception
    today = pd.Timestamp.now(tz=DEFAULT_TZ).date()
    start, end = app.date_input(key="map_dates").value
    drawn = layers.MapFilters.of(
        statuses=app.multiselect(key="map_status@zh").value, start=start, end=end
    )
    assert drawn == warm.first_filters(today)
    assert app.radio(key="map_colour_by@zh").value == warm.FIRST_MEASURE
    assert (drawn.start, drawn.end) == (today - timedelta(days=89), today)
    assert drawn.statuses == ("open",) and warm.FIRST_MEASURE == "completion"
