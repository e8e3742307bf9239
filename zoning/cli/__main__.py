"""``python -m zoning.cli``: the same as the ``campusgrid`` command."""

from zoning.cli import main

main()
