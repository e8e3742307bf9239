"""``campusgrid serve``: start the Streamlit web app on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from zoning.cli.common import DbOption


def app_script() -> Path | None:
    """Return the installed app's entry script (``app_pages/app.py``), or None if missing.

    Found with the import system but not imported: the CLI never runs page code itself.
    """
    spec = importlib.util.find_spec("app_pages")
    if spec is None or not spec.submodule_search_locations:
        return None
    script = Path(next(iter(spec.submodule_search_locations))) / "app.py"
    return script if script.is_file() else None


def serve(
    port: Annotated[
        int, typer.Option("--port", help="Port on 127.0.0.1.", min=1, max=65535)
    ] = 8501,
    db: DbOption = None,
) -> None:
    """Start the web app on http://127.0.0.1:PORT (nothing is requested from outside)."""
    app_py = app_script()
    if app_py is None:
        typer.echo(
            "error: the web app (package app_pages) is not installed with campusgrid: "
            "reinstall it (`pip install campusgrid`, or `make run` in a checkout)",
            err=True,
        )
        raise typer.Exit(2)
    env = dict(os.environ)
    if db:
        env["CAMPUSGRID_DB"] = db
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_py),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # The app's own settings (app_pages/.streamlit/config.toml), repeated for a Streamlit
        # that reads the config only from the working directory.
        "--server.enableStaticServing",
        "true",
        "--server.enableWebsocketCompression",
        "true",
        "--runner.magicEnabled",
        "false",
    ]
    if not port_free(port):
        typer.echo(
            f"error: port {port} on 127.0.0.1 is already in use (is campusgrid already running? "
            f"open http://127.0.0.1:{port}), or pick another with --port",
            err=True,
        )
        raise typer.Exit(2)
    typer.echo(f"campusgrid on http://127.0.0.1:{port}", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # Replace this process by the server: a service manager's stop signal reaches Streamlit
    # itself, and no orphan keeps serving the port.
    os.execve(sys.executable, cmd, env)


def port_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
