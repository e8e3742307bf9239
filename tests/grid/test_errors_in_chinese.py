"""The errors a page user meets about zones, plans, submissions and rates carry Chinese
(``err.text("zh")``) beside the English the CLI prints: what was wrong and what to do."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.app.test_languages import english_words
from tests.grid import zoned_campus as zc
from tests.safety.test_submit_once import T1, submit
from tests.safety_campus import make_campus
from zoning.errors import CampusgridError, InvalidInput
from zoning.grid.owners import assign_owners
from zoning.safety.ledger.rates import rates
from zoning.services import plans
from zoning.services import zones as zone_ops

#: What a Chinese line may keep in Latin letters: a command in backticks, an option and its
#: value (``--base PLAN``, ``--reason TEXT``).
COMMANDS = re.compile(r"`[^`]*`|--[a-z-]+(?: [A-Z]+)?")


def _chinese(err: pytest.ExceptionInfo[CampusgridError]) -> str:
    """Return the Chinese of ``err``, checked: one line, no English words, not the English."""
    zh = err.value.text("zh")
    assert zh != str(err.value) and "\n" not in zh, zh
    assert not english_words(COMMANDS.sub("", zh)), zh
    return zh


def test_a_second_submission_is_refused_in_chinese_naming_the_first(db: Engine) -> None:
    make_campus(db)
    first = submit(db)
    with pytest.raises(InvalidInput) as refused:
        submit(db, by="李二", at=T1 + timedelta(hours=3))
    zh = _chinese(refused)
    assert "张一" in zh and "2026-03-04 10:00" in zh and str(first.inspection_id) in zh
    assert "已由" in zh and "更正" in zh


def test_zone_errors_are_chinese(db: Engine, tmp_path: Path) -> None:
    zc.make_campus(db)
    empty = tmp_path / "点.geojson"
    empty.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "北区"},
                        "geometry": {"type": "Point", "coordinates": [zc.LON, zc.LAT]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CampusgridError) as no_polygons:
        zone_ops.import_zones(db, zc.CAMPUS, empty, actor=ADMIN)
    assert "没有多边形" in _chinese(no_polygons)
    with pytest.raises(CampusgridError) as no_zones:
        zone_ops.export_zones(db, zc.CAMPUS, tmp_path / "out.geojson", actor=ADMIN)
    assert "还没有命名片区" in _chinese(no_zones)
    layer = zc.write_layer(zc.north_south(), tmp_path / "zones.geojson")
    zone_ops.import_zones(db, zc.CAMPUS, layer, actor=ADMIN)
    with pytest.raises(CampusgridError) as taken:
        zone_ops.rename_zone(db, zc.CAMPUS, 1, "南区", actor=ADMIN)
    assert "已叫" in _chinese(taken)
    with pytest.raises(CampusgridError) as missing:
        zone_ops.rename_zone(db, zc.CAMPUS, 9, "中区", actor=ADMIN)
    assert "没有片区 9" in _chinese(missing) and "北区" in missing.value.text("zh")


def test_plan_import_and_owner_errors_are_chinese(db: Engine, tmp_path: Path) -> None:
    zc.make_campus(db)
    with pytest.raises(CampusgridError) as snap:
        plans.import_plan(db, tmp_path / "x.gpkg", campus=zc.CAMPUS, snap_m=500, actor=ADMIN)
    assert "--snap-m" in _chinese(snap)
    with pytest.raises(CampusgridError) as absent:
        plans.import_plan(db, tmp_path / "x.gpkg", campus=zc.CAMPUS, base_plan=None, actor=ADMIN)
    assert "方案" in _chinese(absent)
    cells = gpd.GeoDataFrame({"code": ["Z-01-001"], "zone": [1]}, geometry=[zc.outline()])
    owners = pd.DataFrame({"name": ["北一"]})
    with pytest.raises(CampusgridError) as unknown:
        assign_owners(cells, owners, mapping={"Z-09-009": "北一"})
    assert "Z-09-009" in _chinese(unknown)


def test_rate_errors_are_chinese() -> None:
    with pytest.raises(CampusgridError) as backwards:
        rates(pd.DataFrame(), start=date(2026, 3, 8), end=date(2026, 3, 1))
    assert "早于" in _chinese(backwards)
