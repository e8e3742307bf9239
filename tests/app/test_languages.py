"""Bilingual, completely: every page walked in Chinese and in English (AppTest, signed in as
an admin on the small demo campus), all visible text collected, and any string not in the
page's language fails; service errors reach a Chinese page in Chinese; one vocabulary for
hazard states; a language switch keeps the selections.

What counts as visible: markdown, captions, titles and headers, alerts (error, warning, info,
success), widget labels, options and placeholders, metric labels, tab and expander labels,
table column names and the texts in table cells.

In Chinese a run of two or more ASCII letters fails unless it is a code, a unit, a name from
the data or a word of :data:`ALLOWED_IN_ZH`; in English a Han character fails unless it is
inside a string from the data (campus, buildings, people, hazards, complaints: :func:`data`)
or an entry of :data:`ALLOWED_IN_EN`.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Node

from app_pages.app import PAGES, pages_for
from maps.i18n import CATALOGUE, LANG_NAMES
from tests.actors import ADMIN
from tests.demo_copies import DemoTemplates
from tests.signed_in import signed_in
from zoning import services
from zoning.accounts import Actor, Role
from zoning.plans.edits import Split
from zoning.safety.domains import DOMAIN_CODES, get_domain
from zoning.safety.ledger.workflow import STATES
from zoning.services import ledger
from zoning.services import plans as plan_ops
from zoning.services import zones as zone_ops
from zoning.store.engine import open_engine

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SLUGS = tuple(slug for slug, *_ in PAGES)

#: ASCII words a Chinese page may show: the product, formats and units, code-like names
#: that the catalogue keeps in Latin letters on purpose (each documented).
ALLOWED_IN_ZH = frozenset(
    {
        "campusgrid",  # the product's name
        "GeoJSON", "GeoPackage", "gpkg", "geojson", "CSV", "csv", "xlsx", "Excel", "PNG",
        "QGIS", "GPS", "WGS", "GCJ", "QR", "API", "URL", "ID", "PTZ",  # formats, systems
        "km", "px", "mm", "MB", "UTC", "min", "deg",  # units
        "English",  # the language switch names each language in itself
        "Language",  # its label is bilingual: 语言 / Language
    }
)  # fmt: skip
#: Han text an English page may show: the language switch (its label 语言 / Language, its
#: option 中文) speaks to a user who does not read the page's language.
ALLOWED_IN_EN = frozenset({LANG_NAMES["zh"], "语言"})

#: HTML tags and entities (legends are drawn as HTML), Markdown escapes.
MARKUP = re.compile(r"<[^>]*>|&[a-z]+;|&#\d+;")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[A-Za-z]{2,}")
#: A code from the data: cell codes (DEMO-1-07), checklist and hazard ids, numbered words.
CODE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_./][A-Za-z0-9]+)+|[A-Za-z]+\d+[A-Za-z0-9]*")


# --- what a page shows ---------------------------------------------------------------

#: Elements whose value is text a user reads.
TEXT_KINDS = frozenset(
    {"markdown", "caption", "title", "header", "subheader", "text", "latex", "exception"}
    | {"error", "warning", "info", "success", "toast"}
)


def _widget_texts(node: Node) -> Iterator[str]:
    for attribute in ("label", "placeholder", "help"):
        value = getattr(node, attribute, None)
        if isinstance(value, str) and value:
            yield value
    proto = getattr(node, "proto", None)
    placeholder = getattr(proto, "placeholder", None)
    if isinstance(placeholder, str) and placeholder:
        yield placeholder
    options = getattr(node, "options", None)
    if options is not None and node.type not in ("button_group",):
        yield from (str(o) for o in options)


def visible_texts(app: AppTest) -> Iterator[tuple[str, str]]:
    """Yield (element type, text) for everything a user reads on the drawn page."""

    def walk(node: Node) -> Iterator[tuple[str, str]]:
        if isinstance(node, Block):
            label = getattr(node, "label", None)
            if isinstance(label, str) and label:
                yield node.type, label
            for child in node.children.values():
                yield from walk(child)
            return
        kind = node.type
        if kind in TEXT_KINDS:
            yield kind, str(node.value)
        elif kind == "metric":
            yield kind, str(node.label)
        elif kind in ("arrow_data_frame", "dataframe", "table"):
            frame = node.value
            yield from ((kind, str(c)) for c in frame.columns)
            for column in frame.columns:
                if frame[column].dtype == object:
                    yield from ((kind, str(v)) for v in frame[column].dropna().unique())
        elif hasattr(node, "label") or hasattr(node, "options"):
            yield from ((kind, text) for text in _widget_texts(node))

    yield from walk(app._tree)


# --- the data a page may show as it is ------------------------------------------------


@dataclass(frozen=True)
class Data:
    """What of the demo's data a page may show as it is."""

    texts: tuple[str, ...]
    """Free texts (hazard descriptions, notes, complaints), longest first."""
    words: frozenset[str]
    """The ASCII words of names (campus, buildings, cameras, people, accounts)."""
    han: frozenset[str]
    """The Han runs of names and texts."""


