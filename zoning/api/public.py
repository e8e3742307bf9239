"""The public complaint form behind the QR sheets (no account): ``GET /report`` (the form,
pre-located at the sheet's building or cell), ``POST /report`` (a complaint and its
tracking number) and ``GET /track/{number}`` (its status and the official replies).

Plain HTML, Chinese first then English, for a phone, no external asset and a strict
Content-Security-Policy. The form carries a double-submit token (a cookie and a hidden
field that must match). Posts are limited per client address and per place over a sliding
window (``$CAMPUSGRID_PUBLIC_PER_CLIENT``, default 5, and ``$CAMPUSGRID_PUBLIC_PER_PLACE``,
default 30, per ``$CAMPUSGRID_PUBLIC_WINDOW_S``, default 3600 s); a photo is an image of at
most ``$CAMPUSGRID_PUBLIC_MAX_PHOTO_MB`` (default 5 MB). The form acts as the account
``$CAMPUSGRID_PUBLIC_ACCOUNT`` (see :func:`zoning.services.public.public_account`); without
it the form says it is not enabled.
"""

from __future__ import annotations

import os
import secrets
from functools import cache
from html import escape
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import Message

from zoning.api.asgi import over_https, same_origin
from zoning.api.rest.auth import FailureWindow, client_of
from zoning.api.sessions import engine
from zoning.errors import InvalidInput, NotFound
from zoning.safety.complaints import DEFAULT_CATEGORIES
from zoning.services import public
from zoning.services.public import PublicPlace, PublicStatus

#: The form's double-submit cookie (sent back to /report only).
CSRF_COOKIE = "campusgrid_report_csrf"
PER_CLIENT_ENV = "CAMPUSGRID_PUBLIC_PER_CLIENT"
PER_PLACE_ENV = "CAMPUSGRID_PUBLIC_PER_PLACE"
WINDOW_ENV = "CAMPUSGRID_PUBLIC_WINDOW_S"
MAX_PHOTO_ENV = "CAMPUSGRID_PUBLIC_MAX_PHOTO_MB"
DEFAULT_PER_CLIENT = 5
DEFAULT_PER_PLACE = 30
DEFAULT_WINDOW_S = 3600.0
DEFAULT_MAX_PHOTO_MB = 5.0
#: Room for the text fields beside the photo in a post (bytes).
_FIELDS_BYTES = 64 * 1024
#: Images only: no script, no HTML, no PDF, no SVG (it can carry script).
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/heic"})
#: Nothing but inline style: no script, no other origin; the form posts here only.
PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

_STYLE = """
body{font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;
margin:0;padding:16px;max-width:34rem;margin-inline:auto;line-height:1.5;font-size:17px}
h1{font-size:1.35rem;margin:.2rem 0 .8rem}label{display:block;margin-top:1rem;font-weight:600}
select,textarea,input{width:100%;box-sizing:border-box;font-size:1rem;padding:.6rem;
margin-top:.3rem}textarea{min-height:8rem}button{margin-top:1.4rem;width:100%;padding:.9rem;
font-size:1.1rem;background:#0b5cad;color:#fff;border:0;border-radius:6px}
.en{color:#555;font-weight:400;font-size:.9em}.note{color:#555;font-size:.9rem}
.box{border:1px solid #ccc;border-radius:6px;padding:1rem;margin-top:1rem;word-break:break-all}
.error{color:#a00000;font-weight:600}
"""


def _int_env(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else default


def _float_env(name: str, default: float, high: float) -> float:
    try:
        value = float(os.environ.get(name, "").strip() or default)
    except ValueError:
        return default
    return value if 0 < value <= high else default


def max_photo_bytes() -> int:
    """Return the largest photo the form accepts, in bytes."""
    return int(_float_env(MAX_PHOTO_ENV, DEFAULT_MAX_PHOTO_MB, 50.0) * 1_000_000)


@cache
def windows() -> tuple[FailureWindow, FailureWindow]:
    """Return the server's two post windows: per client address, per place."""
    window_s = _float_env(WINDOW_ENV, DEFAULT_WINDOW_S, 7 * 86400.0)
    return (
        FailureWindow(_int_env(PER_CLIENT_ENV, DEFAULT_PER_CLIENT), window_s),
        FailureWindow(_int_env(PER_PLACE_ENV, DEFAULT_PER_PLACE), window_s),
    )


# --------------------------------------------------------------------------- pages


def _html(title: str, body: str, status: int = 200) -> HTMLResponse:
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="referrer" content="no-referrer"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )
    response = HTMLResponse(page, status_code=status)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def _message(zh: str, en: str, status: int) -> HTMLResponse:
    """A page of one line in Chinese and English (a refusal, or the form not enabled)."""
    body = (
        f'<h1>校园问题反映 <span class="en">Report a problem</span></h1>'
        f'<p class="error">{escape(zh)}</p><p class="error en">{escape(en)}</p>'
    )
    return _html("校园问题反映 / Report a problem", body, status)


