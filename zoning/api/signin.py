"""``/signin`` (GET: the form; POST: check the password, start a session) and ``/signout``.

The form carries a double-submit token (a cookie and a hidden field that must match). A
good password sets the session cookie (HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS)
and goes to ``next`` — a path of this site only. With "keep me signed in" ticked (or
``next`` the phone page ``/m``) the cookie is persistent: Max-Age the idle time. A refusal
shows the form again with the one-line reason, status 401; five wrong passwords lock the
account (the service does).
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from zoning.api import sessions
from zoning.api.asgi import CSRF_COOKIE, SESSION_COOKIE, over_https, same_origin
from zoning.api.settings import idle_time, sso_label
from zoning.api.signin_page import PAGE_CSP, refused_page, sign_in_page
from zoning.errors import SignInFailed
from zoning.services import accounts

#: The largest sign-in form accepted (bytes).
MAX_FORM = 8192


def safe_next(value: str | None) -> str:
    """Return ``value`` when it is a path of this site (``/…``), else ``/``: never another
    host (``//evil``, ``https://evil``, ``/\\evil``) and never the sign-in page itself."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ord(ch) < 0x20 or ch == "\\" for ch in value):
        return "/"
    parts = urlsplit(value)
    if (
        parts.scheme
        or parts.netloc
        or parts.path in ("/signin", "/signout", "/signin/sso", "/signin/sso/callback")
    ):
        return "/"
    return value


def _page(html: str, status: int = 200) -> HTMLResponse:
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def _with_csrf(request: Request, status: int, **fields: str | None) -> HTMLResponse:
    """Return the form with a double-submit token (the browser's, else a new one)."""
    token = request.cookies.get(CSRF_COOKIE) or ""
    if len(token) < 20 or len(token) > 100:
        token = secrets.token_urlsafe(24)
    page = sign_in_page(csrf=token, sso_label=sso_label(), **fields)  # type: ignore[arg-type]
    response = _page(page, status)
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=over_https(request.scope),
        path="/signin",
    )
    return response


async def show_form(request: Request) -> Response:
    """GET /signin: the form."""
    return _with_csrf(request, 200, next_path=safe_next(request.query_params.get("next")))


async def _form(request: Request) -> dict[str, str] | None:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return None
    try:
        parsed = parse_qs(body.decode("utf-8"), max_num_fields=8, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None
    return {key: values[0] for key, values in parsed.items()}


async def submit(request: Request) -> Response:
    """POST /signin: check the token and the password; start a session."""
    form = await _form(request)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    field = (form or {}).get("csrf", "")
    if (
        form is None
        or not cookie
        or not secrets.compare_digest(cookie.encode(), field.encode())
        or not same_origin(request.scope, required=False)
    ):
        return _page(
            refused_page(
                "登录表单已过期或来源不明：请重新打开登录页再试。",
                "The sign-in form expired or came from elsewhere: open the sign-in page "
                "again and retry.",
            ),
            403,
        )
    name = form.get("name", "").strip()[:64]
    next_path = safe_next(form.get("next"))
    try:
        actor = await run_in_threadpool(
            accounts.sign_in, sessions.engine(), name, form.get("password", "")
        )
        token = await run_in_threadpool(accounts.open_session, sessions.engine(), actor)
    except SignInFailed as err:
        return _with_csrf(request, 401, next_path=next_path, name=name, error=str(err))
    keep = form.get("remember") == "1" or is_phone_path(next_path)
    return session_redirect(request, next_path, token, persistent=keep)


def is_phone_path(path: str) -> bool:
    """True for the phone page ``/m`` and its files: a sign-in for it stays signed in."""
    return path == "/m" or path.startswith(("/m/", "/m?"))


def set_session_cookie(
    response: Response, request: Request, token: str, *, persistent: bool
) -> None:
    """Set the session cookie ``token`` on ``response`` (HttpOnly, SameSite=Lax, Path=/,
    Secure over HTTPS); ``persistent``: kept by the browser for the idle time (Max-Age),
    else until the browser closes."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(idle_time().total_seconds()) if persistent else None,
        httponly=True,
        samesite="lax",
        secure=over_https(request.scope),
        path="/",
    )


def session_redirect(
    request: Request, next_path: str, token: str, *, persistent: bool = False
) -> RedirectResponse:
    """Return a 303 to ``next_path`` that sets the session cookie ``token`` (see
    :func:`set_session_cookie`): the end of every way of signing in."""
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, request, token, persistent=persistent)
    response.headers["Cache-Control"] = "no-store"
    return response


async def sign_out(request: Request) -> Response:
    """POST /signout: end the session, clear the cookie, back to the sign-in page."""
    if not same_origin(request.scope, required=False):
        return _page(refused_page("来源不明的请求。", "A request from another site."), 403)
    token = request.cookies.get(SESSION_COOKIE)
    sessions.forget(token)
    await run_in_threadpool(accounts.sign_out, sessions.engine(), token)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=over_https(request.scope)
    )
    return response


def routes() -> list[Route]:
    """Return the sign-in and sign-out routes."""
    return [
        Route("/signin", show_form, methods=["GET"]),
        Route("/signin", submit, methods=["POST"]),
        Route("/signout", sign_out, methods=["POST"]),
    ]
