"""Drafts persisted with optimistic locking, undo, lineage, activation and plan history.

Every write to a draft's cells goes through :func:`save_edit` or :func:`undo_last`, and each
carries the ``row_version`` it read: the write first moves ``grid_plan.row_version`` on by
one *only if* it still holds that value, so a stale save raises :class:`PlanConflict` and
writes nothing. :func:`activate` relies on the same check: the plan it validated is the plan
it activates. Activation is one transaction: archive the previous active plan, record the
activation, retire the codes that disappear, re-home every open located item
(:mod:`zoning.store.rehome`) and write the audit event, or change nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import geopandas as gpd
import shapely
import sqlalchemy as sa
from geoalchemy2 import WKBElement
from sqlalchemy.engine import Engine

from zoning.clock import as_utc, utcnow
from zoning.errors import (
    InvalidInput,
    InvalidPlan,
    NotFound,
    PlanConflict,
    StorageError,
)
from zoning.plans.edits import Applied, DraftState, Link, edit_kind, edit_to_json
from zoning.store.audit import record
from zoning.store.campus import bump_data_version, campus_id
from zoning.store.engine import writing
from zoning.store.frames import frame_rows
from zoning.store.models.campus import (
    Campus,
    GridCell,
    GridPlan,
    Person,
    RetiredCode,
    table_of,
)
from zoning.store.models.plans import CodeLineage, PlanActivation, PlanEdit
from zoning.store.plans import load_cells, owner_ids
from zoning.store.rehome import LOCATED_TABLES, LocatedTable, RehomeResult, rehome


@dataclass(frozen=True)
class PlanSession:
    """A plan as read for editing: its state and the ``row_version`` it was read at."""

    campus: str
    cid: int
    plan_id: int
    version: int
    status: str
    row_version: int
    params: dict[str, Any]
    state: DraftState


def _audit(
    conn: sa.Connection,
    cid: int,
    actor: str,
    action: str,
    detail: dict[str, Any],
    on_behalf: str | None = None,
) -> None:
    """Record one audit row of account ``actor`` (``on_behalf``: the person on paper)."""
    record(
        conn,
        campus_id=cid,
        actor=actor,
        action=action,
        detail=detail,
        on_behalf=on_behalf,
    )


def taken_codes(conn: sa.Connection, cid: int) -> frozenset[str]:
    """Return every code ever used, retired or in the lineage on campus ``cid``."""
    used = conn.execute(
        sa.select(GridCell.code)
        .join(GridPlan, GridPlan.id == GridCell.plan_id)
        .where(GridPlan.campus_id == cid)
    ).scalars()
    retired = conn.execute(sa.select(RetiredCode.code).where(RetiredCode.campus_id == cid))
    lineage = conn.execute(
        sa.select(CodeLineage.old_code, CodeLineage.new_code).where(CodeLineage.campus_id == cid)
    )
    out = set(used) | set(retired.scalars())
    for old, new in lineage:
        out |= {old, new}
    return frozenset(out)


def plan_lineage(conn: sa.Connection, plan_id: int) -> list[Link]:
    """Return the lineage links recorded for plan ``plan_id``, oldest first."""
    rows = conn.execute(
        sa.select(CodeLineage.old_code, CodeLineage.new_code, CodeLineage.kind)
        .where(CodeLineage.plan_id == plan_id)
        .order_by(CodeLineage.id)
    )
    return [Link(r.old_code, r.new_code, r.kind) for r in rows]


def load_session(engine: Engine, campus: str, plan_id: int) -> PlanSession:
    """Read plan ``plan_id`` of ``campus`` (any status) for editing. Raises NotFound."""
    cells = load_cells(engine, campus, plan_id)
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        p = table_of(GridPlan)
        plan = conn.execute(
            sa.select(p.c.version, p.c.status, p.c.row_version, p.c.params).where(p.c.id == plan_id)
        ).one()
        code, metric = conn.execute(
            sa.select(Campus.code, Campus.metric_crs).where(Campus.id == cid)
        ).one()
        taken = taken_codes(conn, cid)
        lineage = plan_lineage(conn, plan_id)
    state = DraftState.of(cells, campus_code=code, metric_crs=metric, taken=taken, lineage=lineage)
    return PlanSession(
        campus=campus,
        cid=cid,
        plan_id=plan_id,
        version=int(plan.version),
        status=str(plan.status),
        row_version=int(plan.row_version),
        params=json.loads(plan.params or "{}"),
        state=state,
    )


def _bump(conn: sa.Connection, session: PlanSession, *, drafts_only: bool = True) -> int:
    """Move the plan's row_version on if it still holds the session's; return the new one."""
    p = table_of(GridPlan)
    stmt = sa.update(p).where(p.c.id == session.plan_id, p.c.row_version == session.row_version)
    if drafts_only:
        stmt = stmt.where(p.c.status == "draft")
    done = conn.execute(stmt.values(row_version=p.c.row_version + 1)).rowcount
    if done == 1:
        return session.row_version + 1
    now = conn.execute(
        sa.select(p.c.status, p.c.row_version).where(p.c.id == session.plan_id)
    ).one_or_none()
    if now is None:
        raise NotFound(f"Plan {session.plan_id} no longer exists.")
    if drafts_only and now.status != "draft":
        raise InvalidPlan(
            f"Plan {session.plan_id} is {now.status}: only drafts change. Start a draft from "
            f"it with `campusgrid draft {session.campus} --from {session.plan_id}`."
        )
    raise PlanConflict(
        f"Plan {session.plan_id} was changed by someone else (you read version "
        f"{session.row_version}, it is now {now.row_version}): nothing was saved. Reload the "
        "plan and make your change again."
    )


def _raw_rows(conn: sa.Connection, plan_id: int, codes: Sequence[str]) -> list[dict[str, Any]]:
    c = table_of(GridCell)
    rows = conn.execute(
        sa.select(
            c.c.code, c.c.zone, c.c.kind, c.c.level, c.c.owner_id, c.c.area_m2,
            sa.func.ST_AsBinary(c.c.geometry),
        ).where(c.c.plan_id == plan_id, c.c.code.in_(list(codes)))
    ).fetchall()  # fmt: skip
    return [
        {**dict(zip(("code", "zone", "kind", "level", "owner_id", "area_m2"), r[:6], strict=True)),
         "wkb": bytes(r[6]).hex()}
        for r in rows
    ]  # fmt: skip


def _insert_raw(conn: sa.Connection, plan_id: int, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(
            sa.insert(table_of(GridCell)),
            [
                {
                    **{k: v for k, v in r.items() if k != "wkb"},
                    "plan_id": plan_id,
                    "geometry": WKBElement(bytes.fromhex(r["wkb"]), srid=4326),
                }
                for r in rows
            ],
        )


def _insert_cells(conn: sa.Connection, cid: int, plan_id: int, cells: gpd.GeoDataFrame) -> None:
    if not len(cells):
        return
    rows = frame_rows(cells, ["code", "zone", "kind", "area_m2"], plan_id=plan_id, level=1)
    for row, owner_id in zip(rows, owner_ids(conn, cid, cells["owner"]), strict=True):
        row["owner_id"] = owner_id
    conn.execute(sa.insert(table_of(GridCell)), rows)


def write_lineage(
    conn: sa.Connection,
    cid: int,
    plan_id: int,
    links: Iterable[Link],
    *,
    edit_id: int | None = None,
) -> None:
    """Record lineage links of plan ``plan_id`` (in the caller's transaction)."""
    at = utcnow()
    rows = [
        {"campus_id": cid, "plan_id": plan_id, "edit_id": edit_id, "old_code": link.old,
         "new_code": link.new, "kind": link.kind, "at": at}
        for link in links
    ]  # fmt: skip
    if rows:
        conn.execute(sa.insert(table_of(CodeLineage)), rows)


def save_edit(
    engine: Engine,
    session: PlanSession,
    applied: Applied,
    *,
    actor: str,
    on_behalf: str | None = None,
) -> PlanSession:
    """Store an applied edit of the session's draft; return the session after it.

    Raises PlanConflict when the draft changed since ``session`` was read, InvalidPlan when
    it is no longer a draft, InvalidInput for an unknown owner; nothing is written then.
    """
    change = applied.record
    before_codes = [str(c) for c in change.before["code"]]
    with writing(engine) as conn:
        row_version = _bump(conn, session)
        raw = _raw_rows(conn, session.plan_id, before_codes)
        c = table_of(GridCell)
        if before_codes:
            conn.execute(
                sa.delete(c).where(c.c.plan_id == session.plan_id, c.c.code.in_(before_codes))
            )
        cells = applied.state.cells
        _insert_cells(
            conn, session.cid, session.plan_id, cells[cells["code"].isin(change.after_codes)]
        )
        e = table_of(PlanEdit)
        seq = 1 + int(
            conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(e.c.seq), 0)).where(
                    e.c.plan_id == session.plan_id
                )
            ).scalar_one()
        )
        detail = edit_to_json(change.edit)
        edit_id = conn.execute(
            sa.insert(e).returning(e.c.id),
            [
                {
                    "plan_id": session.plan_id, "seq": seq, "kind": edit_kind(change.edit),
                    "actor": actor, "at": utcnow(), "edit": json.dumps(detail, ensure_ascii=False),
                    "before": json.dumps(raw), "after_codes": json.dumps(list(change.after_codes)),
                }
            ],
        ).scalar_one()  # fmt: skip
        write_lineage(conn, session.cid, session.plan_id, change.links, edit_id=int(edit_id))
        _audit(conn, session.cid, actor, "plan.edit", {
            "plan_id": session.plan_id, "seq": seq, **detail,
            "retired": list(change.retired), "added_or_changed": list(change.after_codes),
        }, on_behalf)  # fmt: skip
        bump_data_version(conn, session.cid)
    return replace(session, state=applied.state, row_version=row_version)


