"""Print the CLI's surface: every command's ``--help`` and the ``--json`` outputs on a demo.

Used to show that a refactoring left the command line unchanged: run it before and after,
then ``diff`` the two files::

    .venv/bin/python scripts/cli_surface.py > before.txt
    ... change the code ...
    .venv/bin/python scripts/cli_surface.py > after.txt && diff before.txt after.txt

It drives the installed ``campusgrid`` command in subprocesses (the real entry point, at a
fixed terminal width) on a fresh SpatiaLite file in a temporary folder. Values that change
from run to run (timestamps, the temporary folder, and ``overdue_hours``, which grows with
the clock between two runs) are masked as ``<…>``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CLI = str(Path(sys.executable).with_name("campusgrid"))

#: Commands whose ``--json`` output is compared, after ``campusgrid demo`` on a fresh file.
JSON_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("campuses",),
    ("plans", "demo"),
    ("validate", "demo"),
    ("people", "list", "demo"),
    ("inspections", "due", "demo", "--date", "2026-01-05"),
    ("inspections", "report", "demo", "--by", "zone"),
    ("hazards", "list", "demo", "--overdue"),
    ("hazards", "show", "demo", "1"),
    ("complaints", "list", "demo"),
    ("coverage", "demo"),
    ("suggest-cameras", "demo", "--count", "2"),
    ("draft", "demo", "--from", "1", "--author", "x", "--reason", "y"),
    ("edit", "log", "demo", "2"),
    ("diff", "demo", "1", "2"),
    ("split", "demo", "--method", "square", "--cell-size-m", "150"),
    ("audit", "demo"),
    ("owner-at", "demo", "117.70", "39.083", "--at", "2026-01-01T00:00:00"),
)

_OVERDUE = re.compile(r'("overdue_hours": )[0-9.]+')
_STAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")


def _run(args: list[str], env: dict[str, str], tmp: str) -> str:
    done = subprocess.run(
        [CLI, *args], capture_output=True, text=True, env=env, timeout=900, check=False
    )
    text = f"$ campusgrid {' '.join(args)}  [exit {done.returncode}]\n{done.stdout}"
    if done.returncode:
        text += f"[stderr]\n{done.stderr}"
    text = _OVERDUE.sub(r'\1"<hours>"', text.replace(tmp, "<tmp>"))
    return _STAMP.sub("<time>", text)


def _commands(env: dict[str, str], tmp: str) -> list[list[str]]:
    """Every command path, found by walking the ``--help`` screens (Typer's rich boxes)."""
    found: list[list[str]] = []
    todo: list[list[str]] = [[]]
    while todo:
        path = todo.pop(0)
        found.append(path)
        text = _run([*path, "--help"], env, tmp)
        in_commands = False
        for line in text.splitlines():
            if line.startswith("╭─ Commands"):
                in_commands = True
            elif line.startswith("╰"):
                in_commands = False
            elif in_commands:
                m = re.match(r"│ ([a-z][a-z0-9-]*)\s", line)
                if m:
                    todo.append([*path, m.group(1)])
    return found


def main() -> None:
    """Print the help screens and the JSON outputs, in a stable order."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
        env["CAMPUSGRID_DB"] = f"sqlite:///{tmp}/surface.sqlite"
        for path in _commands(env, tmp):
            print(_run([*path, "--help"], env, tmp))
        print(_run(["demo"], env, tmp))
        for args in JSON_COMMANDS:
            text = _run([*args, "--json"], env, tmp)
            head, _, body = text.partition("\n")
            with contextlib.suppress(ValueError):  # pretty and key-sorted, for a readable diff
                body = json.dumps(json.loads(body), ensure_ascii=False, indent=1, sort_keys=True)
            print(head, body, sep="\n")


if __name__ == "__main__":
    main()
