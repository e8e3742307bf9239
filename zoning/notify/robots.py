"""The group robots' documented JSON bodies and signatures.

- WeCom (企业微信) group robot: ``{"msgtype": "markdown", "markdown": {"content": …}}``
  (4096 bytes at most) or ``msgtype`` text; the reply is ``{"errcode": 0, "errmsg": "ok"}``.
- DingTalk (钉钉) robot: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``; with a
  signing secret the URL gains ``&timestamp=<ms>&sign=<s>`` where ``s`` is the URL-encoded
  base64 of HMAC-SHA256(key=secret, message="<ms>\\n<secret>"); reply ``errcode`` 0.
- Feishu (飞书) robot: ``{"msg_type": "post", "content": {"post": {"zh_cn": …}}}`` or
  ``msg_type`` text; with a signing secret the body gains ``timestamp`` (s) and ``sign``,
  the base64 of HMAC-SHA256(key="<s>\\n<secret>", message=b""); reply ``code`` 0.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import quote_plus

from zoning.notify.escape import markdown_text
from zoning.notify.notice import Notice

__all__ = [
    "WECOM_MARKDOWN_BYTES",
    "dingtalk_body",
    "dingtalk_sign",
    "dingtalk_url",
    "feishu_body",
    "feishu_sign",
    "reply_error",
    "wecom_body",
]

#: WeCom refuses a markdown message over 4096 bytes (UTF-8).
WECOM_MARKDOWN_BYTES = 4096


def _markdown(notice: Notice) -> str:
    """Return the notice as robot markdown: a bold headline, one line per field, the link."""
    rows = [f"**{markdown_text(notice.headline)}**"]
    rows += [f"> {label}: {markdown_text(value)}" for label, value in notice.lines()]
    rows.append(f"[打开 Open]({notice.link.replace(')', '%29').replace(' ', '%20')})")
    return "\n".join(rows)


def _plain(notice: Notice) -> str:
    rows = [notice.headline, *(f"{label}: {value}" for label, value in notice.lines())]
    return "\n".join([*rows, notice.link])


def wecom_body(notice: Notice, *, msgtype: str = "markdown") -> dict[str, Any]:
    """Return the WeCom group robot's body (``markdown``, cut to 4096 bytes, or ``text``)."""
    if msgtype == "text":
        return {"msgtype": "text", "text": {"content": _plain(notice)}}
    content = _markdown(notice)
    if len(content.encode()) > WECOM_MARKDOWN_BYTES:
        tail = f"\n[打开 Open]({notice.link})"
        room = WECOM_MARKDOWN_BYTES - len(tail.encode()) - 3
        content = content.encode()[:room].decode(errors="ignore") + "…" + tail
    return {"msgtype": "markdown", "markdown": {"content": content}}


def dingtalk_body(notice: Notice) -> dict[str, Any]:
    """Return the DingTalk robot's markdown body (title: the headline)."""
    return {
        "msgtype": "markdown",
        "markdown": {"title": notice.headline, "text": _markdown(notice)},
    }


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """Return DingTalk's signature (base64, not yet URL-encoded) for ``timestamp_ms``."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def dingtalk_url(webhook: str, *, secret: str | None, timestamp_ms: int) -> str:
    """Return the URL to post to: ``webhook`` with ``&timestamp=…&sign=…`` when signed."""
    if not secret:
        return webhook
    sign = quote_plus(dingtalk_sign(secret, timestamp_ms))
    joiner = "&" if "?" in webhook else "?"
    return f"{webhook}{joiner}timestamp={timestamp_ms}&sign={sign}"


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Return Feishu's signature: base64 of HMAC-SHA256 keyed "timestamp\\nsecret" over b""."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_body(
    notice: Notice, *, secret: str | None, timestamp_s: int, msg_type: str = "post"
) -> dict[str, Any]:
    """Return the Feishu robot's body (rich-text ``post``, or ``text``), signed when a
    secret is given. A post's text elements are plain text: nothing to escape."""
    body: dict[str, Any]
    if msg_type == "text":
        body = {"msg_type": "text", "content": {"text": _plain(notice)}}
    else:
        content = [
            [{"tag": "text", "text": f"{label}: {value}"}] for label, value in notice.lines()
        ]
        content.append([{"tag": "a", "text": "打开 Open", "href": notice.link}])
        post = {"zh_cn": {"title": notice.headline, "content": content}}
        body = {"msg_type": "post", "content": {"post": post}}
    if secret:
        body = {"timestamp": str(timestamp_s), "sign": feishu_sign(secret, timestamp_s), **body}
    return body


def reply_error(kind: str, reply: object) -> str | None:
    """Return the robot's error from its JSON reply (None when it accepted the message).

    WeCom and DingTalk answer ``errcode`` (0: ok), Feishu ``code`` (or the older
    ``StatusCode``), 0: ok. A reply that is not such an object is an error too.

    >>> reply_error("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"})
    'errcode 93000: invalid webhook url'
    >>> reply_error("feishu", {"code": 0, "msg": "success"}) is None
    True
    """
    if not isinstance(reply, dict):
        return f"unexpected reply {str(reply)[:200]!r}"
    if kind == "feishu":
        code = reply.get("code", reply.get("StatusCode"))
        message = reply.get("msg", reply.get("StatusMessage", ""))
        return None if code == 0 else f"code {code}: {message}"
    code = reply.get("errcode")
    return None if code == 0 else f"errcode {code}: {reply.get('errmsg', '')}"
