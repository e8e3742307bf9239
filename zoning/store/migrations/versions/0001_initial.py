"""Initial schema: campus data, people, grid plans and cells, retired codes, audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

The tables are spelled out here (not imported from zoning.store.models.campus) so that this
revision keeps creating exactly this schema when the models move on. GeoAlchemy2's table
events create the geometry columns and spatial indexes on both SpatiaLite and PostGIS.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = (
    "audit_event",
    "retired_code",
    "grid_cell",
    "grid_plan",
    "person",
    "camera",
    "landcover",
    "poi",
    "road",
    "building",
    "campus",
)


def _geom(kind: str) -> sa.Column[object]:
    return sa.Column(
        "geometry", Geometry(geometry_type=kind, srid=4326, spatial_index=True), nullable=False
    )


def _campus_fk(*, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(
        "campus_id",
        sa.Integer,
        sa.ForeignKey("campus.id", ondelete="CASCADE"),
        nullable=nullable,
        index=True,
    )


def _feature(meta: sa.MetaData, name: str, geom: str, *columns: sa.Column[object]) -> None:
    sa.Table(
        name,
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        _campus_fk(),
        sa.Column("source_id", sa.String(64)),
        sa.Column("name", sa.Text),
        *columns,
        _geom(geom),
    )


def _metadata() -> sa.MetaData:
    meta = sa.MetaData()
    tz = sa.DateTime(timezone=True)
    sa.Table(
        "campus",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("metric_crs", sa.String(64), nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("attribution", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("data_version", sa.Integer, nullable=False),
        sa.Column("created_at", tz, nullable=False),
        _geom("MULTIPOLYGON"),
    )
    _feature(
        meta,
        "building",
        "MULTIPOLYGON",
        sa.Column("use", sa.String(64)),
        sa.Column("levels", sa.Integer),
        sa.Column("height_m", sa.Float, nullable=False),
        sa.Column("height_source", sa.String(16), nullable=False),
    )
    _feature(meta, "road", "MULTILINESTRING", sa.Column("road_class", sa.String(32)))
    _feature(meta, "poi", "POINT", sa.Column("kind", sa.String(64)))
    _feature(meta, "landcover", "MULTIPOLYGON", sa.Column("kind", sa.String(32)))
    _feature(
        meta,
        "camera",
        "POINT",
        sa.Column("heading_deg", sa.Float, nullable=False),
        sa.Column("hfov_deg", sa.Float, nullable=False),
        sa.Column("tilt_deg", sa.Float, nullable=False),
        sa.Column("mount_height_m", sa.Float, nullable=False),
        sa.Column("resolution_px", sa.Integer, nullable=False),
        sa.Column("range_m", sa.Float, nullable=False),
        sa.Column("indoor", sa.Boolean, nullable=False),
    )
    sa.Table(
        "person",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        _campus_fk(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("quarter", sa.String(64)),
        sa.Column("phone", sa.String(64)),
        sa.UniqueConstraint("campus_id", "name"),
    )
    sa.Table(
        "grid_plan",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        _campus_fk(),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("grid_plan.id", ondelete="SET NULL")),
        sa.Column("method", sa.String(32)),
        sa.Column("params", sa.Text),
        sa.Column("author", sa.String(200)),
        sa.Column("reason", sa.Text),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("row_version", sa.Integer, nullable=False),
        sa.UniqueConstraint("campus_id", "version"),
    )
    sa.Table(
        "grid_cell",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "plan_id",
            sa.Integer,
            sa.ForeignKey("grid_plan.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("zone", sa.Integer),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("grid_cell.id", ondelete="SET NULL")),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("person.id", ondelete="SET NULL")),
        sa.Column("area_m2", sa.Float, nullable=False),
        _geom("POLYGON"),
        sa.UniqueConstraint("plan_id", "code"),
    )
    sa.Table(
        "retired_code",
        meta,
        sa.Column(
            "campus_id",
            sa.Integer,
            sa.ForeignKey("campus.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("retired_at", tz, nullable=False),
    )
    sa.Table(
        "audit_event",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        _campus_fk(nullable=True),
        sa.Column("at", tz, nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text),
    )
    return meta


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    _metadata().create_all(bind)


def downgrade() -> None:
    meta = _metadata()
    meta.drop_all(op.get_bind(), tables=[meta.tables[name] for name in TABLES])
