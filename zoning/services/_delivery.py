"""Sending one notice on one channel: an HTTP POST to a group robot, or an e-mail through
SMTP. All network access of the notifications is here; :func:`send` returns the error as
text (None: delivered) and never raises.

SMTP settings: ``CAMPUSGRID_SMTP_HOST`` (needed for e-mail), ``CAMPUSGRID_SMTP_PORT``
(default 25, or 587 with STARTTLS), ``CAMPUSGRID_SMTP_USER``, ``CAMPUSGRID_SMTP_PASSWORD``
or ``CAMPUSGRID_SMTP_PASSWORD_FILE``, ``CAMPUSGRID_SMTP_FROM`` (default
``campusgrid@<host>``), ``CAMPUSGRID_SMTP_STARTTLS`` (1/true: upgrade the connection).
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from zoning.notify import (
    Notice,
    dingtalk_body,
    dingtalk_url,
    email_message,
    feishu_body,
    reply_error,
    wecom_body,
)
from zoning.store.notify import ChannelRow

__all__ = ["TIMEOUT_S", "send"]

#: Seconds one POST or SMTP conversation may take.
TIMEOUT_S = 10.0
_TRUE = {"1", "true", "yes", "on"}


def send(channel: ChannelRow, notice: Notice, *, now: datetime) -> str | None:
    """Send ``notice`` on ``channel``; return None when it was accepted, else the error
    (one line, without the webhook's key or any secret)."""
    try:
        if channel.kind == "email":
            return _mail(channel, notice)
        return _post(channel, notice, now=now)
    except Exception as exc:  # a channel's failure is recorded, never raised into the caller
        return f"{type(exc).__name__}: {exc}"[:500]


def _post(channel: ChannelRow, notice: Notice, *, now: datetime) -> str | None:
    url, body = channel.target, None
    if channel.kind == "wecom":
        body = wecom_body(notice)
    elif channel.kind == "dingtalk":
        url = dingtalk_url(channel.target, secret=channel.secret, timestamp_ms=_ms(now))
        body = dingtalk_body(notice)
    elif channel.kind == "feishu":
        body = feishu_body(notice, secret=channel.secret, timestamp_s=int(now.timestamp()))
    else:
        return f"unknown channel kind {channel.kind!r}"
    host = urlsplit(channel.target).hostname or "?"
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            raw = response.read(65_536)
    except urllib.error.HTTPError as exc:
        return f"{host} answered HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"cannot reach {host}: {reason}"
    try:
        reply = json.loads(raw.decode("utf-8", errors="replace") or "null")
    except ValueError:
        return f"{host} answered something other than JSON: {raw[:120]!r}"
    error = reply_error(channel.kind, reply)
    return f"{host} refused the message: {error}" if error else None


def _ms(now: datetime) -> int:
    return int(now.timestamp() * 1000)


def _smtp_password() -> str | None:
    path = os.environ.get("CAMPUSGRID_SMTP_PASSWORD_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get("CAMPUSGRID_SMTP_PASSWORD") or None


def _mail(channel: ChannelRow, notice: Notice) -> str | None:
    host = os.environ.get("CAMPUSGRID_SMTP_HOST", "").strip()
    if not host:
        return (
            "CAMPUSGRID_SMTP_HOST is not set: set it (and PORT, USER, PASSWORD, FROM) to send mail"
        )
    starttls = os.environ.get("CAMPUSGRID_SMTP_STARTTLS", "").strip().lower() in _TRUE
    port_text = os.environ.get("CAMPUSGRID_SMTP_PORT", "").strip() or ("587" if starttls else "25")
    if not port_text.isdigit():
        return f"CAMPUSGRID_SMTP_PORT {port_text!r} is not a port number"
    sender = os.environ.get("CAMPUSGRID_SMTP_FROM", "").strip() or f"campusgrid@{host}"
    message = email_message(notice, sender=sender, to=channel.target)
    with smtplib.SMTP(host, int(port_text), timeout=TIMEOUT_S) as smtp:
        if starttls:
            smtp.starttls(context=ssl.create_default_context())
        user = os.environ.get("CAMPUSGRID_SMTP_USER", "").strip()
        if user:
            smtp.login(user, _smtp_password() or "")
        refused = smtp.send_message(message)
    if refused:
        return f"the mail server refused {', '.join(refused)}"
    return None
