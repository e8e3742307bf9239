"""The 15 safety domains and their shipped default checklists."""

from __future__ import annotations

import re

import pytest

from zoning.errors import NotFound
from zoning.safety.checklists import default_checklist_dir, load_templates
from zoning.safety.domains import DOMAIN_CODES, DOMAINS, Domain, get_domain, is_domain

CJK = re.compile(r"[\u4e00-\u9fff]")
EXPECTED = {
    "facilities": "校舍设施",
    "fire": "消防",
    "traffic": "交通",
    "food": "食品",
    "security": "治安",
    "mental_health": "心理健康",
    "labs": "实验室与危化品",
    "electrical": "用电",
    "gas": "燃气",
    "special_equipment": "特种设备",
    "dormitory": "宿舍",
    "events": "大型活动",
    "construction": "施工",
    "flood": "防汛与自然灾害",
    "cyber": "网络与信息",
}


def test_fifteen_domains_with_stable_codes_and_chinese_names() -> None:
    assert len(DOMAINS) == 15
    assert {d.code: d.name_zh for d in DOMAINS} == EXPECTED
    assert len(set(DOMAIN_CODES)) == 15


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.code)
def test_every_domain_has_both_names(domain: Domain) -> None:
    assert re.fullmatch(r"[a-z_]+", domain.code)
    assert CJK.search(domain.name_zh)
    assert domain.name_en.isascii() and domain.name_en[0].isupper()
    assert domain.name("en") == domain.name_en
    assert domain.name("zh") == domain.name_zh


@pytest.mark.parametrize("code", DOMAIN_CODES)
def test_every_domain_has_a_default_checklist_that_loads(code: str) -> None:
    templates = load_templates(environ={})
    mine = [t for t in templates.values() if t.domain == code]
    assert len(mine) == 1, f"domain {code} should ship exactly one default checklist"
    template = mine[0]
    assert (default_checklist_dir() / f"{code}.yaml").is_file()
    assert 5 <= len(template.items) <= 12
    assert template.major_items, f"{code}: at least one item should be a major hazard"
    for item in template.items:
        assert CJK.search(item.text_zh), item.code
        assert item.text_en.isascii() and len(item.text_en) > 10, item.code
    assert template.version >= 1
    assert len(template.content_hash) == 64


def test_key_major_items_of_the_issue_are_major() -> None:
    templates = load_templates(environ={})
    assert templates["fire"].item("ebike_indoor_charging").major
    assert templates["fire"].item("exits_clear").major
    assert templates["dormitory"].item("fire_alarm_working").major
    assert not templates["fire"].item("extinguishers_valid").major


def test_get_domain() -> None:
    assert get_domain("labs").name_en == "Laboratories and hazardous chemicals"
    assert is_domain("cyber") and not is_domain("weather") and not is_domain(3)
    with pytest.raises(NotFound, match=r"Unknown safety domain 'weather'.*facilities"):
        get_domain("weather")
