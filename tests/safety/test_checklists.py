"""Checklist templates: YAML loading and its errors, overrides, versions, applicability, periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zoning.errors import InvalidInput
from zoning.safety.checklists import (
    FREQUENCIES,
    applicable_templates,
    load_folder,
    load_template,
    load_templates,
    period_due_at,
    period_of,
    periods_due_between,
)

GOOD = """\
domain: fire
version: 2
name_zh: 测试检查
name_en: Test check
frequency: weekly
cell_kinds: [building]
items:
  - code: exits_clear
    zh: 安全出口畅通
    en: Exits are clear
    major: true
  - code: extinguishers
    zh: 灭火器有效
    en: Extinguishers in date
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads(tmp_path: Path) -> None:
    template = load_template(write(tmp_path, "mine.yaml", GOOD))
    assert template.code == "mine"  # defaults to the file name
    assert template.version == 2
    assert [i.code for i in template.major_items] == ["exits_clear"]
    assert template.items[1].major is False
    assert template.source.endswith("mine.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("domain: fire\n  version: [1\n", r"bad\.yaml: not valid YAML at line \d+, column \d+"),
        ("- just\n- a list\n", r"bad\.yaml: expected a mapping"),
        (GOOD.replace("domain: fire", "domain: weather"), r"bad\.yaml: key 'domain' is 'weather'"),
        (GOOD.replace("version: 2", "version: 0"), r"bad\.yaml: key 'version' must be a positive"),
        (GOOD.replace("version: 2", "version: '2'"), r"key 'version' must be a positive"),
        (GOOD.replace("version: 2\n", ""), r"bad\.yaml: missing required key 'version'"),
        (GOOD.replace("weekly", "hourly"), r"key 'frequency' is 'hourly'"),
        (GOOD.replace("[building]", "[garden]"), r"key 'cell_kinds' has 'garden'"),
        (GOOD.replace("[building]", "[]"), r"key 'cell_kinds' is empty"),
        (GOOD.replace("    major: true", "    major: maybe"), r"items\[0\]\.major must be true"),
        (GOOD.replace("code: extinguishers", "code: exits_clear"), r"items\[1\]\.code .* twice"),
        (GOOD.replace("    en: Exits are clear\n", ""), r"items\[0\]: missing required key 'en'"),
        (GOOD.replace("name_en:", "nme_en:"), r"unknown key\(s\) nme_en"),
        (
            GOOD.replace("    major: true", "    majr: true"),
            r"items\[0\] has unknown key\(s\) majr",
        ),
        (GOOD.replace("code: exits_clear", "code: Exits Clear"), r"items\[0\]\.code.*lowercase"),
        (GOOD.split("items:")[0] + "items: []\n", r"key 'items' must be a non-empty list"),
        (GOOD + "frequency_by_use:\n  dormitory: hourly\n", r"frequency_by_use\.dormitory"),
    ],
)
def test_malformed_files_name_the_file_the_key_and_the_problem(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(InvalidInput, match=expected):
        load_template(write(tmp_path, "bad.yaml", text))


def test_unreadable_and_missing(tmp_path: Path) -> None:
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InvalidInput, match=r"bin\.yaml: cannot read"):
        load_template(tmp_path / "bin.yaml")
    with pytest.raises(InvalidInput, match="does not exist"):
        load_folder(tmp_path / "nowhere")


def test_two_files_with_one_code_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "code: same\n" + GOOD)
    write(tmp_path, "b.yaml", "code: same\n" + GOOD)
    with pytest.raises(
        InvalidInput, match=r"b\.yaml: template code 'same' is already used by a\.yaml"
    ):
        load_folder(tmp_path)


def test_content_hash_ignores_comments_but_not_content(tmp_path: Path) -> None:
    a = load_template(write(tmp_path, "t.yaml", GOOD))
    b = load_template(write(tmp_path, "t.yaml", "# a comment\n" + GOOD.replace(": ", ":  ")))
    c = load_template(write(tmp_path, "t.yaml", GOOD.replace("灭火器有效", "灭火器在有效期内")))
    assert a.content_hash == b.content_hash
    assert a.content_hash != c.content_hash


