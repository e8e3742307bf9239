"""The people grid in the scheduler's round (``notify.tick``), on both backends, through the
real outbox and a local SMTP server: the reminder 15 minutes before the window closes, the
board summary to the counsellor at close, the missing students climbing grid member →
counsellor → deputy secretary every 30 minutes, students not back after a holiday likewise;
ticking twice sends once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import Message

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.notify.robots import smtp_server
from tests.people_grid.college import HOLIDAY, build_college, noon
from tests.people_grid.dorms import CAMPUS, NIGHT_AT
from zoning.people import College
from zoning.people.roster import DORM_ROLES
from zoning.services import notify, whereabouts
from zoning.services import people_grid as grid

#: 23:00 on 2 March 2026 in Beijing: the default window closes.
CLOSES = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
#: 00:00 on 23 February 2026 in Beijing: the day after HOLIDAY's return deadline begins.
DEADLINE = datetime(2026, 2, 22, 16, 0, tzinfo=UTC)


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Message]]:
    with smtp_server() as (port, messages):
        monkeypatch.setenv("CAMPUSGRID_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("CAMPUSGRID_SMTP_PORT", str(port))
        monkeypatch.setenv("CAMPUSGRID_SMTP_FROM", "grid@example.edu")
        yield messages


@pytest.fixture
def college(db: Engine) -> College:
    """60 students in two dormitories (2 classes, one counsellor), an e-mail channel for
    everything and one for counsellors only."""
    made = build_college(db, 60)
    notify.add_channel(db, actor=ADMIN, kind="email", target="all@example.edu")
    notify.add_channel(
        db, actor=ADMIN, kind="email", target="counsellors@example.edu", role="counsellor"
    )
    return made


def people_rows(engine: Engine) -> list[dict[str, object]]:
    """Return the people grid's outbox rows: event, key, channel, sent, and the notice."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT event, event_key, channel_id, sent_at, payload FROM outbox "
                "WHERE event_key LIKE 'people:%' ORDER BY id"
            )
        ).fetchall()
    return [
        {"event": r[0], "key": r[1], "channel": int(r[2]), "sent": r[3] is not None,
         **json.loads(r[4])}
        for r in rows
    ]  # fmt: skip


def tick_twice(engine: Engine, at: datetime) -> None:
    for _ in range(2):
        report = notify.tick(engine, actor=ADMIN, now=at)
        assert report.ran and not report.failures, report


def test_students_not_checked_in_are_reminded_once_15_minutes_before_the_close(
    db: Engine, college: College, inbox: list[Message]
) -> None:
    grid.open_rollcall(db, CAMPUS, actor=ADMIN, at=NIGHT_AT)
    tick_twice(db, CLOSES - timedelta(minutes=16))
    assert people_rows(db) == []
    tick_twice(db, CLOSES - timedelta(minutes=14))
    rows = people_rows(db)
    # one per building, to the everything channel only (the other takes counsellors)
    assert sorted(r["place"] for r in rows) == sorted({s.building for s in college.students})
    assert {r["event"] for r in rows} == {"rollcall_reminder"}
    assert {r["role"] for r in rows} == {"student"}
    assert all(r["sent"] for r in rows) and len(inbox) == len(rows)
    counted = sum(int(str(r["detail"]).split(": ")[1].split(" ")[0]) for r in rows)
    assert counted == len(college.students)  # nobody has checked in yet


def test_missing_students_climb_the_chain_every_30_minutes_and_once(
    db: Engine, college: College, inbox: list[Message]
) -> None:
    grid.open_rollcall(db, CAMPUS, actor=ADMIN, at=NIGHT_AT)
    on_leave = college.students[0].student_no
    grid.mark_absence(
        db, CAMPUS, student_no=on_leave, reason="病假", until=date(2026, 3, 3), actor=ADMIN,
        at=NIGHT_AT,
    )  # fmt: skip
    grid.close_rollcall(db, CAMPUS, actor=ADMIN, at=CLOSES)
    tick_twice(db, CLOSES + timedelta(minutes=1))
    first = people_rows(db)
    summaries = [r for r in first if r["event"] == "rollcall_summary"]
    counsellors = {s.name for s in college.staff if s.role == "counsellor"}
    assert counsellors and {r["recipient"] for r in summaries} == counsellors
    assert {r["channel"] for r in summaries} == {1, 2}  # the counsellors' channel takes it
    escalated = [r for r in first if r["event"] == "people_escalated"]
    assert {r["role"] for r in escalated} == {"grid_member"}
    members = {s.name for s in college.students if set(s.roles) & DORM_ROLES}
    assert {r["recipient"] for r in escalated} <= members
    assert all(on_leave not in str(r["detail"]) for r in escalated)
    tick_twice(db, CLOSES + timedelta(minutes=29))
    assert len(people_rows(db)) == len(first)  # nothing new before 30 minutes
    tick_twice(db, CLOSES + timedelta(minutes=31))
    second = people_rows(db)[len(first) :]
    assert {r["role"] for r in second} == {"counsellor"}
    assert {r["recipient"] for r in second} == counsellors
    tick_twice(db, CLOSES + timedelta(minutes=61))
    third = people_rows(db)[len(first) + len(second) :]
    deputies = {s.name for s in college.staff if s.role == "deputy_secretary"}
    assert {r["role"] for r in third} == {"deputy_secretary"}
    assert {r["recipient"] for r in third} == {"、".join(sorted(deputies))}
    everything = people_rows(db)
    assert all(r["sent"] for r in everything) and len(inbox) == len(everything)
    tick_twice(db, CLOSES + timedelta(hours=3))
    assert len(people_rows(db)) == len(everything)  # the top of the chain: nothing more


def test_students_not_back_and_not_followed_up_climb_the_chain(
    db: Engine, college: College, inbox: list[Message]
) -> None:
    back, noted, *_rest = (s.student_no for s in college.students)
    whereabouts.mark_returned(db, CAMPUS, HOLIDAY.name, student_no=back, actor=ADMIN,
                              at=noon(date(2026, 2, 21)))  # fmt: skip
    whereabouts.follow_up(
        db, CAMPUS, HOLIDAY.name, student_no=noted, contacted="家长", reason="航班取消",
        expected_return=date(2026, 2, 25), actor=ADMIN, at=noon(date(2026, 2, 22)),
    )  # fmt: skip
    tick_twice(db, DEADLINE - timedelta(minutes=1))
    assert people_rows(db) == []
    tick_twice(db, DEADLINE + timedelta(minutes=1))
    rows = people_rows(db)
    assert rows and {r["role"] for r in rows} == {"grid_member"}
    listed = " ".join(str(r["detail"]) for r in rows)
    assert back not in listed and noted not in listed
    assert college.students[2].student_no in listed
    tick_twice(db, DEADLINE + timedelta(minutes=31))
    assert {r["role"] for r in people_rows(db)[len(rows) :]} == {"counsellor"}
    assert len(inbox) == len(people_rows(db))
