"""The sign-in gate over real HTTP and websockets against the real server: nothing of the
campus (pages, Streamlit's bundle, layer files, the websocket) without a session; the form's
token, cookie flags, ``next``, sign-out, lockout; no secret in the server's log."""

from __future__ import annotations

import gzip
import http.client
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.e2e.signin import (
    E2E_ACCOUNT,
    E2E_PASSWORD,
    cookie_value,
    ensure_account,
    post_sign_in,
    request,
    session_cookie,
)

pytestmark = pytest.mark.e2e

#: Every secret a test sent or received: none may appear in the server's log.
SECRETS: list[str] = [E2E_PASSWORD]
HTML = {"Accept": "text/html"}


def _signed_in(base: str) -> str:
    token = session_cookie(base, E2E_ACCOUNT, E2E_PASSWORD)
    SECRETS.append(token)
    return token


def _stream(base: str, *, token: str | None, origin: str | None) -> str:
    """Open Streamlit's websocket; return "open" or the refused handshake's status."""
    headers = {"Cookie": f"campusgrid_session={token}"} if token else {}
    try:
        with connect(
            base.replace("http", "ws", 1) + "/_stcore/stream",
            additional_headers=headers,
            origin=origin,  # type: ignore[arg-type]
            subprotocols=["streamlit"],  # type: ignore[list-item]
            open_timeout=20,
        ):
            return "open"
    except InvalidStatus as err:
        return str(err.response.status_code)


def _layer_file(base: str) -> str:
    """Write a real layer file where the server serves them; return its name."""
    folder = Path(_log_dir(base)) / "layers"
    folder.mkdir(exist_ok=True)
    (folder / "cells-0123abcd.json").write_text('{"cells": [1, 2]}', "utf-8")
    return "cells-0123abcd.json"


_LOG_DIRS: dict[str, str] = {}


def _log_dir(base: str) -> str:
    return _LOG_DIRS[base]


@pytest.fixture(autouse=True)
def _remember_log_dir(base: str, server_log: Path) -> None:
    _LOG_DIRS[base] = str(server_log.parent)


@pytest.mark.parametrize(
    "path", ["/", "/planner", "/ledger?campus=demo", "/static/js/index.js", "/_stcore/host-config"]
)
def test_without_a_session_a_page_goes_to_the_sign_in_form(base: str, path: str) -> None:
    reply = request(base, path, headers=HTML)
    assert reply.status == 303
    assert reply.headers["location"].startswith("/signin?next=%2F")
    assert "campusgrid" not in reply.body and "demo" not in reply.body


def test_without_a_session_files_and_the_api_are_401(base: str) -> None:
    name = _layer_file(base)
    for path in (f"/layers/{name}", "/app/static/map/x.json", "/_stcore/metrics"):
        reply = request(base, path)
        assert reply.status == 401, path
        assert "cells" not in reply.body


def test_only_the_form_and_the_health_check_are_public(base: str) -> None:
    assert request(base, "/_stcore/health").status == 200
    form = request(base, "/signin", headers=HTML)
    assert form.status == 200 and "登录" in form.body and "Sign in" in form.body
    assert "<script" not in form.body
    for reply in (form, request(base, "/", headers=HTML)):  # security headers everywhere
        assert reply.headers["x-frame-options"] == "DENY"
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in form.headers["content-security-policy"]


def test_the_websocket_needs_a_session_and_its_own_origin(base: str) -> None:
    assert _stream(base, token=None, origin=base) == "403"
    token = _signed_in(base)
    assert _stream(base, token=token, origin=None) == "403"  # no Origin: refused
    assert _stream(base, token=token, origin="http://evil.example") == "403"
    assert _stream(base, token="not-a-session", origin=base) == "403"
    assert _stream(base, token=token, origin=base) == "open"


def test_a_sign_in_without_the_form_token_is_refused(base: str) -> None:
    reply = post_sign_in(base, E2E_ACCOUNT, E2E_PASSWORD, csrf=False)
    assert reply.status == 403
    assert cookie_value(reply, "campusgrid_session") is None
    assert "expired" in reply.body


def test_a_wrong_password_is_401_with_one_line_in_both_languages(base: str) -> None:
    SECRETS.append("wrong-password-42")
    reply = post_sign_in(base, E2E_ACCOUNT, "wrong-password-42")
    assert reply.status == 401
    assert "账号或密码错误。" in reply.body
    assert "Wrong account name or password." in reply.body
    assert cookie_value(reply, "campusgrid_session") is None
    assert "wrong-password-42" not in reply.body


def test_a_good_password_sets_a_safe_cookie_and_opens_the_app(base: str) -> None:
    reply = post_sign_in(base, E2E_ACCOUNT, E2E_PASSWORD, next_path="/planner")
    assert reply.status == 303 and reply.headers["location"] == "/planner"
    (line,) = [c for c in reply.set_cookies if c.startswith("campusgrid_session=")]
    flags = {part.strip().lower() for part in line.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags  # plain HTTP on 127.0.0.1
    token = cookie_value(reply, "campusgrid_session")
    assert token
    SECRETS.append(token)
    page = request(base, "/", headers={**HTML, "Cookie": f"campusgrid_session={token}"})
    assert page.status == 200 and "<html" in page.body.lower()


def test_the_cookie_is_secure_behind_an_https_proxy(base: str) -> None:
    form = request(base, "/signin", headers=HTML)
    token = cookie_value(form, "campusgrid_csrf") or ""
    body = f"name={E2E_ACCOUNT}&password={E2E_PASSWORD}&csrf={token}&next=/"
    reply = request(
        base,
        "/signin",
        method="POST",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"campusgrid_csrf={token}",
            "X-Forwarded-Proto": "https",
        },
    )
    assert reply.status == 303
    (line,) = [c for c in reply.set_cookies if c.startswith("campusgrid_session=")]
    assert "secure" in line.lower()
    SECRETS.append(cookie_value(reply, "campusgrid_session") or "")


