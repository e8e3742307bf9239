"""Inspections: due rows from schedules, submissions, hazards from failed items, completion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from zoning.errors import InvalidInput
from zoning.safety.checklists import ChecklistTemplate, load_templates, parse_template
from zoning.safety.inspections import (
    DUE_COLUMNS,
    DueInspection,
    ItemResult,
    completion,
    due_inspections,
    owner_todo,
    submissions_frame,
    submit,
)

MARCH = {"start": date(2026, 3, 1), "end": date(2026, 3, 31)}


def template(code: str, frequency: str, **extra: object) -> ChecklistTemplate:
    data = {
        "domain": "fire",
        "version": 1,
        "name_zh": "测试",
        "name_en": "Test",
        "frequency": frequency,
        "cell_kinds": ["any"],
        "items": [
            {"code": "exits", "zh": "安全出口畅通", "en": "Exits clear", "major": True},
            {"code": "extinguishers", "zh": "灭火器有效", "en": "Extinguishers in date"},
        ],
        **extra,
    }
    return parse_template(data, source=f"{code}.yaml")


PLAN = {t.code: t for t in (template(f, f) for f in ("daily", "weekly", "monthly", "quarterly"))}


def cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["C01", "C02", "C03"],
            "zone": ["Z1", "Z1", "Z2"],
            "kind": ["building", "building", "open"],
            "owner": ["wang", None, "li"],
            "use": ["dormitory", "canteen", None],
        }
    )


def test_hand_made_plan_over_a_month() -> None:
    due = due_inspections(cells(), PLAN, **MARCH)
    assert list(due.columns) == list(DUE_COLUMNS)
    # per cell: 31 days + 5 ISO weeks ending in March + 1 month + Q1 (ends 31 March)
    assert len(due) == 3 * (31 + 5 + 1 + 1)
    per = due.groupby("frequency").size().to_dict()
    assert per == {"daily": 93, "weekly": 15, "monthly": 3, "quarterly": 3}
    q = due[(due["frequency"] == "quarterly") & (due["cell_code"] == "C01")].iloc[0]
    assert (q["period"], q["period_start"], q["due_date"]) == (
        "2026-Q1",
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    assert q["due_at"] == pd.Timestamp("2026-03-31T16:00", tz="UTC")
    # February has no quarter end
    feb = due_inspections(cells(), PLAN, start=date(2026, 2, 1), end=date(2026, 2, 28))
    assert len(feb) == 3 * (28 + 4 + 1)


def test_vacant_cells_take_the_zone_fallback_owner() -> None:
    due = due_inspections(cells(), PLAN, **MARCH, fallback_owners={"Z1": "zone1_duty"})
    assert set(due.loc[due["cell_code"] == "C02", "owner"]) == {"zone1_duty"}
    bare = due_inspections(cells(), PLAN, **MARCH)
    assert bare.loc[bare["cell_code"] == "C02", "owner"].isna().all()


def test_shipped_checklists_for_a_dormitory_and_an_open_cell() -> None:
    due = due_inspections(cells(), load_templates(environ={}), **MARCH)
    dorm = due[due["cell_code"] == "C01"].groupby("template_code").size().to_dict()
    assert dorm == {
        "dormitory": 31,  # daily
        "fire": 31,  # daily for dormitories (重点部位每日防火巡查)
        "facilities": 1,
        "electrical": 1,
        "mental_health": 1,
        "special_equipment": 1,
        "security": 5,
        "gas": 5,
        "flood": 1,  # quarterly, Q1 ends in March
    }
    open_space = set(due.loc[due["cell_code"] == "C03", "template_code"])
    assert open_space == {"facilities", "security", "traffic", "events", "flood", "construction"}


def test_missing_columns_are_reported() -> None:
    with pytest.raises(InvalidInput, match=r"lack column.*owner"):
        due_inspections(cells().drop(columns=["owner"]), PLAN, **MARCH)


def _due(frequency: str, cell: str = "C01") -> DueInspection:
    due = due_inspections(cells(), PLAN, **MARCH)
    row = due[(due["frequency"] == frequency) & (due["cell_code"] == cell)].iloc[-1]
    return DueInspection.from_row(row)


def results(**outcomes: str) -> list[ItemResult]:
    base = {"exits": "pass", "extinguishers": "pass", **outcomes}
    return [ItemResult(code, outcome, note="") for code, outcome in base.items()]


def test_late_submission_is_late_never_on_time() -> None:
    monthly = _due("monthly")
    assert monthly.due_at == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    kwargs = {"lon": 116.35, "lat": 39.96, "inspector": "wang", "results": results()}
    on_time = submit(
        monthly,
        PLAN["monthly"],
        submission_id="S1",
        submitted_at=datetime(2026, 3, 31, 15, 59, tzinfo=UTC),
        **kwargs,  # type: ignore[arg-type]
    )
    late = submit(
        monthly,
        PLAN["monthly"],
        submission_id="S2",
        submitted_at=datetime(2026, 3, 31, 16, 0, tzinfo=UTC),
        **kwargs,  # type: ignore[arg-type]
    )
    assert not on_time.submission.late
    assert late.submission.late
    assert on_time.hazards == () and late.submission.template_hash == PLAN["monthly"].content_hash


def test_failed_items_create_hazards_with_severity_and_deadline() -> None:
    daily = _due("daily", cell="C02")
    at = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)
    out = submit(
        daily,
        PLAN["daily"],
        submission_id="S9",
        inspector="zhang",
        submitted_at=at,
        lon=116.351,
        lat=39.961,
        results=[
            ItemResult("exits", "fail", note="东侧安全出口上锁", photo_path="photos/s9-1.jpg"),
            ItemResult("extinguishers", "fail"),
        ],
    )
    major, general = out.hazards
    assert (major.id, major.severity, major.deadline) == (
        "S9/exits",
        "major",
        at + timedelta(hours=24),
    )
    assert (general.severity, general.deadline) == ("general", at + timedelta(days=7))
    assert major.domain == "fire" and major.source == "inspection" and major.state == "reported"
    assert (major.cell_code, major.zone, major.lon, major.lat) == ("C02", "Z1", 116.351, 39.961)
    assert "东侧安全出口上锁" in major.description and major.item_code == "exits"
    assert out.submission.results[0].photo_path == "photos/s9-1.jpg"
    na = submit(
        daily,
        PLAN["daily"],
        submission_id="S10",
        inspector="zhang",
        submitted_at=at,
        lon=116.35,
        lat=39.96,
        results=results(exits="not_applicable"),
    )
    assert na.hazards == ()


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ([ItemResult("exits", "pass")], "lacks results for: extinguishers"),
        ([*results(), ItemResult("exits", "fail")], "answered twice"),
        ([*results(), ItemResult("windows", "pass")], "has no item 'windows'"),
        (results(exits="ok"), "outcome 'ok' is not one of"),
    ],
)
def test_bad_submissions_are_refused(given: list[ItemResult], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        submit(
            _due("daily"),
            PLAN["daily"],
            submission_id="S",
            inspector="wang",
            submitted_at=datetime(2026, 3, 31, 2, tzinfo=UTC),
            lon=116.35,
            lat=39.96,
            results=given,
        )


def test_wrong_template_early_and_naive_submissions_are_refused() -> None:
    kwargs = {"submission_id": "S", "inspector": "wang", "lon": 116.0, "lat": 39.0}
    with pytest.raises(InvalidInput, match="is due checklist 'daily', not 'weekly'"):
        submit(
            _due("daily"),
            PLAN["weekly"],
            submitted_at=datetime(2026, 3, 31, 2, tzinfo=UTC),
            results=results(),
            **kwargs,
        )
    with pytest.raises(InvalidInput, match="too early"):
        submit(
            _due("daily"),
            PLAN["daily"],
            submitted_at=datetime(2026, 3, 30, 15, tzinfo=UTC),
            results=results(),
            **kwargs,
        )
    with pytest.raises(InvalidInput, match="timezone-aware"):
        submit(
            _due("daily"),
            PLAN["daily"],
            submitted_at=datetime(2026, 3, 31, 2),
            results=results(),
            **kwargs,
        )


def _week_plan() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily checks of C01 (wang) and C03 (li) for 2–8 March 2026 and five submissions."""
    due = due_inspections(
        cells(), {"daily": PLAN["daily"]}, start=date(2026, 3, 2), end=date(2026, 3, 8)
    )
    due = due[due["cell_code"] != "C02"]
    rows = [
        ("S1", "C01", "2026-03-02", "2026-03-02T03:00Z"),  # on time
        ("S2", "C01", "2026-03-03", "2026-03-03T16:30Z"),  # 00:30 next day in Beijing: late
        ("S3", "C01", "2026-03-03", "2026-03-03T17:00Z"),  # a second, later one: ignored
        ("S4", "C03", "2026-03-02", "2026-03-02T15:59Z"),  # on time (23:59 local)
        ("S5", "C03", "2026-03-08", "2026-03-20T01:00Z"),  # after `now`: not counted yet
    ]
    subs = pd.DataFrame(
        [
            {
                "id": i,
                "cell_code": c,
                "template_code": "daily",
                "period": p,
                "inspector": "x",
                "submitted_at": pd.Timestamp(t),
            }
            for i, c, p, t in rows
        ]
    )
    return due, subs


