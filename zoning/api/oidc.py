"""Single sign-on with OpenID Connect: ``/signin/sso`` and ``/signin/sso/callback``.

The authorization-code flow with PKCE (S256), ``state`` and ``nonce`` (OIDC Core 3.1):

1. ``GET /signin/sso?next=…`` finds the provider's endpoints (discovery at
   ``ISSUER/.well-known/openid-configuration``), keeps state, nonce, the PKCE verifier and
   ``next`` in a short cookie (HttpOnly, SameSite=Lax, 10 min, path ``/signin/sso``) and
   sends the browser to the provider.
2. ``GET /signin/sso/callback?code=…&state=…`` checks the state against that cookie,
   exchanges the code at the token endpoint over a direct back-channel (TLS verified,
   client secret, PKCE verifier), checks the ID token's claims (iss, aud, azp, exp/iat with
   2 min skew, nonce), maps the configured claim to an enabled account
   (:func:`zoning.services.accounts.sso_sign_in`, audited) and ends with the same session
   cookie as the password form.

The ID token's signature is not checked: OIDC Core 3.1.3.7 point 6 allows that for a token
received directly from the token endpoint over TLS (it is the provider itself speaking,
authenticated by TLS, answering this server's own client secret), which is the only way a
token reaches this module. Every refusal is a one-line page in Chinese and English; none
starts a session. Settings: :func:`zoning.api.settings.oidc_settings`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import ssl
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from zoning.api import sessions
from zoning.api.asgi import header, is_loopback, over_https
from zoning.api.settings import OIDC_CLAIM_ENV, OidcSettings, oidc_settings
from zoning.api.signin import safe_next, session_redirect
from zoning.api.signin_page import PAGE_CSP, chinese, refused_page
from zoning.errors import InvalidInput, SignInFailed
from zoning.services import accounts

START_PATH = "/signin/sso"
CALLBACK_PATH = "/signin/sso/callback"
#: The cookie holding one flow's state, nonce, PKCE verifier and ``next``.
FLOW_COOKIE = "campusgrid_oidc"
#: How long (s) a browser may stay at the provider before the flow expires.
FLOW_MAX_AGE_S = 600
#: Clock difference (s) tolerated between this server and the provider.
SKEW_S = 120
#: Seconds to wait for the provider's discovery document and token endpoint.
TIMEOUT_S = 10.0
#: How long (s) the discovery document is kept.
DISCOVERY_TTL_S = 3600.0
#: The largest reply read from the provider (bytes).
MAX_REPLY = 1 << 20
#: The scopes asked for: the ID token, and the claims usually naming a person.
SCOPES = "openid profile email"
#: The longest ``next`` carried through the flow (characters); longer goes to ``/``.
MAX_NEXT = 1000


class SsoRefused(Exception):
    """A single sign-on that cannot go on: the HTTP status and the one line to show, in
    Chinese and English."""

    def __init__(self, status: int, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.status = status
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class Provider:
    """The provider's endpoints, from its discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    auth_methods: tuple[str, ...]


