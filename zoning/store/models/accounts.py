"""Models of the account tables: accounts, their signed-in web sessions and API tokens.

Created by migrations ``0006`` and ``0008`` (``api_token``); keep them in step. Accounts
are not tied to one campus: an account that stands for a person (an inspector, a zone
leader) names the campus and the person. A session stores only the SHA-256 of its token;
the token itself lives in the browser's cookie. An API token likewise stores only its hash.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from zoning.clock import utcnow
from zoning.store.models.campus import Base

TZ = DateTime(timezone=True)


class Account(Base):
    """A local account (or one signed in through single sign-on)."""

    __tablename__ = "account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    campus: Mapped[str | None] = mapped_column(String(200))
    person: Mapped[str | None] = mapped_column(String(200))
    zone: Mapped[int | None] = mapped_column(Integer)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_signins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    password_set_at: Mapped[datetime | None] = mapped_column(TZ)


class WebSession(Base):
    """A signed-in browser: the hash of its cookie's token, and when it was last used."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)


class ApiToken(Base):
    """An account's long-lived API token (``Authorization: Bearer``): the hash of the token,
    its label, when it expires (None: never), when it was revoked and last used."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(TZ)
    revoked_at: Mapped[datetime | None] = mapped_column(TZ)
    last_used_at: Mapped[datetime | None] = mapped_column(TZ)
