"""Planner services for the CLI and the pages: drafts, edits with undo, validation, diff,
activation, the QGIS import and the audit trail.

Every function takes an engine and the campus name and returns plain results. Writes that
carry ``row_version`` (the version the caller read) fail with
:class:`zoning.errors.PlanConflict` when someone else saved first.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission
from zoning.clock import as_utc
from zoning.errors import ActivationRefused, InvalidInput, InvalidPlan, NotFound, PlanConflict
from zoning.grid.splitting import MIN_CELL_M2
from zoning.grid.topology import TOLERANCE_M, Problem, problems_to_json, validate
from zoning.plans import edits
from zoning.plans.diff import PlanDiff, diff_plans
from zoning.plans.qgis import Imported, exported_plan, prepare_import, read_cells_layer
from zoning.safety import inspections as insp
from zoning.safety.checklists import ChecklistTemplate, has_people
from zoning.safety.exports import csv_safe
from zoning.services import notify, safety
from zoning.services.campus import on_behalf_of
from zoning.services.zones import chain_warnings, owners_with_zones
from zoning.store import plan_edits as plan_store
from zoning.store.audit import shown_detail_text as shown
from zoning.store.campus import campus_id, load_layers, load_people, record_event
from zoning.store.frames import read_frame
from zoning.store.models.campus import AuditEvent, Building, GridCell, GridPlan, table_of
from zoning.store.plan_edits import Activation, OwnerAt, PlanSession, edit_log
from zoning.store.plans import PlanSummary, current_plan, list_plans, retired_codes, save_plan
from zoning.store.rehome import LOCATED_TABLES, open_points
from zoning.store.zones import zone_names as stored_zone_names

__all__ = [
    "ActivationRefused",
    "AuditQuery",
    "EditReport",
    "OwnerAt",
    "PlanConflict",
    "PlanImportReport",
    "ValidationReport",
    "activate_plan",
    "apply_edit",
    "assign_plan_owners",
    "audit_events",
    "create_draft",
    "diff",
    "edit_log",
    "export_audit_csv",
    "import_plan",
    "owner_at",
    "undo",
    "validate_plan",
]


@dataclass(frozen=True)
class ValidationReport:
    """A plan's validation: valid when there is no problem."""

    plan_id: int
    row_version: int
    problems: list[dict[str, Any]]
    #: What does not make the plan invalid but needs a look (:func:`unscheduled_domains`).
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when the plan has no problem (warnings do not count)."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """Return the report in the form `campusgrid validate --json` prints."""
        return {
            "plan_id": self.plan_id,
            "valid": self.valid,
            "problems": self.problems,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class EditReport:
    """A stored edit (or undo): the draft's new row_version, what changed, its problems."""

    plan_id: int
    row_version: int
    action: str
    retired: tuple[str, ...]
    changed: tuple[str, ...]
    problems: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "plan_id": self.plan_id,
            "row_version": self.row_version,
            "action": self.action,
            "retired": list(self.retired),
            "added_or_changed": list(self.changed),
            "valid": not self.problems,
            "problems": self.problems,
        }


@dataclass(frozen=True)
class PlanImportReport:
    """An imported draft: the plan, the plan it was compared with (``base_plan_id``, and
    ``base_from``: ``--base``, ``file`` or ``active``), the code matching, its problems and
    the diff."""

    plan: PlanSummary
    imported: Imported
    problems: list[dict[str, Any]]
    diff: PlanDiff | None
    base_plan_id: int = 0
    base_from: str = "active"

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "plan_id": self.plan.id,
            "base_plan_id": self.base_plan_id,
            "base_from": self.base_from,
            **self.imported.to_json(),
            "valid": not self.problems,
            "problems": self.problems,
            "diff": self.diff.to_json() if self.diff else None,
        }


def _boundary(engine: Engine, campus: str, metric_crs: str) -> gpd.GeoDataFrame:
    return load_layers(engine, campus).boundary.to_crs(metric_crs)


def _session(
    engine: Engine, campus: str, plan_id: int | None, row_version: int | None = None
) -> PlanSession:
    if plan_id is None:
        plan = current_plan(engine, campus)
        if plan is None:
            raise NotFound(
                f"Campus {campus!r} has no plan yet: run `campusgrid split` first.",
                zh=f"校区 {campus!r} 还没有方案：请先运行 `campusgrid split` 划分网格。",
            )
        plan_id = plan.id
    session = plan_store.load_session(engine, campus, plan_id)
    return session if row_version is None else replace(session, row_version=row_version)


