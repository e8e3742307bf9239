"""The people grid's pages (点名, 去向, 学生网格) in AppTest, signed in as an account of each
role of the chain: who has them in the navigation, what each role sees (its own part of the
grid, the key students only for the counsellor and above), a student's check-in (with a
location, and the "no location" path) and a student's declaration going through."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.actors import ADMIN
from tests.people_grid.college import build_college, counsellor_of, student_with
from tests.people_grid.dorms import CAMPUS, DORM1, inside
from tests.signed_in import signed_in
from zoning.accounts import Actor, Role
from zoning.clock import local_day, utcnow
from zoning.people import Rules, StaffRecord, Window
from zoning.people.whereabouts import Holiday
from zoning.services import attention, whereabouts
from zoning.services import people_grid as grid
from zoning.store.engine import open_engine

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PEOPLE_PAGES = ("rollcall", "whereabouts", "students")
#: A window that holds every instant: noon to 11:59 the next morning.
ALWAYS = Rules(window=Window(time(12, 0), time(11, 59)))
UPCOMING = "测试假期"


@dataclass(frozen=True)
class College:
    """The seeded database and the roster numbers and names the tests sign in as."""

    url: str
    student: str  # a plain student of DORM1 (no roles)
    declarer: str  # another plain student, for the declaration
    member: str  # DORM1's grid member
    member_class: frozenset[str]  # the class they monitor, if they are also its monitor
    counsellor: str
    counsellor_classes: frozenset[str]
    other_class_student: str  # a student none of the counsellor's classes holds
    key_student: str


@pytest.fixture(scope="module")
def college(tmp_path_factory: pytest.TempPathFactory) -> College:
    """A college of 300 in two dormitories (10 classes, 2 counsellors), tonight's roll call
    open all day, an upcoming holiday and one key student."""
    url = f"sqlite:///{tmp_path_factory.mktemp('people') / 'people.sqlite'}"
    engine = open_engine(url)
    made = build_college(engine, 300)
    grid.open_rollcall(engine, CAMPUS, actor=ADMIN, rules=ALWAYS)
    today = local_day(utcnow())
    upcoming = Holiday(UPCOMING, today + timedelta(days=30), today + timedelta(days=40),
                       today + timedelta(days=41))  # fmt: skip
    whereabouts.add_holiday(engine, CAMPUS, upcoming, actor=ADMIN)
    plain = [s for s in made.students if not s.roles and s.building == DORM1]
    first_class = made.students[0].class_name
    counsellor = counsellor_of(made, first_class).person
    assert counsellor is not None
    classes = next(s.classes for s in made.staff if s.name == counsellor)
    other = next(s for s in made.students if s.class_name not in classes)
    key = next(s for s in made.students if s.class_name in classes)
    member = next(s for s in made.students if s.student_no == student_with(made, "网格员", DORM1))
    attention.add(engine, CAMPUS, student_no=key.student_no, reason="家庭变故", actor=ADMIN)
    engine.dispose()
    return College(
        url=url, student=plain[0].student_no, declarer=plain[1].student_no,
        member=member.student_no, counsellor=counsellor,
        member_class=frozenset({member.class_name} if "班长" in member.roles else set()),
        counsellor_classes=frozenset(classes), other_class_student=other.student_no,
        key_student=key.student_no,
    )  # fmt: skip


@pytest.fixture
def env(college: College, monkeypatch: pytest.MonkeyPatch) -> Iterator[College]:
    monkeypatch.setenv("CAMPUSGRID_DB", college.url)
    monkeypatch.delenv("CAMPUSGRID_BASEMAP_URL", raising=False)
    yield college


def link_of(college: College, role: str) -> dict[str, str | int | None]:
    """The roster link of the test account of ``role``."""
    person = {
        "student": college.student, "grid_member": college.member,
        "counsellor": college.counsellor,
    }.get(role)  # fmt: skip
    if role == "deputy_secretary":
        person = next(s.name for s in _staff(college) if s.role == "deputy_secretary")
    return {} if person is None else {"campus": CAMPUS, "person": person}


def _staff(college: College) -> list[StaffRecord]:
    from zoning.store import people_grid as repo
    from zoning.store.campus import campus_id

    engine = open_engine(college.url)
    try:
        with engine.connect() as conn:
            return list(repo.load_staff(conn, campus_id(conn, CAMPUS)))
    finally:
        engine.dispose()


def open_as(college: College, role: str, page: str, name: str | None = None) -> AppTest:
    """Return ``page`` run signed in as the test account of ``role``."""
    link = link_of(college, role)
    app = AppTest.from_file(APP, default_timeout=120)
    app = signed_in(app, name or f"people-{role}", role, **link)
    app.run()
    app.switch_page(f"app_pages/{page}.py").run()
    return app


def tables(app: AppTest) -> list[pd.DataFrame]:
    return [frame.value for frame in app.dataframe if isinstance(frame.value, pd.DataFrame)]


def shown_text(app: AppTest) -> str:
    parts: list[str] = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title"):
        parts += [str(element.value) for element in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    parts += [frame.to_csv() for frame in tables(app)]
    return "\n".join(parts)


def column(app: AppTest, header: str) -> set[str]:
    """Return every value of the tables' column ``header``."""
    return {str(v) for f in tables(app) if header in f.columns for v in f[header].dropna()}