def undo_last(
    engine: Engine, session: PlanSession, *, actor: str, on_behalf: str | None = None
) -> PlanSession:
    """Undo the session draft's last edit that is not undone yet; return the plan after it.

    Raises InvalidInput when there is nothing to undo, PlanConflict for a stale session.
    """
    e = table_of(PlanEdit)
    with writing(engine) as conn:
        _bump(conn, session)
        last = conn.execute(
            sa.select(e.c.id, e.c.seq, e.c.kind, e.c.before, e.c.after_codes)
            .where(e.c.plan_id == session.plan_id, e.c.undone_at.is_(None))
            .order_by(e.c.seq.desc())
            .limit(1)
        ).one_or_none()
        if last is None:
            raise InvalidInput(f"Plan {session.plan_id} has no edit left to undo.")
        c = table_of(GridCell)
        after = json.loads(last.after_codes)
        if after:
            conn.execute(sa.delete(c).where(c.c.plan_id == session.plan_id, c.c.code.in_(after)))
        _insert_raw(conn, session.plan_id, json.loads(last.before))
        conn.execute(sa.delete(table_of(CodeLineage)).where(CodeLineage.edit_id == last.id))
        conn.execute(sa.update(e).where(e.c.id == last.id).values(undone_at=utcnow()))
        _audit(conn, session.cid, actor, "plan.undo",
               {"plan_id": session.plan_id, "seq": last.seq, "kind": last.kind},
               on_behalf)  # fmt: skip
        bump_data_version(conn, session.cid)
    return load_session(engine, session.campus, session.plan_id)