def _refusal(err: Exception, status: int) -> HTMLResponse:
    """A page showing a service's one-line message (it is bilingual where the service
    wrote it so)."""
    text = str(err)
    zh, _, en = text.partition(" / ") if " / " in text else ("未能提交。", "", text)
    return _message(zh or "未能提交。", en or text, status)


def _form_page(place: PublicPlace, query: dict[str, str], token: str) -> str:
    options = "".join(
        f'<option value="{escape(c.code)}">{escape(c.name_zh)} / {escape(c.name_en)}</option>'
        for c in DEFAULT_CATEGORIES.values()
    )
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in query.items()
    )
    limit = max_photo_bytes() / 1e6
    return (
        '<h1>校园问题反映 <span class="en">Report a problem</span></h1>'
        f'<p>地点 <span class="en">Place</span>: <strong>{escape(place.title)}</strong></p>'
        '<form method="post" action="/report" enctype="multipart/form-data">'
        f'<input type="hidden" name="csrf" value="{escape(token)}">{hidden}'
        '<label for="category">问题类别 <span class="en">Category</span></label>'
        f'<select id="category" name="category" required>{options}</select>'
        '<label for="text">问题描述 <span class="en">What is wrong?</span></label>'
        f'<textarea id="text" name="text" required maxlength="{public.MAX_TEXT}"></textarea>'
        '<label for="photo">照片（可选） <span class="en">Photo (optional)</span></label>'
        '<input id="photo" name="photo" type="file" accept="image/*">'
        f'<p class="note">图片，最大 {limit:g} MB / An image of at most {limit:g} MB</p>'
        '<label for="contact">联系方式（可选） <span class="en">Contact (optional)</span></label>'
        f'<input id="contact" name="contact" maxlength="{public.MAX_CONTACT}" '
        'autocomplete="tel">'
        '<p class="note">仅校方工作人员可见 / Seen only by campus staff</p>'
        '<button type="submit">提交 / Submit</button></form>'
    )


