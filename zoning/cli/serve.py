"""``campusgrid serve``: start the web app (the sign-in gate in front of every page).

Listens on 127.0.0.1 unless ``--address`` says otherwise; an address other than loopback
is refused while no enabled admin account exists. The first start creates the admin and
prints once how to sign in.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from zoning.cli.common import DbOption, engine_for, run

#: The environment variables the server reads its settings from (zoning.api.settings).
IDLE_ENV = "CAMPUSGRID_IDLE_HOURS"
DB_ENV = "CAMPUSGRID_DB"


def app_script() -> Path | None:
    """Return the installed server script (``app_pages/server.py``), or None if missing.

    Found with the import system but not imported: the CLI never runs page code itself.
    """
    spec = importlib.util.find_spec("app_pages")
    if spec is None or not spec.submodule_search_locations:
        return None
    script = Path(next(iter(spec.submodule_search_locations))) / "server.py"
    return script if script.is_file() else None


def is_loopback(address: str) -> bool:
    """True for ``localhost`` and a loopback IP address (127.0.0.0/8, ::1)."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _check_environment(address: str, port: int) -> None:
    """Refuse Streamlit settings in the environment that contradict the options."""
    for name, value, option in (
        ("STREAMLIT_SERVER_ADDRESS", address, "--address"),
        ("STREAMLIT_SERVER_PORT", str(port), "--port"),
    ):
        found = os.environ.get(name)
        if found is not None and found.strip() != value:
            _fail(
                f"{name}={found.strip()} is set in the environment but campusgrid serves on "
                f"{option} {value}: pass {option} {found.strip()} instead and unset {name}"
            )


def _url(address: str, port: int) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}:{port}"


def serve(
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)
    ] = 8501,
    address: Annotated[
        str,
        typer.Option(
            "--address",
            help="Address to listen on (default 127.0.0.1: this machine only). Any other "
            "address (0.0.0.0: every network) needs an enabled admin account.",
        ),
    ] = "127.0.0.1",
    idle_hours: Annotated[
        float,
        typer.Option(
            "--idle-hours",
            help="Hours without use after which a signed-in session ends.",
            min=0.1,
            max=8784,
        ),
    ] = 8.0,
    db: DbOption = None,
) -> None:
    """Start the web app on http://ADDRESS:PORT; everyone signs in first."""
    address = address.strip()
    if not is_loopback(address):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            _fail(f"--address {address!r} is not an IP address: use e.g. 127.0.0.1 or 0.0.0.0")
    _check_environment(address, port)
    script = app_script()
    if script is None:
        _fail(
            "the web app (package app_pages) is not installed with campusgrid: "
            "reinstall it (`pip install campusgrid`, or `make run` in a checkout)"
        )
    assert script is not None
    if not port_free(port, address):
        _fail(
            f"port {port} on {address} is already in use (is campusgrid already running? "
            f"open {_url(address, port)}), or pick another with --port"
        )
    from zoning.accounts import local_operator
    from zoning.api.clients import trusted_proxies
    from zoning.api.settings import oidc_settings
    from zoning.services import accounts

    run(oidc_settings)  # a half-done single sign-on setup stops here, not at the first visit
    run(trusted_proxies)  # so does a proxy address that is not one
    engine = engine_for(db)
    if not is_loopback(address) and not run(lambda: accounts.has_admin(engine)):
        _fail(
            f"refusing to listen on {address} while no enabled admin account exists: "
            "add one with `campusgrid users add NAME --role admin --password-stdin`, "
            "or serve on 127.0.0.1"
        )
    first = run(lambda: accounts.ensure_first_admin(engine, by=local_operator().name))
    engine.dispose()
    url = _url("127.0.0.1" if address in ("0.0.0.0", "::") else address, port)
    if first is not None:
        name, password = first
        typer.echo(
            f"First start: an admin account was created. Sign in at {url} as {name} with "
            f"password {password} (shown only now); change it with "
            f"`campusgrid users passwd {name} --password-stdin`."
        )
    env = dict(os.environ)
    if db:
        env[DB_ENV] = db
    env[IDLE_ENV] = repr(idle_hours)
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # The app's own settings (app_pages/.streamlit/config.toml), repeated for a Streamlit
        # that reads the config only from the working directory.
        "--server.enableStaticServing",
        "false",
        "--server.enableCORS",
        "true",
        "--server.enableXsrfProtection",
        "true",
        "--server.enableWebsocketCompression",
        "true",
        "--runner.magicEnabled",
        "false",
        # A service does not reload its code while it serves: a file edited under a running
        # server (an upgrade in place) re-imported the pages mid-request; restart it instead.
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
    ]
    typer.echo(f"campusgrid on {url}", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # Replace this process by the server: a service manager's stop signal reaches Streamlit
    # itself, and no orphan keeps serving the port.
    os.execve(sys.executable, cmd, env)


def port_free(port: int, address: str = "127.0.0.1") -> bool:
    """True when nothing listens on ``address``:``port``."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True
