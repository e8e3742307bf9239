"""The ``zone`` table: named areas (片区) of a campus, in EPSG:4326.

A zone has a number (the key the cells, the ledger and a zone leader's account keep), a
name shown everywhere a zone is shown, a MultiPolygon and its source: ``imported`` (a
layer read by ``campusgrid zones import``), ``quarters`` (drawn by ``grid split`` from the
people's quarters) or ``generated`` (``split --zones N``).
"""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zoning.clock import utcnow
from zoning.store.models.campus import SRID, Base

#: Where a campus's zones came from.
ZONE_SOURCES: tuple[str, ...] = ("imported", "quarters", "generated")


class Zone(Base):
    __tablename__ = "zone"
    __table_args__ = (
        UniqueConstraint("campus_id", "number", name="uq_zone_number"),
        UniqueConstraint("campus_id", "name", name="uq_zone_name"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campus.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    geometry = mapped_column(
        Geometry(geometry_type="MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False
    )
