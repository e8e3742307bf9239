"""Named zones (片区): the ``zone`` table.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-18

Spelled out here (not imported from zoning.store.models.zones) so that this revision keeps
creating exactly this schema. One row per zone of a campus: its number (what cells, hazards
and a zone leader's account keep), its name, where it came from (imported, quarters,
generated) and its MultiPolygon in EPSG:4326. GeoAlchemy2's table events create the geometry
column and its spatial index on SpatiaLite and PostGIS alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _metadata() -> sa.MetaData:
    meta = sa.MetaData()
    sa.Table("campus", meta, sa.Column("id", sa.Integer, primary_key=True))  # by name only
    sa.Table(
        "zone",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "campus_id",
            sa.Integer,
            sa.ForeignKey("campus.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "geometry",
            Geometry(geometry_type="MULTIPOLYGON", srid=4326, spatial_index=True),
            nullable=False,
        ),
        sa.UniqueConstraint("campus_id", "number", name="uq_zone_number"),
        sa.UniqueConstraint("campus_id", "name", name="uq_zone_name"),
    )
    return meta


def upgrade() -> None:
    meta = _metadata()
    meta.create_all(op.get_bind(), tables=[meta.tables["zone"]])


def downgrade() -> None:
    meta = _metadata()
    meta.drop_all(op.get_bind(), tables=[meta.tables["zone"]])
