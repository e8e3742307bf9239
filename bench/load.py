"""Load benchmark (run by hand): 20 signed-in sessions on the LARGE demo for 3 minutes.

    .venv/bin/python bench/load.py [--db sqlite:////tmp/cg_load.sqlite] [--sessions 20]
                                   [--minutes 3] [--port 8765] [--mix all|map]

What it does, against a real ``campusgrid serve`` started here on 127.0.0.1:

- makes one account per session (safety officers, zone leaders, inspectors standing for the
  demo's grid owners, leadership, viewers) and signs each in through the sign-in form
  (``POST /signin``, CSRF token and all), so every request carries a real session cookie;
- opens Streamlit's websocket per session as the browser does (Origin, XSRF token in the
  subprotocol) and runs the pages: the safety map first, then every 5–12 s one of: change
  the map's colour measure, open another page (leadership, ledger, inspections, cameras),
  come back to the map;
- while they run, the inspector accounts submit due inspections through the services (as
  themselves), so the readers see the data change under them;
- measures the server's latency of each rerun (message sent → ``script_finished``), counts
  errors (an exception element on a page, a refused or dropped websocket, a failed submit),
  and samples the server's resident memory.

Prints p50 / p95 / max rerun latency, errors, and memory (at start, peak, per session). The
peer is the same server without sign-in and roles, as probed before issue 15 (p50 0.19 s,
p90 0.49 s, max 1.69 s, 724 MB for 20 sessions): this prints our figures beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import html.parser
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from zoning.accounts import Actor, Role, local_operator
from zoning.services import accounts, safety
from zoning.services.database import open_engine

PASSWORD = "load-test-password-1"
PAGES = ("leadership", "ledger", "inspections", "cameras")
#: Figures of the same load without sign-in (issue 15's probe, before accounts existed).
PEER = {"p50": 0.19, "p90": 0.49, "max": 1.69, "rss_mb": 724.0}


@dataclass
class Tally:
    """What every session reports, guarded by one lock."""

    latencies: list[float] = field(default_factory=list)
    #: (page, seconds) of each session's first visit of a page (cold for its scope)
    firsts: list[tuple[str, float]] = field(default_factory=list)
    #: (page, seconds) of every later rerun
    laters: list[tuple[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reruns: int = 0
    submits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def took(self, seconds: float, *, page: str = "", first: bool = False) -> None:
        with self.lock:
            self.latencies.append(seconds)
            (self.firsts if first else self.laters).append((page, seconds))
            self.reruns += 1

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


class _HiddenInputs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            a = dict(attrs)
            if a.get("type") == "hidden" and a.get("name"):
                self.fields[str(a["name"])] = a.get("value") or ""


def sign_in(base: str, name: str, password: str) -> dict[str, str]:
    """Sign in through the form; return the cookies (session, XSRF) as a dict."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/signin", timeout=30) as reply:
        page = reply.read().decode("utf-8")
    parser = _HiddenInputs()
    parser.feed(page)
    form = {**parser.fields, "name": name, "password": password, "next": "/"}
    data = urllib.parse.urlencode(form).encode()
    with opener.open(f"{base}/signin", data=data, timeout=30) as reply:
        reply.read()
    # the app's index page sets Streamlit's XSRF cookie
    with opener.open(f"{base}/", timeout=30) as reply:
        reply.read()
    return {c.name: c.value for c in jar if c.value is not None}


def _rerun_msg(page: str, widgets: dict[str, str]) -> bytes:
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = ""
    state.page_name = page
    for wid, value in widgets.items():
        w = state.widget_states.widgets.add()
        w.id = wid
        w.string_value = value  # a radio's value is its formatted option
    return bytes(msg.SerializeToString())