@dataclass(frozen=True)
class Flow:
    """One browser's sign-in in progress: what the callback must find again."""

    state: str
    nonce: str
    verifier: str
    next_path: str

    @classmethod
    def new(cls, next_path: str) -> Flow:
        """Return a flow with fresh random state, nonce and a 64-character PKCE verifier."""
        safe = safe_next(next_path) if len(next_path) <= MAX_NEXT else "/"
        return cls(
            secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48), safe
        )

    def encode(self) -> str:
        """Return the cookie value (``next`` base64url-encoded; the rest are url-safe)."""
        target = base64.urlsafe_b64encode(self.next_path.encode()).decode().rstrip("=")
        return ".".join((self.state, self.nonce, self.verifier, target))

    @classmethod
    def decode(cls, value: str | None) -> Flow | None:
        """Return the flow a cookie value holds, or None when it is not one."""
        parts = (value or "").split(".")
        if len(parts) != 4 or not all(parts[:3]) or len(value or "") > 2 * MAX_NEXT:
            return None
        try:
            target = _unb64(parts[3]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        return cls(parts[0], parts[1], parts[2], safe_next(target))


def _unb64(text: str) -> bytes:
    """Decode base64url without padding; ValueError when it is not."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as err:
        raise ValueError(str(err)) from None


def code_challenge(verifier: str) -> str:
    """Return the PKCE S256 challenge of ``verifier`` (RFC 7636 4.2).

    >>> code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    """
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _unreachable(what: str) -> SsoRefused:
    return SsoRefused(
        502,
        "统一身份认证服务暂时无法使用：请稍后再试，或用账号密码登录。",
        f"The single sign-on provider {what}: try again later or sign in with your password.",
    )


def _check_url(url: object, issuer: str, name: str) -> str:
    """Return ``url`` when it is https (or http on this machine, like a local issuer)."""
    if not isinstance(url, str):
        raise _unreachable(f"gives no {name} in its discovery document")
    parts = urlsplit(url)
    local = parts.scheme == "http" and is_loopback(parts.hostname)
    local_issuer = urlsplit(issuer).scheme == "http"
    if not parts.hostname or not (parts.scheme == "https" or (local and local_issuer)):
        raise _unreachable(f"gives a {name} that is not https:// ({url[:100]})")
    return url


def _read_json(req: urllib.request.Request, what: str) -> dict[str, Any]:
    """Send ``req`` (TLS verified, :data:`TIMEOUT_S`) and return its JSON object reply."""
    context = ssl.create_default_context()
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S, context=context) as reply:
            body = reply.read(MAX_REPLY + 1)
    except urllib.error.HTTPError as err:
        detail = ""
        try:
            found = json.loads(err.read(4096) or b"{}")
            detail = str(found.get("error", ""))[:60] if isinstance(found, dict) else ""
        except ValueError:
            pass
        raise _unreachable(f"answered {what} with HTTP {err.code} {detail}".rstrip()) from None
    except (OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise _unreachable(f"did not answer {what} ({reason})") from None
    if len(body) > MAX_REPLY:
        raise _unreachable(f"sent more than {MAX_REPLY} bytes for {what}")
    try:
        found = json.loads(body)
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise _unreachable(f"sent something other than JSON for {what}")
    return found


_lock = threading.Lock()
_discovered: dict[str, tuple[Provider, float]] = {}


def discover(settings: OidcSettings) -> Provider:
    """Return the provider's endpoints from ``ISSUER/.well-known/openid-configuration``,
    fetched at most once an hour. Blocking. Raises SsoRefused (502)."""
    now = time.monotonic()
    with _lock:
        known = _discovered.get(settings.issuer)
    if known is not None and now - known[1] < DISCOVERY_TTL_S:
        return known[0]
    url = settings.issuer + "/.well-known/openid-configuration"
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    doc = _read_json(req, "the discovery request")
    issuer = doc.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != settings.issuer:
        raise _unreachable(f"names another issuer ({str(issuer)[:100]}) than {settings.issuer}")
    methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    provider = Provider(
        issuer,
        _check_url(doc.get("authorization_endpoint"), settings.issuer, "authorization endpoint"),
        _check_url(doc.get("token_endpoint"), settings.issuer, "token endpoint"),
        tuple(str(m) for m in methods) if isinstance(methods, list) else (),
    )
    with _lock:
        _discovered[settings.issuer] = (provider, now)
    return provider


def redirect_uri(request: Request) -> str:
    """Return this server's callback URL as the browser sees it (scheme from HTTPS or the
    proxy's ``X-Forwarded-Proto``, host from ``Host``): the provider must have it
    registered, so a forged Host header leads nowhere."""
    scheme = "https" if over_https(request.scope) else "http"
    host = header(request.scope, "host") or request.url.netloc
    return f"{scheme}://{host}{CALLBACK_PATH}"


def authorization_url(provider: Provider, settings: OidcSettings, flow: Flow, callback: str) -> str:
    """Return the provider's URL that asks the person to sign in (OIDC Core 3.1.2.1)."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.client_id,
            "redirect_uri": callback,
            "scope": SCOPES,
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": code_challenge(flow.verifier),
            "code_challenge_method": "S256",
        }
    )
    joiner = "&" if urlsplit(provider.authorization_endpoint).query else "?"
    return provider.authorization_endpoint + joiner + query


