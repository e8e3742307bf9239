"""A check-in that meets a busy SpatiaLite file (another process holding the write lock)
retries briefly and goes through when the lock is let go, and is refused in one clear line
when it is not; threads of one process never meet the busy error (their writes queue)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.people_grid.dorms import CAMPUS, DORM1, NIGHT_AT, dorm_campus, inside
from zoning.errors import StorageError
from zoning.people import generate_college
from zoning.services import people_grid as grid
from zoning.store import engine as store_engine
from zoning.store.campus import save_campus
from zoning.store.engine import open_engine

STUDENTS = 40
#: Another process that holds the file's write lock for argv[2] seconds (POSIX locks do not
#: exclude threads of one process, so the lock must come from another one).
HOLDER = (
    "import sqlite3, sys, time\n"
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "c.execute('BEGIN IMMEDIATE')\n"
    "print('locked', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
    "c.execute('COMMIT')\n"
)


def hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Start a process holding ``path``'s write lock for ``seconds``; return once it holds it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


@pytest.fixture
def campus_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, Path]]:
    """A SpatiaLite file whose writers wait 100 ms (not 30 s) before the busy error."""
    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "busy.sqlite"
    engine = open_engine(f"sqlite:///{path}")
    save_campus(engine, name=CAMPUS, layers=dorm_campus())
    college = generate_college([DORM1], students=STUDENTS, seed=3)
    grid.import_roster(engine, CAMPUS, college.students, staff=college.staff, actor=ADMIN)
    grid.open_rollcall(engine, CAMPUS, actor=ADMIN, at=NIGHT_AT)
    yield engine, path
    engine.dispose()


def _check_in(engine: Engine, no: str) -> None:
    code = grid.current_code(engine, CAMPUS, building=DORM1, actor=ADMIN, at=NIGHT_AT)
    lon, lat = inside()
    grid.check_in(
        engine, CAMPUS, student_no=no, lon=lon, lat=lat, accuracy_m=10.0, code=code,
        actor=ADMIN, at=NIGHT_AT,
    )  # fmt: skip


def _numbers(engine: Engine) -> list[str]:
    return [str(s["student_no"]) for s in grid.list_students(engine, CAMPUS, actor=ADMIN)]


def _missing(engine: Engine) -> list[str]:
    board = grid.rollcall_board(engine, CAMPUS, actor=ADMIN)
    return list(board["levels"]["dormitory"][0]["missing_students"])


def test_a_check_in_waits_out_a_short_lock(campus_file: tuple[Engine, Path]) -> None:
    engine, path = campus_file
    first = _numbers(engine)[0]
    code = grid.current_code(engine, CAMPUS, building=DORM1, actor=ADMIN, at=NIGHT_AT)
    holder = hold_lock(path, 0.6)  # longer than one busy wait (100 ms), shorter than all
    lon, lat = inside()
    grid.check_in(
        engine, CAMPUS, student_no=first, lon=lon, lat=lat, accuracy_m=10.0, code=code,
        actor=ADMIN, at=NIGHT_AT,
    )  # fmt: skip
    assert holder.wait(timeout=30) == 0
    holder.stdout.close()  # type: ignore[union-attr]
    assert first not in _missing(engine)


def test_a_lock_held_past_the_retries_is_one_clear_refusal(
    campus_file: tuple[Engine, Path],
) -> None:
    engine, path = campus_file
    first = _numbers(engine)[0]
    code = grid.current_code(engine, CAMPUS, building=DORM1, actor=ADMIN, at=NIGHT_AT)
    holder = hold_lock(path, 8.0)  # past every retry (about 2 s in all)
    lon, lat = inside()
    try:
        with pytest.raises(StorageError, match=r"The roll call is busy.*check in again"):
            grid.check_in(
                engine, CAMPUS, student_no=first, lon=lon, lat=lat, accuracy_m=10.0, code=code,
                actor=ADMIN, at=NIGHT_AT,
            )  # fmt: skip
    finally:
        holder.kill()
        holder.wait(timeout=30)
        holder.stdout.close()  # type: ignore[union-attr]
    assert first in _missing(engine)  # nothing was recorded  # nothing was recorded


def test_many_threads_of_one_process_all_check_in(campus_file: tuple[Engine, Path]) -> None:
    engine, _path = campus_file
    numbers = _numbers(engine)
    errors: list[BaseException] = []

    def run(chunk: list[str]) -> None:
        for no in chunk:
            try:
                _check_in(engine, no)
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(numbers[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _missing(engine) == []
