"""SQLAlchemy 2 + GeoAlchemy2 models; geometries are stored in EPSG:4326.

The tables are created by the Alembic migrations in ``zoning/store/migrations``; this
module is how the code reads and writes them. Keep both in step.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from zoning.clock import utcnow

SRID = 4326


class Base(DeclarativeBase):
    """Declarative base of every campusgrid table."""


def _geom(kind: str) -> Geometry:
    return Geometry(geometry_type=kind, srid=SRID, spatial_index=True)


class Campus(Base):
    __tablename__ = "campus"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    code: Mapped[str] = mapped_column(String(20))
    metric_crs: Mapped[str] = mapped_column(String(64))
    area_m2: Mapped[float] = mapped_column(Float)
    attribution: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    data_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    geometry = mapped_column(_geom("MULTIPOLYGON"), nullable=False)


class Building(Base):
    __tablename__ = "building"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    use: Mapped[str | None] = mapped_column(String(64))
    levels: Mapped[int | None] = mapped_column(Integer)
    height_m: Mapped[float] = mapped_column(Float)
    height_source: Mapped[str] = mapped_column(String(16))
    geometry = mapped_column(_geom("MULTIPOLYGON"), nullable=False)


class Road(Base):
    __tablename__ = "road"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    road_class: Mapped[str | None] = mapped_column(String(32))
    geometry = mapped_column(_geom("MULTILINESTRING"), nullable=False)


class Poi(Base):
    __tablename__ = "poi"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(64))
    geometry = mapped_column(_geom("POINT"), nullable=False)


class Landcover(Base):
    __tablename__ = "landcover"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(32))
    geometry = mapped_column(_geom("MULTIPOLYGON"), nullable=False)


class Camera(Base):
    __tablename__ = "camera"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    heading_deg: Mapped[float] = mapped_column(Float)
    hfov_deg: Mapped[float] = mapped_column(Float)
    tilt_deg: Mapped[float] = mapped_column(Float)
    mount_height_m: Mapped[float] = mapped_column(Float)
    resolution_px: Mapped[int] = mapped_column(Integer)
    range_m: Mapped[float] = mapped_column(Float)
    indoor: Mapped[bool] = mapped_column(Boolean, default=False)
    geometry = mapped_column(_geom("POINT"), nullable=False)


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("campus_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    quarter: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(64))


class GridPlan(Base):
    __tablename__ = "grid_plan"
    __table_args__ = (UniqueConstraint("campus_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # draft | active | archived
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grid_plan.id", ondelete="SET NULL"))
    method: Mapped[str | None] = mapped_column(String(32))
    params: Mapped[str | None] = mapped_column(Text)  # JSON of the split parameters
    author: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic locking


class GridCell(Base):
    __tablename__ = "grid_cell"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("grid_plan.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    zone: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer, default=1)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cell.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    area_m2: Mapped[float] = mapped_column(Float)
    geometry = mapped_column(_geom("POLYGON"), nullable=False)


class RetiredCode(Base):
    """A cell code that a redraw retired: never reused on its campus."""

    __tablename__ = "retired_code"
    campus_id: Mapped[int] = mapped_column(
        ForeignKey("campus.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    retired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int | None] = mapped_column(
        ForeignKey("campus.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON


def table_of(model: type[Base]) -> Table:
    """Return the Core table of an ORM model (typed, for Core inserts and selects)."""
    return cast(Table, model.__table__)