def button(app: AppTest, label: str) -> object:
    return next(b for b in app.button if b.label == label)


# --------------------------------------------------------------------------- navigation


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMIN, {"rollcall", "whereabouts", "students"}),
        (Role.SAFETY_OFFICER, {"rollcall", "whereabouts", "students"}),
        (Role.COUNSELLOR, {"rollcall", "whereabouts", "students"}),
        (Role.DEPUTY_SECRETARY, {"rollcall", "whereabouts", "students"}),
        (Role.GRID_MEMBER, {"rollcall", "whereabouts", "students"}),
        (Role.STUDENT, {"rollcall", "whereabouts"}),
        (Role.LEADERSHIP, set()),
        (Role.INSPECTOR, set()),
        (Role.VIEWER, set()),
    ],
)
def test_people_pages_are_listed_only_for_roles_with_a_use(role: Role, expected: set[str]) -> None:
    from app_pages.app import PAGES, pages_for

    listed = {slug for slug, *_ in pages_for(Actor("x", role))}
    assert listed & set(PEOPLE_PAGES) == expected
    assert {"safety_map", "cameras"} <= listed  # the others stay as they were
    assert {slug for slug, *_ in PAGES} >= set(PEOPLE_PAGES)


@pytest.mark.parametrize(
    "role", ["admin", "safety_officer", "counsellor", "deputy_secretary", "grid_member", "student"]
)
@pytest.mark.parametrize("page", PEOPLE_PAGES)
def test_no_people_page_shows_a_traceback(env: College, role: str, page: str) -> None:
    if role == "student" and page == "students":
        pytest.skip("not listed for a student (see the navigation test)")
    app = open_as(env, role, page)
    assert not app.exception, [e.value for e in app.exception]
    text = shown_text(app)
    assert "Traceback" not in text
    assert not app.error, [e.value for e in app.error]


# --------------------------------------------------------------------------- who sees what


def test_a_counsellor_sees_only_their_classes_and_their_key_students(env: College) -> None:
    app = open_as(env, "counsellor", "students")
    numbers = column(app, "学号")
    assert numbers, "the roster table is empty"
    assert env.other_class_student not in numbers
    assert column(app, "班级") <= set(env.counsellor_classes)
    assert "重点关注学生（1 人）" in shown_text(app)
    assert env.key_student in numbers


def test_a_grid_member_sees_their_building_and_no_key_students(env: College) -> None:
    app = open_as(env, "grid_member", "students")
    shown = next(f for f in tables(app) if "学号" in f.columns)
    others = shown[shown["楼栋"] != DORM1]  # only their monitored class may live elsewhere
    assert set(others["班级"]) <= env.member_class
    assert DORM1 in set(shown["楼栋"])
    assert "重点关注" not in shown_text(app)


