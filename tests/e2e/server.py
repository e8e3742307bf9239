"""The app served by a real Streamlit on a free 127.0.0.1 port (browser tests, UI benchmarks):
``streamlit run app.py``, the guarded server (sign-in first, see :mod:`tests.e2e.signin`)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.ports import free_port

#: The repository root (Streamlit runs ``app.py`` from here).
ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def streamlit_server(db_url: str, log_path: Path, **env_vars: str) -> Iterator[str]:
    """Serve the app on a free 127.0.0.1 port with database ``db_url`` and ``env_vars``
    (``CAMPUSGRID_BASEMAP_URL`` only when given; the layer files in a ``layers`` folder
    beside ``log_path``); yield its base URL, stop it at the end."""
    port = free_port()
    log = log_path.open("wb")
    layers = log_path.parent / "layers"  # the layer files of this server only
    env = {**os.environ, "CAMPUSGRID_DB": db_url, "CAMPUSGRID_LAYER_DIR": str(layers)}
    env.pop("CAMPUSGRID_BASEMAP_URL", None)
    for name in ("STREAMLIT_SERVER_ADDRESS", "STREAMLIT_SERVER_PORT"):
        env.pop(name, None)
    env.update(env_vars)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("streamlit")),
            "run",
            "app.py",
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--server.port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {process.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer /_stcore/health; see {log.name}")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
