"""What every page starts from: the language, the database and the chosen campus (the
sidebar), the plan drawn, and one red line instead of a traceback."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from typing import TypeVar

import geopandas as gpd
import streamlit as st
from maps.deck import campus_view
from maps.i18n import LANG_NAMES, LANGS, Lang, label, normalise_lang, t
from maps.payload import plain_text
from zoning import services
from zoning.accounts import Actor
from zoning.api.settings import idle_time
from zoning.campus.layers import CampusLayers
from zoning.errors import CampusgridError, PermissionDenied
from zoning.services import accounts

from app_pages._ui.caches import engine_for, load_cells
from app_pages._ui.text import md

DB_ENV = "CAMPUSGRID_DB"
LANG_KEY = "lang"
CAMPUS_KEY = "campus"
_CAMPUSES = "_cg_campuses"
#: The cookie that carries a signed-in browser's session token (set by the sign-in page).
SESSION_COOKIE = "campusgrid_session"
#: The claim of a single-sign-on user (``st.user``) that names their account.
SSO_CLAIM_ENV = "CAMPUSGRID_SSO_CLAIM"
_ACTOR = "_cg_actor"
#: How long (s) a page trusts the session it checked: a disabled account is out within this.
RECHECK_S = 20.0


@dataclass(frozen=True)
class Context:
    """The page's language, database and selected campus."""

    url: str
    lang: Lang
    campus: services.CampusSummary


T = TypeVar("T")


def db_url() -> str:
    """Return the database URL from ``CAMPUSGRID_DB`` ("" means the default database)."""
    return os.environ.get(DB_ENV, "").strip()


def current_lang() -> Lang:
    """Return the language chosen in the sidebar (Chinese by default)."""
    return normalise_lang(st.session_state.get(LANG_KEY))


def error_line(err: CampusgridError, lang: Lang) -> str:
    """Return the one line (Markdown-safe) that tells the user of ``lang`` what went wrong:
    the error's own text in that language (:meth:`CampusgridError.text`)."""
    key = "auth.denied" if isinstance(err, PermissionDenied) else "app.error"
    return t(key, lang, message=md(err.text(lang)))


def attempt(call: Callable[[], T], lang: Lang) -> T | None:
    """Return ``call()``; a refusal or a user's mistake is shown as one red line in the
    page's language instead (None returned)."""
    try:
        return call()
    except CampusgridError as err:
        st.error(error_line(err, lang))
    return None


@contextmanager
def friendly_errors(lang: Lang) -> Iterator[None]:
    """Show a :class:`CampusgridError` as one red line, in the page's language, instead of a
    traceback."""
    try:
        yield
    except CampusgridError as err:
        st.error(error_line(err, lang))


def _credentials() -> tuple[str | None, str | None]:
    """Return the session token of the browser's cookie and the single-sign-on account name."""
    cookie = st.context.cookies.get(SESSION_COOKIE)
    token = cookie if isinstance(cookie, str) and cookie else None
    sso: str | None = None
    if st.user.get("is_logged_in"):
        claim = os.environ.get(SSO_CLAIM_ENV, "email").strip() or "email"
        value = st.user.get(claim)
        sso = str(value) if value else None
    return token, sso


def signed_in_actor() -> Actor | None:
    """Return the signed-in account of this browser session, or None.

    A session cookie (the sign-in page) or a single-sign-on user (``st.login``) whose claim
    names an enabled account. Checked against the database at most every RECHECK_S seconds.
    """
    token, sso = _credentials()
    if not token and not sso:
        return None
    cached = st.session_state.get(_ACTOR)
    now = time.monotonic()
    if cached is not None and cached[0] == (token, sso) and now - cached[2] < RECHECK_S:
        return cached[1]  # type: ignore[no-any-return]
    engine = engine_for(db_url())
    actor = accounts.session_actor(engine, token, idle=idle_time()) if token else None
    if actor is None and sso:
        actor = accounts.sso_actor(engine, sso)
    st.session_state[_ACTOR] = ((token, sso), actor, now)
    return actor


def current_actor() -> Actor:
    """Return the signed-in account; without one, say so with a link to sign in and stop."""
    actor = signed_in_actor()
    if actor is None:
        lang = current_lang()
        st.warning(t("auth.sign_in_first", lang))
        st.link_button(t("auth.sign_in_link", lang), "/signin")
        st.stop()
    return actor


