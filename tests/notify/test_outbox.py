"""The outbox on both backends: events queued with the change, sent to a local robot server
and a local SMTP server, retried with backoff, and the scheduler's events sent once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.notify.robots import SECRET, Robots, robot_server, smtp_server
from tests.safety_campus import CAMPUS, centre, make_campus
from zoning.clock import utcnow
from zoning.services import ledger, notify

BASE = "https://grid.example.edu"


@pytest.fixture
def robots(monkeypatch: pytest.MonkeyPatch) -> Iterator[Robots]:
    monkeypatch.setenv("CAMPUSGRID_PUBLIC_URL", BASE)
    with robot_server() as served:
        yield served


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Message]]:
    with smtp_server() as (port, messages):
        monkeypatch.setenv("CAMPUSGRID_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("CAMPUSGRID_SMTP_PORT", str(port))
        monkeypatch.setenv("CAMPUSGRID_SMTP_FROM", "grid@example.edu")
        yield messages


def complaint(engine: Engine, code: str = "C-00-00") -> ledger.ComplaintView:
    lon, lat = centre(code)
    return ledger.add_complaint(
        engine, CAMPUS, actor=ADMIN, lon=lon, lat=lat, category="repairs", text="路灯坏了 *急*"
    )


def outbox(engine: Engine) -> list[tuple[str, str, int, bool, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT event, event_key, attempts, sent_at, last_error FROM outbox ORDER BY id"
            )
        ).fetchall()
    return [(r[0], r[1], int(r[2]), r[3] is not None, r[4]) for r in rows]


def test_dispatch_sends_one_message_per_matching_channel(
    db: Engine, robots: Robots, inbox: list[Message]
) -> None:
    make_campus(db)
    add = notify.add_channel
    add(db, actor=ADMIN, kind="wecom", target=f"{robots.url}/wecom?key=z1", zone=1)
    add(db, actor=ADMIN, kind="wecom", target=f"{robots.url}/wecom?key=z2", zone=2)
    add(db, actor=ADMIN, kind="dingtalk", target=f"{robots.url}/dingtalk?access_token=t",
        secret=SECRET)  # fmt: skip
    add(db, actor=ADMIN, kind="feishu", target=f"{robots.url}/feishu", secret=SECRET,
        events="deadline")  # fmt: skip
    add(db, actor=ADMIN, kind="email", target="safety@example.edu", role="inspector")
    made = complaint(db)
    hid = made.hazard_id
    ledger.move_hazard(db, CAMPUS, hid, "register", actor=ADMIN)
    ledger.move_hazard(db, CAMPUS, hid, "dispatch", actor=ADMIN, assignee="张一")
    queued = outbox(db)
    assert [e for e, *_ in queued] == ["assigned"] * 6  # (complaint + dispatch) × 3 channels
    assert notify.deliver(db) == 6
    assert robots.refused == []
    link = f"{BASE}/ledger?campus=%E6%B5%8B%E8%AF%95%E5%A4%A7%E5%AD%A6&hazard={hid}"
    wecom = [b["markdown"]["content"] for b in robots.bodies("wecom")]
    ding = [b["markdown"]["text"] for b in robots.bodies("dingtalk")]
    assert len(wecom) == 2 and len(ding) == 2 and robots.bodies("feishu") == []
    for text in wecom + ding:
        assert "C-00-00" in text and link in text and "张一" in text
    assert "\\*急\\*" in wecom[0]  # the user's markdown is shown, not obeyed
    assert len(inbox) == 2 and all("C-00-00" in m["Subject"] for m in inbox)
    assert link in inbox[0].get_payload(decode=True).decode()
    assert all(sent for *_, sent, _ in [(q[0], q[1], q[2], q[3], q[4]) for q in outbox(db)])
    assert notify.deliver(db) == 0  # nothing is sent twice


def test_a_failing_channel_retries_with_backoff_and_never_blocks_the_change(
    db: Engine, robots: Robots
) -> None:
    make_campus(db)
    notify.add_channel(db, actor=ADMIN, kind="wecom", target=f"{robots.url}/wecom")
    notify.add_channel(db, actor=ADMIN, kind="wecom", target="http://127.0.0.1:9/gone")
    robots.fail["wecom"] = 93000
    made = complaint(db)  # the change commits whatever the channels do
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM complaint")).scalar_one() == 1
    t0 = utcnow()
    assert notify.deliver(db, now=t0) == 0
    (refused, gone) = outbox(db)
    assert refused[2] == 1 and "93000" in (refused[4] or "")
    assert gone[2] == 1 and "cannot reach 127.0.0.1" in (gone[4] or "")
    assert notify.deliver(db, now=t0 + timedelta(seconds=50)) == 0
    assert len(robots.refused) == 1  # not tried again before its minute
    assert notify.deliver(db, now=t0 + timedelta(seconds=61)) == 0
    assert len(robots.refused) == 2 and outbox(db)[0][2] == 2
    assert notify.deliver(db, now=t0 + timedelta(seconds=61 + 119)) == 0
    assert len(robots.refused) == 2  # the second wait is 2 minutes
    robots.fail.clear()
    assert notify.deliver(db, now=t0 + timedelta(minutes=4)) == 1
    assert outbox(db)[0][3] is True and outbox(db)[0][4] is None
    assert f"hazard={made.hazard_id}" in robots.bodies("wecom")[0]["markdown"]["content"]
    log = notify.outbox_log(db, actor=ADMIN, failed_only=True)
    assert [e.event_key for e, _ in log] == [outbox(db)[1][1]]  # the dead URL still failing


def test_ticks_send_reminders_and_escalations_once_even_in_parallel(
    db: Engine, robots: Robots
) -> None:
    make_campus(db)
    notify.add_channel(db, actor=ADMIN, kind="dingtalk",
                       target=f"{robots.url}/dingtalk?access_token=t", secret=SECRET)  # fmt: skip
    made = complaint(db)
    hazard = ledger.show_hazard(db, CAMPUS, made.hazard_id, actor=ADMIN).hazard
    before = hazard.deadline - timedelta(hours=12)
    first = notify.tick(db, actor=ADMIN, now=before)
    again = notify.tick(db, actor=ADMIN, now=before + timedelta(minutes=1))
    assert first.ran and first.queued == {"deadline": 1} and first.sent == 2
    assert again.ran and again.queued == {} and again.sent == 0
    late = hazard.deadline + timedelta(hours=1)
    reports: list[notify.TickReport] = []
    threads = [
        threading.Thread(target=lambda: reports.append(notify.tick(db, actor=ADMIN, now=late)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.queued.get("escalated", 0) for r in reports) == 1
    assert sum(r.sent for r in reports) == 1
    titles = [b["markdown"]["title"] for b in robots.bodies("dingtalk")]
    assert len(titles) == 3 and robots.refused == []
    assert sum("24" in t for t in titles) == 1
    assert sum("区域负责人" in t for t in titles) == 1  # level 1: the zone leader
    keys = [k for _, k, *_ in outbox(db)]
    assert len(keys) == len(set(keys)) == 3


def test_an_activation_tells_the_owners_whose_cells_changed(db: Engine, robots: Robots) -> None:
    from tests import planner_campus
    from zoning.plans.edits import Reassign
    from zoning.services import plans
    from zoning.services.campus import load_cells

    planner_campus.make_campus(db)
    notify.add_channel(db, actor=ADMIN, kind="wecom", target=f"{robots.url}/wecom?key=p")
    draft = plans.create_draft(db, planner_campus.CAMPUS, actor=ADMIN).id
    cells = load_cells(db, planner_campus.CAMPUS, draft)
    code, before = str(cells["code"].iloc[0]), str(cells["owner"].iloc[0])
    after = next(o for o in ("张一", "李二", "王三") if o != before)
    plans.apply_edit(db, planner_campus.CAMPUS, draft, Reassign((code,), after), actor=ADMIN)
    assert outbox(db) == []  # a draft's edits tell nobody
    plans.activate_plan(db, planner_campus.CAMPUS, draft, reason="调整", actor=ADMIN)
    queued = outbox(db)
    assert [(e, k) for e, k, *_ in queued] == [("plan_activated", f"plan:{draft}:activated")]
    assert notify.deliver(db) == 1
    (text,) = [b["markdown"]["content"] for b in robots.bodies("wecom")]
    assert before in text and after in text and f"plan={draft}" in text
