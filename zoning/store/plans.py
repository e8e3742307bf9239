"""Store and read grid plans and their cells."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.clock import utcnow
from zoning.errors import InvalidInput, NotFound
from zoning.store.audit import record
from zoning.store.campus import bump_data_version, campus_id
from zoning.store.engine import writing
from zoning.store.frames import frame_rows, read_frame
from zoning.store.models.campus import (
    GridCell,
    GridPlan,
    Person,
    RetiredCode,
    table_of,
)

CELL_COLUMNS = ("code", "zone", "kind", "owner", "area_m2")
STATUSES = ("draft", "active", "archived")


@dataclass(frozen=True)
class PlanSummary:
    """One grid plan: its identity, status and size."""

    id: int
    campus: str
    version: int
    status: str
    method: str | None
    author: str | None
    reason: str | None
    created_at: datetime
    cells: int

    def to_json(self) -> dict[str, Any]:
        """Return the plan as JSON-ready data."""
        return {
            "id": self.id,
            "campus": self.campus,
            "version": self.version,
            "status": self.status,
            "method": self.method,
            "author": self.author,
            "reason": self.reason,
            "created_at": self.created_at.isoformat(),
            "cells": self.cells,
        }


def owner_ids(conn: sa.Connection, cid: int, owners: Iterable[Any]) -> list[int | None]:
    """Return the person id of each owner name of campus ``cid`` (None for no owner: None,
    NaN or an empty name). Raises InvalidInput for a name that is not a person there."""
    people: dict[str, int] = {
        str(r.name): int(r.id)
        for r in conn.execute(sa.select(Person.name, Person.id).where(Person.campus_id == cid))
    }
    ids: list[int | None] = []
    for owner in owners:
        if not isinstance(owner, str) or not owner:
            ids.append(None)
        elif owner in people:
            ids.append(people[owner])
        else:
            raise InvalidInput(
                f"Owner {owner!r} is not a person of this campus: add them with `campusgrid "
                "people import` or fix the name."
            )
    return ids


def save_plan(
    engine: Engine,
    *,
    campus: str,
    cells: gpd.GeoDataFrame,
    method: str | None,
    params: dict[str, Any] | None = None,
    author: str | None = None,
    reason: str | None = None,
    parent_id: int | None = None,
    on_saved: Callable[[sa.Connection, int, int], None] | None = None,
    actor: str | None = None,
    on_behalf: str | None = None,
) -> PlanSummary:
    """Store ``cells`` (columns code, zone, kind, area_m2, optional owner) as a new draft plan.

    The whole plan lands in one transaction or not at all; ``on_saved(conn, campus_id,
    plan_id)`` runs inside that transaction (e.g. to record lineage). The audit row names
    the account ``actor`` (default: ``author``) and ``on_behalf``, the person who drew it on
    paper. Raises NotFound, InvalidInput.
    """
    if "code" not in cells.columns or cells["code"].duplicated().any():
        raise InvalidInput("Every cell needs a unique code; the plan was not stored.")
    frame = cells.copy()
    for col in CELL_COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    if frame.geometry.geom_type.isin(["MultiPolygon", "GeometryCollection"]).any():
        raise InvalidInput("Every cell must be a single polygon; explode multi-part cells first.")
    with writing(engine) as conn:
        cid = campus_id(conn, campus)
        version = 1 + int(
            conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(GridPlan.version), 0)).where(
                    GridPlan.campus_id == cid
                )
            ).scalar_one()
        )
        created = utcnow()
        plan_id = conn.execute(
            sa.insert(table_of(GridPlan)).returning(GridPlan.id),
            [
                {
                    "campus_id": cid,
                    "version": version,
                    "status": "draft",
                    "parent_id": parent_id,
                    "method": method,
                    "params": json.dumps(params or {}, ensure_ascii=False),
                    "author": author,
                    "reason": reason,
                    "created_at": created,
                    "row_version": 1,
                }
            ],
        ).scalar_one()
        ids = owner_ids(conn, cid, frame["owner"])
        rows = frame_rows(frame, ["code", "zone", "kind", "area_m2"], plan_id=plan_id, level=1)
        for row, owner_id in zip(rows, ids, strict=True):
            row["owner_id"] = owner_id
        if rows:
            conn.execute(sa.insert(table_of(GridCell)), rows)
        detail: dict[str, Any] = {
            "plan_id": plan_id,
            "method": method,
            "params": params,
            "cells": len(rows),
        }
        record(
            conn,
            campus_id=cid,
            actor=actor if actor is not None else author or "",
            action="plan.create",
            detail=detail,
            at=created,
            on_behalf=on_behalf,
        )
        if on_saved is not None:
            on_saved(conn, cid, int(plan_id))
        bump_data_version(conn, cid)
    return PlanSummary(
        id=int(plan_id),
        campus=campus,
        version=version,
        status="draft",
        method=method,
        author=author,
        reason=reason,
        created_at=created,
        cells=len(rows),
    )


def list_plans(engine: Engine, campus: str) -> list[PlanSummary]:
    """Return the plans of ``campus``, newest first. Raises NotFound."""
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        mine = sa.select(GridPlan.id).where(GridPlan.campus_id == cid)
        counts = (  # the cells of this campus's plans only, not of every campus's
            sa.select(GridCell.plan_id, sa.func.count().label("n"))
            .where(GridCell.plan_id.in_(mine))
            .group_by(GridCell.plan_id)
            .subquery()
        )
        rows = conn.execute(
            sa.select(*table_of(GridPlan).c, sa.func.coalesce(counts.c.n, 0).label("n"))
            .outerjoin(counts, counts.c.plan_id == GridPlan.id)
            .where(GridPlan.campus_id == cid)
            .order_by(GridPlan.version.desc())
        ).fetchall()
    return [
        PlanSummary(
            id=p.id,
            campus=campus,
            version=p.version,
            status=p.status,
            method=p.method,
            author=p.author,
            reason=p.reason,
            created_at=p.created_at,
            cells=int(p.n),
        )
        for p in rows
    ]


def current_plan(engine: Engine, campus: str) -> PlanSummary | None:
    """Return the active plan of ``campus``, else its newest draft, else None."""
    plans = list_plans(engine, campus)
    for plan in plans:
        if plan.status == "active":
            return plan
    drafts = [p for p in plans if p.status == "draft"]
    return drafts[0] if drafts else None


def load_cells(engine: Engine, campus: str, plan_id: int | None = None) -> gpd.GeoDataFrame:
    """Return the cells (code, zone, kind, owner, area_m2, geometry in EPSG:4326) of a plan.

    Without ``plan_id`` the current plan (active, else newest draft) is read; a campus
    without plans gives an empty frame. Raises NotFound for an unknown plan.
    """
    if plan_id is None:
        plan = current_plan(engine, campus)
        if plan is None:
            empty = pd.DataFrame({c: pd.Series(dtype=object) for c in CELL_COLUMNS})
            return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
        plan_id = plan.id
    table = table_of(GridCell)
    with engine.connect() as conn:
        cid = _plan_campus(conn, campus, plan_id)
        frame = read_frame(
            conn,
            table,
            ["id", "code", "zone", "kind", "owner_id", "area_m2"],
            table.c.plan_id == plan_id,
        )
        frame["owner"] = _owner_names(conn, cid, frame["owner_id"])
    return frame[["code", "zone", "kind", "owner", "area_m2", "geometry"]].copy()


def load_cell_owners(engine: Engine, campus: str, plan_id: int) -> pd.DataFrame:
    """Return the code, zone and owner of each cell of plan ``plan_id``, without geometry.

    The rows and values of :func:`load_cells` (same order) for what needs no polygon, such
    as who answers for each zone. Raises NotFound for an unknown plan.
    """
    cell = GridCell
    with engine.connect() as conn:
        cid = _plan_campus(conn, campus, plan_id)
        rows = conn.execute(
            sa.select(cell.code, cell.zone, cell.owner_id)
            .where(cell.plan_id == plan_id)
            .order_by(cell.id)
        ).fetchall()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=["code", "zone", "owner_id"])
        frame["owner"] = _owner_names(conn, cid, frame["owner_id"])
    return frame[["code", "zone", "owner"]]


def _plan_campus(conn: sa.Connection, campus: str, plan_id: int) -> int:
    """Return the id of ``campus``; raise NotFound unless plan ``plan_id`` is one of its plans."""
    cid = campus_id(conn, campus)
    found = conn.execute(
        sa.select(GridPlan.id).where(GridPlan.id == plan_id, GridPlan.campus_id == cid)
    ).scalar()
    if found is None:
        raise NotFound(
            f"Campus {campus!r} has no plan {plan_id}; `campusgrid plans {campus}` lists them."
        )
    return cid


def _owner_names(conn: sa.Connection, cid: int, owner_ids: pd.Series) -> pd.Series:
    """Return the name of each owner id of campus ``cid`` (None for none), as objects."""
    people: dict[int, str] = {
        r.id: r.name
        for r in conn.execute(sa.select(Person.id, Person.name).where(Person.campus_id == cid))
    }
    owners = [people.get(int(o)) if pd.notna(o) else None for o in owner_ids]
    return pd.Series(owners, index=owner_ids.index, dtype=object)


def retired_codes(engine: Engine, campus: str) -> frozenset[str]:
    """Return the cell codes retired on ``campus`` (never to be reused)."""
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        return frozenset(
            conn.execute(sa.select(RetiredCode.code).where(RetiredCode.campus_id == cid)).scalars()
        )
