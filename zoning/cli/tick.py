"""``campusgrid tick``: one round of the scheduler, for cron or a systemd timer (the server
runs the same round every minute)."""

from __future__ import annotations

import typer

from zoning.cli.common import DbOption, JsonOption, acting, engine_for, print_json, run


def tick(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Run one scheduler round: reminders, escalations, the day's due inspections, then
    send the outbox (for cron or a systemd timer; safe to run twice or in parallel)."""
    from zoning.services import notify

    engine = engine_for(db)
    report = run(lambda: notify.tick(engine, actor=acting(db)))
    if as_json:
        print_json(report.to_json())
        return
    if not report.ran:
        typer.echo("another tick holds the lease: nothing done")
        return
    queued = ", ".join(f"{k} {v}" for k, v in sorted(report.queued.items())) or "nothing"
    typer.echo(f"queued: {queued}; sent {report.sent}")
    for failure in report.failures:
        typer.echo(f"warning: {failure}", err=True)