NOW = datetime(2026, 3, 6, 4, 0, tzinfo=UTC)  # Friday 6 March, 12:00 in Beijing


def test_completion_per_owner_and_cell() -> None:
    due, subs = _week_plan()
    table = completion(due, subs, now=NOW, by=["owner"]).set_index("owner")
    # due so far: 2, 3, 4, 5 March (6 March is due at midnight local) per cell
    wang = table.loc["wang"]
    assert (wang["due"], wang["on_time"], wang["late"], wang["missed"], wang["pending"]) == (
        4,
        1,
        1,
        2,
        3,
    )
    li = table.loc["li"]
    assert (li["due"], li["on_time"], li["late"], li["missed"], li["pending"]) == (4, 1, 0, 3, 3)
    assert wang["on_time_rate"] == pytest.approx(0.25)
    assert wang["completion_rate"] == pytest.approx(0.5)
    weekly = completion(due, subs, now=NOW, by=["zone", "week"])
    assert set(weekly["week"]) == {"2026-W10"}
    assert weekly.set_index("zone").loc["Z1", "late"] == 1
    overall = completion(due, subs, now=NOW, by=[])
    assert overall.iloc[0]["due"] == 8
    with pytest.raises(InvalidInput, match="Cannot group completion by 'colour'"):
        completion(due, subs, now=NOW, by=["colour"])