def _problems(engine: Engine, session: PlanSession) -> list[dict[str, Any]]:
    metric = session.state.metric_crs
    cells = session.state.cells.to_crs(metric)
    found = validate(
        cells,
        campus=_boundary(engine, session.campus, metric),
        # The floor every split keeps (--min-cell-m2, default 50 m²) unless a larger
        # minimum was asked for: a crumb is reported as too_small.
        min_area_m2=session.params.get("min_area_m2")
        or session.params.get("min_cell_m2", MIN_CELL_M2)
        or None,
        max_area_m2=session.params.get("max_area_m2"),
    )
    reused = set(session.state.codes) & retired_codes(engine, session.campus)
    reused -= _returning(engine, session, sorted(reused))
    for code in sorted(reused):
        geom = cells.geometry.iloc[session.state.row(code)]
        message = f"code {code} was retired by an earlier plan and may not be used again."
        zh = f"编码 {code} 已被之前的方案停用，不能再次使用：请换一个编码。"
        found.append(Problem("retired_code", (code,), message, geom, str(metric), zh))
    return problems_to_json(found)


def _returning(engine: Engine, session: PlanSession, codes: list[str]) -> set[str]:
    """Return the retired ``codes`` that name, in this plan, the same ground (within the
    rounding tolerance) as in an earlier plan of the campus: a plan coming back."""
    if not codes:
        return set()
    cell, plan = table_of(GridCell), table_of(GridPlan)
    earlier = sa.select(plan.c.id).where(
        plan.c.campus_id == session.cid, plan.c.id != session.plan_id
    )
    frames = []
    with engine.connect() as conn:
        for start in range(0, len(codes), 500):  # stay under every backend's variable limit
            chunk = codes[start : start + 500]
            where = sa.and_(cell.c.code.in_(chunk), cell.c.plan_id.in_(earlier))
            frames.append(read_frame(conn, cell, ["code"], where))
    before = pd.concat(frames, ignore_index=True).to_crs(session.state.metric_crs)
    cells = session.state.cells.to_crs(session.state.metric_crs)
    mine = np.asarray(cells.geometry.values, dtype=object)
    rows = [session.state.row(str(c)) for c in before["code"]]
    far = shapely.hausdorff_distance(mine[rows], np.asarray(before.geometry.values, dtype=object))
    return {str(c) for c, d in zip(before["code"], far, strict=True) if d <= TOLERANCE_M}


def validate_plan(engine: Engine, campus: str, plan_id: int | None = None) -> ValidationReport:
    """Validate a plan (default: the current one) by the zoning rules. Raises NotFound.

    Warnings: safety domains nothing schedules, and with named zones a zone without a
    leader or a leader without a zone (:func:`zoning.services.zones.chain_warnings`)."""
    session = _session(engine, campus, plan_id)
    zones = [int(z) for z in session.state.cells["zone"].dropna()]
    return ValidationReport(
        session.plan_id,
        session.row_version,
        _problems(engine, session),
        unscheduled_domains(engine, session) + chain_warnings(engine, campus, zones),
    )


def unscheduled_domains(engine: Engine, session: PlanSession) -> list[dict[str, Any]]:
    """Return a warning per safety domain the plan's cells schedule nothing of although the
    campus has buildings it is for ("3 canteen buildings but no food checks are scheduled").

    A domain counts when one of its checklists is for buildings (its cell kinds include
    building or floor); its buildings are those of its ``building_uses`` (none listed: every
    building with people). Each warning: kind ``unscheduled_domain``, domain, uses (use →
    buildings), checklists, message.
    """
    templates = safety.checklist_templates()
    metric = session.state.metric_crs
    cells = session.state.cells.to_crs(metric)
    with engine.connect() as conn:
        buildings = read_frame(
            conn, table_of(Building), ["id", "name", "use"], Building.campus_id == session.cid
        ).to_crs(metric)
    if not len(buildings) or not len(cells):
        return []
    uses, held = safety.cell_contents(cells, buildings)
    frame = pd.DataFrame(
        {"code": cells["code"].to_numpy(), "kind": cells["kind"].to_numpy(), "use": uses,
         "buildings": held}
    )  # fmt: skip
    scheduled = set(insp.scheduled_rules(frame, templates)["domain"])
    building_uses = [u if isinstance(u, str) and u else None for u in buildings["use"]]
    warnings: list[dict[str, Any]] = []
    by_domain: dict[str, list[ChecklistTemplate]] = {}
    for template in templates.values():
        if {"building", "floor", "any"} & set(template.cell_kinds):
            by_domain.setdefault(template.domain, []).append(template)
    for domain, mine in sorted(by_domain.items()):
        if domain in scheduled:
            continue
        found = Counter(
            use or "unknown-use"
            for use in building_uses
            if any(use in t.building_uses if t.building_uses else has_people(use) for t in mine)
        )
        if not found:
            continue
        counted = ", ".join(f"{n} {use}" for use, n in sorted(found.items()))
        total = sum(found.values())
        codes = ", ".join(sorted(t.code for t in mine))
        message = (
            f"{counted} building{'s' if total != 1 else ''} but no {domain} checks are "
            f"scheduled: checklist {codes} applies to none of this plan's cells. Split by "
            "building, or set `per_building: true` in the checklist so that the cells "
            "holding these buildings get it."
        )
        warnings.append(
            {"kind": "unscheduled_domain", "domain": domain, "uses": dict(sorted(found.items())),
             "checklists": sorted(t.code for t in mine), "message": message}
        )  # fmt: skip
    return warnings


