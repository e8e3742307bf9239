"""The demo campus as a service: :func:`seed_demo` stores the synthetic campus, its quarters
as its zone layer (so its zones are its real, named areas), a first plan, then ninety days
of believable safety operations, deterministic by seed.

:func:`make_history` draws, for the current plan: every due inspection of the last
``days`` days (and the schedule ahead), submissions — most on time, two or three *lagging*
zones with many late and missed ones — item results whose failures open hazards, each
hazard walked through the ledger (registered, dispatched, rectified, verified, closed;
some reworked, extended or rejected; recent and lagging ones still open and overdue, so
they escalate), and a few complaints a week, some of them likely duplicates. Same seed and
same ``now``, same history. :func:`store_history` writes it with bulk inserts in one
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from pyproj import Transformer
from sqlalchemy.engine import Engine

from zoning.accounts import Actor, Permission
from zoning.clock import DEFAULT_TZ, as_utc, local_day, utcnow
from zoning.demo.build import build_demo
from zoning.safety import inspections as insp
from zoning.safety.checklists import ChecklistTemplate
from zoning.safety.complaints import DEFAULT_CATEGORIES, Complaint, route_complaint
from zoning.safety.ledger.workflow import Hazard, apply
from zoning.services._progress import Progress, quiet
from zoning.services.demo_people import seed_people
from zoning.services.grid import split_campus
from zoning.services.ledger import locator
from zoning.services.plans import activate_plan
from zoning.services.safety import (
    SCHEDULE_AHEAD_DAYS,
    CampusOps,
    campus_ops,
    checklist_templates,
    due_rows,
    write_schedule_mark,
)
from zoning.services.zones import import_zone_layer
from zoning.store import safety as repo
from zoning.store.audit import record
from zoning.store.campus import CampusSummary, campus_summary, save_campus
from zoning.store.models.safety import InspectionDue

H = timedelta(hours=1)
#: (on time, late, missed) shares of due inspections, normal and lagging zones.
NORMAL = (0.92, 0.05, 0.03)
LAGGING = (0.55, 0.17, 0.28)
_COMPLAINTS = {
    "repairs": ("教学楼走廊灯不亮", "宿舍卫生间漏水", "路灯损坏，夜间很黑"),
    "environment": ("垃圾桶满溢无人清理", "绿化带积水发臭"),
    "traffic": ("电动车乱停堵塞消防通道", "校门口车辆乱停"),
    "noise": ("夜间施工噪声扰民",),
    "fire_risk": ("楼道堆放杂物堵塞安全出口", "宿舍内有人给电动车电池充电"),
    "dormitory": ("宿舍门禁损坏",),
    "food": ("食堂饭菜有异物",),
    "network": ("图书馆无线网络断线",),
    "suggestion": ("建议增加夜间巡逻",),
}
_EXTEND_NOTES = ("等待配件到货", "需外包单位施工", "涉及资金审批")
_REWORK_NOTES = ("复查未通过：整改不彻底", "复查发现问题仍存在")


@dataclass(frozen=True)
class History:
    """Generated history: due rows (with ``submitted_at``), submissions, hazards, complaints.

    ``hazard_owner[i]`` is the submission index of hazard i (None for complaint hazards);
    ``complaint_hazard[j]`` is the hazard index of complaint j.
    """

    due: pd.DataFrame
    submissions: list[repo.SubmissionRecord]
    hazards: list[Hazard]
    hazard_submission: list[int | None]
    complaints: list[Complaint]
    complaint_hazard: list[int]
    lagging_zones: tuple[str, ...]
    start: datetime


def _walk(
    hazard: Hazard, rng: np.random.Generator, *, now: datetime, lagging: bool, office: str
) -> Hazard:
    """Return ``hazard`` moved along the ledger as far as ``now`` allows."""
    h = hazard
    t = h.reported_at
    span = h.deadline - h.reported_at
    worker = h.owner or office

    def step(action: str, after: timedelta, **kw: Any) -> bool:
        nonlocal h, t
        when = t + after
        if when > now:
            return False
        h = apply(h, action, at=when, **kw)
        t = when
        return True

    if rng.random() < 0.03:
        step("reject", H * rng.uniform(0.5, 6), by=office, note="核实后非隐患（重复上报）")
        return h
    if not step("register", H * rng.uniform(0.3, 4), by=office):
        return h
    if not step("dispatch", H * rng.uniform(0.5, 8), by=office, assignee=worker):
        return h
    if not step("start", H * rng.uniform(0.5, 12), by=worker):
        return h
    if rng.random() < 0.08:
        new_deadline = h.deadline + timedelta(days=float(rng.uniform(3, 8)))
        note = str(rng.choice(_EXTEND_NOTES))
        if not step("extend", H * rng.uniform(0.5, 6), by=office, note=note, deadline=new_deadline):
            return h
        span = h.deadline - h.reported_at
    on_time = rng.random() < (0.55 if lagging else 0.88)
    share = rng.uniform(0.25, 0.9) if on_time else rng.uniform(1.1, 2.6)
    done_at = h.reported_at + span * share
    if not step("complete", max(done_at - t, H), by=worker):
        return h
    while rng.random() < 0.1:
        note = str(rng.choice(_REWORK_NOTES))
        if not step("rework", H * rng.uniform(2, 24), by=office, note=note):
            return h
        if not step("complete", H * rng.uniform(4, 48), by=worker):
            return h
    if not step("verify", H * rng.uniform(2, 24), by=office):
        return h
    step("close", H * rng.uniform(0.5, 12), by=office)
    return h


def _submission_times(
    due: pd.DataFrame, rng: np.random.Generator, *, now: datetime, lagging: np.ndarray
) -> list[datetime | None]:
    opens_local = pd.to_datetime(due["period_start"]).dt.tz_localize(DEFAULT_TZ)
    opens = [t.to_pydatetime() for t in opens_local.dt.tz_convert("UTC")]
    due_at = [t.to_pydatetime() for t in pd.to_datetime(due["due_at"], utc=True)]
    draw = rng.random(len(due))
    jitter = rng.random(len(due)).tolist()
    out: list[datetime | None] = []
    for k, (o, d) in enumerate(zip(opens, due_at, strict=True)):
        on_time, late, _ = LAGGING if lagging[k] else NORMAL
        if d > now:  # the period is still running
            chance = 0.1 if lagging[k] else 0.3
            out.append(_second(o + (now - o) * jitter[k]) if o < now and draw[k] < chance else None)
        elif draw[k] < on_time:
            window = min(d - o, timedelta(days=4))
            out.append(_second(d - window * (0.05 + 0.9 * jitter[k])))
        elif draw[k] < on_time + late:
            when = _second(d + timedelta(hours=1 + 70 * jitter[k]))
            out.append(when if when <= now else None)
        else:
            out.append(None)
    return out


def _second(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def make_history(
    ops: CampusOps,
    templates: Mapping[str, ChecklistTemplate],
    *,
    seed: int = 0,
    now: datetime,
    days: int = 90,
) -> History:
    """Draw ``days`` days of operations up to ``now`` for the current plan of ``ops``."""
    rng = np.random.default_rng(seed)
    today = local_day(now)
    first = today - timedelta(days=days)
    due = insp.due_inspections(
        ops.cells,
        templates,
        start=first,
        end=today + timedelta(days=SCHEDULE_AHEAD_DAYS),
        fallback_owners=ops.staff.fallback_owners,
    )
    zones = sorted({z for z in ops.cells["zone"] if isinstance(z, str)}, key=int)
    n_lag = 0 if len(zones) < 2 else 2 if len(zones) < 8 else 3
    lagging_zones = tuple(sorted(rng.choice(zones, size=n_lag, replace=False).tolist(), key=int))
    lagging = due["zone"].isin(lagging_zones).to_numpy()
    due["submitted_at"] = pd.Series(
        _submission_times(due, rng, now=now, lagging=lagging), index=due.index, dtype=object
    )
    where = {
        str(c): (float(p.x), float(p.y))
        for c, p in zip(
            ops.cells["code"],
            shapely.point_on_surface(np.asarray(ops.cells.geometry.values, dtype=object)),
            strict=True,
        )
    }
    submissions: list[repo.SubmissionRecord] = []
    hazards: list[Hazard] = []
    hazard_submission: list[int | None] = []
    done = due[due["submitted_at"].notna() & due["owner"].notna()]
    for row, lag in zip(
        done.to_dict("records"), lagging[due["submitted_at"].notna() & due["owner"].notna()],
        strict=True,
    ):  # fmt: skip
        template = templates[row["template_code"]]
        fail_p = 0.02 if lag else 0.007
        results = []
        for item in template.items:
            r = rng.random()
            verdict = (
                "fail" if r < fail_p * (0.5 if item.major else 1.0)
                else "not_applicable" if r > 0.985 else "pass"
            )  # fmt: skip
            results.append(insp.ItemResult(item.code, verdict))
        lon, lat = where[str(row["cell_code"])]
        outcome = insp.submit(
            insp.DueInspection.from_row({str(k): v for k, v in row.items()}),
            template,
            submission_id=str(len(submissions)),
            inspector=str(row["owner"]),
            submitted_at=row["submitted_at"],
            lon=lon,
            lat=lat,
            results=results,
        )
        for hazard in outcome.hazards:
            hazards.append(_walk(hazard, rng, now=now, lagging=bool(lag), office=_office(ops)))
            hazard_submission.append(len(submissions))
        submissions.append(
            repo.SubmissionRecord(outcome.submission, None, ops.plan_id, row["zone"], row["owner"])
        )
    complaints, complaint_hazards = _complaints(ops, rng, now=now, days=days)
    complaint_hazard = []
    for hazard in complaint_hazards:
        complaint_hazard.append(len(hazards))
        lag = hazard.zone in lagging_zones
        hazards.append(_walk(hazard, rng, now=now, lagging=lag, office=_office(ops)))
        hazard_submission.append(None)
    start = now - timedelta(days=days)
    return History(
        due, submissions, hazards, hazard_submission, complaints, complaint_hazard,
        lagging_zones, start,
    )  # fmt: skip


def _office(ops: CampusOps) -> str:
    return ops.staff.safety_office


def _complaints(
    ops: CampusOps, rng: np.random.Generator, *, now: datetime, days: int
) -> tuple[list[Complaint], list[Hazard]]:
    """Return about four complaints a week, about one in six a likely duplicate."""
    metric = ops.cells.to_crs(ops.metric_crs)
    locate = locator(ops)
    to_metric = Transformer.from_crs("EPSG:4326", ops.metric_crs, always_xy=True)
    to_wgs = Transformer.from_crs(ops.metric_crs, "EPSG:4326", always_xy=True)
    geoms = np.asarray(metric.geometry.values, dtype=object)
    weights = shapely.area(geoms) / shapely.area(geoms).sum()
    n = max(3, round(days * 4 / 7))
    offsets = np.sort(rng.uniform(0, days * 24, n))
    complaints: list[Complaint] = []
    hazards: list[Hazard] = []
    categories = sorted(_COMPLAINTS)
    for k, hours in enumerate(offsets):
        at = now - timedelta(days=days) + timedelta(hours=float(hours))
        duplicate_text = None
        if complaints and rng.random() < 0.17:
            earlier = complaints[-1]
            duplicate_text = earlier.text
            category = earlier.category
            x0, y0 = to_metric.transform(earlier.lon, earlier.lat)
            x, y = x0 + rng.uniform(-15, 15), y0 + rng.uniform(-15, 15)
            at = max(at, earlier.received_at + timedelta(hours=float(rng.uniform(1, 30))))
            if at > now:
                continue
        else:
            category = str(rng.choice(categories))
            cell = geoms[int(rng.choice(len(geoms), p=weights))]
            x, y = shapely.get_coordinates(shapely.point_on_surface(cell))[0]
            x += rng.uniform(-20, 20)
            y += rng.uniform(-20, 20)
        lon, lat = (float(v) for v in to_wgs.transform(x, y))
        if locate(lon, lat) is None:
            continue
        routed = route_complaint(
            complaint_id=str(k),
            lon=lon,
            lat=lat,
            category=category,
            text=duplicate_text or str(rng.choice(_COMPLAINTS[category])),
            received_at=at,
            locate=locate,
            contact=f"139-0000-{k:04d}" if rng.random() < 0.6 else None,
            reported_by="接诉即办",
            categories=DEFAULT_CATEGORIES,
            fallback_owners=ops.staff.fallback_owners,
            previous=complaints,
        )
        complaints.append(routed.complaint)
        hazards.append(routed.hazard)
    return complaints, hazards


def store_history(
    engine: Engine, ops: CampusOps, history: History, *, actor: Actor
) -> dict[str, int]:
    """Write ``history`` in one transaction with bulk inserts and one ``demo.history`` audit
    row of ``actor`` (the counts in its detail); return the row counts."""
    templates = checklist_templates()
    with engine.begin() as conn:
        repo.record_template_versions(conn, templates.values())
        n_due = repo.insert_due(
            conn, due_rows(history.due, ops.cells, campus=ops.cid, plan_id=ops.plan_id)
        )
        d = InspectionDue
        due_id = {
            (r[1], r[2], r[3]): int(r[0])
            for r in conn.execute(
                sa.select(d.id, d.cell_code, d.template_code, d.period).where(
                    d.campus_id == ops.cid
                )
            )
        }
        records = [
            replace(
                s,
                due_id=due_id.get(
                    (s.submission.cell_code, s.submission.template_code, s.submission.period)
                ),
            )
            for s in history.submissions
        ]
        inspection_ids = repo.save_submissions(conn, ops.cid, records)
        hazard_records = [
            repo.HazardRecord(h, ops.plan_id, None if k is None else inspection_ids[k])
            for h, k in zip(history.hazards, history.hazard_submission, strict=True)
        ]
        hazard_ids = repo.save_hazards(conn, ops.cid, hazard_records)
        complaint_records = []
        for c, k in zip(history.complaints, history.complaint_hazard, strict=True):
            complaint_records.append(repo.ComplaintRecord(c, ops.plan_id, hazard_ids[k]))
        complaint_ids = _save_complaints(conn, ops.cid, complaint_records)
        write_schedule_mark(
            conn,
            ops.cid,
            ops.plan_id,
            start=local_day(history.start),
            through=local_day(utcnow()) + timedelta(days=SCHEDULE_AHEAD_DAYS),
            rows=n_due,
        )
        counts = {
            "due": n_due,
            "inspections": len(inspection_ids),
            "item_results": sum(len(s.submission.results) for s in records),
            "hazards": len(hazard_ids),
            "complaints": len(complaint_ids),
        }
        detail = {"since": local_day(history.start).isoformat(), **counts}
        record(conn, campus_id=ops.cid, actor=actor.name, action="demo.history", detail=detail)
    return counts


def _save_complaints(
    conn: sa.Connection, cid: int, records: list[repo.ComplaintRecord]
) -> list[int]:
    """Store complaints, mapping the generated ordinal ids of duplicates to stored ids."""
    ids = repo.reserve_ids(conn, "complaint", len(records))
    by_ordinal = {r.complaint.id: new for r, new in zip(records, ids, strict=True)}
    fixed = []
    for r, new in zip(records, ids, strict=True):
        dup = r.complaint.duplicate_of
        complaint = replace(
            r.complaint,
            id=str(new),
            duplicate_of=str(by_ordinal[dup]) if dup is not None else None,
        )
        fixed.append(replace(r, complaint=complaint))
    # the ids were reserved above; insert with them
    repo.bulk_insert(
        conn,
        "complaint",
        repo.COMPLAINT_COLUMNS,
        (
            (
                int(c.id), cid, r.hazard_id, c.category, c.text, c.contact,
                as_utc(c.received_at), as_utc(c.response_deadline), r.plan_id,
                c.cell_code, repo.zone_number(c.zone), c.owner,
                int(c.duplicate_of) if c.duplicate_of else None, c.lon, c.lat,
            )
            for r in fixed
            for c in (r.complaint,)
        ),
        point=True,
    )  # fmt: skip
    return ids


def seed_history(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    seed: int = 0,
    days: int = 90,
    now: datetime | None = None,
) -> dict[str, int]:
    """Generate and store ``days`` days of history for ``campus``'s current plan (one
    ``demo.history`` audit row of ``actor``). Raises PermissionDenied (import_campus)."""
    actor.require(Permission.IMPORT_CAMPUS, "seed the demo campus")
    ops = campus_ops(engine, campus)
    history = make_history(ops, checklist_templates(), seed=seed, now=now or utcnow(), days=days)
    return store_history(engine, ops, history, actor=actor)


def seed_demo(
    engine: Engine,
    *,
    actor: Actor,
    scale: Literal["small", "large"] = "small",
    seed: int = 0,
    progress: Progress = quiet,
    history_days: int = 90,
    students: int = 0,
    now: datetime | None = None,
) -> CampusSummary:
    """Build the synthetic demo campus, store it (replacing any old one) with a first plan
    and ``history_days`` days of safety operations (0: none). Its audit rows (import, split,
    activation, and with ``students`` > 0 the people grid's, as of ``now``: see
    :func:`zoning.services.demo_people.seed_people`) name ``actor``. Raises
    PermissionDenied (import_campus)."""
    actor.require(Permission.IMPORT_CAMPUS, "seed the demo campus")
    progress(f"building the {scale} demo campus (seed {seed})")
    demo = build_demo(scale=scale, seed=seed)
    progress("writing it to the database")
    save_campus(
        engine,
        name=demo.name,
        layers=demo.layers,
        code=demo.code,
        people=demo.people,
        replace=True,
        discard_history=True,
        source=f"campusgrid demo --scale {scale} --seed {seed}",
        actor=actor.name,
    )
    progress(f"storing its {len(demo.quarters)} quarters as its zones")
    import_zone_layer(
        engine, demo.name, demo.quarters[["name", "geometry"]], actor=actor, origin="demo quarters"
    )
    cell_size_m = 100.0 if scale == "small" else 30.0
    first = split_campus(
        engine,
        demo.name,
        method="square",
        cell_size_m=cell_size_m,
        reason="first plan of the demo campus",
        progress=progress,
        actor=actor,
    )
    progress(f"activating plan {first.plan.id}")
    activate_plan(
        engine,
        demo.name,
        first.plan.id,
        reason="first plan of the demo campus",
        actor=actor,
    )
    if history_days > 0:
        progress(f"adding {history_days} days of inspections, hazards and complaints")
        seed_history(engine, demo.name, actor=actor, seed=seed, days=history_days, now=now)
    if students > 0:
        seed_people(engine, demo.name, students=students, actor=actor, now=now, progress=progress)
    return campus_summary(engine, demo.name)