def _status_page(token: str, found: PublicStatus) -> str:
    names = {
        "received": ("已受理", "Received"),
        "handling": ("正在处理", "Being handled"),
        "closed": ("已办结", "Closed"),
    }
    zh, en = names[found.status]
    rows = [
        ("状态", "Status", f"{zh} / {en}"),
        ("类别", "Category", f"{found.category_zh} / {found.category_en}"),
        ("提交时间", "Received", found.received_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("答复时限", "Answer due", found.response_deadline.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    if found.closed_at is not None:
        rows.append(("办结时间", "Closed", found.closed_at.strftime("%Y-%m-%d %H:%M UTC")))
    table = "".join(
        f'<p>{escape(a)} <span class="en">{escape(b)}</span>: <strong>{escape(c)}</strong></p>'
        for a, b, c in rows
    )
    return (
        '<h1>办理进度 <span class="en">Tracking</span></h1>'
        f'<div class="box">编号 <span class="en">Number</span>: {escape(token)}</div>{table}'
        f"{_replies_html(found)}"
    )


def _replies_html(found: PublicStatus) -> str:
    """The official replies, latest first (their text and time; never who wrote them)."""
    if not found.replies:
        return '<p class="note">尚无答复 / No reply yet</p>'
    items = "".join(
        f'<li class="reply"><span class="note">{r.at.strftime("%Y-%m-%d %H:%M UTC")}</span>'
        f'<p style="white-space:pre-wrap;margin:.2rem 0 .8rem">{escape(r.text)}</p></li>'
        for r in found.replies
    )
    return (
        '<h2 style="font-size:1.1rem">官方答复 <span class="en">Official replies</span></h2>'
        f'<ul style="padding-left:1.1rem" id="replies">{items}</ul>'
    )


# --------------------------------------------------------------------------- routes


def _place_query(params: Any) -> dict[str, str]:
    """The place fields of a query or form: campus and b (building) or cell."""
    return {k: str(params[k]) for k in ("campus", "b", "cell") if params.get(k)}


def _place(query: dict[str, str]) -> PublicPlace:
    return public.public_place(
        engine(), query.get("campus", ""), building=query.get("b"), cell=query.get("cell")
    )


def _not_enabled() -> HTMLResponse:
    return _message(
        "此表单尚未启用：请联系学校保卫处或拨打服务电话。",
        "The public complaint form is not enabled here: contact the campus office.",
        503,
    )


async def show_form(request: Request) -> Response:
    """GET /report: the form for the place the QR code names."""
    query = _place_query(request.query_params)
    try:
        place = await run_in_threadpool(_place, query)
    except (NotFound, InvalidInput) as err:
        return _refusal(err, 404)
    if await run_in_threadpool(public.public_account, engine()) is None:
        return _not_enabled()
    token = request.cookies.get(CSRF_COOKIE) or ""
    if not 20 <= len(token) <= 100:
        token = secrets.token_urlsafe(24)
    response = _html("校园问题反映 / Report a problem", _form_page(place, query, token))
    response.set_cookie(
        CSRF_COOKIE, token, httponly=True, samesite="strict", secure=over_https(request.scope),
        path="/report",
    )  # fmt: skip
    return response


async def _body(request: Request, limit: int) -> bytes | None:
    """Return the request's body, or None when it is over ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return body


def _replayed(request: Request, body: bytes) -> Request:
    """Return ``request`` with its body ``body`` readable again (for the form parser)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


def _too_large(limit: int) -> HTMLResponse:
    mb = limit / 1e6
    return _message(
        f"照片太大：最大 {mb:g} MB，请换一张较小的照片。",
        f"The photo is too large: at most {mb:g} MB; choose a smaller one.",
        413,
    )


async def _photo(field: Any, limit: int) -> bytes | HTMLResponse | None:
    """Return the photo's bytes (None: no photo), or the refusal page."""
    if not isinstance(field, UploadFile) or not field.filename:
        return None
    data = await field.read(limit + 1)
    if not data:
        return None
    if len(data) > limit:
        return _too_large(limit)
    if (field.content_type or "").lower() not in PHOTO_TYPES:
        return _message(
            "只能上传图片（JPEG、PNG、WebP）。",
            "Only an image (JPEG, PNG, WebP) can be attached: choose a photo.",
            415,
        )
    return data


async def submit(request: Request) -> Response:
    """POST /report: check the token and the limits, record the complaint, show its
    tracking number."""
    limit = max_photo_bytes()
    body = await _body(request, limit + _FIELDS_BYTES)
    if body is None:
        return _too_large(limit)
    try:
        form = await _replayed(request, body).form(max_files=1, max_fields=12)
    except Exception:  # a malformed multipart body is the sender's mistake
        return _message(
            "表单无法读取，请重新打开页面。", "The form could not be read: open it again.", 400
        )
    try:
        return await _submit(request, form, limit)
    finally:
        await form.close()


async def _submit(request: Request, form: FormData, limit: int) -> Response:
    """Check the token and the limits; record the complaint."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    field = form.get("csrf")
    if (
        not cookie
        or not isinstance(field, str)
        or not secrets.compare_digest(cookie.encode(), field.encode())
        or not same_origin(request.scope, required=False)
    ):
        return _message(
            "表单已过期或来源不明：请重新扫码打开表单再提交。",
            "The form expired or came from elsewhere: scan the code again and resubmit.",
            403,
        )
    query = _place_query(form)
    try:
        place = await run_in_threadpool(_place, query)
    except (NotFound, InvalidInput) as err:
        return _refusal(err, 404)
    per_client, per_place = windows()
    client = client_of(request)
    place_key = f"{place.campus}\x00{place.place}"
    if per_client.held_off(client) > 0 or per_place.held_off(place_key) > 0:
        return _message(
            "提交过于频繁，请稍后再试。",
            "Too many reports from here just now: try again later.",
            429,
        )
    photo = await _photo(form.get("photo"), limit)
    if isinstance(photo, HTMLResponse):
        return photo
    actor = await run_in_threadpool(public.public_account, engine())
    if actor is None:
        return _not_enabled()
    per_client.failed(client)  # counts one post (the window's name is about API tokens)
    per_place.failed(place_key)
    try:
        token = await run_in_threadpool(
            lambda: public.submit_public_complaint(
                engine(), place, actor=actor, category=str(form.get("category") or ""),
                text=str(form.get("text") or ""), contact=str(form.get("contact") or ""),
                photo=photo,
            )
        )  # fmt: skip
    except InvalidInput as err:
        return _refusal(err, 400)
    body_html = (
        '<h1>已收到 <span class="en">Received</span></h1>'
        "<p>请保存下面的查询编号，用它查看办理进度。</p>"
        '<p class="en">Keep this tracking number to follow your report.</p>'
        f'<div class="box" id="tracking">{escape(token)}</div>'
        f'<p><a href="/track/{escape(token)}">查看进度 / Track it</a></p>'
    )
    return _html("已收到 / Received", body_html, 201)


async def show_status(request: Request) -> Response:
    """GET /track/{number}: the status of one complaint, nothing else."""
    token = str(request.path_params["token"])
    try:
        found = await run_in_threadpool(public.track, engine(), token)
    except NotFound as err:
        return _refusal(err, 404)
    return _html("办理进度 / Tracking", _status_page(token, found))


def routes() -> list[Route]:
    """Return the public form's routes."""
    return [
        Route("/report", show_form, methods=["GET"]),
        Route("/report", submit, methods=["POST"]),
        Route("/track/{token}", show_status, methods=["GET"]),
    ]
