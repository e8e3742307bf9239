"""A small, real OpenID Connect provider for the tests, on a free 127.0.0.1 port.

It speaks the authorization-code flow the way a campus provider does: discovery, an
``/authorize`` that signs in one configured person without asking (it redirects back with
``code`` and ``state``), and a ``/token`` endpoint that checks the client's id and secret
(HTTP Basic or form), the code (once), the redirect URI and the PKCE S256 verifier before
returning an HS256-signed ID token. ``tamper`` changes the next ID tokens' claims (a wrong
audience, an expired token…), ``deny`` makes ``/authorize`` answer with an error.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from tests.ports import free_port

CLIENT_ID = "campusgrid-tests"
CLIENT_SECRET = "provider-secret-for-tests-7"


@dataclass
class Grant:
    """A code handed out by ``/authorize``, waiting to be exchanged."""

    redirect_uri: str
    challenge: str
    nonce: str
    claims: dict[str, Any]


@dataclass
class OidcProvider:
    """The provider's state, shared with its request handler; tests set ``person``,
    ``tamper``, ``deny`` and ``redirect_uris`` and read ``refusals`` and ``exchanges``."""

    issuer: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    redirect_uris: set[str] = field(default_factory=set)
    #: The claims of the person ``/authorize`` signs in.
    person: dict[str, Any] = field(default_factory=dict)
    #: Claims put into (value None: taken out of) the ID tokens issued from now on.
    tamper: dict[str, Any] = field(default_factory=dict)
    #: An OAuth error code ``/authorize`` answers with instead of a code.
    deny: str | None = None
    grants: dict[str, Grant] = field(default_factory=dict)
    #: How each good code exchange authenticated the client ("basic" or "post").
    exchanges: list[str] = field(default_factory=list)
    #: Why requests were refused, in order.
    refusals: list[str] = field(default_factory=list)

    def discovery(self) -> dict[str, Any]:
        """Return the discovery document."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["HS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def id_token(self, grant: Grant) -> str:
        """Return an HS256 JWT (keyed with the client secret) for ``grant``."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            **grant.claims,
        }
        for key, value in self.tamper.items():
            if value is None:
                claims.pop(key, None)
            else:
                claims[key] = value
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(claims).encode())
        mac = hmac.new(self.client_secret.encode(), f"{head}.{body}".encode(), hashlib.sha256)
        return f"{head}.{body}.{_b64(mac.digest())}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _challenge(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode()).digest())


class _Handler(BaseHTTPRequestHandler):
    provider: OidcProvider

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def _json(self, status: int, data: dict[str, Any]) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _refuse(self, status: int, error: str, why: str) -> None:
        self.provider.refusals.append(why)
        self._json(status, {"error": error, "error_description": why})

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/.well-known/openid-configuration":
            self._json(200, self.provider.discovery())
        elif url.path == "/authorize":
            self._authorize({k: v[0] for k, v in parse_qs(url.query).items()})
        else:
            self._refuse(404, "not_found", url.path)

    def _authorize(self, query: dict[str, str]) -> None:
        p = self.provider
        if query.get("client_id") != p.client_id or query.get("redirect_uri") not in (
            p.redirect_uris
        ):
            self._refuse(400, "invalid_request", "unknown client or redirect_uri")
            return
        problems = [
            query.get("response_type") != "code" and "response_type",
            "openid" not in query.get("scope", "").split() and "scope",
            query.get("code_challenge_method") != "S256" and "code_challenge_method",
            not query.get("code_challenge") and "code_challenge",
            not query.get("nonce") and "nonce",
        ]
        back: dict[str, str] = {"state": query.get("state", "")}
        if any(problems):
            p.refusals.append(f"authorize: {[x for x in problems if x]}")
            back["error"] = "invalid_request"
        elif p.deny:
            back["error"] = p.deny
        else:
            code = secrets.token_urlsafe(16)
            p.grants[code] = Grant(
                query["redirect_uri"], query["code_challenge"], query["nonce"], dict(p.person)
            )
            back["code"] = code
        self.send_response(302)
        self.send_header("Location", query["redirect_uri"] + "?" + urlencode(back))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _client(self, form: dict[str, str]) -> tuple[str, str, str]:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            pair = base64.b64decode(auth[6:]).decode()
            name, _, secret = pair.partition(":")
            return unquote(name), unquote(secret), "basic"
        return form.get("client_id", ""), form.get("client_secret", ""), "post"

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/token":
            self._refuse(404, "not_found", self.path)
            return
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        p = self.provider
        client_id, secret, how = self._client(form)
        if client_id != p.client_id or not hmac.compare_digest(secret, p.client_secret):
            self._refuse(401, "invalid_client", "client id or secret")
            return
        grant = p.grants.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            self._refuse(400, "invalid_grant", "unknown or used code")
        elif form.get("redirect_uri") != grant.redirect_uri:
            self._refuse(400, "invalid_grant", "redirect_uri differs")
        elif _challenge(form.get("code_verifier", "")) != grant.challenge:
            self._refuse(400, "invalid_grant", "PKCE verifier")
        else:
            p.exchanges.append(how)
            token = p.id_token(grant)
            access = "at-" + secrets.token_urlsafe(8)
            reply = {"access_token": access, "token_type": "Bearer", "id_token": token}
            self._json(200, {**reply, "expires_in": 300})


@contextlib.contextmanager
def oidc_provider() -> Iterator[OidcProvider]:
    """Serve a provider on a free 127.0.0.1 port in a thread; yield it, stop it at the end."""
    port = free_port()
    provider = OidcProvider(issuer=f"http://127.0.0.1:{port}")
    handler = type("Handler", (_Handler,), {"provider": provider})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
