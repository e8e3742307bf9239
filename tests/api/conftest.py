"""A real guarded server (``streamlit run app.py``, as the checkout serves it) on a free
127.0.0.1 port with the small demo campus, and an account to sign in with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.actors import ADMIN
from tests.e2e.server import streamlit_server
from tests.e2e.signin import E2E_ACCOUNT, ensure_account
from zoning import services
from zoning.store.engine import open_engine


@pytest.fixture(scope="session")
def api_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh SQLite database: the small demo campus, account ``e2e-admin``."""
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'demo.sqlite'}"
    engine = open_engine(url)
    services.seed_demo(engine, scale="small", seed=0, actor=ADMIN)
    engine.dispose()
    ensure_account(url, E2E_ACCOUNT)
    return url


@pytest.fixture(scope="session")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's log file (stdout and stderr)."""
    return tmp_path_factory.mktemp("api-server") / "streamlit.log"


@pytest.fixture(scope="session")
def base(api_db: str, server_log: Path) -> Iterator[str]:
    """The guarded server's base URL."""
    with streamlit_server(api_db, server_log) as url:
        yield url
