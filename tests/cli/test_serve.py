"""``campusgrid serve`` is the server process itself: stopping it stops the server; the first
start creates the admin and says once how to sign in; a network address needs an admin; the
environment cannot silently override the options."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.signin import session_cookie
from tests.ports import free_port

CLI = str(Path(sys.executable).with_name("campusgrid"))


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "CAMPUSGRID_DB": f"sqlite:///{tmp_path}/db.sqlite", **extra}
    env["CAMPUSGRID_LAYER_DIR"] = str(tmp_path / "layers")
    for name in ("STREAMLIT_SERVER_ADDRESS", "STREAMLIT_SERVER_PORT", "CAMPUSGRID_USER"):
        if name not in extra:
            env.pop(name, None)
    return env


FIRST_ADMIN = re.compile(
    r"First start: an admin account was created\. Sign in at http://127\.0\.0\.1:\d+ as "
    r"admin with password (\S+) \(shown only now\); change it with "
    r"`campusgrid users passwd admin --password-stdin`\."
)


@pytest.mark.e2e
def test_stopping_serve_stops_the_server(tmp_path: Path) -> None:
    """A service manager stops the pid it started: nothing may keep serving the port."""
    port = free_port()
    env = _env(tmp_path)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [CLI, "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while not _healthy(port):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not come up in 90 s"
            time.sleep(0.5)
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
        assert b"streamlit" in cmdline  # the pid started is the server, not a parent of it
        watcher = cmdline[cmdline.index(b"--server.fileWatcherType") + 1]
        assert watcher == b"none"  # a service never re-imports its code while serving
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _listening(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _listening(port), "the port is still served after serve was stopped"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_port_in_use_is_one_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [CLI, "serve", "--port", str(port)], capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is already in use (is campusgrid already running? "
        f"open http://127.0.0.1:{port}), or pick another with --port"
    ]


@pytest.mark.parametrize("port", ["0", "70000"])
def test_an_impossible_port_is_refused(port: str) -> None:
    done = subprocess.run([CLI, "serve", "--port", port], capture_output=True, text=True)
    assert done.returncode == 2 and "--port" in done.stderr


def _serve_once(tmp_path: Path, name: str) -> tuple[str, str]:
    """Start ``campusgrid serve`` on a free port, wait until healthy, stop it; return its
    output and base URL (signing in is checked while it runs)."""
    port = free_port()
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [CLI, "serve", "--port", str(port)],
            env=_env(tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while not _healthy(port):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not come up in 90 s"
            time.sleep(0.5)
        text = log.read_text("utf-8")
        found = FIRST_ADMIN.search(text)
        if found:  # the printed password signs in, through the real form
            assert session_cookie(base, "admin", found.group(1))
        return text, base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.mark.e2e
def test_the_first_start_creates_the_admin_and_says_so_once(tmp_path: Path) -> None:
    first, _ = _serve_once(tmp_path, "first")
    assert len(FIRST_ADMIN.findall(first)) == 1, first
    again, _ = _serve_once(tmp_path, "again")
    assert "First start" not in again and "password" not in again


def _refused(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "serve", *args], env=_env(tmp_path, **env), capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_a_network_address_is_refused_without_an_admin(tmp_path: Path) -> None:
    done = _refused(tmp_path, "--address", "0.0.0.0", "--port", str(free_port()))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "error: refusing to listen on 0.0.0.0 while no enabled admin account exists: add one "
        "with `campusgrid users add NAME --role admin --password-stdin`, or serve on 127.0.0.1"
    )
    assert "First start" not in done.stdout  # no admin made for a refused start


def test_an_address_that_is_no_ip_is_one_line(tmp_path: Path) -> None:
    done = _refused(tmp_path, "--address", "campus.example")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: --address 'campus.example' is not an IP address: use e.g. 127.0.0.1 or 0.0.0.0"
    ]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "STREAMLIT_SERVER_ADDRESS",
            "0.0.0.0",
            "error: STREAMLIT_SERVER_ADDRESS=0.0.0.0 is set in the environment but campusgrid "
            "serves on --address 127.0.0.1: pass --address 0.0.0.0 instead and unset "
            "STREAMLIT_SERVER_ADDRESS",
        ),
        (
            "STREAMLIT_SERVER_PORT",
            "9999",
            "error: STREAMLIT_SERVER_PORT=9999 is set in the environment but campusgrid "
            "serves on --port 8501: pass --port 9999 instead and unset STREAMLIT_SERVER_PORT",
        ),
    ],
)
def test_streamlit_settings_in_the_environment_are_refused_not_overridden(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    done = _refused(tmp_path, **{variable: value})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [message]


def test_the_same_setting_in_the_environment_is_accepted(tmp_path: Path) -> None:
    with socket.socket() as taken:  # the port check comes next: a quick, known refusal
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _refused(tmp_path, "--port", str(port), STREAMLIT_SERVER_PORT=str(port))
    assert done.returncode == 2
    assert "is already in use" in done.stderr and "STREAMLIT" not in done.stderr


def test_a_half_done_single_sign_on_stops_serve(tmp_path: Path) -> None:
    done = _refused(
        tmp_path,
        "--port",
        str(free_port()),
        CAMPUSGRID_OIDC_ISSUER="https://sso.campus.example",
        CAMPUSGRID_OIDC_CLIENT_ID="",
    )
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and "CAMPUSGRID_OIDC_CLIENT_ID" in line
    assert "First start" not in done.stdout
