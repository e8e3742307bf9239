"""``campusgrid plans|validate|assign-owners|draft|diff|activate|import-plan|audit|owner-at``
and the ``edit`` group: the grid plans of a campus, from draft to active, and their history."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import shapely
import typer

from zoning.cli.common import (
    CampusArg,
    DbOption,
    JsonOption,
    acting,
    engine_for,
    fail,
    parse_time,
    print_json,
    run,
)
from zoning.errors import ActivationRefused, CampusgridError, InvalidInput
from zoning.plans.edits import Edit, Merge, MoveZone, Reassign, Reshape, Split

T = TypeVar("T")

#: The widest --snap-m of ``import-plan`` (m): wider repairs would move real boundaries.
SNAP_M_MAX = 100.0

edit_app = typer.Typer(
    help="Edit a draft plan: merge, split, reshape, reassign, move-zone, undo, log.",
    no_args_is_help=True,
)

PlanArg = Annotated[int, typer.Argument(help="Plan id (see `campusgrid plans CAMPUS`).")]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="A person of the campus who did it on paper (audited on their behalf; default: "
        "the acting account, --as or the local operator).",
    ),
]
AuthorOption = Annotated[
    str | None,
    typer.Option(
        "--author",
        help="A person of the campus who drew it on paper (default: the acting account).",
    ),
]
VersionOption = Annotated[
    int | None,
    typer.Option("--row-version", help="The plan version you read (refused if it moved on)."),
]


def _run_json(action: Callable[[], T], as_json: bool) -> T:
    """Run ``action`` like :func:`run`; with ``--json`` the error is also printed on stdout
    as ``{"error": message}``, so a script reading stdout sees why it failed."""

    def go() -> T:
        try:
            return action()
        except CampusgridError as exc:
            if as_json and not isinstance(exc, ActivationRefused):
                print_json({"error": str(exc)})
            raise

    return run(go)


def _problems(problems: list[dict[str, Any]]) -> None:
    for problem in problems:
        typer.echo(f"problem [{problem['kind']}]: {problem['message']}", err=True)


def list_plans(
    campus: CampusArg,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the grid plans of a campus, newest first."""
    from zoning import services

    found = run(lambda: services.list_plans(engine_for(db), campus))
    if as_json:
        print_json([p.to_json() for p in found])
        return
    for p in found:
        typer.echo(
            f"plan {p.id} v{p.version} {p.status}: {p.method}, {p.cells} cells, "
            f"{p.created_at:%Y-%m-%d %H:%M} by {p.author or '-'}"
        )


