"""The notice as an e-mail (UTF-8 plain text, the link on its own line)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from zoning.notify.notice import Notice

__all__ = ["email_message"]


def email_message(notice: Notice, *, sender: str, to: str) -> EmailMessage:
    """Return the e-mail of ``notice`` from ``sender`` to ``to`` (subject: the headline and
    the cell; header injection impossible: EmailMessage refuses line breaks in headers and
    the subject is one line)."""
    message = EmailMessage()
    subject = f"[campusgrid] {notice.headline}" + (f" · {notice.cell}" if notice.cell else "")
    message["Subject"] = " ".join(subject.split())
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="campusgrid")
    rows = [notice.headline, "", *(f"{label}: {value}" for label, value in notice.lines())]
    message.set_content("\n".join([*rows, "", notice.link, ""]), charset="utf-8")
    return message
