"""``campusgrid tokens create|list|revoke``: API tokens, as the API's docs name them. The
same commands as ``campusgrid users token add|list|revoke`` (one implementation)."""

from __future__ import annotations

import typer

from zoning.cli.users import token_add, token_list, token_revoke

tokens_app = typer.Typer(
    help="API tokens for scripts and phones (Authorization: Bearer); same as `users token`."
)
tokens_app.command("create")(token_add)
tokens_app.command("list")(token_list)
tokens_app.command("revoke")(token_revoke)