def exchange_code(
    provider: Provider, settings: OidcSettings, code: str, verifier: str, callback: str
) -> str:
    """Return the ID token the token endpoint gives for ``code`` (OIDC Core 3.1.3.1),
    authenticating with the client secret (HTTP Basic, or in the form when the provider
    only takes that). Blocking. Raises SsoRefused (502)."""
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": callback,
        "code_verifier": verifier,
    }
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    basic = "client_secret_basic" in provider.auth_methods
    if basic or "client_secret_post" not in provider.auth_methods:
        pair = f"{quote(settings.client_id, safe='')}:{quote(settings.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        fields |= {"client_id": settings.client_id, "client_secret": settings.client_secret}
    req = urllib.request.Request(
        provider.token_endpoint, data=urlencode(fields).encode(), headers=headers, method="POST"
    )
    reply = _read_json(req, "the code exchange")
    token = reply.get("id_token")
    if not isinstance(token, str) or not token:
        raise _unreachable("sent no ID token (is the scope openid allowed for this client?)")
    return token


def _bad_token(why: str) -> SsoRefused:
    return SsoRefused(
        401,
        "统一身份认证返回的身份凭证无效：请从登录页重新开始。",
        f"The single sign-on provider's ID token is not valid ({why}): start again from the "
        "sign-in page.",
    )


def id_token_claims(token: str) -> dict[str, Any]:
    """Return the claims of a JWS-compact ID token, without checking its signature (see
    the module's docstring). Raises SsoRefused (an encrypted or unreadable token)."""
    parts = token.split(".")
    if len(parts) == 5:
        raise _bad_token("it is encrypted; configure the provider to sign ID tokens only")
    if len(parts) != 3:
        raise _bad_token("not a JWT")
    try:
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise _bad_token("unreadable claims") from None
    if not isinstance(claims, dict):
        raise _bad_token("unreadable claims")
    return claims


