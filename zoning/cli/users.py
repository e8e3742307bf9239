"""``campusgrid users add|list|passwd|disable|enable|roles|token``: local accounts, their
roles and their API tokens.

Passwords are read from standard input (``--password-stdin``), never from the command line
(where ``ps`` and the shell history would keep them); without it the command asks twice.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from zoning.cli.common import DbOption, JsonOption, acting, engine_for, fail, print_json, run

users_app = typer.Typer(help="Accounts that sign in to the web app, and their roles.")

PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from standard input (one line)."),
]


def _password(from_stdin: bool) -> str:
    """Read a password: one line of stdin, or asked twice without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            fail("No password on standard input.")
        return password
    if not sys.stdin.isatty():
        fail("Pass --password-stdin to read the password from a pipe.")
    first: str = typer.prompt("Password", hide_input=True)
    second: str = typer.prompt("Again", hide_input=True)
    if first != second:
        fail("The two passwords differ: try again.")
    return first


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Account name (letters, digits, . _ @ -).")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="admin, planner, safety_officer, zone_leader, inspector, leadership, viewer, "
            "counsellor, deputy_secretary, grid_member or student (`campusgrid users roles`).",
        ),
    ],
    campus: Annotated[
        str | None, typer.Option("--campus", help="The campus of --person / --zone.")
    ] = None,
    person: Annotated[
        str | None,
        typer.Option(
            "--person",
            help="The person of the campus this account stands for "
            "(an inspector's cells are the cells that person owns; a counsellor's or deputy "
            "secretary's name in the staff file).",
        ),
    ] = None,
    student: Annotated[
        str | None,
        typer.Option(
            "--student",
            help="The student number a student or grid_member account stands for (the "
            "roster of --campus); the account sees only its own rows and part of the grid.",
        ),
    ] = None,
    zone: Annotated[
        int | None, typer.Option("--zone", help="A zone leader's zone number.", min=1)
    ] = None,
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an account (needs manage_accounts: an admin, or the local operator)."""
    from zoning.services import accounts

    if student is not None and person is not None:
        fail("Pass --person or --student, not both.")
    if student is not None and role.strip().lower() not in ("student", "grid_member"):
        fail("--student belongs to a student or grid_member account: use --person for others.")
    person = student if student is not None else person
    password = _password(password_stdin)
    engine = engine_for(db)
    info = run(
        lambda: accounts.add_account(
            engine,
            acting(db),
            name,
            role,
            password,
            campus=campus,
            person=person,
            zone=zone,
        )
    )
    if as_json:
        print_json(info.to_json())
        return
    typer.echo(f"added {info.name} ({info.role})")


@users_app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the accounts: name, role, person, zone, state."""
    from zoning.services import accounts

    engine = engine_for(db)
    found = run(lambda: accounts.list_accounts(engine, acting(db)))
    if as_json:
        print_json([a.to_json() for a in found])
        return
    if not found:
        typer.echo("no accounts yet: add one with `campusgrid users add NAME --role admin`")
        return
    for a in found:
        where = " ".join(
            part
            for part in (
                f"campus={a.campus}" if a.campus else "",
                f"person={a.person}" if a.person else "",
                f"zone={a.zone}" if a.zone is not None else "",
            )
            if part
        )
        state = "disabled" if a.disabled else "locked" if a.locked_until else "active"
        typer.echo(f"{a.name}\t{a.role}\t{state}\t{where}".rstrip())


@users_app.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(help="Account name.")],
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
) -> None:
    """Set an account's password (one's own, or anyone's as an admin); its sessions end."""
    from zoning.services import accounts

    password = _password(password_stdin)
    engine = engine_for(db)
    run(lambda: accounts.set_password(engine, acting(db), name, password))
    typer.echo(f"password of {name} changed; its web sessions were ended")


@users_app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="Account name.")], db: DbOption = None
) -> None:
    """Disable an account: it can no longer sign in, and its web sessions end at once."""
    from zoning.services import accounts

    engine = engine_for(db)
    run(lambda: accounts.set_disabled(engine, acting(db), name, disabled=True))
    typer.echo(f"{name} disabled")


@users_app.command("enable")
def enable(name: Annotated[str, typer.Argument(help="Account name.")], db: DbOption = None) -> None:
    """Enable a disabled account again (and lift a lock after wrong passwords)."""
    from zoning.services import accounts

    engine = engine_for(db)
    run(lambda: accounts.set_disabled(engine, acting(db), name, disabled=False))
    typer.echo(f"{name} enabled")


@users_app.command("roles")
def roles(as_json: JsonOption = False) -> None:
    """Print the roles and the permissions each holds (the permission matrix)."""
    from zoning.services.accounts import roles_table

    table = roles_table()
    if as_json:
        print_json(table)
        return
    for row in table:
        typer.echo(f"{row['role']}: {row['for']}")
        typer.echo(f"    {', '.join(row['permissions'])}")


# --------------------------------------------------------------------------- API tokens

token_app = typer.Typer(help="API tokens: an account's long-lived keys for scripts (Bearer).")
users_app.add_typer(token_app, name="token")

AccountArg = Annotated[str, typer.Argument(help="Account name.")]


@token_app.command("add")
def token_add(
    name: AccountArg,
    label: Annotated[
        str, typer.Option("--label", help="What the token is for (shown by `token list`).")
    ] = "",
    expires: Annotated[
        int | None,
        typer.Option("--expires", help="Days until it expires (1–3660; default: never)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make an API token for NAME and print it once, alone on the last line (only its hash
    is kept). One's own account, or any with manage_accounts."""
    from zoning.services import accounts

    engine = engine_for(db)
    info, token = run(
        lambda: accounts.add_token(engine, acting(db), name, label=label, expires_days=expires)
    )
    if as_json:
        print_json({**info.to_json(), "token": token})
        return
    until = info.expires_at.isoformat(timespec="minutes") if info.expires_at else "never"
    typer.echo(f"token {info.id} for {name} (expires: {until}); it is shown only now:")
    typer.echo(token)


@token_app.command("list")
def token_list(name: AccountArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List NAME's API tokens: id, state, label, created, expires, last used."""
    from zoning.services import accounts

    engine = engine_for(db)
    found = run(lambda: accounts.list_tokens(engine, acting(db), name))
    if as_json:
        print_json([t.to_json() for t in found])
        return
    if not found:
        typer.echo(f"{name} has no API tokens: make one with `campusgrid users token add {name}`")
        return
    for t in found:
        data = t.to_json()
        typer.echo(
            f"{t.id}\t{data['state']}\t{t.label or '-'}\tcreated {data['created_at'][:16]}\t"
            f"expires {(data['expires_at'] or 'never')[:16]}\t"
            f"used {(data['last_used_at'] or 'never')[:16]}"
        )


@token_app.command("revoke")
def token_revoke(
    name: AccountArg,
    token_id: Annotated[int, typer.Argument(help="The token's id (`users token list`).")],
    db: DbOption = None,
) -> None:
    """Revoke one of NAME's API tokens: it is refused from now on."""
    from zoning.services import accounts

    engine = engine_for(db)
    run(lambda: accounts.revoke_token(engine, acting(db), name, token_id))
    typer.echo(f"token {token_id} of {name} revoked")
