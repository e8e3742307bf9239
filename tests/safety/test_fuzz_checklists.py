"""Fuzzing the checklist YAML loader (a user folder in ``CAMPUSGRID_CHECKLISTS``): any file
is either loaded or refused with one InvalidInput line naming the file; never another
exception."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoning.errors import InvalidInput
from zoning.safety.checklists import load_templates

SHIPPED = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "zoning/safety/data/checklists/fire.yaml").read_text(
        encoding="utf-8"
    )
)

#: Values a user might type anywhere in a template, sensible and not.
ANY_VALUE: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    """The shipped fire template with some keys replaced, removed or added."""
    data: dict[str, Any] = {**SHIPPED, "version": SHIPPED["version"] + 1}
    for key in draw(st.lists(st.sampled_from([*SHIPPED, "code", "building_uses", "extra"]))):
        choice = draw(st.integers(0, 2))
        if choice == 0:
            data.pop(key, None)
        else:
            data[key] = draw(ANY_VALUE)
    if draw(st.booleans()) and isinstance(data.get("items"), list) and data["items"]:
        item = dict(data["items"][0]) if isinstance(data["items"][0], dict) else {}
        item[draw(st.sampled_from(["code", "zh", "en", "major", "other"]))] = draw(ANY_VALUE)
        data["items"] = [item, *data["items"][1:]]
    return data


@st.composite
def template_texts(draw: st.DrawFn) -> str:
    """YAML text: a mutated template, or arbitrary text (broken YAML, binary-ish)."""
    if draw(st.booleans()):
        return yaml.safe_dump(_mutated(draw), allow_unicode=True, default_flow_style=False)
    return draw(st.text(max_size=200))


def test_a_control_character_is_one_line() -> None:
    """Found by the fuzzing below: PyYAML's reader error spans two lines."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "fire.yaml").write_text("\x1f", encoding="utf-8")
        try:
            load_templates(user_dir=folder)
        except InvalidInput as err:
            assert "\n" not in str(err) and "fire.yaml: not valid YAML" in str(err)
        else:
            raise AssertionError("a control character must be refused")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=template_texts(), name=st.sampled_from(["fire.yaml", "new.yaml", "x.yml"]))
def test_any_user_checklist_is_loaded_or_refused_in_one_line(text: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, name).write_text(text, encoding="utf-8")
        try:
            templates = load_templates(user_dir=folder)
        except InvalidInput as err:
            message = str(err)
            assert message and "\n" not in message.strip(), message
            return
        assert "fire" in templates  # the shipped ones are still there
