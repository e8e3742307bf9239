"""The demo's zones are its quarters: stored as its zone layer before its first split, so
every zone is a real, named area with cells, headed by the zone leader of that quarter
(both backends)."""

from __future__ import annotations

import shapely
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from zoning.demo.build import build_demo
from zoning.services import demo, safety, zones


def test_the_demos_zones_are_its_quarters(db: Engine) -> None:
    built = build_demo(scale="small", seed=0)
    summary = demo.seed_demo(db, actor=ADMIN, history_days=0)
    rows = zones.list_zones(db, summary.name, actor=ADMIN)
    assert sorted(r.name for r in rows) == sorted(built.quarters["name"])
    assert {r.source for r in rows} == {"imported"}
    ops = safety.campus_ops(db, summary.name)
    number_of = {r.name: r.number for r in rows}
    quarters = built.quarters.set_index("name").geometry
    for name, number in number_of.items():
        mine = ops.cells[ops.cells["zone"] == str(number)]
        assert len(mine), f"zone {name} has no cells"
        inside = shapely.covers(
            quarters[name].buffer(1e-4), shapely.centroid(mine.geometry.values)
        ).mean()
        assert inside > 0.5, (name, inside)  # most of its cells lie in that quarter
    leaders = ops.staff.zone_leaders
    people = ops.people.set_index("name")["quarter"]
    for name, number in number_of.items():
        assert people[leaders[str(number)]] == name  # the quarter's leader heads its zone
    assert all(r.leader for r in rows)
