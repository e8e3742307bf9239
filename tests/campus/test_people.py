"""Reading a school's people list: roles in English or Chinese, one clear error per bad row."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoning.campus.people import ROLES, normalise_role, read_people_csv
from zoning.errors import InvalidInput


def write(tmp_path: Path, text: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_roles_in_english_and_chinese() -> None:
    assert [normalise_role(r) for r in ROLES] == list(ROLES)
    assert normalise_role(" 网格员 ") == "owner"
    assert normalise_role("片区负责人") == "zone_leader"
    assert normalise_role("Safety Office") == "safety_office"
    assert normalise_role("校领导") == "leadership"
    assert normalise_role("janitor") is None


def test_reads_a_spreadsheet_export_with_bom_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(
        "\ufeffname, role ,quarter,phone\n王伟,网格员,教学区,13800000001\n\n"
        "李静,zone_leader,教学区,\n安全办,safety_office,,\n".encode()
    )
    people = read_people_csv(path)
    assert people.to_dict("records") == [
        {"name": "王伟", "role": "owner", "quarter": "教学区", "phone": "13800000001"},
        {"name": "李静", "role": "zone_leader", "quarter": "教学区", "phone": None},
        {"name": "安全办", "role": "safety_office", "quarter": None, "phone": None},
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("who,role\n王伟,owner\n", "no name column"),
        ("name,role\n王伟,janitor\n", r"line 2: 王伟's role 'janitor' is not one of"),
        ("name,role\n王伟,owner\n,owner\n", "line 3: the name is empty"),
        (
            "name,role\n王伟,owner\n王伟,leadership\n",
            r"line 3: 王伟 is listed twice \(first on line 2\)",
        ),
        ("name,role\n", "lists nobody"),
    ],
)
def test_a_bad_list_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_people_csv(write(tmp_path, text))


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="Cannot read"):
        read_people_csv(tmp_path / "missing.csv")
    path = tmp_path / "gbk.csv"
    path.write_bytes("name,role\n王伟,网格员\n".encode("gbk"))
    with pytest.raises(InvalidInput, match="not UTF-8"):
        read_people_csv(path)
