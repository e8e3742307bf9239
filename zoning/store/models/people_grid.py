"""Models of the people grid (学生网格): students, staff links, roll calls, marks, leave, and
each campus's rotating-code secret.

Created by migration ``0012``; keep them in step. A student's ``building`` is a building's
name as imported (it survives a re-import of the campus's map, which renumbers buildings).
A roll-call mark keeps pass/fail as its state, the distance band and the accuracy: never
the coordinates a phone sent.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from zoning.clock import utcnow
from zoning.store.models.campus import Base

TZ = DateTime(timezone=True)


class Student(Base):
    """A student of a campus's roster; one who left keeps the row (``active`` false)."""

    __tablename__ = "student"
    __table_args__ = (UniqueConstraint("campus_id", "student_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    student_no: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    college: Mapped[str] = mapped_column(String(200))
    grade: Mapped[str | None] = mapped_column(String(32))
    class_name: Mapped[str] = mapped_column(String(200))
    building: Mapped[str] = mapped_column(String(200))
    room: Mapped[str | None] = mapped_column(String(32))
    bed: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(64))
    roles: Mapped[str] = mapped_column(String(200), default="")  # ';'-joined
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    left_at: Mapped[datetime | None] = mapped_column(TZ)


class StaffLink(Base):
    """A counsellor's class or a deputy secretary's college (``class_name`` None)."""

    __tablename__ = "staff_link"
    __table_args__ = (UniqueConstraint("campus_id", "person", "role", "college", "class_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    person: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))  # counsellor | deputy_secretary
    college: Mapped[str] = mapped_column(String(200))
    class_name: Mapped[str | None] = mapped_column(String(200))


class Rollcall(Base):
    """A night's roll call of a campus; ``rules`` is the JSON of its window and holidays."""

    __tablename__ = "rollcall"
    __table_args__ = (UniqueConstraint("campus_id", "night"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    night: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(TZ)
    rules: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(200))


class RollcallMark(Base):
    """A student's state in a roll call: present (with band and accuracy), leave, away,
    missing; ``by`` is the account that marked it."""

    __tablename__ = "rollcall_mark"
    __table_args__ = (UniqueConstraint("rollcall_id", "student_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rollcall_id: Mapped[int] = mapped_column(ForeignKey("rollcall.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(TZ, default=utcnow)
    band: Mapped[str | None] = mapped_column(String(16))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    by: Mapped[str] = mapped_column(String(200))


class Leave(Base):
    """A leave (请假) or an approved absence (在外) of a student, up to ``until`` (a date)."""

    __tablename__ = "leave"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # leave | away
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)


class RollcallSecret(Base):
    """A campus's secret for the rotating codes (hex; made on first use, never shown)."""

    __tablename__ = "rollcall_secret"
    campus_id: Mapped[int] = mapped_column(
        ForeignKey("campus.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)


class Holiday(Base):
    """A holiday of a campus (假期): its days and the return deadline (migration ``0016``)."""

    __tablename__ = "holiday"
    __table_args__ = (UniqueConstraint("campus_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    return_by: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)


class Whereabouts(Base):
    """A student's declared whereabouts for a holiday (假期去向), its risk flags (``;``-joined),
    the grid member's verification and the return mark."""

    __tablename__ = "whereabouts"
    __table_args__ = (UniqueConstraint("holiday_id", "student_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holiday_id: Mapped[int] = mapped_column(ForeignKey("holiday.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    plan: Mapped[str | None] = mapped_column(String(16))
    destination: Mapped[str | None] = mapped_column(Text)
    leave_on: Mapped[date | None] = mapped_column(Date)
    return_on: Mapped[date | None] = mapped_column(Date)
    companions: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[str] = mapped_column(String(200), default="")
    declared_by: Mapped[str | None] = mapped_column(String(200))
    declared_at: Mapped[datetime | None] = mapped_column(TZ)
    verified_by: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[datetime | None] = mapped_column(TZ)
    returned_by: Mapped[str | None] = mapped_column(String(200))
    returned_at: Mapped[datetime | None] = mapped_column(TZ)


class ReturnFollowup(Base):
    """A note of one contact about a student not back (family contacted, reason, expected
    return); ``escalated`` hands it to the counsellor."""

    __tablename__ = "return_followup"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holiday_id: Mapped[int] = mapped_column(ForeignKey("holiday.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    contacted: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    expected_return: Mapped[date | None] = mapped_column(Date)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(TZ, default=utcnow)


class Attention(Base):
    """A student on a counsellor's key-student list (重点关注); ``active`` false once removed."""

    __tablename__ = "attention"
    __table_args__ = (UniqueConstraint("campus_id", "student_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)


class AttentionVisit(Base):
    """A visit (走访) to a key student: the day and a note."""

    __tablename__ = "attention_visit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attention_id: Mapped[int] = mapped_column(
        ForeignKey("attention.id", ondelete="CASCADE"), index=True
    )
    visited_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TZ, default=utcnow)