def data(url: str) -> Data:
    """Return the demo's data that a page may show as it is."""
    engine = open_engine(url)
    names: set[str] = set()
    texts: set[str] = set()
    for campus in services.list_campuses(engine):
        names |= {campus.name, campus.code}
        layers = services.load_layers(engine, campus.name)
        for frame in (layers.buildings, layers.cameras, layers.roads):
            if frame is not None and len(frame):
                for column in ("name", "kind", "id", "code"):
                    if column in frame.columns:
                        names |= {str(v) for v in frame[column].dropna()}
        people = services.load_people(engine, campus.name, actor=ADMIN)
        names |= {str(v) for v in people["name"].dropna()}
        names |= {z.name for z in zone_ops.list_zones(engine, campus.name, actor=ADMIN)}
        for item in ledger.list_hazards(engine, campus.name, actor=ADMIN):
            texts |= {item.hazard.description}
            texts |= {t.note for t in item.hazard.history if t.note}
            names |= {t.by for t in item.hazard.history} | {item.responsible or ""}
        for view in ledger.list_complaints(engine, campus.name, actor=ADMIN):
            texts |= {str(v) for v in vars(view.complaint).values() if isinstance(v, str)}
        # a plan's author is an account; its reason, written by the system, is not data
        names |= {p.author or "" for p in services.list_plans(engine, campus.name)}
    names |= {t for t in texts if len(t) < 8}  # a short text is matched word by word
    return Data(
        texts=tuple(sorted((t for t in texts if len(t) >= 8), key=len, reverse=True)),
        words=frozenset(w for s in names for w in WORD.findall(s)),
        han=frozenset(run for s in names | texts for run in HAN.findall(s)),
    )


def _without_data(text: str, texts: tuple[str, ...]) -> str:
    """Return ``text`` without the data texts it shows, whole or cut short with "…"."""
    parts = []
    for part in text.split(" · "):
        cut = part.rstrip().endswith("…") and part.strip()[:-1]
        parts.append(" " if cut and any(k.startswith(cut) for k in texts) else part)
    text = " · ".join(parts)
    for known in texts:
        if known in text:
            text = text.replace(known, " ")
    return text


def english_words(text: str, known: Data | None = None) -> list[str]:
    """Return the English words of ``text``: what is left once markup, codes, addresses,
    data and allowed words are taken out."""
    known = known or Data((), frozenset(), frozenset())
    stripped = _without_data(MARKUP.sub(" ", text).replace("\\", ""), known.texts)
    stripped = re.sub(r"https?://\S+|\S+@\S+|`[^`]*`", " ", stripped)
    stripped = CODE.sub(" ", stripped)
    return [w for w in WORD.findall(stripped) if w not in known.words | ALLOWED_IN_ZH]


def han_outside(text: str, data_han: frozenset[str]) -> list[str]:
    """Return the Han runs of ``text`` that are neither data nor allowed (the last run of a
    text cut short with "…" may be the start of one)."""
    text = MARKUP.sub(" ", re.sub(r"\S*…", " ", text))
    for allowed in ALLOWED_IN_EN:
        text = text.replace(allowed, " ")
    return [run for run in HAN.findall(text) if run not in data_han]


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, demo_templates: DemoTemplates) -> Path:
    path = tmp_path_factory.mktemp("languages") / "seed.sqlite"
    demo_templates.spatialite(90, path)
    return path


