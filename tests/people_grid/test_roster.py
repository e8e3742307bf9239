"""Reading the roster and staff CSVs: both header languages, a BOM, line-numbered errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoning.errors import ImportFailed
from zoning.people import parse_roster, parse_staff, read_roster

EN = "student_no,name,college,grade,class,building,room,bed,phone,roles\n"
ZH = "学号,姓名,学院,年级,班级,楼栋,房间,床位,电话,角色\n"


def test_chinese_headers_with_a_bom_and_both_separators(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    text = ZH + "2024001,王伟,理学院,2024,数学1班,1号楼,101,1,138,网格员;党员\n"
    text += "\n2024002,李静,理学院,2024,数学1班,1号楼,101,2,,班长、党员\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    first, second = read_roster(path)
    assert (first.student_no, first.roles, first.line) == ("2024001", ("网格员", "党员"), 2)
    assert (second.roles, second.phone, second.line) == (("班长", "党员"), None, 4)


def test_every_bad_line_is_named_once_and_nothing_is_returned() -> None:
    text = EN + "1,王伟,理学院,2024,数1,1号楼,,,,\n"
    text += "2,,理学院,2024,数1,1号楼,,,,\n"  # no name
    text += "1,李静,理学院,2024,数1,1号楼,,,,\n"  # number again
    text += "3,赵六,理学院,2024,数1,1号楼,,,,校长\n"  # unknown role
    with pytest.raises(ImportFailed) as failed:
        parse_roster(text, name="r.csv")
    lines = str(failed.value).splitlines()
    assert lines[0] == ("r.csv: 3 bad line(s), nothing imported; fix them and import again:")
    assert lines[1] == "r.csv line 3: the name is empty"
    assert lines[2] == "r.csv line 4: student number 1 is already on line 2"
    assert lines[3].startswith("r.csv line 5: the role '校长' is unknown")


def test_a_missing_column_and_a_foreign_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match=r"^r.csv line 1: the header lacks building; it"):
        parse_roster("student_no,name,college,class\n1,a,b,c\n", name="r.csv")
    minimal = parse_roster("学号,姓名,学院,班级,楼栋\n1,王,理学院,数1,1号楼\n")
    assert (minimal[0].room, minimal[0].roles) == (None, ())
    path = tmp_path / "gbk.csv"
    path.write_bytes(ZH.encode("gbk"))
    with pytest.raises(ImportFailed, match="is not UTF-8 text"):
        read_roster(path)


def test_staff_counsellors_need_classes_and_roles_are_known() -> None:
    good = parse_staff(
        "姓名,角色,学院,班级\n李老师,辅导员,理学院,数1、数2\n张书记,副书记,理学院,\n"
    )
    assert [(s.role, s.classes) for s in good] == [
        ("counsellor", ("数1", "数2")),
        ("deputy_secretary", ()),
    ]
    with pytest.raises(ImportFailed) as failed:
        parse_staff("name,role,college,classes\n李,辅导员,理学院,\n王,校长,理学院,\n", name="s.csv")
    assert str(failed.value).splitlines()[1:] == [
        "s.csv line 2: a counsellor needs their classes (separated by ; or 、)",
        "s.csv line 3: the role '校长' is unknown (use 辅导员/counsellor or "
        "副书记/deputy_secretary)",
    ]