class Session:
    """One browser-like websocket session of a signed-in account."""

    def __init__(self, base: str, cookies: dict[str, str], tally: Tally) -> None:
        self.tally = tally
        host = base.split("//", 1)[1]
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        xsrf = cookies.get("_streamlit_xsrf", "")
        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(
            connect(
                f"ws://{host}/_stcore/stream",
                subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],  # type: ignore[list-item]
                additional_headers={"Cookie": cookie, "Origin": base},
                max_size=None,
                open_timeout=30,
            )
        )
        self.widgets: dict[str, str] = {}
        self.visited: set[str] = set()
        self.radio_id: str | None = None
        self.radio_options: list[str] = []

    def run_page(self, page: str) -> None:
        """Rerun ``page`` with the current widget values; time it; note exceptions."""
        started = time.perf_counter()
        self.ws.send(_rerun_msg(page, self.widgets))
        while True:
            raw = self.ws.recv(timeout=120)
            if isinstance(raw, str):
                continue
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    self.tally.error(f"{page}: {element.exception.message[:120]}")
                elif which == "radio" and "map_colour_by" in element.radio.id:  # one per language
                    self.radio_id = element.radio.id
                    self.radio_options = list(element.radio.options)
            elif kind == "script_finished":
                first = page not in self.visited
                self.visited.add(page)
                self.tally.took(time.perf_counter() - started, page=page, first=first)
                return

    def step(self, *, map_only: bool = False) -> None:
        """One user action: a colour change on the map, or another page and back
        (``map_only``: always a colour change, as the probe before sign-in did)."""
        if self.radio_id and self.radio_options and (map_only or random.random() < 0.6):
            self.widgets[self.radio_id] = random.choice(self.radio_options)
            self.run_page("safety_map")
        else:
            self.run_page(random.choice(PAGES))
            self.run_page("safety_map")

    def close(self) -> None:
        self._stack.close()


def _accounts(url: str, campus: str, n: int) -> list[tuple[str, Role]]:
    """Make ``n`` accounts of mixed roles on the demo campus (once)."""
    engine = open_engine(url)
    op = local_operator()
    owners = _owners(engine, campus)
    plan: list[tuple[str, Role, dict[str, Any]]] = []
    for i in range(n):
        kind = i % 5
        if kind in (0, 1) and owners:
            plan.append(
                (
                    f"load-insp{i}",
                    Role.INSPECTOR,
                    {"campus": campus, "person": owners[i % len(owners)]},
                )
            )
        elif kind == 2:
            plan.append((f"load-zone{i}", Role.ZONE_LEADER, {"campus": campus, "zone": 1 + i % 4}))
        elif kind == 3:
            plan.append((f"load-office{i}", Role.SAFETY_OFFICER, {}))
        else:
            plan.append((f"load-lead{i}", Role.LEADERSHIP if i % 2 else Role.VIEWER, {}))
    for name, role, link in plan:
        if accounts.sso_actor(engine, name) is None:
            accounts.add_account(engine, op, name, role.value, PASSWORD, **link)
    engine.dispose()
    return [(name, role) for name, role, _ in plan]


def _owners(engine: Any, campus: str) -> list[str]:
    cells = safety.campus_ops(engine, campus).cells
    return sorted({str(o) for o in cells["owner"].dropna()})


