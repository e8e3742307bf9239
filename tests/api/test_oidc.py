"""Single sign-on (OpenID Connect) against a real provider the tests start
(:mod:`tests.api.oidc_provider`) and the real guarded server: the whole flow over HTTP,
redirects followed by hand, ends in a session cookie that opens the app; every bad answer
(state, nonce, expiry, audience, issuer, no or disabled account) is refused with no
session. The claim checks and the settings are also tested directly."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN
from tests.api.conftest import SSO_LABEL
from tests.api.oidc_provider import OidcProvider
from tests.e2e.signin import Reply, cookie_value, ensure_account, request
from zoning.api import oidc
from zoning.api.settings import oidc_settings, sso_label
from zoning.errors import InvalidInput, SignInFailed
from zoning.services import accounts
from zoning.store.engine import open_engine
from zoning.store.models.campus import AuditEvent, table_of

HTML = {"Accept": "text/html"}
PLANNER = "li.wei@campus.example"
DISABLED = "gone@campus.example"


@pytest.fixture(autouse=True)
def _fresh_provider(provider: OidcProvider) -> None:
    """Each test starts with the planner signing in at the provider, nothing tampered."""
    provider.person = {"sub": "u-1001", "email": PLANNER, "email_verified": True}
    provider.tamper = {}
    provider.deny = None
    provider.refusals.clear()
    provider.exchanges.clear()


@pytest.fixture(scope="module")
def sso_accounts(api_db: str) -> None:
    """The planner's account, and a disabled one."""
    ensure_account(api_db, PLANNER, "planner")
    ensure_account(api_db, DISABLED, "viewer")
    engine = open_engine(api_db)
    try:
        accounts.set_disabled(engine, ADMIN, DISABLED)
    finally:
        engine.dispose()