def create_draft(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    from_plan: int | None = None,
    author: str | None = None,
    reason: str | None = None,
) -> PlanSummary:
    """Store a new draft that copies plan ``from_plan`` (default: the current plan).

    ``author`` is the person of the campus it is drafted for on paper (default: the
    account). Raises PermissionDenied (edit_plans), NotFound.
    """
    actor.require(Permission.EDIT_PLANS, "draft a plan")
    session = _session(engine, campus, from_plan)
    on_behalf = on_behalf_of(engine, campus, author, option="--author")
    plans = {p.id: p for p in list_plans(engine, campus)}
    source = plans[session.plan_id]
    return save_plan(
        engine,
        campus=campus,
        cells=session.state.cells,
        method=source.method,
        params=session.params,
        author=on_behalf or actor.name,
        reason=reason or f"draft from plan {session.plan_id}",
        parent_id=session.plan_id,
        actor=actor.name,
        on_behalf=on_behalf,
    )


def apply_edit(
    engine: Engine,
    campus: str,
    plan_id: int,
    edit: edits.Edit,
    *,
    actor: Actor,
    by: str | None = None,
    row_version: int | None = None,
) -> EditReport:
    """Apply ``edit`` to draft ``plan_id``, store it, and validate the result on the spot.

    ``by`` is the person of the campus who made the edit on paper (audited as
    ``on_behalf``). Raises PermissionDenied (edit_plans), NotFound, InvalidInput (bad
    edit), InvalidPlan (not a draft), PlanConflict (stale).
    """
    actor.require(Permission.EDIT_PLANS, "edit a plan")
    session = _session(engine, campus, plan_id, row_version)
    on_behalf = on_behalf_of(engine, campus, by)
    applied = edits.apply_edit(session.state, edit)
    saved = plan_store.save_edit(engine, session, applied, actor=actor.name, on_behalf=on_behalf)
    return EditReport(
        plan_id=plan_id,
        row_version=saved.row_version,
        action=edits.edit_kind(edit),
        retired=applied.record.retired,
        changed=applied.record.after_codes,
        problems=_problems(engine, saved),
    )


def undo(
    engine: Engine,
    campus: str,
    plan_id: int,
    *,
    actor: Actor,
    by: str | None = None,
    row_version: int | None = None,
) -> EditReport:
    """Undo the draft's last edit (``by``: as in :func:`apply_edit`).

    Raises PermissionDenied (edit_plans), InvalidInput when there is no edit to undo.
    """
    actor.require(Permission.EDIT_PLANS, "undo a plan edit")
    session = _session(engine, campus, plan_id, row_version)
    on_behalf = on_behalf_of(engine, campus, by)
    after = plan_store.undo_last(engine, session, actor=actor.name, on_behalf=on_behalf)
    return EditReport(plan_id, after.row_version, "undo", (), (), _problems(engine, after))