def test_the_search_narrows_the_roster(env: College) -> None:
    app = open_as(env, "safety_officer", "students")
    app.text_input(key="st_search").input(env.student).run()
    roster = next(f for f in tables(app) if "床位" in f.columns)  # not the key students
    found = set(roster["学号"])
    assert env.student in found and len(found) < 10
    assert all(env.student in no for no in found)  # the search matches a part of the number


def test_the_board_opens_at_the_grid_members_building_with_its_missing_names(
    env: College,
) -> None:
    app = open_as(env, "grid_member", "rollcall")
    assert app.radio(key="rc_level").value == "dormitory"
    board = next(f for f in tables(app) if "宿舍楼" in f.columns)
    assert set(board["宿舍楼"]) == {DORM1}  # only their own group
    missing = column(app, "学号")
    assert missing and all(no for no in missing)
    assert column(app, "楼栋") == {DORM1}  # the missing list names DORM1's students only


def test_a_grid_member_reads_the_rotating_code(env: College) -> None:
    app = open_as(env, "grid_member", "rollcall")
    app.button(key="rc_show_code").click().run()
    codes = [m.value for m in app.metric if "签到码" in m.label]
    assert len(codes) == 1 and len(codes[0]) == 6 and codes[0].isdigit()


def test_a_student_sees_the_form_and_no_board(env: College) -> None:
    app = open_as(env, "student", "rollcall")
    assert app.text_input(key="rc_code") is not None
    assert not tables(app)
    assert "只对你所在的网格链" in shown_text(app)


# --------------------------------------------------------------------------- a student's own


def test_a_students_check_in_goes_through(env: College) -> None:
    engine = open_engine(env.url)
    code = grid.current_code(engine, CAMPUS, building=DORM1, actor=ADMIN)
    app = open_as(env, "student", "rollcall")
    lon, lat = inside()
    app.text_input(key="rc_code").input(code)
    app.number_input(key="rc_lon").set_value(lon)
    app.number_input(key="rc_lat").set_value(lat)
    app.number_input(key="rc_acc").set_value(15.0)
    button(app, "签到").click().run()  # type: ignore[attr-defined]
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("签到成功" in str(s.value) for s in app.success)
    board = grid.rollcall_board(engine, CAMPUS, actor=ADMIN)
    dorm = next(r for r in board["levels"]["dormitory"] if r["group"] == DORM1)
    assert env.student not in dorm["missing_students"]
    # a second try is refused in one line, not a traceback
    app.text_input(key="rc_code").input(code)
    button(app, "签到").click().run()  # type: ignore[attr-defined]
    assert [e.value for e in app.error] and "already checked in" in str(app.error[0].value)
    engine.dispose()


def test_without_a_location_the_student_is_sent_to_the_grid_member(env: College) -> None:
    app = open_as(env, "student", "rollcall", name="people-student-2")
    app.text_input(key="rc_code").input("000000")
    app.checkbox(key="rc_noloc").check()
    button(app, "签到").click().run()  # type: ignore[attr-defined]
    assert not app.exception and not app.error
    assert any("网格员" in str(i.value) for i in app.info)


def test_a_students_declaration_goes_through(env: College) -> None:
    app = AppTest.from_file(APP, default_timeout=120)
    app = signed_in(app, "people-declarer", "student", campus=CAMPUS, person=env.declarer)
    app.run()
    app.switch_page("app_pages/whereabouts.py").run()
    app.radio(key="wb_plan").set_value("home")
    button(app, "提交").click().run()  # type: ignore[attr-defined]
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("已提交" in str(s.value) for s in app.success)
    engine = open_engine(env.url)
    undeclared = whereabouts.missing(engine, CAMPUS, UPCOMING, what="undeclared", actor=ADMIN)
    engine.dispose()
    assert env.declarer not in {r["student_no"] for r in undeclared}


def test_the_whereabouts_board_shows_counts_and_the_export(env: College) -> None:
    app = open_as(env, "safety_officer", "whereabouts")
    labels = {m.label for m in app.metric}
    assert {"应返", "已填报", "未返校"} <= labels
    app.button(key="wb_export").click().run()
    assert not app.exception and not app.error
    assert app.get("download_button"), "no download offered"
