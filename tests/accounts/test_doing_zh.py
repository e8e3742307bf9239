"""Every refusal has its Chinese: the test reads the source of zoning/ for each phrase that
reaches ``Actor.require(permission, doing)`` or ``Actor.refuse(doing, why, permission)`` —
directly, through a variable, or through a helper with a ``doing``/``why`` parameter — and
fails on any phrase :func:`zoning.accounts.doing_zh.chinese` cannot translate."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from zoning.accounts import Actor, Role
from zoning.accounts.doing_zh import WORDS, chinese
from zoning.accounts.roles import Permission
from zoning.errors import PermissionDenied
from zoning.safety.ledger.workflow import ACTIONS

ZONING = Path(__file__).resolve().parents[2] / "zoning"
#: The parameters whose arguments are refusal phrases.
PHRASE_PARAMS = ("doing", "why")
#: What a slot of an f-string stands for in the check (a student number, a cell code…).
SAMPLE = "X7"
#: Modules whose ``why`` is not a refusal of an account (OIDC: why a token is rejected,
#: shown to nobody but the log).
NOT_REFUSALS = ("api/oidc.py",)


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text("utf-8"))) for path in sorted(ZONING.rglob("*.py"))]


def _phrase_slots(modules: list[tuple[Path, ast.Module]]) -> dict[str, list[tuple[int, str]]]:
    """Return, per function name, the (call position, name) of its phrase parameters."""
    slots: dict[str, list[tuple[int, str]]] = {}
    for path, tree in modules:
        if path.as_posix().endswith(NOT_REFUSALS):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                names = [a.arg for a in node.args.args]
                shift = 1 if names[:1] == ["self"] else 0
                found = [(i - shift, n) for i, n in enumerate(names) if n in PHRASE_PARAMS]
                if found:
                    slots.setdefault(node.name, []).extend(found)
    return slots


def _templates(node: ast.expr, tree: ast.Module) -> Iterator[str]:
    """Yield the phrase templates ``node`` may hold ({} for a slot); a name is followed to
    its assignments in the module (a parameter has none: its callers are checked)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    elif isinstance(node, ast.IfExp):
        yield from _templates(node.body, tree)
        yield from _templates(node.orelse, tree)
    elif isinstance(node, ast.Name):
        for assign in ast.walk(tree):
            if isinstance(assign, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == node.id for t in assign.targets
            ):
                yield from _templates(assign.value, tree)


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def refusal_phrases() -> list[tuple[str, str]]:
    """Return (where, template) for every refusal phrase in zoning/."""
    modules = _modules()
    slots = _phrase_slots(modules)
    found: list[tuple[str, str]] = []
    for path, tree in modules:
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call) or _callee(call) not in slots:
                continue
            for position, name in slots[str(_callee(call))]:
                args = [kw.value for kw in call.keywords if kw.arg == name]
                if not args and position < len(call.args):
                    args = [call.args[position]]
                for arg in args:
                    where = f"{path.relative_to(ZONING.parent)}:{call.lineno}"
                    found.extend((where, template) for template in _templates(arg, tree))
    return found


PHRASES = refusal_phrases()


def test_the_scan_finds_the_refusals() -> None:
    """The scan sees the literal, f-string, variable and helper forms (it cannot pass empty)."""
    templates = {template for _, template in PHRASES}
    assert "activate a plan" in templates  # a literal
    assert "{} a hazard" in templates  # an f-string
    assert "see the key-student list" in templates  # through a variable
    assert "it lies outside the cells you answer for (your zone or your own cells)" in templates
    assert len(templates) > 60


@pytest.mark.parametrize(("where", "template"), PHRASES, ids=[w for w, _ in PHRASES])
def test_every_refusal_phrase_has_chinese(where: str, template: str) -> None:
    english = template.replace("{}", SAMPLE)
    zh = chinese(english)
    assert zh is not None, f"{where}: no Chinese for {template!r}: add it to doing_zh.PHRASES"
    assert re.search(r"[\u4e00-\u9fff]", zh), (where, zh)
    if "{}" in template:
        assert SAMPLE in zh, f"{where}: the Chinese of {template!r} drops a value: {zh!r}"


@pytest.mark.parametrize("action", ACTIONS)
def test_every_hazard_action_has_chinese(action: str) -> None:
    """``f"{action} a hazard"`` names the action: each one has its Chinese word."""
    assert action in WORDS
    zh = chinese(f"{action} a hazard")
    assert zh is not None and action not in zh


def test_a_refusal_is_chinese_on_a_page_and_english_for_the_cli() -> None:
    with pytest.raises(PermissionDenied) as refused:
        Actor("li", Role.VIEWER).require(Permission.ACTIVATE_PLANS, "activate a plan")
    assert str(refused.value).startswith("li (viewer) may not activate a plan: ")
    assert refused.value.text("zh").startswith("li（只读用户）无权启用方案：")
    assert "activate_plans" in refused.value.text("zh")


def test_a_refusal_with_a_reason_and_a_value() -> None:
    inspector = Actor("wang", Role.INSPECTOR, person="王")
    refused = inspector.refuse(
        "submit an inspection of cell C-12",
        "the cell lies outside the cells you answer for",
        Permission.SUBMIT_INSPECTIONS,
    )
    assert "C-12" in refused.text("zh")
    assert "wang（网格员）无权" in refused.text("zh")
    assert str(refused).startswith("wang (inspector) may not submit an inspection of cell C-12")


def test_an_unknown_phrase_has_no_chinese() -> None:
    """A phrase nobody translated gives None (the refusal then stays English), never a guess."""
    assert chinese("juggle the cells") is None
    refused = Actor("li", Role.VIEWER).refuse("juggle the cells", "no", Permission.VIEW_MAP)
    assert refused.text("zh") == str(refused)