def _local(url: str) -> str:
    """Return the path and query of ``url``."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def sso(
    base: str,
    provider: OidcProvider,
    *,
    next_path: str = "/",
    edit: Callable[[dict[str, str]], None] | None = None,
    with_cookie: bool = True,
) -> Reply:
    """Go through single sign-on as a browser does (each redirect followed by hand); return
    the server's answer to the callback. ``edit`` changes the callback's query first."""
    start = request(base, f"/signin/sso?next={quote(next_path, safe='')}", headers=HTML)
    assert start.status == 303, start.body[:300]
    assert start.headers["location"].startswith(provider.issuer + "/authorize?")
    flow = cookie_value(start, oidc.FLOW_COOKIE)
    assert flow
    at_provider = request(provider.issuer, _local(start.headers["location"]))
    assert at_provider.status == 302, at_provider.body
    back = urlsplit(at_provider.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == base + oidc.CALLBACK_PATH
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    if edit is not None:
        edit(query)
    headers = {**HTML, "Cookie": f"{oidc.FLOW_COOKIE}={flow}"} if with_cookie else HTML
    return request(base, f"{back.path}?{urlencode(query)}", headers=headers)


def _audit(api_db: str, actor: str, action: str) -> list[dict[str, Any]]:
    """Return the details of the audit rows of ``actor`` doing ``action``."""
    engine = open_engine(api_db)
    try:
        table = table_of(AuditEvent)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.detail).where(table.c.actor == actor, table.c.action == action)
            ).all()
    finally:
        engine.dispose()
    return [json.loads(row.detail) for row in rows]


def _refused(reply: Reply, status: int, *texts: str) -> None:
    assert reply.status == status, (reply.status, reply.body[:400])
    assert cookie_value(reply, "campusgrid_session") is None
    body = unescape(reply.body)
    for text in texts:
        assert text in body, (text, body[:600])
    assert "<script" not in reply.body


@pytest.mark.e2e
def test_the_sign_in_page_offers_sso_only_when_configured(base: str, sso_base: str) -> None:
    plain = request(base, "/signin?next=%2Fledger", headers=HTML)
    assert plain.status == 200 and "/signin/sso" not in plain.body
    assert request(base, "/signin/sso", headers=HTML).status == 404  # not set up there
    form = request(sso_base, "/signin?next=%2Fledger", headers=HTML)
    assert form.status == 200
    assert 'href="/signin/sso?next=%2Fledger"' in form.body
    assert "统一身份认证 &lt;Campus SSO&gt;" in form.body  # the label, as text
    assert SSO_LABEL not in form.body


@pytest.mark.e2e
def test_the_whole_flow_ends_in_a_session_that_opens_the_app(
    sso_base: str, provider: OidcProvider, sso_accounts: None, api_db: str
) -> None:
    before = len(_audit(api_db, PLANNER, "account.sign_in"))
    start = request(sso_base, "/signin/sso?next=%2Fplanner", headers=HTML)
    asked = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["redirect_uri"] == sso_base + "/signin/sso/callback"
    assert asked["state"] and asked["nonce"] and asked["state"] != asked["nonce"]
    (line,) = [c for c in start.set_cookies if c.startswith(oidc.FLOW_COOKIE + "=")]
    flags = {part.strip().lower() for part in line.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/signin/sso", "max-age=600"} <= flags

    done = sso(sso_base, provider, next_path="/planner")
    assert done.status == 303 and done.headers["location"] == "/planner", done.body[:300]
    assert provider.exchanges == ["basic"] and provider.refusals == []
    token = cookie_value(done, "campusgrid_session")
    assert token
    (line,) = [c for c in done.set_cookies if c.startswith("campusgrid_session=")]
    assert {"httponly", "samesite=lax", "path=/"} <= {p.strip().lower() for p in line.split(";")}
    assert cookie_value(done, oidc.FLOW_COOKIE) == ""  # the flow is used up
    page = request(sso_base, "/", headers={**HTML, "Cookie": f"campusgrid_session={token}"})
    assert page.status == 200 and "<html" in page.body.lower()
    assert request(sso_base, "/", headers=HTML).status == 303  # no cookie, no app
    signed = _audit(api_db, PLANNER, "account.sign_in")
    assert len(signed) == before + 1 and signed[-1]["via"] == "sso"


@pytest.mark.e2e
def test_a_wrong_state_is_refused_before_the_code_is_used(
    sso_base: str, provider: OidcProvider, sso_accounts: None
) -> None:
    reply = sso(sso_base, provider, edit=lambda q: q.update(state="forged-state"))
    _refused(reply, 400, "expired or came from elsewhere", "请从登录页重新开始")
    assert provider.exchanges == []


@pytest.mark.e2e
def test_a_callback_without_the_flow_cookie_is_refused(
    sso_base: str, provider: OidcProvider, sso_accounts: None
) -> None:
    """Someone else's code sent to this browser (login forgery) starts no session."""
    _refused(sso(sso_base, provider, with_cookie=False), 400, "expired or came from elsewhere")
    assert provider.exchanges == []


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        ({"nonce": "a-replayed-nonce"}, "its nonce is not this sign-in's"),
        ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, "expired"),
        ({"iat": int(time.time()) + 3600}, "issued in the future: check both clocks"),
        ({"aud": "another-client"}, "meant for another client"),
        ({"aud": ["campusgrid-tests", "another-client"]}, "authorized for another client"),
        ({"azp": "another-client"}, "authorized for another client"),
        ({"iss": "https://evil.example"}, "issued by 'https://evil.example', not 'http"),
        ({"exp": None}, "no exp"),
    ],
)
def test_a_bad_id_token_is_refused(
    sso_base: str, provider: OidcProvider, sso_accounts: None, tamper: dict[str, Any], why: str
) -> None:
    provider.tamper = tamper
    reply = sso(sso_base, provider)
    _refused(reply, 401, f"ID token is not valid ({why}", "身份凭证无效")
    assert provider.exchanges == ["basic"]  # refused after a real exchange


@pytest.mark.e2e
def test_an_unknown_account_is_refused_and_audited(
    sso_base: str, provider: OidcProvider, api_db: str
) -> None:
    provider.person = {"sub": "u-2", "email": "nobody@campus.example", "email_verified": True}
    reply = sso(sso_base, provider)
    _refused(
        reply,
        403,
        "No campusgrid account for 'nobody@campus.example': ask an admin to add it.",
        "没有与 'nobody@campus.example' 对应的 campusgrid 账号：请管理员先添加。",
    )
    failed = _audit(api_db, "nobody@campus.example", "account.sign_in_failed")
    assert failed[-1] == {"via": "sso", "reason": "no account", "claim": "email"}