def assign_plan_owners(
    engine: Engine,
    campus: str,
    plan_id: int,
    *,
    actor: Actor,
    mapping: Mapping[str, str] | None = None,
    by: str | None = None,
    row_version: int | None = None,
) -> EditReport:
    """Give every cell of draft ``plan_id`` an owner (undoable, like any edit).

    ``mapping`` fixes ``code → person``; the rest are balanced by workload among the
    campus's owners (an owner whose quarter names a zone only within that zone;
    :func:`zoning.grid.owners.assign_owners`); a zone without owners falls to
    its fallback owner, the person who already holds most of its cells. ``by``: as in
    :func:`apply_edit`. Raises PermissionDenied (edit_plans), InvalidInput, NotFound.
    """
    from zoning.grid.owners import assign_owners

    actor.require(Permission.EDIT_PLANS, "assign the owners of a plan")
    session = _session(engine, campus, plan_id, row_version)
    people = load_people(engine, campus)
    owners = people[people["role"] == "owner"] if len(people) else people
    if not len(owners):
        raise InvalidInput(
            f"Campus {campus!r} has no people with role 'owner' to assign: add them with "
            f"`campusgrid people import {campus} people.csv` (columns name,role,quarter,phone).",
            zh=f"校区 {campus!r} 没有角色为 owner 的人员可分配：请用 "
            f"`campusgrid people import {campus} people.csv`（列 name,role,quarter,phone）添加。",
        )
    cells = session.state.cells
    fallback: dict[int, str] = {}
    for zone, group in cells.groupby("zone"):
        held = group["owner"].dropna()
        if len(held):
            fallback[int(zone)] = str(held.value_counts().index[0])
    layers = load_layers(engine, campus)
    metric = session.state.metric_crs
    result = assign_owners(
        cells.to_crs(metric),
        owners_with_zones(owners.reset_index(drop=True), stored_zone_names(engine, campus)),
        mapping=dict(mapping or {}),
        buildings=layers.buildings.to_crs(metric) if len(layers.buildings) else None,
        fallback=fallback,
    )
    pairs = tuple((str(c), str(o)) for c, o in zip(result["code"], result["owner"], strict=True))
    return apply_edit(
        engine,
        campus,
        plan_id,
        edits.SetOwners(pairs),
        actor=actor,
        by=by,
        row_version=session.row_version,
    )


def _open_items(engine: Engine, campus: str, metric: str) -> dict[str, gpd.GeoDataFrame]:
    with engine.connect() as conn:
        cid = campus_id(conn, campus)
        return {spec.label: open_points(conn, spec, cid).to_crs(metric) for spec in LOCATED_TABLES}


def diff(engine: Engine, campus: str, plan_a: int, plan_b: int) -> PlanDiff:
    """Return the diff from plan ``plan_a`` to ``plan_b``, with the open items that would
    change owner. Raises NotFound."""
    a = _session(engine, campus, plan_a)
    b = _session(engine, campus, plan_b)
    metric = a.state.metric_crs
    return diff_plans(
        a.state.cells.to_crs(metric),
        b.state.cells.to_crs(metric),
        lineage=b.state.lineage,
        items=_open_items(engine, campus, metric),
    )


def activate_plan(
    engine: Engine,
    campus: str,
    plan_id: int,
    *,
    actor: Actor,
    reason: str,
    by: str | None = None,
    row_version: int | None = None,
    at: datetime | None = None,
) -> Activation:
    """Validate draft ``plan_id`` and make it the active plan (one transaction).

    ``by`` is the person of the campus who decided it on paper (recorded as the
    activation's ``activated_by`` and the audit's ``on_behalf``; default: the account). A
    valid plan is backed up first (:func:`zoning.services.backup.automatic_backup`). Raises
    PermissionDenied (activate_plans), NotFound (``by`` is nobody of the campus),
    ActivationRefused (with the problems) for an invalid plan, PlanConflict for a stale
    ``row_version``, InvalidPlan when it is not a draft; nothing changes then.
    """
    actor.require(Permission.ACTIVATE_PLANS, "activate a plan")
    session = _session(engine, campus, plan_id, row_version)
    on_behalf = on_behalf_of(engine, campus, by)
    if session.status != "draft":
        raise InvalidPlan(
            f"Plan {plan_id} is {session.status}: only a draft can be activated.",
            zh=f"方案 {plan_id} 不是草稿：只有草稿可以启用。",
        )
    problems = _problems(engine, session)
    if problems:
        first = "; ".join(p["message"] for p in problems[:3])
        raise ActivationRefused(
            f"Plan {plan_id} is not valid ({len(problems)} problem(s)): {first}"
            + (" …" if len(problems) > 3 else ""),
            problems,
            zh=f"方案 {plan_id} 未通过校验（{len(problems)} 个问题）：请按问题列表修正后再启用。",
        )
    from zoning.services.backup import automatic_backup

    automatic_backup(engine, reason="activate")  # the newest few are kept (see backup)
    return plan_store.activate(
        engine, session, actor=actor.name, on_behalf=on_behalf, reason=reason, at=at,
        then=lambda conn, done: notify.enqueue_activation(
            conn, campus=campus, plan_id=done.plan_id, activated_at=done.activated_at,
            owners_changed=done.owners_changed,
        ),
    )  # fmt: skip


