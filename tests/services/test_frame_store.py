"""Stored frames (``zoning.services.stored_frames``) on both backends: a frame read back
equals the one stored (dtypes, missing values, times), keyed by campus and kind, replaced
on each save, refused for another plan or data version, and a damaged row is computed again
instead of failing the page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.demo_copies import DEMO, DemoCopy, engine_on
from zoning import services
from zoning.accounts import Actor
from zoning.errors import PermissionDenied
from zoning.services.stored_frames import store_frame, stored_frame


@pytest.fixture
def campus(demo_copy: DemoCopy) -> Iterator[tuple[Engine, str, int]]:
    """The small demo without history (a campus with a plan), on each backend."""
    with engine_on(demo_copy(0)) as engine:
        plan = services.current_plan(engine, DEMO)
        assert plan is not None
        yield engine, DEMO, plan.id


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": pd.Series([1, 2, 3], dtype=object),
            "code": ["A-1", "B-2", None],
            "label": pd.Series(["一", None, "三"], dtype=object),
            "n": [1, 2, 3],
            "share": [0.5, float("nan"), 1.0],
            "at": pd.to_datetime(["2026-12-01T08:00Z", None, "2026-12-02T09:30Z"], utc=True),
            "flag": [True, False, True],
        }
    )
    frame["code"] = frame["code"].astype("str")
    return frame


def test_a_stored_frame_reads_back_equal(campus: tuple[Engine, str, int]) -> None:
    engine, name, plan = campus
    frame, at = _frame(), datetime(2026, 12, 6, 1, 2, 3, tzinfo=UTC)
    key = ("2026-12-06", 1, 10, None, at)
    assert store_frame(engine, name, "hazards", frame, plan_id=plan, data_version=1, key=key,
                       computed_at=at, actor=ADMIN)  # fmt: skip
    found = stored_frame(engine, name, "hazards", plan_id=plan, data_version=1, actor=ADMIN)
    assert found is not None
    pd.testing.assert_frame_equal(found.frame, frame)
    assert found.frame.loc[1, "label"] is None  # a missing object value stays None
    assert found.key == key and found.computed_at == at
    # replaced whole by the next save; another kind is another row
    store_frame(engine, name, "hazards", frame.head(1), plan_id=plan, data_version=1, key=key,
                computed_at=at, actor=ADMIN)  # fmt: skip
    again = stored_frame(engine, name, "hazards", plan_id=plan, data_version=1, actor=ADMIN)
    assert again is not None and len(again.frame) == 1
    assert stored_frame(engine, name, "rates", plan_id=plan, data_version=1, actor=ADMIN) is None
    for plan_id, version in ((plan, 2), (plan + 1, 1)):
        assert (
            stored_frame(engine, name, "hazards", plan_id=plan_id, data_version=version,
                         actor=ADMIN) is None
        )  # fmt: skip


def test_a_damaged_row_is_not_used(campus: tuple[Engine, str, int]) -> None:
    engine, name, plan = campus
    at = datetime(2026, 12, 6, tzinfo=UTC)
    store_frame(engine, name, "grid", _frame(), plan_id=plan, data_version=1, key=(),
                computed_at=at, actor=ADMIN)  # fmt: skip
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE frame_snapshot SET body = :b"), {"b": b"not parquet"})
    assert stored_frame(engine, name, "grid", plan_id=plan, data_version=1, actor=ADMIN) is None


@pytest.mark.parametrize(
    "who",
    [actor("leadership"), actor("viewer"), actor("zone_leader", zone=1), actor("student")],
    ids=lambda a: a.role.value,
)
def test_only_a_campus_wide_account_that_sees_everything_reads_them(
    campus: tuple[Engine, str, int], who: Actor
) -> None:
    """The frames hold every hazard unredacted: an account that sees less may not read them."""
    engine, name, plan = campus
    at = datetime(2026, 12, 6, tzinfo=UTC)
    store_frame(engine, name, "grid", _frame(), plan_id=plan, data_version=1, key=(),
                computed_at=at, actor=ADMIN)  # fmt: skip
    with pytest.raises(PermissionDenied) as refused:
        stored_frame(engine, name, "grid", plan_id=plan, data_version=1, actor=who)
    assert refused.value.text("zh") != str(refused.value)  # a Chinese line too
    with pytest.raises(PermissionDenied):
        store_frame(engine, name, "grid", _frame(), plan_id=plan, data_version=1, key=(),
                    computed_at=at, actor=who)  # fmt: skip