def _rss_mb(pid: int) -> float:
    """Resident memory (MB) of ``pid`` and its children."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            text = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmRSS:\s+(\d+) kB", text)
        total += int(found.group(1)) if found else 0
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    except OSError:
        return []
    return [int(x) for x in out.stdout.split()]


def _submitter(
    url: str, campus: str, actors: list[Actor], stop: threading.Event, tally: Tally
) -> None:
    """Submit due inspections as the inspector accounts until ``stop``."""
    engine = open_engine(url)
    while not stop.wait(random.uniform(5, 12)):
        actor = random.choice(actors)
        try:
            due = safety.todo(engine, campus, actor=actor)
            if not len(due):
                continue
            row = due.iloc[0]
            safety.submit_inspection(
                engine,
                campus,
                cell=str(row["cell_code"]),
                template=str(row["template_code"]),
                results={"*": "pass"},
                period=str(row["period"]),
                actor=actor,
            )
            with tally.lock:
                tally.submits += 1
        except Exception as exc:
            tally.error(f"submit: {type(exc).__name__}: {str(exc)[:120]}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite:////tmp/cg_load.sqlite")
    parser.add_argument("--campus", default="demo-large")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--mix",
        choices=("all", "map"),
        default="all",
        help="all: map filters, page switches and submissions; map: only map filter changes "
        "and no submissions (the workload of the probe before sign-in)",
    )
    parser.add_argument(
        "--no-wait-warm",
        action="store_true",
        help="start the sessions as soon as the server answers, while it still warms its "
        "caches (default: wait until it logs that it has warmed them)",
    )
    args = parser.parse_args()
    path = args.db.removeprefix("sqlite:///")
    if args.db.startswith("sqlite") and not Path(path).exists():
        print(f"… seeding the large demo into {path} (several minutes)", file=sys.stderr)
        subprocess.run(
            [
                shutil.which("campusgrid") or "campusgrid",
                "demo",
                "--scale",
                "large",
                "--db",
                args.db,
            ],
            check=True,
        )
    names = _accounts(args.db, args.campus, args.sessions)
    env = {**os.environ, "CAMPUSGRID_DB": args.db}
    log = open("/tmp/cg_load_server.log", "wb")  # noqa: SIM115 - closed at the end
    server = subprocess.Popen(
        [sys.executable, "-m", "zoning.cli", "serve", "--port", str(args.port), "--db", args.db],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{args.port}"
    tally = Tally()
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("no server; see /tmp/cg_load_server.log") from None
                time.sleep(0.5)
        warmed_after = None
        if not args.no_wait_warm:  # a restart is rare; what users meet is a warmed server
            started = time.monotonic()
            while "warmed " not in Path("/tmp/cg_load_server.log").read_text("utf-8", "replace"):
                if time.monotonic() - started > 600 or server.poll() is not None:
                    raise SystemExit("the server never logged 'warmed'; see the log") from None
                time.sleep(0.5)
            warmed_after = time.monotonic() - started
        rss_start = _rss_mb(server.pid)
        peak = [rss_start]
        engine = open_engine(args.db)
        inspectors = [accounts.actor_named(engine, n) for n, r in names if r is Role.INSPECTOR]
        engine.dispose()

        def user(name: str) -> None:
            try:
                session = Session(base, sign_in(base, name, PASSWORD), tally)
                session.run_page("safety_map")
                while not stop.wait(random.uniform(5, 12)):
                    session.step(map_only=args.mix == "map")
                session.close()
            except Exception as exc:
                tally.error(f"{name}: {type(exc).__name__}: {str(exc)[:160]}")

        threads = [threading.Thread(target=user, args=(n,), daemon=True) for n, _ in names]
        if inspectors and args.mix == "all":
            threads.append(
                threading.Thread(
                    target=_submitter,
                    args=(args.db, args.campus, inspectors, stop, tally),
                    daemon=True,
                )
            )
        for t in threads:
            t.start()
            time.sleep(0.2)
        end = time.monotonic() + args.minutes * 60
        while time.monotonic() < end:
            time.sleep(2)
            peak.append(_rss_mb(server.pid))
        stop.set()
        for t in threads:
            t.join(timeout=150)
        lat = sorted(tally.latencies)
        q = statistics.quantiles(lat, n=20) if len(lat) >= 20 else [float("nan")] * 19
        print(f"machine: {platform.node()} {os.cpu_count()} cores, {platform.python_version()}")
        print(
            f"{args.sessions} signed-in sessions × {args.minutes:g} min on {args.db}, "
            f"mix {args.mix}"
        )
        print(f"reruns: {tally.reruns}, inspections submitted: {tally.submits}")
        print(f"errors: {len(tally.errors)}")
        for e in tally.errors[:10]:
            print(f"  {e}")
        if lat:
            print(
                f"rerun latency: p50 {statistics.median(lat):.2f} s, p95 {q[18]:.2f} s, "
                f"max {lat[-1]:.2f} s (without sign-in, before: p50 {PEER['p50']} s, "
                f"p90 {PEER['p90']} s, max {PEER['max']} s)"
            )
        if warmed_after is not None:
            print(f"sessions started after the server warmed its caches ({warmed_after:.0f} s)")
        for what, rows in (("first visits", tally.firsts), ("later reruns", tally.laters)):
            took = sorted(t for _, t in rows)
            if len(took) >= 20:
                q = statistics.quantiles(took, n=20)
                print(
                    f"  {what}: {len(took)}, p50 {statistics.median(took):.2f} s, "
                    f"p95 {q[18]:.2f} s, max {took[-1]:.2f} s"
                )
        pages = sorted({p for p, _ in tally.laters})
        for page in pages:
            took = sorted(t for p, t in tally.laters if p == page)
            print(f"  later {page}: {len(took)}, p50 {statistics.median(took):.2f} s, "
                  f"max {took[-1]:.2f} s")  # fmt: skip
        top = max(peak)
        per = (top - rss_start) / max(1, args.sessions)
        print(
            f"server memory: {rss_start:.0f} MB at start, peak {top:.0f} MB, "
            f"{per:.1f} MB per session (before: {PEER['rss_mb']:.0f} MB with 20 sessions)"
        )
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


if __name__ == "__main__":
    main()