@pytest.fixture(scope="module")
def seeded_data(seeded: Path) -> Data:
    return data(f"sqlite:///{seeded}")


@pytest.fixture
def demo_url(seeded: Path, tmp_path: Path) -> str:
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(seeded, path)
    return f"sqlite:///{path}"


def _open(url: str, monkeypatch: pytest.MonkeyPatch, lang: str, **account: str) -> AppTest:
    monkeypatch.setenv("CAMPUSGRID_DB", url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    app = signed_in(AppTest.from_file(APP, default_timeout=120), **account).run()
    if lang != "zh":
        app.radio(key="lang").set_value(lang).run()
    assert not app.exception, app.exception
    return app


# --- the walk ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_speaks_one_language(
    lang: str,
    demo_url: str,
    seeded_data: Data,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _open(demo_url, monkeypatch, lang)
    wrong: list[str] = []
    walked = 0
    for slug in SLUGS:
        app.switch_page(f"app_pages/{slug}.py").run()
        assert not app.exception, (slug, app.exception)
        for kind, text in visible_texts(app):
            walked += 1
            bad = (
                english_words(text, seeded_data)
                if lang == "zh"
                else han_outside(text, seeded_data.han)
            )
            if bad:
                wrong.append(f"{slug} {kind}: {text[:120]!r} → {bad[:5]}")
    assert walked > 200, walked  # the walk saw the pages (it cannot pass on empty pages)
    assert not wrong, f"{len(wrong)} strings not in {lang}:\n" + "\n".join(sorted(set(wrong)))


def test_the_checks_catch_a_wrong_string() -> None:
    """The walk's two checks fail on what they must (a test that cannot fail is a defect)."""
    assert english_words("出错了：Cells A-1, B-2 are not adjacent") == [
        "Cells", "are", "not", "adjacent",
    ]  # fmt: skip
    assert english_words("网格 DEMO-1-07（300 m²），campusgrid 导出 GeoJSON") == []
    fire = Data(("消防通道堵塞 / Fire lane blocked",), frozenset({"demo"}), frozenset())
    assert english_words("#7 · 整改中 · 消防通道堵塞 / Fire lane blo…", fire) == []
    assert english_words("first plan of the demo campus", fire) == [
        "first",
        "plan",
        "of",
        "the",
        "campus",
    ]
    assert han_outside("State: 已结案", frozenset()) == ["已结案"]
    assert han_outside("#7 · 消防通道堵塞 / Fire lane blo…", frozenset({"消防通道堵塞"})) == []
    assert han_outside("Building 学生公寓 (dormitory)", frozenset({"学生公寓"})) == []


PAGES_DIR = Path(__file__).resolve().parents[2] / "app_pages"


def _pickers_and_forms() -> Iterator[tuple[str, ast.Call]]:
    for path in sorted(PAGES_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("selectbox", "multiselect", "form")
            ):
                yield f"{path.relative_to(PAGES_DIR.parent)}:{node.lineno}", node


def test_no_streamlit_strings_of_its_own() -> None:
    """Streamlit's "Choose an option"/"Choose options" and "Press Enter to submit form"
    never show: every picker on every page names its placeholder from the catalogue, and a
    form is never sent by Enter."""
    wrong: list[str] = []
    seen = 0
    for where, call in _pickers_and_forms():
        seen += 1
        given = {k.arg: k.value for k in call.keywords}
        if call.func.attr == "form":  # type: ignore[attr-defined]
            enter = given.get("enter_to_submit")
            if not (isinstance(enter, ast.Constant) and enter.value is False):
                wrong.append(f"{where}: st.form without enter_to_submit=False")
            continue
        placeholder = given.get("placeholder")
        if not (isinstance(placeholder, ast.Call) and ast.unparse(placeholder.func) == "t"):
            wrong.append(f"{where}: {call.func.attr} without placeholder=t(...)")  # type: ignore[attr-defined]
    assert seen > 10, seen
    assert not wrong, "\n".join(wrong)


# --- errors in the user's language -------------------------------------------------------


def _errors(app: AppTest) -> list[str]:
    """Return the red lines of the page as a user reads them (Markdown escapes removed)."""
    return [str(e.value).replace("\\", "") for e in app.error]


def test_a_planner_error_is_chinese(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Merging two cells that do not touch: the page says so in Chinese, naming the cells."""
    app = _open(demo_url, monkeypatch, "zh")
    app.switch_page("app_pages/planner.py").run()
    app.text_input(key="planner_reason").set_value("合并两个小网格")
    app.button(key="planner_create").click().run()
    draft = next(
        p for p in services.list_plans(open_engine(demo_url), "demo") if p.status == "draft"
    )
    cells = services.load_cells(open_engine(demo_url), "demo", draft.id)
    first, last = str(cells["code"].iloc[0]), str(cells["code"].iloc[-1])
    app.multiselect(key=f"planner_sel:demo:{draft.id}").set_value([first, last]).run()
    app.button(key="planner_merge").click().run()
    assert not app.exception
    (error,) = _errors(app)
    assert "不相邻" in error and first in error, error
    assert not english_words(error), error


def _draft_with_a_sliver(url: str) -> tuple[int, str]:
    """Return a draft of the demo whose one square cell was split 1 m from its top (a
    100 m² sliver the plan may not keep), and the sliver's code."""
    engine = open_engine(url)
    draft = plan_ops.create_draft(engine, "demo", actor=ADMIN, reason="切一条细缝")
    metric = services.campus_summary(engine, "demo").metric_crs
    cells = services.load_cells(engine, "demo", draft.id).to_crs(metric)
    square = cells[(cells.area - 10_000).abs() < 10].iloc[0]
    minx, _, maxx, maxy = square.geometry.bounds
    line = gpd.GeoSeries(
        [shapely.LineString([(minx - 5, maxy - 1), (maxx + 5, maxy - 1)])], crs=metric
    ).to_crs("EPSG:4326")
    done = plan_ops.apply_edit(
        engine, "demo", draft.id, Split(str(square["code"]), line.iloc[0]), actor=ADMIN
    )
    (problem,) = done.problems
    assert problem["kind"] == "sliver"
    return draft.id, str(problem["cells"][0])


def _problem_row(app: AppTest, code: str, lang: str) -> list[str]:
    """Return the one row of the page's problems table that names cell ``code``."""
    header = CATALOGUE["field.problem_kind"][lang]
    rows = [
        [str(v) for v in row]
        for frame in (d.value for d in app.dataframe)
        if header in frame.columns
        for row in frame.itertuples(index=False)
        if code in str(row[1]).split(", ")
    ]
    assert len(rows) == 1, rows
    return rows[0]


def test_the_planners_problems_are_chinese(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A draft with a problem: its kind and message are Chinese on the Chinese page (English
    on the English one), and activating it is refused in Chinese."""
    plan_id, sliver = _draft_with_a_sliver(demo_url)
    en = _open(demo_url, monkeypatch, "en")
    en.switch_page("app_pages/planner.py").run()
    en.selectbox(key="planner_plan:demo@en").set_value(plan_id).run()
    kind, _, message = _problem_row(en, sliver, "en")
    assert kind == "Sliver" and f"cell {sliver} is a sliver" in message, (kind, message)

    app = _open(demo_url, monkeypatch, "zh")
    app.switch_page("app_pages/planner.py").run()
    app.selectbox(key="planner_plan:demo@zh").set_value(plan_id).run()
    assert not app.exception, app.exception
    kind, _, message = _problem_row(app, sliver, "zh")
    assert kind == "细长碎片", kind
    assert f"网格 {sliver} 是细长碎片" in message and not english_words(message), message
    app.text_input(key="planner_act_reason").set_value("启用")
    app.button(key="planner_activate").click().run()
    assert not app.exception
    errors = _errors(app)
    assert errors and not any(english_words(e) for e in errors), errors


def test_a_ledger_error_is_chinese(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Extending a hazard without a note: one Chinese line saying what is missing."""
    engine = open_engine(demo_url)
    target = next(
        v.hazard for v in ledger.list_hazards(engine, "demo", status="open", actor=ADMIN)
        if "extend" in v.allowed
    )  # fmt: skip
    app = _open(demo_url, monkeypatch, "zh")
    app.switch_page("app_pages/ledger.py").run()
    app.selectbox(key="ledger_status@zh").set_value(target.state).run()
    app.selectbox(key="ledger_pick@zh").set_value(int(target.id)).run()
    app.button(key="ledger_do:extend").click().run()
    assert not app.exception
    (error,) = _errors(app)
    assert "原因" in error or "期限" in error, error
    assert not english_words(error), error


def test_refusals_are_chinese_on_every_page(
    demo_url: str, seeded_data: Data, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A viewer opens every page listed for them: what the pages refuse (the inspections
    to-do, the ledger…) they refuse in Chinese."""
    app = _open(demo_url, monkeypatch, "zh", name="page-viewer", role="viewer")
    errors: list[tuple[str, str]] = []
    for slug, *_ in pages_for(Actor("page-viewer", Role.VIEWER)):
        app.switch_page(f"app_pages/{slug}.py").run()
        assert not app.exception, (slug, app.exception)
        errors += [(slug, e) for e in _errors(app)]
    assert errors  # a viewer is refused somewhere (the check cannot pass on nothing)
    for slug, error in errors:
        assert "无权" in error and not english_words(error, seeded_data), (slug, error)


# --- one vocabulary ---------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
def test_one_vocabulary_for_hazard_states(state: str) -> None:
    """The map's state labels are the ledger's (已上报…已结案), in both languages."""
    for lang in ("zh", "en"):
        assert CATALOGUE[f"state.{state}"][lang] == CATALOGUE[f"hstate.{state}"][lang]


# --- a language switch keeps every selection --------------------------------------------


def _deck_layers(app: AppTest) -> set[str]:
    charts = app.get("deck_gl_json_chart")
    assert len(charts) == 1
    return {layer["id"] for layer in json.loads(charts[0].proto.json)["layers"]}


def test_switching_language_keeps_the_map_selections(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pick a measure, layers and every filter on the safety map, switch to English and
    back: each widget keeps its value (the labels change language) and the map is drawn."""
    app = _open(demo_url, monkeypatch, "zh")
    assert not app.exception
    zones = app.multiselect(key="map_zones")
    domains = app.multiselect(key="map_domains@zh")
    assert zones.options and domains.options
    # translated widgets have a key per language (wf.lang_key); zones are names, one key
    picks: dict[str, object] = {
        "map_colour_by": "area",
        "map_layers": ["cells", "buildings"],
        "map_zones": [zones.options[0]],
        "map_domains": [next(c for c in DOMAIN_CODES if get_domain(c).name_zh in domains.options)],
        "map_status": ["open", "closed"],
    }

    def key_of(base: str, lang: str) -> str:
        return base if base == "map_zones" else f"{base}@{lang}"

    app.radio(key="map_colour_by@zh").set_value("area")
    app.multiselect(key="map_layers@zh").set_value(["cells", "buildings"])
    app.multiselect(key="map_zones").set_value(picks["map_zones"])
    app.multiselect(key="map_domains@zh").set_value(picks["map_domains"])
    app.multiselect(key="map_status@zh").set_value(["open", "closed"])
    app.run()
    assert not app.exception
    before = _deck_layers(app)
    for lang, title in (("en", "Safety map"), ("zh", "安全地图"), ("en", "Safety map")):
        app.radio(key="lang").set_value(lang).run()
        assert not app.exception and not app.warning, [w.value for w in app.warning]
        assert app.title[0].value == title
        for base, value in picks.items():
            key = key_of(base, lang)
            widget = app.radio(key=key) if base == "map_colour_by" else app.multiselect(key=key)
            assert widget.value == value, (lang, key, widget.value)
        shown = app.multiselect(key=key_of("map_status", lang)).options
        assert ("closed" in shown) == (lang == "en"), (lang, shown)  # the labels did switch
        assert _deck_layers(app) == before, lang