def _import_base(
    engine: Engine, campus: str, path: str | Path, base_plan: int | None
) -> tuple[PlanSession, str]:
    """Return the plan an edited file is compared with and where that choice came from."""
    if base_plan is not None:
        return _session(engine, campus, base_plan), "--base"
    recorded = exported_plan(path)
    plans = {p.id: p for p in list_plans(engine, campus)}
    if recorded is not None and recorded[0] in plans:
        return _session(engine, campus, recorded[0]), "file"
    active = [p for p in plans.values() if p.status == "active"]
    if not active:
        raise InvalidInput(
            f"{Path(path).name} does not say which plan it was exported from and campus "
            f"{campus!r} has no active plan: name the plan it was edited from with --base PLAN "
            f"(`campusgrid plans {campus}` lists them).",
            zh=f"{Path(path).name} 没有记录它导出自哪个方案，校区 {campus!r} 也没有启用中的方案："
            f"请用 --base PLAN 指明它是在哪个方案上修改的"
            f"（`campusgrid plans {campus}` 列出方案）。",
        )
    return _session(engine, campus, active[0].id), "active"


def import_plan(
    engine: Engine,
    path: str | Path,
    *,
    actor: Actor,
    campus: str,
    snap_m: float | None = None,
    layer: str = "cells",
    base_plan: int | None = None,
    author: str | None = None,
    reason: str | None = None,
) -> PlanImportReport:
    """Create a draft from a cells layer edited in QGIS: repair, match codes, validate, diff.

    The edited cells are compared with ``base_plan`` when given, else the plan recorded in
    the file by `campusgrid export`, else the active plan. ``snap_m`` (m) settles overlaps,
    gaps and parts outside the campus thinner than that (see :mod:`zoning.plans.qgis`).
    Raises ImportFailed (a feature that cannot be a cell, or lies outside the campus),
    InvalidInput (no plan to compare with, a bad ``snap_m``), NotFound, PermissionDenied
    (edit_plans). ``author`` is the person of the campus who drew it (default: the account).
    """
    actor.require(Permission.EDIT_PLANS, "import a plan")
    if snap_m is not None and not 0 <= snap_m <= 100:
        raise InvalidInput(
            "--snap-m must be between 0 and 100 (metres).", zh="--snap-m 须在 0 到 100（米）之间。"
        )
    on_behalf = on_behalf_of(engine, campus, author, option="--author")
    base, base_from = _import_base(engine, campus, path, base_plan)
    metric = base.state.metric_crs
    edited = read_cells_layer(path, layer=layer).to_crs(metric)
    coords = shapely.get_coordinates(np.asarray(edited.geometry.values, dtype=object))
    if not np.isfinite(coords).all():
        raise InvalidInput(
            f"{Path(path).name}: some coordinates cannot be placed on the campus's map: check "
            "the layer's CRS in QGIS.",
            zh=f"{Path(path).name}：部分坐标无法放到校区地图上：请在 QGIS 中检查图层的坐标系。",
        )
    boundary = _boundary(engine, campus, metric)
    outline: BaseGeometry = boundary.geometry.union_all()
    imported = prepare_import(
        edited,
        previous=base.state.cells.to_crs(metric),
        campus=outline,
        campus_code=base.state.campus_code,
        taken=base.state.taken,
        snap_m=snap_m or None,
    )

    def lineage(conn: sa.Connection, cid: int, new_plan: int) -> None:
        plan_store.write_lineage(conn, cid, new_plan, imported.links)

    plan = save_plan(
        engine,
        campus=campus,
        cells=imported.cells.to_crs("EPSG:4326"),
        method="import",
        params={
            **base.params,
            "file": Path(path).name,
            "snap_m": snap_m,
            "base_plan_id": base.plan_id,
        },
        author=on_behalf or actor.name,
        reason=reason or f"imported from {Path(path).name}",
        parent_id=base.plan_id,
        on_saved=lineage,
        actor=actor.name,
        on_behalf=on_behalf,
    )
    session = _session(engine, campus, plan.id)
    return PlanImportReport(
        plan=plan,
        imported=imported,
        problems=_problems(engine, session),
        diff=diff(engine, campus, base.plan_id, plan.id),
        base_plan_id=base.plan_id,
        base_from=base_from,
    )


