"""A real guarded server (``streamlit run app.py``) on the safety test campus with the
public form enabled: account ``public-form`` (a safety officer), small limits so that the
tests reach them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.actors import ADMIN
from tests.e2e.server import streamlit_server
from tests.safety_campus import CAMPUS, make_campus
from zoning.services import accounts
from zoning.store.engine import open_engine

PUBLIC_ACCOUNT = "public-form"
#: Posts per place and per client address in the window; the photo limit (MB).
PER_PLACE = 3
PER_CLIENT = 6
MAX_PHOTO_MB = 0.2


@pytest.fixture(scope="session")
def public_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SpatiaLite file with the safety test campus and the public form's account."""
    url = f"sqlite:///{tmp_path_factory.mktemp('public') / 'public.sqlite'}"
    engine = open_engine(url)
    make_campus(engine)
    accounts.add_account(
        engine, ADMIN, PUBLIC_ACCOUNT, "safety_officer", "public-form-password-1", campus=CAMPUS
    )
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's folder: its log and its photo store ``photos``."""
    return tmp_path_factory.mktemp("public-server")


@pytest.fixture(scope="session")
def public_base(public_db: str, server_dir: Path) -> Iterator[str]:
    """The server's base URL."""
    folder = server_dir
    env = {
        "CAMPUSGRID_PUBLIC_ACCOUNT": PUBLIC_ACCOUNT,
        "CAMPUSGRID_PUBLIC_PER_PLACE": str(PER_PLACE),
        "CAMPUSGRID_PUBLIC_PER_CLIENT": str(PER_CLIENT),
        "CAMPUSGRID_PUBLIC_MAX_PHOTO_MB": str(MAX_PHOTO_MB),
        "CAMPUSGRID_PHOTO_DIR": str(folder / "photos"),
    }
    with streamlit_server(public_db, folder / "streamlit.log", **env) as url:
        yield url