def test_user_folder_overrides_and_extends(tmp_path: Path) -> None:
    shipped = load_templates(environ={})
    fire = (Path(shipped["fire"].source)).read_text(encoding="utf-8")
    write(
        tmp_path,
        "fire.yaml",
        fire.replace("version: 1", "version: 2").replace("monthly", "weekly", 1),
    )
    write(tmp_path, "night_patrol.yaml", GOOD)
    merged = load_templates(environ={"CAMPUSGRID_CHECKLISTS": str(tmp_path)})
    assert merged["fire"].version == 2 and merged["fire"].frequency == "weekly"
    assert merged["night_patrol"].domain == "fire"
    assert set(merged) == set(shipped) | {"night_patrol"}
    # an explicit path wins over the environment
    empty = tmp_path / "empty"
    empty.mkdir()
    explicit = load_templates(user_dir=empty, environ={"CAMPUSGRID_CHECKLISTS": str(tmp_path)})
    assert "night_patrol" not in explicit and explicit["fire"].version == 1


def test_changing_a_template_without_raising_its_version_is_refused(tmp_path: Path) -> None:
    shipped = load_templates(environ={})
    fire = Path(shipped["fire"].source).read_text(encoding="utf-8")
    write(tmp_path, "fire.yaml", fire.replace("压力指针在绿区", "压力正常"))
    with pytest.raises(
        InvalidInput, match=r"fire\.yaml: template 'fire' differs .* set 'version' higher"
    ):
        load_templates(user_dir=tmp_path)
    # an identical copy is fine
    write(tmp_path, "fire.yaml", fire)
    assert load_templates(user_dir=tmp_path)["fire"].content_hash == shipped["fire"].content_hash


def test_missing_user_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        load_templates(environ={"CAMPUSGRID_CHECKLISTS": str(tmp_path / "nope")})


def test_applicability_and_frequency_by_use() -> None:
    templates = load_templates(environ={})
    food = templates["food"]
    assert food.applies_to(kind="building", use="canteen")
    assert not food.applies_to(kind="building", use="dormitory")
    assert not food.applies_to(kind="open")
    events = templates["events"]
    assert events.applies_to(kind="square") and events.applies_to(kind="open")
    assert events.applies_to(kind="building", use="sports_hall")
    assert not events.applies_to(kind="building", use="dormitory")
    assert templates["flood"].applies_to(kind="hex")  # "any"
    fire = templates["fire"]
    assert fire.frequency_for("dormitory") == "daily"
    assert fire.frequency_for("office") == "monthly"
    assert fire.frequency_for(None) == "monthly"
    codes = [t.code for t in applicable_templates(templates, kind="building", use="canteen")]
    assert "food" in codes and "dormitory" not in codes and codes == sorted(codes)


def test_period_labels_and_bounds() -> None:
    day = date(2026, 12, 31)  # a Thursday; ISO year 2026 has 53 weeks
    assert period_of(day, "daily").label == "2026-12-31"
    week = period_of(day, "weekly")
    assert (week.label, week.start, week.end) == ("2026-W53", date(2026, 12, 28), date(2027, 1, 3))
    assert period_of(date(2026, 2, 10), "monthly").end == date(2026, 2, 28)
    assert period_of(date(2028, 2, 10), "monthly").end == date(2028, 2, 29)
    q = period_of(date(2026, 11, 24), "quarterly")
    assert (q.label, q.start, q.end) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    with pytest.raises(InvalidInput, match="Unknown frequency 'hourly'"):
        period_of(day, "hourly")


def test_due_at_is_local_midnight_after_the_due_date() -> None:
    month = period_of(date(2026, 3, 5), "monthly")
    assert period_due_at(month) == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # Beijing = UTC+8
    assert period_due_at(month, tz="UTC") == datetime(2026, 4, 1, tzinfo=UTC)


def test_periods_due_in_march_2026() -> None:
    counts = {
        f: len(periods_due_between(date(2026, 3, 1), date(2026, 3, 31), f)) for f in FREQUENCIES
    }
    # Sundays of March 2026: 1, 8, 15, 22, 29; Q1 ends on 31 March.
    assert counts == {"daily": 31, "weekly": 5, "monthly": 1, "quarterly": 1}
    assert periods_due_between(date(2026, 2, 1), date(2026, 2, 28), "quarterly") == []
    with pytest.raises(InvalidInput, match="ends"):
        periods_due_between(date(2026, 3, 2), date(2026, 3, 1), "daily")


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    lengths=st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=5),
    frequency=st.sampled_from(FREQUENCIES),
)
def test_consecutive_ranges_count_every_period_once(
    start: date, lengths: list[int], frequency: str
) -> None:
    whole_end = start + timedelta(days=sum(lengths) + len(lengths) - 1)
    pieces = []
    cursor = start
    for length in lengths:
        end = cursor + timedelta(days=length)
        pieces.extend(periods_due_between(cursor, end, frequency))
        cursor = end + timedelta(days=1)
    assert pieces == periods_due_between(start, whole_end, frequency)
    for p in pieces:
        assert p.start <= p.end and period_of(p.start, frequency) == p