@pytest.mark.parametrize(
    "target", ["https://evil.example", "//evil.example/x", "/\\evil.example", "javascript:1"]
)
def test_next_never_leaves_the_site(base: str, target: str) -> None:
    reply = post_sign_in(base, E2E_ACCOUNT, E2E_PASSWORD, next_path=target)
    assert reply.status == 303 and reply.headers["location"] == "/"
    SECRETS.append(cookie_value(reply, "campusgrid_session") or "")


def test_layer_files_are_served_to_a_session_by_name_only(base: str) -> None:
    name = _layer_file(base)
    cookie = {"Cookie": f"campusgrid_session={_signed_in(base)}"}
    reply = request(base, f"/layers/{name}", headers=cookie)
    assert reply.status == 200 and reply.body == '{"cells": [1, 2]}'
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.headers.get("etag") and "max-age" in reply.headers["cache-control"]
    for bad in ("..%2Fstreamlit.log", "%2e%2e%2fstreamlit.log", "x.txt", ".hidden.json"):
        assert request(base, f"/layers/{bad}", headers=cookie).status in (400, 404), bad


def test_layer_files_go_as_gzipped_beside_them_to_a_client_that_takes_gzip(base: str) -> None:
    name = _layer_file(base)
    packed = gzip.compress(b'{"cells": [1, 2]}', mtime=0)
    (Path(_log_dir(base)) / "layers" / f"{name}.gz").write_bytes(packed)
    cookie = f"campusgrid_session={_signed_in(base)}"
    url = urlsplit(base)
    for accept, encoding, body in (
        ("gzip, deflate, br", "gzip", packed),
        ("identity", None, None),
        ("br, gzip;q=0", None, None),
    ):
        conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
        try:
            conn.request(
                "GET", f"/layers/{name}", headers={"Cookie": cookie, "Accept-Encoding": accept}
            )
            reply = conn.getresponse()
            data = reply.read()
            assert reply.status == 200
            assert reply.getheader("content-type", "").startswith("application/json")
            assert reply.getheader("content-encoding") == encoding
            assert "Accept-Encoding" in reply.getheader("vary", "")
            assert data == (body or b'{"cells": [1, 2]}')  # the copy as written, not redone
        finally:
            conn.close()


def test_sign_out_ends_the_session(base: str) -> None:
    token = _signed_in(base)
    cookie = {"Cookie": f"campusgrid_session={token}"}
    assert request(base, "/", headers={**HTML, **cookie}).status == 200
    out = request(base, "/signout", method="POST", headers={**cookie, "Origin": base})
    assert out.status == 303 and out.headers["location"] == "/signin"
    assert any(c.startswith('campusgrid_session=""') or "max-age=0" in c.lower()
               for c in out.set_cookies)  # fmt: skip
    assert request(base, "/", headers={**HTML, **cookie}).status == 303
    assert _stream(base, token=token, origin=base) == "403"


def test_five_wrong_passwords_lock_the_account(base: str, api_db: str) -> None:
    ensure_account(api_db, "lock-me", "viewer")
    for _ in range(5):
        assert post_sign_in(base, "lock-me", "not-the-password-1").status == 401
    reply = post_sign_in(base, "lock-me", E2E_PASSWORD)  # the right one, too late
    assert reply.status == 401
    assert "locked" in reply.body and "锁定" in reply.body
    assert cookie_value(reply, "campusgrid_session") is None


def test_no_password_or_token_reaches_the_server_log(base: str, server_log: Path) -> None:
    """Last in this module: every secret the tests above used."""
    log = server_log.read_text("utf-8", "replace")
    assert "127.0.0.1" in log  # the log is the server's
    assert [s for s in SECRETS if s and s in log] == []


def test_the_bare_page_script_serves_nothing_of_the_campus(api_db: str, tmp_path: Path) -> None:
    """``streamlit run app_pages/app.py`` (no gate, no routes): no layer file, no static."""
    import subprocess
    import sys
    import time

    from tests.ports import free_port

    port = free_port()
    with (tmp_path / "bare.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("streamlit")), "run", "app_pages/app.py",
             "--server.port", str(port), "--server.headless", "true",
             "--server.fileWatcherType", "none"],
            cwd=Path(__file__).resolve().parents[2], stdout=log, stderr=subprocess.STDOUT,
            env={**__import__("os").environ, "CAMPUSGRID_DB": api_db,
                 "CAMPUSGRID_LAYER_DIR": str(tmp_path)},
        )  # fmt: skip
    bare = f"http://127.0.0.1:{port}"
    try:
        (tmp_path / "cells-feedbeef.json").write_text('{"cells": [3]}', "utf-8")
        deadline = time.monotonic() + 60
        while True:
            try:
                if request(bare, "/_stcore/health").status == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.3)
        for path in ("/layers/cells-feedbeef.json", "/app/static/map/cells-feedbeef.json"):
            reply = request(bare, path)
            assert '"cells"' not in reply.body, path
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.parametrize(
    ("header", "takes"),
    [
        ("gzip, deflate, br", True),
        ("GZIP", True),
        ("*", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("", False),
        ("identity", False),
        ("br, gzip;q=0", False),
        ("gzip; q=0.0", False),
    ],
)
def test_takes_gzip_reads_the_accept_encoding_header(header: str, takes: bool) -> None:
    from zoning.api.layers import takes_gzip

    assert takes_gzip(header) is takes
