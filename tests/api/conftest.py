"""A real guarded server (``streamlit run app.py``, as the checkout serves it) on a free
127.0.0.1 port with the small demo campus, and an account to sign in with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.oidc_provider import OidcProvider, oidc_provider
from tests.demo_copies import DemoTemplates
from tests.e2e.server import streamlit_server
from tests.e2e.signin import E2E_ACCOUNT, ensure_account
from zoning.store.engine import open_engine


@pytest.fixture(scope="session")
def api_db(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> str:
    """A fresh SQLite database: the small demo campus, account ``e2e-admin``."""
    url = demo_templates.spatialite(90, tmp_path_factory.mktemp("api") / "demo.sqlite")
    engine = open_engine(url)
    engine.dispose()
    ensure_account(url, E2E_ACCOUNT)
    return url


@pytest.fixture(scope="session")
def server_log(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> Path:
    """The server's log file (stdout and stderr)."""
    return tmp_path_factory.mktemp("api-server") / "streamlit.log"


@pytest.fixture(scope="session")
def base(api_db: str, server_log: Path) -> Iterator[str]:
    """The guarded server's base URL."""
    with streamlit_server(api_db, server_log) as url:
        yield url


@pytest.fixture(scope="session")
def provider() -> Iterator[OidcProvider]:
    """A real OpenID Connect provider on a free 127.0.0.1 port (see tests/api/oidc_provider)."""
    with oidc_provider() as found:
        yield found


#: The SSO button text the SSO server is given (markup in it must show as text).
SSO_LABEL = "统一身份认证 <Campus SSO>"


@pytest.fixture(scope="session")
def sso_server_dir(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> Path:
    """The SSO server's folder: its log ``streamlit.log``, its client secret file."""
    return tmp_path_factory.mktemp("sso-server")


@pytest.fixture(scope="session")
def sso_base(api_db: str, provider: OidcProvider, sso_server_dir: Path) -> Iterator[str]:
    """A second guarded server on the same database with single sign-on through
    ``provider`` (the client secret read from a file); its callback is registered there."""
    folder = sso_server_dir
    secret = folder / "client-secret"
    secret.write_text(provider.client_secret + "\n", "utf-8")
    env = {
        "CAMPUSGRID_OIDC_ISSUER": provider.issuer,
        "CAMPUSGRID_OIDC_CLIENT_ID": provider.client_id,
        "CAMPUSGRID_OIDC_CLIENT_SECRET_FILE": str(secret),
        "CAMPUSGRID_OIDC_LABEL": SSO_LABEL,
    }
    with streamlit_server(api_db, folder / "streamlit.log", **env) as url:
        provider.redirect_uris.add(url + "/signin/sso/callback")
        yield url