#: The sidebar's sign-out: a plain form posting to the server's /signout (no script).
_SIGN_OUT_FORM = (
    '<form method="post" action="/signout" style="margin:0">'
    '<button type="submit" data-testid="cg-sign-out">{label}</button></form>'
)


def who_am_i(lang: Lang) -> None:
    """Show the signed-in account in the sidebar (name, role, zone) and a sign-out button."""
    actor = signed_in_actor()
    if actor is None:
        return
    line = t("auth.who", lang, name=md(actor.name), role=t(f"role.{actor.role.value}", lang))
    if actor.zone is not None:
        line += " · " + t("auth.zone", lang, zone=actor.zone)
    st.sidebar.caption(line)
    token, _ = _credentials()
    if token:
        st.sidebar.html(_SIGN_OUT_FORM.format(label=escape(t("auth.sign_out", lang))))
    elif st.sidebar.button(t("auth.sign_out", lang), key="_cg_sign_out"):
        st.session_state.pop(_ACTOR, None)
        st.logout()


def sidebar() -> Lang:
    """Draw the language switch, who is signed in and the campus picker in the sidebar;
    return the language."""
    st.sidebar.radio(
        t("app.language"),
        options=list(LANGS),
        format_func=lambda code: LANG_NAMES[code],
        key=LANG_KEY,
        horizontal=True,
    )
    lang = current_lang()
    who_am_i(lang)
    with friendly_errors(lang):
        campuses = services.list_campuses(engine_for(db_url()))
        st.session_state[_CAMPUSES] = campuses
        if campuses:
            names = [c.name for c in campuses]
            if st.session_state.get(CAMPUS_KEY) not in names:
                st.session_state[CAMPUS_KEY] = names[0]
            by_name = {c.name: c for c in campuses}
            st.sidebar.selectbox(
                t("app.campus", lang),
                options=names,
                format_func=lambda name: f"{plain_text(name)} ({by_name[name].code})",
                key=CAMPUS_KEY,
                placeholder=t("ui.choose", lang),
            )
            chosen = by_name[st.session_state[CAMPUS_KEY]]
            if chosen.attribution:
                st.sidebar.caption(t("app.attribution", lang, text=md(chosen.attribution)))
    return lang


def context() -> Context:
    """Return the page's context; without a campus, say how to create one and stop the page."""
    lang = current_lang()
    campuses: list[services.CampusSummary] = st.session_state.get(_CAMPUSES) or []
    by_name = {c.name: c for c in campuses}
    chosen = by_name.get(st.session_state.get(CAMPUS_KEY, ""))
    if chosen is None:
        st.info(t("app.no_campus", lang))
        st.caption(t("app.database", lang, url=md(db_url() or "data/campusgrid.sqlite")))
        st.stop()
    return Context(url=db_url(), lang=lang, campus=chosen)


def current_plan(ctx: Context) -> services.PlanSummary | None:
    """Return the campus's current plan (active, else newest draft) or None."""
    return services.current_plan(engine_for(ctx.url), ctx.campus.name)


def plan_cells(ctx: Context, plan: services.PlanSummary | None) -> gpd.GeoDataFrame | None:
    """Return the cells of ``plan`` (None when there is no plan)."""
    if plan is None:
        return None
    return load_cells(ctx.url, ctx.campus.name, plan.id, ctx.campus.data_version)


def plan_caption(ctx: Context, plan: services.PlanSummary | None) -> None:
    """Show one line about the plan drawn, or how to make one."""
    if plan is None:
        st.info(t("app.no_plan", ctx.lang))
        return
    st.caption(
        t(
            "app.plan_caption",
            ctx.lang,
            version=plan.version,
            status=md(label("status", plan.status, ctx.lang)),
            method=md(label("method", plan.method or "—", ctx.lang)),
            cells=plan.cells,
        )
    )


def view_for(ctx: Context, campus: CampusLayers) -> dict[str, float]:
    """Return the campus's initial map view, computed once per session and campus.

    The same view on every rerun keeps the user's pan and zoom (the map does not jump).
    """
    key = f"_cg_view:{ctx.url}:{ctx.campus.name}:{ctx.campus.data_version}"
    if key not in st.session_state:
        st.session_state[key] = campus_view(campus)
    view: dict[str, float] = st.session_state[key]
    return view
