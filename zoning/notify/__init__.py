"""Notifications (pure: no network, no database): what a message says and how each channel
wants it.

``notice`` holds :class:`Notice` (one event, channel-free, stored as the outbox payload) and
the event names; ``robots`` the documented JSON bodies of the WeCom, DingTalk and Feishu
group robots (with their signatures); ``mail`` the e-mail; ``escape`` the markdown escaping
of user text. Sending (HTTP, SMTP) lives in :mod:`zoning.services.notify`.
"""

from zoning.notify.escape import markdown_text
from zoning.notify.mail import email_message
from zoning.notify.notice import (
    CHANNEL_KINDS,
    EVENTS,
    Notice,
    check_events,
    check_kind,
    check_target,
    public_url,
)
from zoning.notify.robots import (
    dingtalk_body,
    dingtalk_sign,
    dingtalk_url,
    feishu_body,
    feishu_sign,
    reply_error,
    wecom_body,
)

__all__ = [
    "CHANNEL_KINDS",
    "EVENTS",
    "Notice",
    "check_events",
    "check_kind",
    "check_target",
    "dingtalk_body",
    "dingtalk_sign",
    "dingtalk_url",
    "email_message",
    "feishu_body",
    "feishu_sign",
    "markdown_text",
    "public_url",
    "reply_error",
    "wecom_body",
]
