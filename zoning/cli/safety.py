"""``campusgrid inspections|hazards|complaints``: safety operations on the command line.

Times given without an offset (``--at 2026-03-02T09:00``) are local (Asia/Shanghai).
Every user error is one line on stderr and exit code 2, with nothing changed.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from zoning.cli.common import (
    CampusArg,
    DbOption,
    JsonOption,
    acting,
    engine_for,
    parse_day,
    parse_time,
    print_json,
    run,
)
from zoning.errors import InvalidInput

inspections_app = typer.Typer(help="Inspections: to-do, submissions, completion report.")
hazards_app = typer.Typer(help="The hazard ledger (整改台账): list, show, move, export.")
complaints_app = typer.Typer(
    help="Located complaints (接诉即办): add, list, split a duplicate off its joined hazard, "
    "reply publicly."
)

XlsxOption = Annotated[Path | None, typer.Option("--xlsx", help="Also write an Excel workbook.")]
CsvOption = Annotated[Path | None, typer.Option("--csv", help="Also write a CSV file (UTF-8).")]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="On behalf of PERSON (paper records): a person of the campus who did the work; "
        "by default the acting account (--as, or the local operator) did it.",
    ),
]


def parse_pairs(values: list[str] | None, *, what: str) -> dict[str, str]:
    """Return ITEM=VALUE pairs as a dict; raise InvalidInput for a malformed one."""
    out: dict[str, str] = {}
    for value in values or []:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"{what} {value!r} must look like ITEM=VALUE.")
        out[key.strip()] = rest.strip()
    return out


def _export(
    db: str | None,
    campus: str,
    frame: Any,
    *,
    xlsx: Path | None,
    csv: Path | None,
    sheet: str,
    title: str,
    what: str,
) -> None:
    """Write ``frame`` to each target given, as the acting account (``export``, audited)."""
    from zoning.services import safety

    for target in (xlsx, csv):
        if target is not None:
            run(
                partial(
                    safety.export, engine_for(db), campus, {sheet: frame}, actor=acting(db),
                    what=what, fmt="", title=title, path=target,
                )
            )  # fmt: skip
            typer.echo(f"wrote {target}", err=True)


# --------------------------------------------------------------------------- inspections


@inspections_app.command("due")
def inspections_due(
    campus: CampusArg,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's list.")] = None,
    day: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default today).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The owners' to-do: overdue, due today, open (period started, due later)."""
    from zoning.services import safety

    table = run(
        lambda: safety.todo(
            engine_for(db), campus, owner=owner, day=parse_day(day, what="--date"), actor=acting(db)
        )
    )
    if as_json:
        print_json(json.loads(table.to_json(orient="records", date_format="iso")))
        return
    if not len(table):
        typer.echo("nothing due")
    for row in table.itertuples(index=False):
        typer.echo(
            f"{row.todo:9} {row.owner}  {row.due_date}  {row.cell_code}  {row.template_code} "
            f"({row.frequency} {row.period})"
        )


