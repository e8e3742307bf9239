"""The README's permission table is the matrix in the code (written once, shown twice)."""

from __future__ import annotations

from pathlib import Path

from zoning.accounts.roles import MATRIX, Permission, Role

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_table_is_the_matrix() -> None:
    text = README.read_text("utf-8")
    section = text.split("## Roles and permissions", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert header == ["permission", *(r.value for r in Role)]
    table: dict[Role, set[Permission]] = {role: set() for role in Role}
    for line in rows[1:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        permission = Permission(cells[0].strip("`"))
        for role, mark in zip(Role, cells[1:], strict=True):
            assert mark in ("", "✓"), line
            if mark:
                table[role].add(permission)
    assert len(rows) - 1 == len(Permission)
    assert table == {role: set(held) for role, held in MATRIX.items()}