def _seconds(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad_token(f"no {name}")
    return float(value)


def check_claims(
    claims: dict[str, Any], *, issuer: str, client_id: str, nonce: str, now: float
) -> None:
    """Check an ID token's claims (OIDC Core 3.1.3.7): ``iss`` is the provider, ``aud``
    holds this client (and ``azp`` names it when present, as it must with several
    audiences), ``exp`` not passed and ``iat`` not ahead, both within :data:`SKEW_S`
    seconds of ``now`` (Unix seconds), ``nonce`` the flow's. Raises SsoRefused."""
    if claims.get("iss") != issuer:
        raise _bad_token(f"issued by {str(claims.get('iss'))[:100]!r}, not {issuer!r}")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client_id not in audiences:
        raise _bad_token("meant for another client")
    azp = claims.get("azp")
    if (len(audiences) > 1 and azp is None) or (azp is not None and azp != client_id):
        raise _bad_token("authorized for another client")
    if now > _seconds(claims, "exp") + SKEW_S:
        raise _bad_token("expired")
    if _seconds(claims, "iat") > now + SKEW_S:
        raise _bad_token("issued in the future: check both clocks")
    found = claims.get("nonce")
    if not isinstance(found, str) or not secrets.compare_digest(found.encode(), nonce.encode()):
        raise _bad_token("its nonce is not this sign-in's")


def account_name(claims: dict[str, Any], claim: str) -> str:
    """Return the account name the configured ``claim`` carries. Raises SsoRefused when the
    token has no such text claim, or an ``email`` the provider says is not verified."""
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip():
        raise SsoRefused(
            401,
            f"统一身份认证未提供 {claim}：请管理员检查 {OIDC_CLAIM_ENV} 或身份认证的授权范围。",
            f"The single sign-on provider's ID token has no {claim!r} claim: an admin should "
            f"check {OIDC_CLAIM_ENV} or the scopes the provider releases.",
        )
    if claim == "email" and claims.get("email_verified") is False:
        raise SsoRefused(
            403,
            "该邮箱未经身份认证服务验证：请先在身份认证服务中验证邮箱。",
            "The single sign-on provider has not verified this email: verify it there first.",
        )
    return value.strip()


def _page(refusal: SsoRefused) -> Response:
    response = HTMLResponse(
        refused_page(refusal.message_zh, refusal.message_en), status_code=refusal.status
    )
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def _settings() -> OidcSettings:
    try:
        found = oidc_settings()
    except InvalidInput as err:
        raise SsoRefused(503, "统一身份认证配置有误：请管理员检查服务器设置。", str(err)) from None
    if found is None:
        raise SsoRefused(
            404,
            "此服务器未启用统一身份认证：请用账号密码登录。",
            "Single sign-on is not set up on this server: sign in with your password.",
        )
    return found


async def start(request: Request) -> Response:
    """GET /signin/sso: send the browser to the provider, the flow kept in a cookie."""
    try:
        settings = _settings()
        provider = await run_in_threadpool(discover, settings)
    except SsoRefused as refusal:
        return _page(refusal)
    flow = Flow.new(request.query_params.get("next", "/"))
    target = authorization_url(provider, settings, flow, redirect_uri(request))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        flow.encode(),
        max_age=FLOW_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=over_https(request.scope),
        path=START_PATH,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _finish(settings: OidcSettings, flow: Flow, code: str, callback: str) -> str:
    """Exchange the code, check the token, sign the account in; return a session token.
    Blocking. Raises SsoRefused."""
    provider = discover(settings)
    token = exchange_code(provider, settings, code, flow.verifier, callback)
    claims = id_token_claims(token)
    check_claims(
        claims,
        issuer=provider.issuer,
        client_id=settings.client_id,
        nonce=flow.nonce,
        now=time.time(),
    )
    name = account_name(claims, settings.claim)
    try:
        actor = accounts.sso_sign_in(sessions.engine(), settings.claim, name)
    except SignInFailed as err:
        raise SsoRefused(403, chinese(str(err)), str(err)) from None
    return accounts.open_session(sessions.engine(), actor)


async def callback(request: Request) -> Response:
    """GET /signin/sso/callback: check the state, finish the sign-in, set the session."""
    params = request.query_params
    flow = Flow.decode(request.cookies.get(FLOW_COOKIE))
    state = params.get("state", "")
    response: Response
    try:
        settings = _settings()
        if flow is None or not secrets.compare_digest(state.encode(), flow.state.encode()):
            raise SsoRefused(
                400,
                "登录链接已过期或来自别处：请从登录页重新开始。",
                "This sign-in link expired or came from elsewhere: start again from the "
                "sign-in page.",
            )
        if params.get("error"):
            error = "".join(
                c for c in params["error"][:60] if (c.isascii() and c.isalnum()) or c in "_.-"
            )
            raise SsoRefused(
                401,
                f"统一身份认证拒绝了登录（{error}）：请重试，或用账号密码登录。",
                f"The single sign-on provider refused the sign-in ({error}): try again or "
                "sign in with your password.",
            )
        code = params.get("code", "")
        if not code or len(code) > 2048:
            raise _unreachable("sent no authorization code")
        token = await run_in_threadpool(_finish, settings, flow, code, redirect_uri(request))
        response = session_redirect(request, flow.next_path, token)
    except SsoRefused as refusal:
        response = _page(refusal)
    response.delete_cookie(
        FLOW_COOKIE,
        path=START_PATH,
        httponly=True,
        samesite="lax",
        secure=over_https(request.scope),
    )
    return response


def routes() -> list[Route]:
    """Return the single sign-on routes."""
    return [
        Route(START_PATH, start, methods=["GET"]),
        Route(CALLBACK_PATH, callback, methods=["GET"]),
    ]