@inspections_app.command("submit")
def inspections_submit(
    campus: CampusArg,
    cell: Annotated[str, typer.Option("--cell", help="Cell code.")],
    template: Annotated[str, typer.Option("--template", help="Checklist code, e.g. fire.")],
    result: Annotated[
        list[str],
        typer.Option("--result", help="ITEM=pass|fail|na, repeatable; *=pass sets the rest."),
    ],
    by: ByOption = None,
    note: Annotated[list[str] | None, typer.Option("--note", help="ITEM=text.")] = None,
    photo: Annotated[
        list[str] | None,
        typer.Option(
            "--photo",
            help="ITEM=path of an image (≤ 20 MB, $CAMPUSGRID_MAX_PHOTO_MB); a cleaned copy "
            "goes into the photo store.",
        ),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="ISO time, not in the future (default now).")
    ] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Where (default: the cell).")] = None,
    lat: Annotated[float | None, typer.Option("--lat")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="Period label for a late one, e.g. 2026-W09.")
    ] = None,
    amend: Annotated[
        bool,
        typer.Option(
            "--amend",
            help="Correct the item's submission: stored as an amendment linked to the first "
            "(both kept); needs --reason.",
        ),
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="What the amendment corrects (with --amend).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit a checklist (once per due item; --amend corrects it); every failed item opens a
    hazard in the ledger."""
    from zoning.services import safety

    report = run(
        lambda: safety.submit_inspection(
            engine_for(db),
            campus,
            cell=cell,
            template=template,
            by=by,
            results=parse_pairs(result, what="--result"),
            notes=parse_pairs(note, what="--note"),
            photos=parse_pairs(photo, what="--photo"),
            at=parse_time(at, what="--at"),
            lon=lon,
            lat=lat,
            period=period,
            amend=amend,
            reason=reason,
            actor=acting(db),
        )
    )
    if as_json:
        print_json(report.to_json())
        return
    status = "LATE" if report.late else "on time"
    if report.amends is not None:
        status += f", amends inspection {report.amends}"
    hazards = ", ".join(str(h) for h in report.hazard_ids) or "none"
    typer.echo(
        f"inspection {report.inspection_id}: {report.cell_code} {report.template_code} "
        f"v{report.template_version} {report.period} {status}; hazards opened: {hazards}"
    )


@inspections_app.command("report")
def inspections_report(
    campus: CampusArg,
    by: Annotated[str, typer.Option("--by", help="cell, zone, owner, domain or week.")] = "cell",
    start: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD (90 days back).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD (default today).")] = None,
    xlsx: XlsxOption = None,
    csv: CsvOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Completion (on time / due, late, missed) and ledger rates per cell, zone, owner…"""
    from zoning.safety.exports import report_frame
    from zoning.services import safety

    table = run(
        lambda: safety.completion_report(
            engine_for(db),
            campus,
            by=by,
            start=parse_day(start, what="--from"),
            end=parse_day(end, what="--to"),
            actor=acting(db),
        )
    )
    _export(
        db,
        campus,
        report_frame(table),
        xlsx=xlsx,
        csv=csv,
        sheet="巡查完成情况",
        title=f"{campus} 巡查完成情况",
        what="report",
    )
    if as_json:
        print_json(json.loads(table.to_json(orient="records")))
        return
    key = table.columns[0]
    for row in table.to_dict("records"):
        rate = row["on_time_rate"]
        shown = "-" if rate != rate else f"{rate:.0%}"
        typer.echo(
            f"{row[key]}: on time {row['on_time']}/{row['due']} ({shown}), late {row['late']}, "
            f"missed {row['missed']}; hazards due {row['hazards_due']}, closed {row['closed']}"
        )


# --------------------------------------------------------------------------- hazards


@hazards_app.command("list")
def hazards_list(
    campus: CampusArg,
    status: Annotated[
        str | None, typer.Option("--status", help="open, or a state (closed, rectifying…).")
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue open ones.")] = False,
    xlsx: XlsxOption = None,
    csv: CsvOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The ledger with who answers for each hazard now; --xlsx/--csv export 整改台账."""
    from zoning.services import ledger

    views = run(
        lambda: ledger.list_hazards(
            engine_for(db), campus, status=status, overdue=overdue, actor=acting(db)
        )
    )
    rows = [v.to_json() for v in views]
    for target in (xlsx, csv):
        if target is not None:
            run(partial(ledger.export_ledger, engine_for(db), campus, views, actor=acting(db),
                        path=target))  # fmt: skip
            typer.echo(f"wrote {target}", err=True)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        late = f" OVERDUE {r['overdue_hours']:.0f} h" if r["overdue_hours"] > 0 else ""
        typer.echo(
            f"#{r['id']} {r['state']:10} {r['severity']:7} {r['domain']:12} {r['cell']} "
            f"→ {r['responsible']} ({r['level']}){late}"
        )
    typer.echo(f"{len(rows)} hazard(s)", err=True)


@hazards_app.command("show")
def hazards_show(
    campus: CampusArg,
    hazard_id: Annotated[int, typer.Argument(help="Hazard id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """One hazard: details, history and who answers for it now (escalation chain)."""
    from zoning.services import ledger

    found = run(lambda: ledger.show_hazard(engine_for(db), campus, hazard_id, actor=acting(db)))
    data = found.to_json(history=True)
    if as_json:
        print_json(data)
        return
    typer.echo(f"hazard #{data['id']} [{data['state']}] {data['severity']} {data['domain']}")
    typer.echo(f"  {data['description']}")
    typer.echo(f"  cell {data['cell']} (zone {data['zone']}), owner {data['owner']}")
    typer.echo(f"  deadline {data['deadline']}, overdue {data['overdue_hours']} h")
    typer.echo(f"  responsible now: {data['responsible']} ({data['level']})")
    typer.echo(f"  next: {', '.join(data['allowed_actions']) or '-'}")
    for t in data["history"]:
        extra = f" deadline→{t['deadline']}" if t["deadline"] else ""
        extra += f" assignee→{t['assignee']}" if t["assignee"] else ""
        typer.echo(f"  {t['at']}  {t['action']:9} {t['by']}{extra}  {t['note'] or ''}")


@hazards_app.command("move")
def hazards_move(
    campus: CampusArg,
    hazard_id: Annotated[int, typer.Argument(help="Hazard id.")],
    action: Annotated[
        str, typer.Argument(help="register, reject, dispatch, start, complete, verify, …")
    ],
    by: ByOption = None,
    note: Annotated[str, typer.Option("--note", help="Reason (reject/rework/extend).")] = "",
    deadline: Annotated[
        str | None, typer.Option("--deadline", help="New deadline for extend (ISO).")
    ] = None,
    assignee: Annotated[
        str | None, typer.Option("--assignee", help="For dispatch (default: responsible now).")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="ISO time, not in the future (default now).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move a hazard along the ledger; an illegal move changes nothing (exit 2)."""
    from zoning.services import ledger

    moved = run(
        lambda: ledger.move_hazard(
            engine_for(db),
            campus,
            hazard_id,
            action,
            by=by,
            note=note,
            deadline=parse_time(deadline, what="--deadline"),
            assignee=assignee,
            at=parse_time(at, what="--at"),
            actor=acting(db),
        )
    )
    if as_json:
        print_json(moved.to_json(history=True))
        return
    typer.echo(f"hazard #{hazard_id} is now {moved.hazard.state}; responsible: {moved.responsible}")


@hazards_app.command("report")
def hazards_report(
    campus: CampusArg,
    lon: Annotated[float, typer.Option("--lon", help="Longitude (WGS-84 degrees).")],
    lat: Annotated[float, typer.Option("--lat", help="Latitude (WGS-84 degrees).")],
    domain: Annotated[str, typer.Option("--domain", help="fire, electrical, facilities, …")],
    text: Annotated[str, typer.Option("--text", help="What is wrong.")],
    severity: Annotated[
        str, typer.Option("--severity", help="general (7 days to fix) or major (24 h).")
    ] = "general",
    photo: Annotated[
        list[Path] | None,
        typer.Option(
            "--photo", help="A photo file (repeatable, at most 5); copied into the photo store."
        ),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="ISO time, not in the future (default now).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Report a hazard seen at a spot, without a checklist: it opens in the ledger at the
    cell there, for that cell's owner."""
    from zoning.services import ledger

    made = run(
        lambda: ledger.report_hazard(
            engine_for(db),
            campus,
            lon=lon,
            lat=lat,
            domain=domain,
            description=text,
            severity=severity,
            photos=photo,
            at=parse_time(at, what="--at"),
            actor=acting(db),
        )
    )
    data = made.to_json()
    if as_json:
        print_json(data)
        return
    typer.echo(
        f"hazard #{data['id']} reported in cell {data['cell']} (zone {data['zone']}), owner "
        f"{data['owner']}, {data['severity']}, fix by {data['deadline']}"
    )


# --------------------------------------------------------------------------- complaints


@complaints_app.command("add")
def complaints_add(
    campus: CampusArg,
    lon: Annotated[float, typer.Option("--lon", help="Longitude (WGS-84 degrees).")],
    lat: Annotated[float, typer.Option("--lat", help="Latitude (WGS-84 degrees).")],
    category: Annotated[str, typer.Option("--category", help="repairs, fire_risk, noise, …")],
    text: Annotated[str, typer.Option("--text", help="What is wrong.")],
    contact: Annotated[str | None, typer.Option("--contact", help="Phone or e-mail.")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="ISO time, not in the future (default now).")
    ] = None,
    distance_m: Annotated[
        float, typer.Option("--duplicate-distance-m", help="Duplicate radius, 0–10000 m.")
    ] = 50.0,
    window_h: Annotated[
        float, typer.Option("--duplicate-window-h", help="Duplicate window, 0–8784 h.")
    ] = 72.0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Route a located complaint to its cell's owner and open its ledger item.

    A likely duplicate (same category, within the radius and window) joins the open hazard
    of the complaint it repeats instead of opening a second one.
    """
    from zoning.services import ledger

    found = run(
        lambda: ledger.add_complaint(
            engine_for(db),
            campus,
            lon=lon,
            lat=lat,
            category=category,
            text=text,
            contact=contact,
            at=parse_time(at, what="--at"),
            duplicate_distance_m=distance_m,
            duplicate_window_hours=window_h,
            actor=acting(db),
        )
    )
    data = found.to_json()
    if as_json:
        print_json(data)
        return
    dup = f"; likely duplicate of #{data['duplicate_of']}" if data["duplicate_of"] else ""
    hazard = (
        f"joined hazard #{data['hazard_id']} (已并入隐患 #{data['hazard_id']})"
        if data["joined_hazard_id"]
        else f"ledger hazard #{data['hazard_id']}"
    )
    typer.echo(
        f"complaint #{data['id']} → cell {data['cell']}, owner {data['owner']}, respond by "
        f"{data['response_deadline']}; {hazard}{dup}"
    )


@complaints_app.command("list")
def complaints_list(campus: CampusArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """The campus's complaints, oldest first."""
    from zoning.services import ledger

    found = run(lambda: ledger.list_complaints(engine_for(db), campus, actor=acting(db)))
    rows = [c.to_json() for c in found]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        dup = f" (dup of #{r['duplicate_of']})" if r["duplicate_of"] else ""
        if r["joined_hazard_id"]:
            dup += f" joined hazard #{r['joined_hazard_id']}"
        typer.echo(
            f"#{r['id']} {r['received_at'][:16]} {r['category']:11} {r['cell']} → {r['owner']} "
            f"[{r['state']}]{dup}: {r['text']}"
        )


@complaints_app.command("split")
def complaints_split(
    campus: CampusArg,
    complaint_id: Annotated[int, typer.Argument(help="The complaint that joined a hazard.")],
    by: ByOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give a complaint that joined another's hazard (a likely duplicate) its own hazard."""
    from zoning.services import ledger

    found, left = run(
        lambda: ledger.split_complaint(
            engine_for(db), campus, complaint_id, by=by, actor=acting(db)
        )
    )
    data = found.to_json()
    if as_json:
        print_json({**data, "split_from_hazard_id": left})
        return
    typer.echo(
        f"complaint #{data['id']} split off hazard #{left} into its own hazard "
        f"#{data['hazard_id']} (owner {data['owner']}, respond by {data['response_deadline']})"
    )


@complaints_app.command("reply")
def complaints_reply(
    campus: CampusArg,
    complaint_id: Annotated[int, typer.Argument(help="The complaint to answer.")],
    text: Annotated[
        str,
        typer.Option(
            "--text",
            help="The official reply, shown to the reporter (tracking page, Open311 "
            "status_notes) without your name.",
        ),
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an official public reply to a complaint (needs receive_complaints; audited)."""
    from zoning.services import ledger

    made = run(
        lambda: ledger.reply_publicly(engine_for(db), campus, complaint_id, text, actor=acting(db))
    )
    if as_json:
        print_json(
            {"id": made.id, "complaint_id": made.complaint_id, "text": made.text,
             "at": made.at.isoformat()}
        )  # fmt: skip
        return
    typer.echo(f"reply #{made.id} to complaint #{made.complaint_id} published (shown publicly)")
