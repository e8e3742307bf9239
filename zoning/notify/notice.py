"""One notification, channel-free: the event, the headline, the cell, the place, the
deadline and the link back. Stored as the outbox's JSON payload; each channel renders it
(:mod:`zoning.notify.robots`, :mod:`zoning.notify.mail`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from zoning.clock import local_text
from zoning.errors import InvalidInput

__all__ = [
    "CHANNEL_KINDS",
    "DEFAULT_PUBLIC_URL",
    "EVENTS",
    "Notice",
    "check_events",
    "check_kind",
    "check_target",
    "public_url",
]

#: The channels: three group robots by webhook, and e-mail through SMTP.
CHANNEL_KINDS: tuple[str, ...] = ("wecom", "dingtalk", "feishu", "email")
#: The events a channel may ask for (all by default).
EVENTS: tuple[str, ...] = (
    "assigned", "deadline", "escalated", "major", "plan_activated",
    "rollcall_reminder", "rollcall_summary", "people_escalated",
)  # fmt: skip
#: Where the links point when ``CAMPUSGRID_PUBLIC_URL`` is not set.
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8501"
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")

#: Each event's headline (Chinese / English).
HEADLINES: dict[str, str] = {
    "assigned": "隐患已派发 / Hazard assigned",
    "complaint": "诉求已派发 / Complaint assigned",
    "deadline": "整改期限 24 小时内到期 / Deadline within 24 h",
    "escalated": "隐患逾期升级 / Escalated to the next level",
    "major": "重大隐患 / Major hazard opened",
    "plan_activated": "网格方案已启用 / Grid plan activated",
    "rollcall_reminder": "晚点名即将结束 / Roll call closes soon",
    "rollcall_summary": "晚点名结果 / Roll-call summary",
    "people_escalated": "学生网格升级 / People grid: escalated",
    "test": "测试消息 / Test message",
}


def public_url() -> str:
    """Return the base of every link: ``$CAMPUSGRID_PUBLIC_URL`` (no trailing /), else
    :data:`DEFAULT_PUBLIC_URL`."""
    return (os.environ.get("CAMPUSGRID_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")


@dataclass(frozen=True)
class Notice:
    """What happened (``event``, one of :data:`EVENTS` or ``test``), to whom (``recipient``,
    a person of the campus, and ``role``, the level that answers), where (``cell``,
    ``place``), until when (``deadline``, UTC) and the link back (``link``)."""

    event: str
    headline: str
    campus: str
    cell: str | None
    place: str
    deadline: datetime | None
    link: str
    recipient: str | None = None
    role: str | None = None
    zone: int | None = None
    detail: str = ""

    @classmethod
    def about(
        cls,
        event: str,
        *,
        campus: str,
        page: str,
        query: dict[str, str],
        headline: str | None = None,
        **fields: Any,
    ) -> Notice:
        """Return a notice whose link opens ``page`` of the app with ``query`` (values
        URL-encoded) under :func:`public_url`."""
        args = "&".join(f"{k}={quote(v, safe='')}" for k, v in {"campus": campus, **query}.items())
        link = f"{public_url()}/{page}?{args}"
        title = headline or HEADLINES.get(event, event)
        return cls(event=event, headline=title, campus=campus, link=link, **fields)

    def lines(self) -> list[tuple[str, str]]:
        """Return the labelled lines every channel shows: (label, plain value)."""
        rows = [("校区 Campus", self.campus)]
        rows.append(("网格 Cell", self.cell or "—"))
        rows.append(("位置 Place", self.place or "—"))
        rows.append(("期限 Deadline", local_text(self.deadline) if self.deadline else "—"))
        if self.recipient:
            rows.append(("责任人 Responsible", self.recipient))
        if self.detail:
            rows.append(("内容 Detail", self.detail))
        return rows

    def to_json(self) -> dict[str, Any]:
        """Return the notice as the outbox's JSON payload."""
        return {
            "event": self.event, "headline": self.headline, "campus": self.campus,
            "cell": self.cell, "place": self.place,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "link": self.link, "recipient": self.recipient, "role": self.role,
            "zone": self.zone, "detail": self.detail,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Notice:
        """Return the notice stored by :meth:`to_json`."""
        deadline = data.get("deadline")
        return cls(
            event=str(data["event"]),
            headline=str(data["headline"]),
            campus=str(data["campus"]),
            cell=data.get("cell"),
            place=str(data.get("place") or ""),
            deadline=datetime.fromisoformat(deadline) if deadline else None,
            link=str(data["link"]),
            recipient=data.get("recipient"),
            role=data.get("role"),
            zone=data.get("zone"),
            detail=str(data.get("detail") or ""),
        )


def check_kind(kind: str) -> str:
    """Return ``kind`` if it is one of :data:`CHANNEL_KINDS`; else InvalidInput."""
    if kind not in CHANNEL_KINDS:
        raise InvalidInput(f"Unknown channel {kind!r}: use one of {', '.join(CHANNEL_KINDS)}.")
    return kind


def check_target(kind: str, target: str) -> str:
    """Return the webhook URL (http or https, with a host) or e-mail address, stripped;
    else InvalidInput naming what is wrong."""
    target = target.strip()
    if kind == "email":
        if not _ADDRESS.match(target) or len(target) > 254:
            raise InvalidInput(f"{target!r} is not an e-mail address like safety@example.edu.")
        return target
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(target) > 2000:
        raise InvalidInput(
            f"{target!r} is not a webhook URL: give the robot's https://… address "
            "(from the group's robot settings)."
        )
    return target


def check_events(text: str | None) -> tuple[str, ...]:
    """Return the events named in ``a,b`` (None or empty: all of :data:`EVENTS`); an unknown
    name is InvalidInput listing the known ones.

    >>> check_events("major, deadline")
    ('deadline', 'major')
    """
    if not text or not text.strip():
        return EVENTS
    names = {n.strip() for n in text.split(",") if n.strip()}
    unknown = sorted(names - set(EVENTS))
    if unknown:
        raise InvalidInput(
            f"Unknown event(s) {', '.join(unknown)}: use some of {', '.join(EVENTS)}."
        )
    return tuple(e for e in EVENTS if e in names)
