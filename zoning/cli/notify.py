"""``campusgrid notify add|list|remove|test|log``: where notifications go (WeCom, DingTalk,
Feishu group robots and e-mail) and what was sent. The scheduler's round is
``campusgrid tick`` (:mod:`zoning.cli.tick`).

A robot's signing secret is read from standard input (``--secret-stdin``), never from the
command line (where ``ps`` and the shell history would keep it).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from zoning.cli.common import DbOption, JsonOption, acting, engine_for, fail, print_json, run

notify_app = typer.Typer(help="Notification channels (WeCom, DingTalk, Feishu, e-mail).")


@notify_app.command("add")
def add(
    channel: Annotated[str, typer.Option("--channel", help="wecom, dingtalk, feishu or email.")],
    target: Annotated[
        str, typer.Option("--target", help="The robot's webhook URL, or an e-mail address.")
    ],
    secret_stdin: Annotated[
        bool,
        typer.Option(
            "--secret-stdin",
            help="Read the robot's signing secret (DingTalk 加签, Feishu 签名校验) from stdin.",
        ),
    ] = False,
    zone: Annotated[
        int | None, typer.Option("--zone", help="Only events of this zone (default: all).")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help="Only events for this role: inspector (cell owner), zone_leader, "
            "safety_officer or leadership (default: all).",
        ),
    ] = None,
    events: Annotated[
        str | None,
        typer.Option(
            "--events",
            help="Comma list of assigned, deadline, escalated, major, plan_activated "
            "(default: all).",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a channel (needs manage_accounts: an admin, or the local operator)."""
    from zoning.services import notify

    secret = None
    if secret_stdin:
        line = sys.stdin.readline().strip()
        if not line:
            fail("No secret on standard input.")
        secret = line
    engine = engine_for(db)
    added = run(
        lambda: notify.add_channel(
            engine, actor=acting(db), kind=channel, target=target, secret=secret, zone=zone,
            role=role, events=events,
        )
    )  # fmt: skip
    if as_json:
        print_json(added.to_json())
        return
    typer.echo(f"added channel {added.id}: {added.kind} → {added.target}")


@notify_app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the channels (the secrets are never shown)."""
    from zoning.services import notify

    engine = engine_for(db)
    channels = run(lambda: notify.list_channels(engine, actor=acting(db)))
    if as_json:
        print_json([c.to_json() for c in channels])
        return
    if not channels:
        typer.echo("no channels: add one with `campusgrid notify add`")
    for c in channels:
        scope = f"zone {c.zone}" if c.zone is not None else "all zones"
        signed = ", signed" if c.secret else ""
        who = c.role or "all roles"
        typer.echo(f"{c.id}\t{c.kind}\t{c.target}\t{scope}, {who}{signed}\t{','.join(c.events)}")


@notify_app.command("remove")
def remove(
    channel_id: Annotated[int, typer.Argument(help="The channel's id (`notify list`).")],
    db: DbOption = None,
) -> None:
    """Remove a channel and the messages still queued for it."""
    from zoning.services import notify

    engine = engine_for(db)
    run(lambda: notify.remove_channel(engine, channel_id, actor=acting(db)))
    typer.echo(f"removed channel {channel_id}")


@notify_app.command("test")
def test(
    channel_id: Annotated[int, typer.Argument(help="The channel's id (`notify list`).")],
    db: DbOption = None,
) -> None:
    """Send one test message on a channel now; exit 2 when the channel refused it."""
    from zoning.services import notify

    engine = engine_for(db)
    entry = run(lambda: notify.try_channel(engine, channel_id, actor=acting(db)))
    if entry.sent_at is None:
        fail(f"channel {channel_id} failed: {entry.last_error} (fix it, then test again)")
    typer.echo(f"sent a test message on channel {channel_id}")


@notify_app.command("log")
def log(
    failed: Annotated[
        bool, typer.Option("--failed", help="Only the messages that failed and are not sent.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many, newest first.")] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show what was sent and what failed, newest first."""
    from zoning.services import notify

    engine = engine_for(db)
    rows = run(lambda: notify.outbox_log(engine, actor=acting(db), failed_only=failed, limit=limit))
    if as_json:
        print_json([{**e.to_json(), "notice": n.to_json()} for e, n in rows])
        return
    if not rows:
        typer.echo("nothing failed" if failed else "nothing queued yet")
    for e, n in rows:
        if e.sent_at is not None:
            status = f"sent {e.sent_at:%Y-%m-%d %H:%M}Z"
        elif e.attempts >= notify.MAX_ATTEMPTS:
            status = f"GAVE UP after {e.attempts} tries: {e.last_error}"
        elif e.last_error:
            status = f"FAILED ({e.attempts} tries, next {e.next_attempt_at:%H:%M}Z): {e.last_error}"
        else:
            status = "queued"
        cell = n.cell or "—"
        typer.echo(f"{e.id}\tchannel {e.channel_id}\t{e.event}\t{cell}\t{status}")