def edit_log(engine: Engine, plan_id: int) -> list[dict[str, Any]]:
    """Return the edits of plan ``plan_id`` (seq, kind, actor, at, edit, undone)."""
    e = table_of(PlanEdit)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(e.c.seq, e.c.kind, e.c.actor, e.c.at, e.c.edit, e.c.undone_at)
            .where(e.c.plan_id == plan_id)
            .order_by(e.c.seq)
        ).fetchall()
    return [
        {"seq": r.seq, "kind": r.kind, "actor": r.actor, "at": as_utc(r.at).isoformat(),
         "edit": json.loads(r.edit), "undone": r.undone_at is not None}
        for r in rows
    ]  # fmt: skip


@dataclass(frozen=True)
class Activation:
    """What an activation did: plans, retired codes, re-homed items, owners affected."""

    plan_id: int
    previous_plan_id: int | None
    activated_at: datetime
    retired: tuple[str, ...]
    rehomed: tuple[RehomeResult, ...]
    owners_changed: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        """Return the activation as JSON-ready data."""
        return {
            "plan_id": self.plan_id,
            "previous_plan_id": self.previous_plan_id,
            "activated_at": self.activated_at.isoformat(),
            "retired": list(self.retired),
            "open_items": {r.label: r.to_json() for r in self.rehomed},
            "owners_changed": list(self.owners_changed),
        }