def validate(
    campus: CampusArg,
    plan: Annotated[int | None, typer.Option("--plan", help="Plan id (default: current).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Validate a plan (gaps, overlaps, slivers, areas, owners, codes); exit 1 if invalid.

    Also warns (exit 0) about safety domains the plan schedules nothing of although the
    campus has buildings for them."""
    from zoning.services import plans

    report = _run_json(lambda: plans.validate_plan(engine_for(db), campus, plan), as_json)
    if as_json:
        print_json(
            {"valid": report.valid, "problems": report.problems, "warnings": report.warnings}
        )
    else:
        _problems(report.problems)
        for warning in report.warnings:  # the plan stays valid: exit 0
            typer.echo(f"warning [{warning['kind']}]: {warning['message']}", err=True)
        typer.echo(f"plan {report.plan_id}: " + ("valid" if report.valid else "INVALID"))
    if not report.valid:
        raise typer.Exit(1)


def assign_owners(
    campus: CampusArg,
    plan: Annotated[int, typer.Option("--plan", help="Draft plan id.")],
    from_csv: Annotated[
        Path | None, typer.Option("--from", help="CSV with columns code,owner.")
    ] = None,
    by: ByOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give every cell of a draft an owner: from a CSV, the rest balanced by workload."""
    from zoning.services import plans

    mapping: dict[str, str] = {}
    if from_csv is not None:
        try:
            with from_csv.open(encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    if row.get("code") and row.get("owner"):
                        mapping[row["code"].strip()] = row["owner"].strip()
        except (OSError, KeyError) as exc:
            typer.echo(f"error: cannot read {from_csv}: {exc}", err=True)
            raise typer.Exit(2) from None
    report = run(
        lambda: plans.assign_plan_owners(
            engine_for(db), campus, plan, mapping=mapping, by=by, actor=acting(db)
        )
    )
    _edit_output(report, as_json)


def draft(
    campus: CampusArg,
    from_plan: Annotated[
        int | None, typer.Option("--from", help="Plan to copy (default: the current plan).")
    ] = None,
    author: AuthorOption = None,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a draft plan that copies another plan (`campusgrid split` drafts a new one)."""
    from zoning.services import plans

    plan = run(
        lambda: plans.create_draft(
            engine_for(db),
            campus,
            from_plan=from_plan,
            author=author,
            reason=reason,
            actor=acting(db),
        )
    )
    if as_json:
        print_json(plan.to_json())
    else:
        typer.echo(f"draft plan {plan.id} (v{plan.version}): {plan.cells} cells")


def _edit_output(report: Any, as_json: bool) -> None:
    if as_json:
        print_json(report.to_json())
        return
    _problems(report.problems)
    retired = f", retired {', '.join(report.retired)}" if report.retired else ""
    typer.echo(
        f"plan {report.plan_id} {report.action}: row version {report.row_version}{retired}; "
        + ("valid" if not report.problems else f"{len(report.problems)} problem(s)")
    )


def _apply(
    campus: str, plan: int, edit: Edit, by: str | None, row_version: int | None, db: str | None
) -> Any:
    from zoning.services import plans

    return run(
        lambda: plans.apply_edit(
            engine_for(db), campus, plan, edit, actor=acting(db), by=by, row_version=row_version
        )
    )


def _line(text: str) -> shapely.LineString:
    try:
        points = [tuple(float(v) for v in pair.split(",")) for pair in text.split()]
        if len(points) < 2 or any(len(p) != 2 for p in points):
            raise ValueError(text)
    except ValueError:
        raise InvalidInput(
            f"--line {text!r} is not 'lon,lat lon,lat …' (at least two points, degrees)."
        ) from None
    return shapely.LineString(points)


@edit_app.command("merge")
def merge(
    campus: CampusArg,
    plan: PlanArg,
    codes: Annotated[list[str], typer.Argument(help="Two or more adjacent cell codes.")],
    by: ByOption = None,
    row_version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Merge adjacent cells into one new cell (the old codes are retired)."""
    _edit_output(_apply(campus, plan, Merge(tuple(codes)), by, row_version, db), as_json)


@edit_app.command("split")
def split(
    campus: CampusArg,
    plan: PlanArg,
    code: Annotated[str, typer.Argument(help="Cell code.")],
    line: Annotated[str, typer.Option("--line", help='"lon1,lat1 lon2,lat2" across the cell.')],
    by: ByOption = None,
    row_version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Split a cell along a line (lon/lat) into new cells."""
    edit = run(lambda: Split(code, _line(line)))
    _edit_output(_apply(campus, plan, edit, by, row_version, db), as_json)


@edit_app.command("reshape")
def reshape(
    campus: CampusArg,
    plan: PlanArg,
    code: Annotated[str, typer.Argument(help="Cell code.")],
    wkt: Annotated[str, typer.Option("--wkt", help="New outline, WKT POLYGON in lon/lat.")],
    by: ByOption = None,
    row_version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give a cell a new outline; neighbours give up or take the difference."""

    def parse() -> Reshape:
        try:
            return Reshape(code, shapely.from_wkt(wkt))
        except shapely.errors.GEOSException as exc:
            raise InvalidInput(f"--wkt is not valid WKT: {exc}") from None

    _edit_output(_apply(campus, plan, run(parse), by, row_version, db), as_json)


@edit_app.command("reassign")
def reassign(
    campus: CampusArg,
    plan: PlanArg,
    codes: Annotated[list[str], typer.Argument(help="Cell codes.")],
    owner: Annotated[str, typer.Option("--owner", help="The new owner's name.")],
    by: ByOption = None,
    row_version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give cells a new owner."""
    _edit_output(_apply(campus, plan, Reassign(tuple(codes), owner), by, row_version, db), as_json)


@edit_app.command("move-zone")
def move_zone(
    campus: CampusArg,
    plan: PlanArg,
    codes: Annotated[list[str], typer.Argument(help="Cell codes.")],
    zone: Annotated[int, typer.Option("--zone", help="Target zone number.")],
    by: ByOption = None,
    row_version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move cells to another zone (they get new codes of that zone)."""
    _edit_output(_apply(campus, plan, MoveZone(tuple(codes), zone), by, row_version, db), as_json)


@edit_app.command("undo")
def undo(
    campus: CampusArg,
    plan: PlanArg,
    by: ByOption = None,
    row_version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Undo the draft's last edit."""
    from zoning.services import plans

    report = run(
        lambda: plans.undo(
            engine_for(db), campus, plan, actor=acting(db), by=by, row_version=row_version
        )
    )
    _edit_output(report, as_json)


@edit_app.command("log")
def log(campus: CampusArg, plan: PlanArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the draft's edits, oldest first."""
    from zoning.services import plans

    entries = run(lambda: plans.edit_log(engine_for(db), plan))
    if as_json:
        print_json(entries)
        return
    for e in entries:
        flag = " (undone)" if e["undone"] else ""
        typer.echo(f"{e['seq']:>3} {e['at'][:19]} {e['actor'] or '-'} {e['kind']}{flag}")


def diff(
    campus: CampusArg,
    plan_a: Annotated[int, typer.Argument(help="Plan A (before).")],
    plan_b: Annotated[int, typer.Argument(help="Plan B (after).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare two plans: cells added, removed, changed, unchanged; lineage; owner changes."""
    from zoning.services import plans

    found = _run_json(lambda: plans.diff(engine_for(db), campus, plan_a, plan_b), as_json)
    if as_json:
        print_json(found.to_json())
        return
    typer.echo(
        f"added {len(found.added)}, removed {len(found.removed)}, changed {len(found.changed)}, "
        f"unchanged {len(found.unchanged)}"
    )
    for change in found.changed:
        typer.echo(f"  {change.code}: {change.area_delta_m2:+,.0f} m²")
    for link in found.lineage:
        typer.echo(f"  {link.old} → {link.new} ({link.kind})")
    for label, n in found.owner_changes.items():
        typer.echo(f"open {label} that would change owner: {n} of {found.open_items[label]}")


def activate(
    campus: CampusArg,
    plan: PlanArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")],
    by: ByOption = None,
    row_version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Validate a draft and make it the active plan; re-home every open item."""
    from zoning.services import plans

    def go() -> Any:
        try:
            return plans.activate_plan(
                engine_for(db),
                campus,
                plan,
                by=by,
                reason=reason,
                row_version=row_version,
                actor=acting(db),
            )
        except ActivationRefused as refused:
            if as_json:
                print_json({"activated": False, "problems": refused.problems})
            else:
                _problems(refused.problems)
            raise

    result = run(go)
    if as_json:
        print_json({"activated": True, **result.to_json()})
        return
    typer.echo(f"plan {result.plan_id} is active (previous: {result.previous_plan_id or '-'})")
    for r in result.rehomed:
        extra = f", {len(r.collapsed)} duplicates collapsed" if r.collapsed else ""
        typer.echo(
            f"open {r.label}: {r.open_before} before, {r.open_after} after, {r.moved} moved{extra}"
        )
    for o in result.owners_changed:
        typer.echo(
            f"owner {o['owner']}: cells {o['cells_before']} → {o['cells_after']}, open items "
            f"{o['open_items_before']} → {o['open_items_after']}"
        )


def import_plan(
    path: Annotated[Path, typer.Argument(help="GeoPackage with a cells layer (from QGIS).")],
    campus: Annotated[str, typer.Option("--campus", help="Campus name.")],
    snap_m: Annotated[
        float | None,
        typer.Option(
            "--snap-m",
            help="Settle overlaps, gaps and parts outside the campus thinner than this (m, 0 "
            "to 100): the ground goes back to the cell that held it in the base plan.",
        ),
    ] = None,
    base: Annotated[
        int | None,
        typer.Option(
            "--base",
            help="The plan the file was edited from (default: the plan recorded by "
            "`campusgrid export`, else the active plan).",
        ),
    ] = None,
    layer: Annotated[str, typer.Option("--layer", help="Layer name.")] = "cells",
    author: AuthorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a draft from an edited cells layer: validate, keep codes, show the diff."""
    from zoning.safety.bounds import check_number
    from zoning.services import plans

    if snap_m is not None:
        run(lambda: check_number(snap_m, what="--snap-m", low=0.0, high=SNAP_M_MAX, unit="m"))
    report = _run_json(
        lambda: plans.import_plan(
            engine_for(db),
            path,
            campus=campus,
            snap_m=snap_m,
            layer=layer,
            base_plan=base,
            author=author,
            actor=acting(db),
        ),
        as_json,
    )
    if as_json:
        print_json(report.to_json())
        return
    _problems(report.problems)
    m = report.imported
    origin = {"--base": "--base", "file": "recorded in the file", "active": "the active plan"}
    typer.echo(
        f"compared with plan {report.base_plan_id} ({origin[report.base_from]}); "
        f"snapping: {_snapped(m.snapped)}"
    )
    typer.echo(
        f"draft plan {report.plan.id}: {len(m.cells)} cells, {len(m.kept)} codes kept, "
        f"{len(m.new)} new, {len(m.retired)} to retire on activation; "
        + ("valid" if not report.problems else f"{len(report.problems)} problem(s)")
    )


def _snapped(stats: dict[str, int]) -> str:
    done = [f"{n} {kind.replace('_', ' ')}" for kind, n in stats.items() if n]
    return ", ".join(done) if done else "nothing to repair"


def _audit_campus(value: str | None) -> str | None:
    """Check the optional campus of ``campusgrid audit`` like every campus argument."""
    from zoning.safety.bounds import check_text

    if value is None:
        return None
    return run(lambda: check_text(value, what="The campus name", limit=200, empty=False))


def audit(
    campus: Annotated[
        str | None,
        typer.Argument(
            help="Campus name (left out: the account-level events: sign-ins, account changes, "
            "backups).",
            callback=_audit_campus,
        ),
    ] = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Add the account-level events to the campus's (without CAMPUS: every event).",
        ),
    ] = False,
    account: Annotated[
        str | None, typer.Option("--account", help="Only what this account did.")
    ] = None,
    action: Annotated[
        str | None,
        typer.Option("--action", help="Only actions starting with this, e.g. plan. or account."),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", help="Only events whose detail contains this text (any case)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="From this ISO time (no offset: local time).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Up to this ISO time (no offset: local time).")
    ] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write the trail to CSV.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many to list (1 or more).")] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the audit trail (who, when, what, why), filtered, or export it to CSV."""
    from zoning.services import plans

    if limit < 1:
        fail(f"--limit {limit} is not a count: give 1 or more.")

    def query() -> plans.AuditQuery:
        start = parse_time(since, what="--since")
        end = parse_time(until, what="--until")
        if start is not None and end is not None and end < start:
            raise InvalidInput(f"--until {until} is before --since {since}: swap them.")
        return plans.AuditQuery(
            with_accounts=every,
            account=account,
            action=action,
            target=target,
            since=start,
            until=end,
        )

    asked = run(query)
    if csv_out is not None:
        written = run(
            lambda: plans.export_audit_csv(
                engine_for(db), campus, csv_out, actor=acting(db), query=asked
            )
        )
        typer.echo(str(written))
        return
    frame = run(
        lambda: plans.audit_events(
            engine_for(db), campus, limit=limit, actor=acting(db), query=asked
        )
    )
    if as_json:
        print_json(frame.to_dict("records"))
        return
    for at, actor, act, detail in zip(
        frame["at"], frame["actor"], frame["action"], frame["detail"], strict=True
    ):
        typer.echo(f"{str(at)[:19]} {actor or '-'} {act} {detail}")


def owner_at(
    campus: CampusArg,
    lon: Annotated[float, typer.Argument(help="Longitude (WGS-84).")],
    lat: Annotated[float, typer.Argument(help="Latitude (WGS-84).")],
    when: Annotated[
        str,
        typer.Option(
            "--at",
            help="ISO time, e.g. 2026-03-01T12:00+08:00 (without an offset: local time), "
            "2000 to 2100.",
        ),
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Which cell and owner had this spot at that time (archived plans included)."""
    from zoning.safety.bounds import check_lonlat
    from zoning.services import plans

    def parse() -> datetime:
        check_lonlat(lon, lat, what="The spot")
        moment = parse_time(when, what="--at")
        assert moment is not None  # parse_time returns None only for None
        return moment

    moment = run(parse)
    found = run(lambda: plans.owner_at(engine_for(db), campus, lon, lat, moment))
    if as_json:
        print_json(found.to_json() if found else None)
    elif found is None:
        typer.echo("no active plan covered that spot then")
    else:
        typer.echo(f"plan {found.plan_id} v{found.plan_version}: {found.code}, owner {found.owner}")