@pytest.mark.e2e
def test_a_disabled_account_is_refused(
    sso_base: str, provider: OidcProvider, sso_accounts: None, api_db: str
) -> None:
    provider.person = {"sub": "u-3", "email": DISABLED}
    _refused(sso(sso_base, provider), 403, "This account is disabled", "该账号已停用")
    assert _audit(api_db, DISABLED, "account.sign_in_failed")[-1]["reason"] == "disabled"


@pytest.mark.e2e
def test_an_unverified_email_or_a_missing_claim_is_refused(
    sso_base: str, provider: OidcProvider, sso_accounts: None
) -> None:
    provider.person = {"sub": "u-1001", "email": PLANNER, "email_verified": False}
    _refused(sso(sso_base, provider), 403, "has not verified this email")
    provider.person = {"sub": "u-1001"}
    _refused(sso(sso_base, provider), 401, "has no 'email' claim", "CAMPUSGRID_OIDC_CLAIM")


@pytest.mark.e2e
def test_the_provider_refusing_is_one_line(sso_base: str, provider: OidcProvider) -> None:
    provider.deny = "access_denied"
    _refused(sso(sso_base, provider), 401, "refused the sign-in (access_denied)")
    assert provider.exchanges == []


@pytest.mark.e2e
def test_next_never_leaves_the_site(
    sso_base: str, provider: OidcProvider, sso_accounts: None
) -> None:
    done = sso(sso_base, provider, next_path="https://evil.example/x")
    assert done.status == 303 and done.headers["location"] == "/"


@pytest.mark.e2e
def test_no_secret_reaches_the_sso_server_log(
    sso_base: str, provider: OidcProvider, sso_accounts: None, sso_server_dir: Path
) -> None:
    token = cookie_value(sso(sso_base, provider), "campusgrid_session")
    log = (sso_server_dir / "streamlit.log").read_text("utf-8", "replace")
    assert "127.0.0.1" in log  # the log is the server's
    assert token and token not in log and provider.client_secret not in log


# -- the claim checks and the settings, directly -----------------------------------------

ISSUER = "https://id.campus.example"
NOW = 1_700_000_000.0


def _claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": ISSUER, "aud": "cg", "exp": NOW + 300, "iat": NOW, "nonce": "n-1",
    }  # fmt: skip
    claims.update(changes)
    return claims


def _check(claims: dict[str, Any]) -> None:
    oidc.check_claims(claims, issuer=ISSUER, client_id="cg", nonce="n-1", now=NOW)


def test_the_clock_skew_is_two_minutes_either_way() -> None:
    _check(_claims())
    _check(_claims(exp=NOW - 119, iat=NOW - 400))  # just expired: within the skew
    _check(_claims(iat=NOW + 119))
    _check(_claims(aud=["cg", "other"], azp="cg"))
    with pytest.raises(oidc.SsoRefused, match="expired"):
        _check(_claims(exp=NOW - 121))
    with pytest.raises(oidc.SsoRefused, match="future"):
        _check(_claims(iat=NOW + 121))
    with pytest.raises(oidc.SsoRefused, match="no iat"):
        _check(_claims(iat="yesterday"))


def test_an_encrypted_or_broken_token_is_refused() -> None:
    with pytest.raises(oidc.SsoRefused, match="encrypted"):
        oidc.id_token_claims("a.b.c.d.e")
    with pytest.raises(oidc.SsoRefused, match="unreadable"):
        oidc.id_token_claims("a.!!!.c")
    assert oidc.id_token_claims("e30.eyJhIjogMX0.")["a"] == 1  # "none"-signed is readable


def test_the_flow_cookie_round_trips_and_keeps_next_on_the_site() -> None:
    flow = oidc.Flow.new("/ledger?campus=demo&zone=2")
    assert oidc.Flow.decode(flow.encode()) == flow
    assert len(flow.verifier) >= 43 and flow.state != flow.nonce
    assert oidc.Flow.new("//evil.example").next_path == "/"
    assert oidc.Flow.new("/" + "x" * 2000).next_path == "/"
    assert oidc.Flow.decode("only.three.parts") is None
    assert oidc.Flow.decode(None) is None