def test_owner_todo_lists_overdue_then_due_today() -> None:
    due, subs = _week_plan()
    todo = owner_todo(due, subs, owner="wang", now=NOW)
    assert list(todo["todo"]) == ["overdue", "overdue", "due_today"]
    assert list(todo["period"]) == ["2026-03-04", "2026-03-05", "2026-03-06"]
    monthly = due_inspections(cells(), {"monthly": PLAN["monthly"]}, **MARCH)
    open_todo = owner_todo(monthly, subs.iloc[:0], owner="li", now=NOW)
    assert list(open_todo["todo"]) == ["open"]


def test_submissions_frame_feeds_completion() -> None:
    daily = _due("daily")
    out = submit(
        daily,
        PLAN["daily"],
        submission_id="S1",
        inspector="wang",
        submitted_at=datetime(2026, 3, 31, 1, tzinfo=UTC),
        lon=116.35,
        lat=39.96,
        results=results(),
    )
    frame = submissions_frame([out.submission])
    due = due_inspections(
        cells(), {"daily": PLAN["daily"]}, start=date(2026, 3, 31), end=date(2026, 3, 31)
    )
    table = completion(due, frame, now=datetime(2026, 4, 2, tzinfo=UTC), by=["cell_code"])
    assert table.set_index("cell_code")["on_time"].to_dict() == {"C01": 1, "C02": 0, "C03": 0}
