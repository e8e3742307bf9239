"""Warm start (run by hand): the first visit after a server start, with and without warming.

    .venv/bin/python bench/warm.py [--db sqlite:////tmp/cg_load.sqlite] [--campus demo-large]

Copies the SQLite database (the large demo; ``campusgrid demo --scale large`` builds one) to
a temporary file, so the benchmark's writes (an account, five hazards) stay out of it. Then,
three times (:data:`RUNS`: naive — no warming, no stored frames; warming on; stored frames
without warming) starts the real server (``campusgrid serve``
on a free port, ``CAMPUSGRID_TIMING_LOG`` set), times the health check's first answer, waits
(warming on) until the server logs that it has warmed the campuses, signs a leadership
account in through the form (as ``bench/load.py``) and drives the page over Streamlit's
websocket: the safety map, then the leadership page (the first visit), each once more (a
later visit), then five times submits one inspection with a failed item (a new hazard) and
reruns the leadership page (the figure: their median; all five are printed). Prints the
page-script times (the ``<page>.run`` lines of the timing log)
and the ratios against the goals of issue 18:

- first visit after a start ÷ a later visit, goal ≤ 1.15 (safety map and leadership);
- leadership page script on the first visit ≤ 3 s; after a new hazard ≤ 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import PASSWORD, Session, Tally, sign_in  # noqa: E402
from tests.opsdata import open_due, submit_passed  # noqa: E402
from tests.ports import free_port  # noqa: E402
from zoning.accounts import local_operator  # noqa: E402
from zoning.services import accounts  # noqa: E402
from zoning.services.database import open_engine  # noqa: E402

ACCOUNT = "bench-warm-lead"
#: The goals of issue 18.
FIRST_OVER_LATER = 1.15
LEAD_COLD_S = 3.0
LEAD_AFTER_HAZARD_S = 0.5


def page_times(log: Path, page: str) -> list[float]:
    """Return the page-script times (s) of ``page`` in timing log ``log``, oldest first."""
    if not log.exists():
        return []
    lines = log.read_text("utf-8").split("\n")
    return [float(line.split()[1]) for line in lines if line.startswith(f"{page}.run ")]


#: The servers started, in this order: (name, warming on, stored frames on). The naive
#: start reads nothing stored and stores nothing; the warming run stores the frames (as a
#: server does during the day); the last start reads them (no warming) and brings them up to
#: date (the warming run's new hazard and submission came after they were stored).
#: Submissions with a failed item (a new hazard each), each followed by a leadership rerun:
#: the figure is their median.
AFTER_HAZARD_RUNS = 5
RUNS: tuple[tuple[str, bool, bool], ...] = (
    ("naive", False, False),
    ("warming on", True, True),
    ("stored frames", False, True),
)


def serve(url: str, folder: Path, *, name: str, warm: bool, stored: bool) -> dict[str, Any]:
    """Start the server on ``url`` (warming and stored frames on or off), drive it, stop it;
    return figures."""
    tag = name.replace(" ", "-")
    port, timing = free_port(), folder / f"timing-{tag}.log"
    server_log = folder / f"server-{tag}.log"
    env = {
        **os.environ,
        "CAMPUSGRID_DB": url,
        "CAMPUSGRID_TIMING_LOG": str(timing),
        "CAMPUSGRID_WARM": "1" if warm else "0",
        "CAMPUSGRID_STORED_FRAMES": "1" if stored else "0",
        "CAMPUSGRID_LAYER_DIR": str(folder / f"layers-{tag}"),
    }
    command = [sys.executable, "-m", "zoning.cli", "serve", "--port", str(port), "--db", url]
    base, out = f"http://127.0.0.1:{port}", {}
    with server_log.open("wb") as log:
        started = time.perf_counter()
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit(f"no server; see {server_log}") from None
                    time.sleep(0.2)
            out["health_s"] = time.perf_counter() - started
            if warm:  # the first visitor after warming (the server logs when it is done)
                while "warmed " not in server_log.read_text("utf-8", errors="replace"):
                    if time.monotonic() > deadline + 600 or server.poll() is not None:
                        raise SystemExit(f"the server never finished warming; see {server_log}")
                    time.sleep(0.5)
                out["warmed_after_s"] = time.perf_counter() - started
            tally = Tally()
            session = Session(base, sign_in(base, ACCOUNT, PASSWORD), tally)
            for page in ("safety_map", "leadership", "safety_map", "leadership"):
                session.run_page(page)
            engine = open_engine(url)
            for _ in range(AFTER_HAZARD_RUNS):  # a new hazard, then the page again
                submit_passed(engine, CAMPUS, open_due(engine, 1), failed=1)
                session.run_page("leadership")
            engine.dispose()
            session.close()
            if tally.errors:
                raise SystemExit(f"errors: {tally.errors[:3]}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    maps, leads = page_times(timing, "safety_map"), page_times(timing, "leadership")
    out.update(
        map_first=maps[0], map_later=maps[1], lead_first=leads[0], lead_later=leads[1],
        lead_after_hazard=statistics.median(leads[2:]), lead_after_hazard_all=leads[2:],
    )  # fmt: skip
    return out


CAMPUS = "demo-large"


def main() -> None:
    global CAMPUS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite:////tmp/cg_load.sqlite", help="SQLite (copied)")
    parser.add_argument("--campus", default=CAMPUS)
    args = parser.parse_args()
    CAMPUS = args.campus
    source = Path(args.db.removeprefix("sqlite:///"))
    if not source.exists():
        raise SystemExit(f"{source} does not exist: `campusgrid demo --scale large --db ...`")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        shutil.copyfile(source, folder / "copy.sqlite")
        url = f"sqlite:///{folder / 'copy.sqlite'}"
        engine = open_engine(url)
        if accounts.sso_actor(engine, ACCOUNT) is None:
            accounts.add_account(engine, local_operator(), ACCOUNT, "leadership", PASSWORD)
        engine.dispose()
        figures = {
            name: serve(url, folder, name=name, warm=warm, stored=on) for name, warm, on in RUNS
        }
    names = [name for name, _, _ in RUNS]
    print(f"machine: {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(f"database: a copy of {source} (campus {CAMPUS}); page-script times (s)")
    print(f"{'':<34}" + "".join(f"{n:>15}" for n in names) + "   goal")
    rows = [
        ("health check answers after", "health_s", ""),
        ("safety map, first visit", "map_first", ""),
        ("safety map, later visit", "map_later", ""),
        ("leadership, first visit", "lead_first", f"≤ {LEAD_COLD_S:g} s"),
        ("leadership, later visit", "lead_later", ""),
        ("leadership after a new hazard", "lead_after_hazard", f"≤ {LEAD_AFTER_HAZARD_S:g} s"),
    ]
    for label, key, goal in rows:
        print(f"{label:<34}" + "".join(f"{figures[n][key]:>15.2f}" for n in names) + f"   {goal}")
    for n in names:
        shown = ", ".join(f"{v:.2f}" for v in figures[n]["lead_after_hazard_all"])
        print(f"leadership after each new hazard ({n}): {shown}")
    print(f"warming finished after {figures['warming on']['warmed_after_s']:.1f} s (start → log)")
    for label, first, later in (("safety map", "map_first", "map_later"),
                                ("leadership", "lead_first", "lead_later")):  # fmt: skip
        shown = ", ".join(
            f"{figures[n][first] / figures[n][later]:.2f} ({n}: "
            f"{(figures[n][first] - figures[n][later]) * 1000:+.0f} ms)"
            for n in names
        )
        print(f"{label}: first ÷ later visit {shown}; goal ≤ {FIRST_OVER_LATER}")


if __name__ == "__main__":
    main()
