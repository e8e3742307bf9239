"""Signing in to a running server the way a browser does: GET the form (its double-submit
token), POST the name and password; plain HTTP with http.client (no redirect followed)."""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from tests.actors import ADMIN
from zoning.services import accounts
from zoning.services.database import open_engine

#: The account the browser tests sign in as, and its password.
E2E_ACCOUNT = "e2e-admin"
E2E_PASSWORD = "e2e-tests-password-1"


@dataclass(frozen=True)
class Reply:
    """One HTTP reply: status, headers (lower-case names; Set-Cookie lines kept), body."""

    status: int
    headers: dict[str, str]
    set_cookies: list[str]
    body: str


def request(
    base: str,
    path: str,
    *,
    method: str = "GET",
    body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    client: str | None = None,
    timeout: float = 30,
) -> Reply:
    """Send one request to ``base`` + ``path``; return the reply (redirects not followed).
    ``client``: the loopback address to send from (a client of its own for rate limits)."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(
        url.hostname or "127.0.0.1",
        url.port,
        timeout=timeout,
        source_address=(client, 0) if client else None,
    )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        reply = conn.getresponse()
        text = reply.read().decode("utf-8", "replace")
        found = {k.lower(): v for k, v in reply.getheaders()}
        cookies = [v for k, v in reply.getheaders() if k.lower() == "set-cookie"]
        return Reply(reply.status, found, cookies, text)
    finally:
        conn.close()


def cookie_value(reply: Reply, name: str) -> str | None:
    """Return the value the reply sets for cookie ``name`` (None: not set)."""
    for line in reply.set_cookies:
        jar: SimpleCookie = SimpleCookie()
        jar.load(line)
        if name in jar:
            return jar[name].value
    return None


def post_sign_in(
    base: str, name: str, password: str, *, next_path: str = "/", csrf: bool = True
) -> Reply:
    """Open the sign-in form and post it (with its token unless ``csrf`` is False)."""
    form = request(base, "/signin", headers={"Accept": "text/html"})
    token = cookie_value(form, "campusgrid_csrf") or ""
    hidden = re.search(r'name="csrf" value="([^"]+)"', form.body)
    fields = {"name": name, "password": password, "next": next_path}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if csrf:
        assert hidden is not None and hidden.group(1) == token
        fields["csrf"] = token
        headers["Cookie"] = f"campusgrid_csrf={token}"
    return request(base, "/signin", method="POST", body=urlencode(fields), headers=headers)


def session_cookie(base: str, name: str, password: str) -> str:
    """Sign in and return the session token the server set."""
    reply = post_sign_in(base, name, password)
    token = cookie_value(reply, "campusgrid_session")
    assert reply.status == 303 and token, (reply.status, reply.body[:300])
    return token


def ensure_account(
    db_url: str, name: str = E2E_ACCOUNT, role: str = "admin", **link: str | int | None
) -> None:
    """Create account ``name`` (password :data:`E2E_PASSWORD`) unless it exists."""
    engine = open_engine(db_url)
    try:
        if accounts.sso_actor(engine, name) is None:
            accounts.add_account(engine, ADMIN, name, role, E2E_PASSWORD, **link)  # type: ignore[arg-type]
    finally:
        engine.dispose()