def owner_at(engine: Engine, campus: str, lon: float, lat: float, when: datetime) -> OwnerAt | None:
    """Return which cell and owner had ``lon``/``lat`` at ``when`` (see plan_store.owner_at)."""
    return plan_store.owner_at(engine, campus, lon, lat, when)


@dataclass(frozen=True)
class AuditQuery:
    """Which audit rows to read: ``campus`` (None: no campus's rows), ``with_accounts`` (add
    the account-level rows: sign-ins, account changes), ``account`` (exact name),
    ``action`` (a prefix such as ``plan.``), ``target`` (text within the detail, any case),
    ``since``/``until`` (UTC, inclusive) and ``limit`` (the newest that many)."""

    campus: str | None = None
    with_accounts: bool = False
    account: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None

    def where(self, conn: sa.Connection) -> list[sa.ColumnElement[bool]]:
        """Return the SQL conditions of this query (NotFound for an unknown campus)."""
        a = table_of(AuditEvent)
        scope: list[sa.ColumnElement[bool]] = []
        if self.campus is not None:
            scope.append(a.c.campus_id == campus_id(conn, self.campus))
        if self.with_accounts or self.campus is None:
            scope.append(a.c.campus_id.is_(None))
        if self.campus is None and self.with_accounts:
            scope = [sa.true()]  # every campus and the account-level rows
        found: list[sa.ColumnElement[bool]] = [sa.or_(*scope)]
        if self.account:
            found.append(a.c.actor == self.account)
        if self.action:
            found.append(a.c.action.startswith(self.action, autoescape=True))
        if self.target:
            text = self.target.lower()
            found.append(sa.func.lower(a.c.detail).contains(text, autoescape=True))
        if self.since is not None:
            found.append(a.c.at >= as_utc(self.since))
        if self.until is not None:
            found.append(a.c.at <= as_utc(self.until))
        return found


def audit_events(
    engine: Engine,
    campus: str | None,
    *,
    actor: Actor,
    limit: int | None = None,
    query: AuditQuery | None = None,
) -> pd.DataFrame:
    """Return audit rows, newest first: id, at, actor, action, detail (JSON text; an older
    row's ``on_behalf`` shown as ``entered_by``/``on_behalf_of``).

    ``campus`` and ``limit`` override ``query``'s (see :class:`AuditQuery`). Raises
    PermissionDenied (view_audit), NotFound.
    """
    actor.require(Permission.VIEW_AUDIT, "read the audit trail")
    asked = replace(query or AuditQuery(), campus=campus)
    if limit is not None:
        asked = replace(asked, limit=limit)
    a = table_of(AuditEvent)
    with engine.connect() as conn:
        stmt = (
            sa.select(a.c.id, a.c.at, a.c.actor, a.c.action, a.c.detail)
            .where(*asked.where(conn))
            .order_by(a.c.id.desc())
        )
        if asked.limit is not None:
            stmt = stmt.limit(asked.limit)
        rows = conn.execute(stmt).fetchall()
    return pd.DataFrame(
        [
            (r.id, as_utc(r.at).isoformat(), r.actor, r.action, shown(r.actor, r.detail))
            for r in rows
        ],
        columns=["id", "at", "actor", "action", "detail"],
        dtype=object,
    )


def export_audit_csv(
    engine: Engine,
    campus: str | None,
    out: str | Path,
    *,
    actor: Actor,
    query: AuditQuery | None = None,
) -> Path:
    """Write the audit rows ``query`` selects (default: the campus's whole trail) to ``out``
    (UTF-8 CSV with BOM, for Excel; formulas neutralised), oldest first, and audit the
    export (``audit.export``). Raises PermissionDenied (view_audit), InvalidInput, NotFound.
    """
    frame = audit_events(engine, campus, actor=actor, query=query).iloc[::-1]
    target = Path(out)
    if not target.parent.is_dir():
        raise InvalidInput(
            f"The folder {target.parent} does not exist; create it first.",
            zh=f"文件夹 {target.parent} 不存在：请先创建它。",
        )
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "at", "actor", "action", "detail"])
        for row in frame.itertuples(index=False):
            detail = json.dumps(json.loads(str(row.detail)), ensure_ascii=False, sort_keys=True)
            fields = [row.id, row.at, row.actor or "", row.action, detail]
            writer.writerow([csv_safe(field) for field in fields])
    record_event(
        engine,
        campus,
        actor=actor.name,
        action="audit.export",
        detail={"file": target.name, "rows": len(frame)},
    )
    return target
