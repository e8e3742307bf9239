"""maps.i18n (every key in both languages) and maps.colours (scales, legends)."""

from __future__ import annotations

import re
import string

import pytest

from maps import colours
from maps.i18n import CATALOGUE, LANGS, normalise_lang, t


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_key_has_both_languages_with_the_same_placeholders(key: str) -> None:
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGS)
    fields = [
        {name for _, name, _, _ in string.Formatter().parse(entry[lang]) if name} for lang in LANGS
    ]
    assert all(entry[lang].strip() for lang in LANGS)
    assert fields[0] == fields[1]


def test_chinese_is_the_default_and_english_differs() -> None:
    assert t("nav.safety_map") == "安全地图"
    assert t("nav.safety_map", "en") == "Safety map"
    assert t("nav.safety_map", "fr") == "安全地图"
    assert normalise_lang("en") == "en" and normalise_lang(None) == "zh"
    assert re.search(r"[\u4e00-\u9fff]", t("app.no_campus"))
    assert "campusgrid demo" in t("app.no_campus", "en")


def test_unknown_key_fails_loudly() -> None:
    with pytest.raises(KeyError):
        t("nav.nowhere")


def test_every_building_use_and_measure_has_a_label() -> None:
    for group in colours.USE_COLOURS:
        assert t(f"use.{group}", "en")
    for measure in ("zone", "kind", "area", "owner"):
        assert t(f"measure.{measure}", "zh")


def test_categorical_orders_zones_numerically_and_greys_missing() -> None:
    fills, legend = colours.categorical([10, 2, None, 2])
    assert [e.label for e in legend] == ["2", "10", "—"]
    assert fills[1] == fills[3] != fills[0]
    assert fills[2] == colours.MISSING


def test_sequential_spans_low_to_high() -> None:
    fills, legend = colours.sequential([0.0, 50.0, 100.0, float("nan")], unit="m²")
    assert fills[0] != fills[2] and fills[3] == colours.MISSING
    assert len(legend) == 5 and legend[0].label.endswith("m²")
    constant, legend1 = colours.sequential([5.0, 5.0])
    assert constant[0] == constant[1] and len(legend1) == 1


def test_legend_html_escapes_labels() -> None:
    html = colours.legend_html([colours.LegendEntry("<b>x</b>", (1, 2, 3, 255))])
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
