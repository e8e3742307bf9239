"""A page test signed in as an account: ``AppTest`` cannot carry the session cookie, so the
tests sign in the way single sign-on does (``st.user`` naming an enabled account)."""

from __future__ import annotations

import os

from streamlit.testing.v1 import AppTest

from tests.actors import ADMIN
from zoning.services import accounts
from zoning.services.database import open_engine

PASSWORD = "page-tests-password-1"


def ensure_account(
    url: str | None, name: str = "page-admin", role: str = "admin", **link: str | int | None
) -> str:
    """Make sure account ``name`` exists in the database at ``url``; return its name."""
    engine = open_engine(url or None)
    try:
        if accounts.sso_actor(engine, name) is None:
            accounts.add_account(engine, ADMIN, name, role, PASSWORD, **link)  # type: ignore[arg-type]
    finally:
        engine.dispose()
    return name


def signed_in(
    app: AppTest, name: str = "page-admin", role: str = "admin", **link: str | int | None
) -> AppTest:
    """Return ``app`` signed in as account ``name`` (created as ``role`` if missing) of the
    database the app reads (``$CAMPUSGRID_DB``, as the pages do)."""
    url = os.environ.get("CAMPUSGRID_DB", "").strip() or None
    app.user = {"is_logged_in": True, "email": ensure_account(url, name, role, **link)}
    return app
