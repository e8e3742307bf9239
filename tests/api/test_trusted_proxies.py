"""The client address the rate limits count by: the socket peer, or behind a trusted
reverse proxy (``CAMPUSGRID_TRUSTED_PROXIES``) the right-most forwarded address that is not
a proxy; anyone else's ``X-Forwarded-For`` is not believed. The helper on its own, and a
real server started with a limit of 2 refused tokens that trusts 127.0.0.1 only (the
untrusted peer is this machine's 127.0.0.2)."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.types import Scope

from tests.api.rest_client import token_for
from tests.e2e.server import streamlit_server
from tests.ports import free_port
from zoning.api.clients import TRUSTED_PROXIES_ENV, client_address, parse_proxies
from zoning.api.rest import PREFIX
from zoning.api.rest.auth import FAILURES_ENV
from zoning.errors import InvalidInput

PROXIES = parse_proxies("127.0.0.1, 10.0.0.0/8")


def _scope(peer: str | None, *forwarded: str) -> Scope:
    headers = [(b"x-forwarded-for", f.encode("latin-1")) for f in forwarded]
    return {"type": "http", "client": (peer, 50000) if peer else None, "headers": headers}


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert client_address(_scope("192.0.2.9", "203.0.113.1"), PROXIES) == "192.0.2.9"
    assert client_address(_scope("127.0.0.1", "203.0.113.1"), frozenset()) == "127.0.0.1"
    assert client_address(_scope(None, "203.0.113.1"), PROXIES) == "unknown"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() -> None:
    assert client_address(_scope("127.0.0.1", "203.0.113.1"), PROXIES) == "203.0.113.1"
    spoofed = _scope("127.0.0.1", "198.51.100.7, 203.0.113.1, 10.1.2.3")
    assert client_address(spoofed, PROXIES) == "203.0.113.1"  # the left part is the client's
    two_headers = _scope("10.0.0.5", "198.51.100.7", "203.0.113.1")
    assert client_address(two_headers, PROXIES) == "203.0.113.1"
    assert client_address(_scope("127.0.0.1"), PROXIES) == "127.0.0.1"  # the proxy itself
    assert client_address(_scope("127.0.0.1", "[2001:db8::1]"), PROXIES) == "2001:db8::1"


def test_a_setting_that_is_not_an_address_is_refused_in_one_line() -> None:
    assert parse_proxies("") == frozenset() == parse_proxies(" , ")
    with pytest.raises(InvalidInput, match=r"'nginx' is not an IP address or network") as err:
        parse_proxies("127.0.0.1,nginx")
    assert TRUSTED_PROXIES_ENV in str(err.value) and "\n" not in str(err.value)


def test_serve_refuses_to_start_with_a_proxy_that_is_not_an_address(tmp_path: Path) -> None:
    env = {**os.environ, "CAMPUSGRID_DB": f"sqlite:///{tmp_path}/db.sqlite"}
    env[TRUSTED_PROXIES_ENV] = "127.0.0.1,nginx"
    done = subprocess.run(
        [str(Path(sys.executable).with_name("campusgrid")), "serve", "--port", str(free_port())],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line == (
        f"error: {TRUSTED_PROXIES_ENV}: 'nginx' is not an IP address or network: give the "
        "reverse proxies' addresses separated by commas, e.g. 127.0.0.1,10.0.0.0/8."
    )


@pytest.fixture(scope="module")
def proxied(api_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("api-proxied") / "streamlit.log"
    env = {FAILURES_ENV: "2", TRUSTED_PROXIES_ENV: "127.0.0.1"}
    with streamlit_server(api_db, log, **env) as url:
        yield url


def _me(base: str, token: str, *, source: str, forwarded: str | None = None) -> int:
    """GET the API's /me with ``token`` from local address ``source``; return the status."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=30, source_address=(source, 0)
    )
    headers = {"Authorization": f"Bearer {token}"}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    try:
        conn.request("GET", PREFIX + "/me", headers=headers)
        reply = conn.getresponse()
        body = reply.read()
    finally:
        conn.close()
    if reply.status == 429:
        assert json.loads(body)["error"]["code"] == "too_many_failures"
    return reply.status


@pytest.mark.e2e
def test_forwarded_addresses_are_believed_from_the_trusted_proxy_only(
    proxied: str, api_db: str
) -> None:
    good = token_for(api_db, "api-proxied", "viewer")
    # From an untrusted peer (127.0.0.2), X-Forwarded-For is ignored: its failures hold off
    # the peer itself, whatever address it claims next.
    for n in range(2):
        assert _me(proxied, f"cgt_wrong-{n}", source="127.0.0.2", forwarded="203.0.113.7") == 401
    assert _me(proxied, good, source="127.0.0.2", forwarded="198.51.100.1") == 429
    # Through the trusted proxy (127.0.0.1), each forwarded client is counted on its own.
    for n in range(2):
        assert _me(proxied, f"cgt_wrong-{n}", source="127.0.0.1", forwarded="203.0.113.8") == 401
    assert _me(proxied, good, source="127.0.0.1", forwarded="203.0.113.8") == 429
    assert _me(proxied, good, source="127.0.0.1", forwarded="6.6.6.6, 203.0.113.8") == 429
    assert _me(proxied, good, source="127.0.0.1", forwarded="203.0.113.9") == 200
    assert _me(proxied, good, source="127.0.0.1") == 200  # the proxy's own address is apart
