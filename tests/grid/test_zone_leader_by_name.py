"""A zone is headed by the zone leader whose quarter is its name, whoever owns its cells,
and the cell panel names the zone and that leader (both backends)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.grid import zoned_campus as zc
from zoning.services import grid, plans, queries, safety
from zoning.services import zones as zone_ops
from zoning.store.plans import load_cells

#: 北区 and 南区 have a leader each but no owner: every owner is of 教学区, which names no zone
#: (so its owners are shared by both zones), and 教学区 has a leader of its own.
PEOPLE = pd.DataFrame(
    {
        "name": ["校长", "安全处", "教组长", "北组长", "南组长", "教一", "教二", "教三"],
        "role": [
            "leadership", "safety_office", "zone_leader", "zone_leader", "zone_leader",
            "owner", "owner", "owner",
        ],
        "quarter": [None, None, "教学区", "北区", "南区", "教学区", "教学区", "教学区"],
        "phone": [None] * 8,
    },
    dtype=object,
)  # fmt: skip


def _zoned(db: Engine, tmp_path: Path) -> dict[str, int]:
    """The campus with the 北区/南区 layer imported, split and activated; {name: number}."""
    zc.make_campus(db, PEOPLE)
    layer = zc.write_layer(zc.north_south(), tmp_path / "zones.geojson")
    zone_ops.import_zones(db, zc.CAMPUS, layer, actor=ADMIN)
    report = grid.split_campus(db, zc.CAMPUS, method="square", cell_size_m=100, actor=ADMIN)
    plans.activate_plan(db, zc.CAMPUS, report.plan.id, reason="first", actor=ADMIN)
    names = zone_ops.zone_names(db, zc.CAMPUS, actor=ADMIN)
    return {name: number for number, name in names.items()}


def test_a_zone_is_headed_by_the_leader_of_its_name(db: Engine, tmp_path: Path) -> None:
    numbers = _zoned(db, tmp_path)
    ops = safety.campus_ops(db, zc.CAMPUS)
    owners = {str(o) for o in ops.cells["owner"] if isinstance(o, str)}
    assert owners and owners <= {"教一", "教二", "教三"}  # no owner of 北区 or 南区
    leaders = ops.staff.zone_leaders
    assert leaders[str(numbers["北区"])] == "北组长"
    assert leaders[str(numbers["南区"])] == "南组长"
    # the hazards' chain (read without geometry) agrees
    _, staff = safety.campus_staff(db, zc.CAMPUS)
    assert staff.zone_leaders == leaders


def test_the_cell_panel_names_the_zone_and_its_leader(db: Engine, tmp_path: Path) -> None:
    numbers = _zoned(db, tmp_path)
    plan = safety.campus_ops(db, zc.CAMPUS).plan_id
    cells = load_cells(db, zc.CAMPUS, plan)
    north = cells[cells["zone"] == numbers["北区"]]
    inside = north[[shapely.centroid(g).y > zc.MID_LAT for g in north.geometry]]
    code = str(inside["code"].iloc[0])
    detail = queries.cell_detail(db, zc.CAMPUS, code, actor=ADMIN)
    assert detail.zone == "北区"
    assert dict(detail.chain)["zone_leader"] == "北组长"
    zone_ops.rename_zone(db, zc.CAMPUS, numbers["北区"], "北校区", actor=ADMIN)
    assert queries.cell_detail(db, zc.CAMPUS, code, actor=ADMIN).zone == "北校区"
