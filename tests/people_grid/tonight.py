"""A roll call open *now* on the dormitory campus (:mod:`tests.people_grid.dorms`), for the
tests that check in through a real server (the server's clock is the real one): a SQLite
file with the roster below, student accounts and tonight's roll call open with a window of
12:00–11:59 (all day but one minute, Beijing time)."""

from __future__ import annotations

import time as _time
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.actors import ADMIN
from tests.e2e.signin import ensure_account
from tests.people_grid.dorms import CAMPUS, DORM1, DORM2, dorm_campus
from zoning.people import Rules, StaffRecord, parse_roster
from zoning.people.rollcall import Window
from zoning.services import people_grid as grid
from zoning.store.campus import save_campus
from zoning.store.engine import open_engine

ROSTER = (
    "学号,姓名,学院,年级,班级,楼栋,房间,床位,电话,角色\n"
    f"1,王一,理学院,2024,数1,{DORM1},101,1,13800000001,网格员\n"
    f"2,王二,理学院,2024,数1,{DORM1},101,2,13800000002,\n"
    f"3,王三,理学院,2024,数2,{DORM1},102,1,,\n"
    f"4,王四,文学院,2024,文1,{DORM2},202,1,,\n"
    f"5,王五,文学院,2024,文1,{DORM1},103,1,,\n"
)
STAFF = [StaffRecord("李老师", "counsellor", "理学院", ("数1", "数2"))]
#: A window open all day but 11:59–12:00 (a night turns at noon).
ALL_DAY = Rules(window=Window(time(12, 0), time(11, 59)))


def student_account(number: str) -> str:
    """Return the account name of student ``number`` (role student, linked to the number)."""
    return f"student-{number}"


def wait_past_noon() -> None:
    """Sleep past 12:00 Beijing time when it is within a minute and a half of it (the one
    minute the window is shut, and the night turning)."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    noon = now.replace(hour=12, minute=0, second=30, microsecond=0)
    if 0 < (noon - now).total_seconds() < 150:
        _time.sleep((noon - now).total_seconds())


def tonight_db(folder: Path) -> str:
    """Build the database in ``folder`` and return its URL."""
    wait_past_noon()
    url = f"sqlite:///{folder / 'tonight.sqlite'}"
    engine = open_engine(url)
    try:
        save_campus(engine, name=CAMPUS, layers=dorm_campus())
        grid.import_roster(engine, CAMPUS, parse_roster(ROSTER), staff=STAFF, actor=ADMIN)
        grid.open_rollcall(engine, CAMPUS, actor=ADMIN, rules=ALL_DAY)
    finally:
        engine.dispose()
    for number in ("1", "2", "3", "4", "5"):
        ensure_account(url, student_account(number), "student", person=number, campus=CAMPUS)
    return url


def code_now(url: str, building: str = DORM1) -> str:
    """Return ``building``'s rotating code now (as its grid member reads it)."""
    engine = open_engine(url)
    try:
        return grid.current_code(engine, CAMPUS, building=building, actor=ADMIN)
    finally:
        engine.dispose()