def _owners_changed(
    before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, rehomed: Sequence[RehomeResult]
) -> tuple[dict[str, Any], ...]:
    def territory(cells: gpd.GeoDataFrame) -> dict[str, set[tuple[str, bytes]]]:
        out: dict[str, set[tuple[str, bytes]]] = {}
        for code, owner, geom in zip(cells["code"], cells["owner"], cells.geometry, strict=True):
            if isinstance(owner, str) and owner:
                out.setdefault(owner, set()).add((str(code), shapely.to_wkb(geom)))
        return out

    t0, t1 = territory(before), territory(after)
    names = set(t0) | set(t1)
    for r in rehomed:
        names |= set(r.owners_before) | set(r.owners_after)
    rows = []
    for name in sorted(names):
        items0 = {(r.label, i) for r in rehomed for i in r.owners_before.get(name, ())}
        items1 = {(r.label, i) for r in rehomed for i in r.owners_after.get(name, ())}
        cells0, cells1 = t0.get(name, set()), t1.get(name, set())
        if cells0 != cells1 or items0 != items1:
            rows.append({
                "owner": name, "cells_before": len(cells0), "cells_after": len(cells1),
                "open_items_before": len(items0), "open_items_after": len(items1),
            })  # fmt: skip
    return tuple(rows)


def activate(
    engine: Engine,
    session: PlanSession,
    *,
    actor: str,
    reason: str,
    on_behalf: str | None = None,
    at: datetime | None = None,
    located: Sequence[LocatedTable] = LOCATED_TABLES,
    then: Callable[[sa.Connection, Activation], object] | None = None,
) -> Activation:
    """Make the session's draft the active plan, in one transaction (see the module).

    ``then`` runs last inside that transaction (the services queue notifications there).

    The caller validates ``session.state`` first; the row_version check guarantees that the
    validated cells are the ones activated. ``actor`` is the account (the audit row's
    actor); ``on_behalf`` the person who decided it on paper, recorded as the activation's
    ``activated_by`` (default: the account). Raises PlanConflict, InvalidPlan (not a draft),
    InvalidInput (no reason, a time before the previous activation); nothing changes then.
    """
    if not actor.strip() or not reason.strip():
        raise InvalidInput("Activation needs an account and why (--reason).")
    at = as_utc(at) if at else utcnow()
    p, a = table_of(GridPlan), table_of(PlanActivation)
    new_cells = session.state.cells
    with writing(engine) as conn:
        _bump(conn, session)
        previous = (
            conn.execute(
                sa.select(p.c.id).where(p.c.campus_id == session.cid, p.c.status == "active")
            )
            .scalars()
            .all()
        )
        last = conn.execute(
            sa.select(sa.func.max(a.c.activated_at)).where(a.c.campus_id == session.cid)
        ).scalar()
        if last is not None and as_utc(last) > at:
            raise InvalidInput(f"Cannot activate at {at:%Y-%m-%d %H:%M}: a later plan is active.")
        prev_id = int(previous[0]) if previous else None
        old_cells = load_cells_in(conn, prev_id) if prev_id is not None else new_cells.iloc[0:0]
        if previous:
            conn.execute(sa.update(p).where(p.c.id.in_(previous)).values(status="archived"))
            conn.execute(
                sa.update(a)
                .where(a.c.plan_id.in_(previous), a.c.archived_at.is_(None))
                .values(archived_at=at)
            )
        conn.execute(sa.update(p).where(p.c.id == session.plan_id).values(status="active"))
        conn.execute(sa.insert(a), [{
            "plan_id": session.plan_id, "campus_id": session.cid, "previous_plan_id": prev_id,
            "activated_at": at, "activated_by": on_behalf or actor, "reason": reason,
            "archived_at": None,
        }])  # fmt: skip
        new_codes = set(new_cells["code"])
        gone = (set(old_cells["code"]) | set(session.state.retired)) - new_codes
        already = set(
            conn.execute(
                sa.select(RetiredCode.code).where(RetiredCode.campus_id == session.cid)
            ).scalars()
        )
        retired = sorted(gone - already)
        if retired:
            conn.execute(
                sa.insert(table_of(RetiredCode)),
                [{"campus_id": session.cid, "code": c, "retired_at": at} for c in retired],
            )
        results = tuple(
            rehome(conn, spec, cid=session.cid, plan_id=session.plan_id, cells=new_cells,
                   metric_crs=session.state.metric_crs)
            for spec in located
        )  # fmt: skip
        for r in results:
            if r.open_after + len(r.collapsed) != r.open_before:
                raise StorageError(
                    f"Activation stopped: {r.label} open before {r.open_before}, after "
                    f"{r.open_after}; nothing was changed."
                )
        result = Activation(
            plan_id=session.plan_id,
            previous_plan_id=prev_id,
            activated_at=at,
            retired=tuple(retired),
            rehomed=results,
            owners_changed=_owners_changed(old_cells, new_cells, results),
        )
        _audit(conn, session.cid, actor, "plan.activate", {"reason": reason, **result.to_json()},
               on_behalf)  # fmt: skip
        if then is not None:
            then(conn, result)
        bump_data_version(conn, session.cid)
    return result