def test_sso_settings_say_what_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "CLIENT_SECRET_FILE", "CLAIM", "LABEL"):
        monkeypatch.delenv(f"CAMPUSGRID_OIDC_{name}", raising=False)
    assert oidc_settings() is None and sso_label() is None
    monkeypatch.setenv("CAMPUSGRID_OIDC_ISSUER", "http://id.campus.example/")
    with pytest.raises(InvalidInput, match=r"is not an https:// URL"):
        oidc_settings()
    monkeypatch.setenv("CAMPUSGRID_OIDC_ISSUER", "https://id.campus.example/")
    with pytest.raises(InvalidInput, match="needs CAMPUSGRID_OIDC_CLIENT_ID"):
        oidc_settings()
    monkeypatch.setenv("CAMPUSGRID_OIDC_CLIENT_ID", "cg")
    with pytest.raises(InvalidInput, match="needs the client secret"):
        oidc_settings()
    assert sso_label() is None  # half set up: no button
    monkeypatch.setenv("CAMPUSGRID_OIDC_CLIENT_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(InvalidInput, match=r"cannot read .*missing"):
        oidc_settings()
    (tmp_path / "secret").write_text("s3cret\n", "utf-8")
    monkeypatch.setenv("CAMPUSGRID_OIDC_CLIENT_SECRET_FILE", str(tmp_path / "secret"))
    found = oidc_settings()
    assert found is not None
    assert (found.issuer, found.client_id, found.client_secret) == (ISSUER, "cg", "s3cret")
    assert (found.claim, found.label) == ("email", "统一身份认证 / Campus SSO")
    assert "s3cret" not in repr(found)
    monkeypatch.setenv("CAMPUSGRID_OIDC_CLAIM", "preferred_username")
    assert oidc_settings().claim == "preferred_username"  # type: ignore[union-attr]


def _events(engine: Engine) -> list[tuple[str, str, dict[str, Any]]]:
    table = table_of(AuditEvent)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.id)).all()
    return [(r.actor, r.action, json.loads(r.detail)) for r in rows]


def test_sso_sign_in_maps_the_claim_to_an_enabled_account(db: Engine) -> None:
    """On both backends: the account the claim names, each attempt audited once; a
    password lockout does not stop SSO; nobody gets an account by signing in."""
    accounts.add_account(db, ADMIN, PLANNER, "planner", "a long password 42")
    for _ in range(5):
        with pytest.raises(SignInFailed):
            accounts.sign_in(db, PLANNER, "not the password 1")
    before = len(_events(db))
    actor = accounts.sso_sign_in(db, "email", PLANNER)
    assert (actor.name, actor.role.value) == (PLANNER, "planner")
    assert accounts.session_actor(db, accounts.open_session(db, actor)) == actor
    with pytest.raises(SignInFailed, match=r"No campusgrid account for 'nobody@x\.example'"):
        accounts.sso_sign_in(db, "email", "nobody@x.example")
    with pytest.raises(SignInFailed, match="No campusgrid account for 'a b'"):
        accounts.sso_sign_in(db, "preferred_username", "a b")  # not an account name at all
    accounts.set_disabled(db, ADMIN, PLANNER)
    with pytest.raises(SignInFailed, match="disabled: ask an admin to enable it"):
        accounts.sso_sign_in(db, "email", PLANNER)
    assert _events(db)[before:] == [
        (PLANNER, "account.sign_in", {"via": "sso", "claim": "email"}),
        ("nobody@x.example", "account.sign_in_failed",
         {"via": "sso", "reason": "no account", "claim": "email"}),
        ("a b", "account.sign_in_failed",
         {"via": "sso", "reason": "no account", "claim": "preferred_username"}),
        (ADMIN.name, "account.disable", {"account": PLANNER}),
        (PLANNER, "account.sign_in_failed",
         {"via": "sso", "reason": "disabled", "claim": "email"}),
    ]  # fmt: skip
    assert [a.name for a in accounts.list_accounts(db, ADMIN)] == [PLANNER]
