"""The ``campusgrid`` command (Typer): ``app`` holds every command, ``main`` runs it.

One module per command group (``campus``, ``grid``, ``plans``, ``cameras``, ``safety``,
``people``, ``serve``); ``common`` holds the options and the error handling they share.
"""

from zoning.cli.app import INTERNAL_ERROR, app, main

__all__ = ["INTERNAL_ERROR", "app", "main"]