def load_cells_in(conn: sa.Connection, plan_id: int) -> gpd.GeoDataFrame:
    """Return a plan's cells (code, zone, owner, geometry in EPSG:4326) on ``conn``."""
    c = table_of(GridCell)
    rows = conn.execute(
        sa.select(c.c.code, c.c.zone, Person.name, sa.func.ST_AsBinary(c.c.geometry))
        .outerjoin(Person, Person.id == c.c.owner_id)
        .where(c.c.plan_id == plan_id)
        .order_by(c.c.code)
    ).fetchall()
    return gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "zone": [r[1] for r in rows],
            "owner": [r[2] for r in rows],
        },
        geometry=[shapely.from_wkb(bytes(r[3])) for r in rows],
        crs="EPSG:4326",
    )


@dataclass(frozen=True)
class OwnerAt:
    """Which plan, cell and owner had a spot at a moment."""

    plan_id: int
    plan_version: int
    code: str
    zone: int | None
    owner: str | None
    active_from: datetime
    active_until: datetime | None

    def to_json(self) -> dict[str, Any]:
        """Return the answer as JSON-ready data."""
        return {
            "plan_id": self.plan_id,
            "plan_version": self.plan_version,
            "code": self.code,
            "zone": self.zone,
            "owner": self.owner,
            "active_from": self.active_from.isoformat(),
            "active_until": self.active_until.isoformat() if self.active_until else None,
        }


def owner_at(engine: Engine, campus: str, lon: float, lat: float, when: datetime) -> OwnerAt | None:
    """Return the cell and owner of point ``lon``/``lat`` (degrees) at ``when`` (aware).

    Reads the plan that was active then (archived plans included); None when no plan was
    active at ``when`` or the point lies outside its cells. Raises NotFound, InvalidInput.
    """
    from zoning.store.rehome import locate_in

    if when.tzinfo is None:
        raise InvalidInput("Give the moment with its time zone (e.g. 2026-03-01T12:00+08:00).")
    when = as_utc(when)
    a = table_of(PlanActivation)
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        metric = conn.execute(sa.select(Campus.metric_crs).where(Campus.id == cid)).scalar_one()
        rows = conn.execute(
            sa.select(a.c.plan_id, a.c.activated_at, a.c.archived_at, GridPlan.version)
            .join(GridPlan, GridPlan.id == a.c.plan_id)
            .where(a.c.campus_id == cid)
            .order_by(a.c.activated_at)
        ).fetchall()
        chosen = [
            r for r in rows
            if as_utc(r.activated_at) <= when
            and (r.archived_at is None or when < as_utc(r.archived_at))
        ]  # fmt: skip
        if not chosen:
            return None
        row = chosen[-1]
        cells = load_cells_in(conn, int(row.plan_id))
    point = gpd.GeoDataFrame(geometry=[shapely.Point(lon, lat)], crs="EPSG:4326")
    (k,) = locate_in(point, cells, metric_crs=metric)
    if k < 0:
        return None
    zone = cells["zone"].iloc[k]
    owner = cells["owner"].iloc[k]
    return OwnerAt(
        plan_id=int(row.plan_id),
        plan_version=int(row.version),
        code=str(cells["code"].iloc[k]),
        zone=None if zone is None else int(zone),
        owner=owner if isinstance(owner, str) else None,
        active_from=as_utc(row.activated_at),
        active_until=as_utc(row.archived_at) if row.archived_at is not None else None,
    )
