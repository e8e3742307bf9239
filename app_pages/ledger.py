"""台账 Ledger: the hazards (filters by status, domain, zone, overdue; a search by hazard
number, cell code, building or owner), one hazard's detail, history and photos with buttons
for the actions its state allows, Excel/CSV exports, and the located complaints (接诉即办)
with a form to add one and a form to report a hazard, both placed by clicking the map.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st
from maps import search
from maps.deck import PreparedLayer, prepare, prepared_deck
from maps.i18n import Lang, label, t
from maps.payload import plain_text
from maps.place_layers import PICK_BUILDINGS, PICK_CELLS, picked_point, place_layers
from zoning.accounts import Actor, Permission
from zoning.clock import local_day, local_instant, local_text
from zoning.safety.access import permitted_actions
from zoning.safety.complaints import DEFAULT_CATEGORIES
from zoning.safety.domains import DOMAIN_CODES
from zoning.safety.ledger.workflow import SEVERITIES, STATES
from zoning.services import ledger
from zoning.services.photos import HazardPhoto, thumbnail

from app_pages import _ui
from app_pages import _workflow as wf
from app_pages._ui.search_box import pick_result

ctx = _ui.context()
lang = ctx.lang
campus = ctx.campus.name
VERSION_KEY = "_ledger_version"  # bumped by every write on this page
PICK_MAP_KEY = "ledger_pick_map"  # the map a location is picked on
#: The location fields the pick map fills: the complaint form's and the report form's.
PLACE_FIELDS = (("complaint_lon", "complaint_lat"), ("report_lon", "report_lat"))
PHOTO_TYPES = ["jpg", "jpeg", "png", "webp"]


@st.cache_data(show_spinner=False, max_entries=16, ttl=120)
def _hazards(
    url: str,
    name: str,
    status: str | None,
    overdue: bool,
    data_version: int,
    version: int,
    who: Actor,
) -> list[ledger.HazardView]:
    """The ledger as ``who`` sees it (cached per account: rows and redaction differ)."""
    return ledger.list_hazards(_ui.engine_for(url), name, status=status, overdue=overdue, actor=who)


def _when(value: datetime | None) -> str:
    return local_text(value) if value else ""


def _bump() -> None:
    st.session_state[VERSION_KEY] = int(st.session_state.get(VERSION_KEY, 0)) + 1


def _move(hazard_id: int, action: str) -> None:
    note = str(st.session_state.get(f"ledger_note:{hazard_id}", "")).strip()
    deadline = None
    if action == "extend":
        day = st.session_state.get(f"ledger_deadline:{hazard_id}")
        if day is not None:
            deadline = local_instant(day, time(hour=18))
    ok, after = wf.guarded(
        lang,
        lambda: ledger.move_hazard(
            wf.engine(ctx),
            campus,
            hazard_id,
            action,
            note=note,
            deadline=deadline,
            actor=_ui.current_actor(),
        ),
    )
    if ok:
        _bump()
        st.session_state.pop(f"ledger_note:{hazard_id}", None)
        wf.flash(
            "success",
            t(
                "ledger.moved",
                lang,
                id=hazard_id,
                action=label("haction", action, lang),
                state=label("hstate", after.hazard.state, lang),
            ),
        )


def _add_complaint() -> None:
    text = str(st.session_state.get("complaint_text", "")).strip()
    contact = str(st.session_state.get("complaint_contact", "")).strip() or None
    ok, added = wf.guarded(
        lang,
        lambda: ledger.add_complaint(
            wf.engine(ctx),
            campus,
            lon=float(st.session_state["complaint_lon"]),
            lat=float(st.session_state["complaint_lat"]),
            category=str(st.session_state[wf.lang_key("complaint_category", lang)]),
            text=text,
            contact=contact,
            actor=_ui.current_actor(),
        ),
    )
    if ok:
        _bump()
        st.session_state["complaint_text"] = ""
        c = added.complaint
        if added.joined:
            wf.flash(
                "success",
                t(
                    "ledger.complaint_joined",
                    lang,
                    id=c.id,
                    first=c.duplicate_of,
                    hazard=added.hazard_id,
                    cell=plain_text(c.cell_code),
                    owner=plain_text(c.owner) or t("value.unassigned", lang),
                ),
            )
            return
        wf.flash(
            "success",
            t(
                "ledger.complaint_added",
                lang,
                id=c.id,
                cell=plain_text(c.cell_code),
                owner=plain_text(c.owner) or t("value.unassigned", lang),
                hazard=added.hazard_id,
            ),
        )


def _rows(views: list[ledger.HazardView]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [int(v.hazard.id) for v in views],
            "state": [label("hstate", v.hazard.state, lang) for v in views],
            "severity": [label("severity", v.hazard.severity, lang) for v in views],
            "domain": [wf.domain_name(v.hazard.domain, lang) for v in views],
            "description": [v.hazard.description for v in views],
            "cell": [v.hazard.cell_code for v in views],
            "zone": [v.hazard.zone for v in views],
            "responsible": [v.responsible for v in views],
            "level": [label("hlevel", v.level, lang) for v in views],
            "deadline": [_when(v.hazard.deadline) for v in views],
            "overdue_hours": [round(v.overdue_hours, 1) for v in views],
        }
    )


@st.cache_data(show_spinner=False, max_entries=256)
def _thumbnail(path: str, source: str) -> bytes | None:
    """A stored photo's thumbnail (the store's files never change: keyed by path)."""
    return thumbnail(HazardPhoto(path, source))


def _photos(hazard_id: int, *, redacted: bool) -> None:
    """Show the hazard's photos as thumbnails (served through the signed-in app, never
    from a public folder); the service decides who may see them."""
    if redacted:
        st.caption(t("photo.hidden", lang))
        return
    ok, photos = wf.guarded(
        lang,
        lambda: ledger.hazard_photos(wf.engine(ctx), campus, hazard_id, actor=_ui.current_actor()),
    )
    if not ok:
        wf.show_flash()
        return
    st.markdown(f"**{t('photo.title', lang, n=len(photos))}**")
    if not photos:
        st.caption(t("photo.none", lang))
        return
    shown = [(p, _thumbnail(p.path, p.source)) for p in photos]
    images = [(p, data) for p, data in shown if data is not None]
    if images:
        st.image(
            [data for _, data in images],
            caption=[f"{t(f'photo.source.{p.source}', lang)} · {p.name[:12]}…" for p, _ in images],
            width=160,
        )
    for p, data in shown:
        if data is None:
            st.caption(t("photo.missing", lang, name=p.name))


def _picked() -> None:
    """A cell or building clicked on the pick map: its point fills both forms' fields."""
    state = st.session_state.get(PICK_MAP_KEY)
    objects = (state or {}).get("selection", {}).get("objects", {})
    for layer_id in (PICK_BUILDINGS, PICK_CELLS):  # a building lies over its cell
        point = picked_point((objects.get(layer_id) or [None])[0])
        if point is not None:
            lon, lat, what = point
            for lon_key, lat_key in PLACE_FIELDS:
                st.session_state[lon_key], st.session_state[lat_key] = lon, lat
            st.session_state["_ledger_picked"] = what
            return


def _place_fields() -> None:
    """Start both forms' location fields at the campus centre (once per session)."""
    view = _ui.view_for(ctx, _ui.load_layers(ctx.url, campus, ctx.campus.data_version))
    for lon_key, lat_key in PLACE_FIELDS:
        st.session_state.setdefault(lon_key, float(view["longitude"]))
        st.session_state.setdefault(lat_key, float(view["latitude"]))


@st.cache_resource(show_spinner=False, max_entries=8)
def _pick_layers(
    url: str, name: str, plan_id: int | None, data_version: int, language: Lang
) -> list[PreparedLayer]:
    """The pick map's layers (every cell and building: seconds of JSON on a large campus),
    prepared once per campus version, plan and language; shared, never changed."""
    layers = _ui.load_layers(url, name, data_version)
    cells = None if plan_id is None else _ui.load_cells(url, name, plan_id, data_version)
    return [prepare(layer) for layer in place_layers(cells, layers.buildings, lang=language)]


def _pick_map() -> None:
    """The small map a location is picked on (a click on a cell or building)."""
    layers = _ui.load_layers(ctx.url, campus, ctx.campus.data_version)
    plan = _ui.current_plan(ctx)
    pid = None if plan is None else plan.id
    deck = prepared_deck(
        _pick_layers(ctx.url, campus, pid, ctx.campus.data_version, lang),
        view={**_ui.view_for(ctx, layers), "pitch": 0.0, "bearing": 0.0},
    )
    st.caption(t("place.map_hint", lang))
    st.pydeck_chart(
        deck,
        on_select=_picked,
        selection_mode="single-object",
        key=PICK_MAP_KEY,
        height=320,
        alt=t("place.map_alt", lang),
    )
    what = st.session_state.get("_ledger_picked")
    if what:
        st.caption(
            t(
                "place.picked",
                lang,
                what=_ui.md(what),
                lon=f"{float(st.session_state[PLACE_FIELDS[0][0]]):.6f}",
                lat=f"{float(st.session_state[PLACE_FIELDS[0][1]]):.6f}",
            )
        )


def _location(prefix: str) -> None:
    """The lon/lat fields of form ``prefix`` (filled by the pick map, or typed)."""
    c1, c2 = st.columns(2)
    c1.number_input(t("ledger.lon", lang), format="%.6f", step=0.0001, key=f"{prefix}_lon")
    c2.number_input(t("ledger.lat", lang), format="%.6f", step=0.0001, key=f"{prefix}_lat")


def _report_hazard() -> None:
    text = str(st.session_state.get("report_text", "")).strip()
    uploads = st.session_state.get("report_photos") or []
    with tempfile.TemporaryDirectory(prefix="campusgrid-upload-") as folder:
        paths = []
        for n, photo in enumerate(uploads):
            path = Path(folder) / f"{n}{Path(str(photo.name)).suffix or '.jpg'}"
            path.write_bytes(photo.getvalue())
            paths.append(path)
        ok, made = wf.guarded(
            lang,
            lambda: ledger.report_hazard(
                wf.engine(ctx),
                campus,
                lon=float(st.session_state["report_lon"]),
                lat=float(st.session_state["report_lat"]),
                domain=str(st.session_state["report_domain"]),
                severity=str(st.session_state["report_severity"]),
                description=text,
                photos=paths or None,
                actor=_ui.current_actor(),
            ),
        )
    if ok:
        _bump()
        st.session_state["report_text"] = ""
        h = made.hazard
        wf.flash(
            "success",
            t(
                "ledger.reported",
                lang,
                id=h.id,
                cell=plain_text(h.cell_code),
                owner=plain_text(h.owner) or t("value.unassigned", lang),
            ),
        )


st.title(t("nav.ledger", lang))
st.subheader(_ui.md(campus))
wf.show_flash()
version = int(st.session_state.get(VERSION_KEY, 0))

# --------------------------------------------------------------------------- the ledger
f1, f2, f3, f4 = st.columns([1, 1, 1, 1], vertical_alignment="bottom")
status_options = ["open", "", *STATES]  # open hazards first: the work to do
status = str(
    f1.selectbox(
        t("ledger.status", lang),
        options=status_options,
        key=wf.lang_key("ledger_status", lang),
        format_func=lambda s: (
            t("wf.all", lang)
            if not s
            else t("ledger.open", lang)
            if s == "open"
            else label("hstate", s, lang)
        ),
        placeholder=t("ui.choose", lang),
    )
)
domain = str(
    f2.selectbox(
        t("ledger.domain", lang),
        options=["", *DOMAIN_CODES],
        key=wf.lang_key("ledger_domain", lang),
        format_func=lambda d: wf.domain_name(d, lang) if d else t("wf.all", lang),
        placeholder=t("ui.choose", lang),
    )
)
views = _hazards(
    ctx.url, campus, status or None, False, ctx.campus.data_version, version, _ui.current_actor()
)
zones = sorted({str(v.hazard.zone) for v in views if v.hazard.zone is not None}, key=str)
zone = str(
    f3.selectbox(
        t("ledger.zone", lang),
        options=["", *zones],
        key=wf.lang_key("ledger_zone", lang),
        format_func=lambda z: z or t("wf.all", lang),
        placeholder=t("ui.choose", lang),
    )
)
overdue = f4.checkbox(t("ledger.overdue", lang), key="ledger_overdue")
if overdue:
    views = _hazards(
        ctx.url, campus, status or None, True, ctx.campus.data_version, version, _ui.current_actor()
    )
views = sorted(
    (
        v
        for v in views
        if (not domain or v.hazard.domain == domain) and (not zone or str(v.hazard.zone) == zone)
    ),
    # open before closed, the most overdue first, then the newest
    key=lambda v: (not v.hazard.is_open, -v.overdue_hours, -int(v.hazard.id)),
)


def _found_hazard() -> None:
    """Show the hazard chosen in the search in the detail below (its picker moves to it)."""
    chosen = st.session_state.get("ledger_found")
    if isinstance(chosen, str) and chosen.startswith("hazard:"):
        st.session_state[wf.lang_key("ledger_pick", lang)] = int(chosen.split(":")[1])


query = st.text_input(
    t("search.label", lang), key="ledger_search", placeholder=t("search.placeholder", lang)
).strip()
found: search.Found | None = None
if query:
    plan = _ui.current_plan(ctx)
    # what the account may see, whatever the filters: the hazards table the map shares
    # (cached, cut to the account's scope, redacted for it), not the ledger read again
    seen = (
        _ui.hazards(ctx.url, campus, plan.id, ctx.campus.data_version, actor=_ui.current_actor())
        if plan is not None
        else pd.DataFrame(columns=["id", "lon", "lat", "cell", "description"])
    )
    results = search.find(
        query,
        cells=_ui.plan_cells(ctx, plan),
        buildings=_ui.load_layers(ctx.url, campus, ctx.campus.data_version).buildings,
        hazards=seen[["id", "lon", "lat", "cell", "description"]],
    )
    found = pick_result(
        query,
        results,
        lang,
        placeholder="search.pick_ledger",
        key="ledger_found",
        on_change=_found_hazard,
    )
if found is not None and found.kind == "owner":
    views = [v for v in views if v.hazard.owner == found.label]
    st.caption(t("search.showing_owner", lang, owner=_ui.md(found.label)))
elif found is not None and found.kind in ("cell", "building"):
    views = [v for v in views if v.hazard.cell_code == found.cell]
    st.caption(t("search.showing_cell", lang, cell=_ui.md(found.cell or "—")))
elif (  # shown below even when filtered out; the list keeps its order (and the picker
    found is not None  # its choice) when the hazard is in it already
    and found.hazard_id is not None
    and not any(int(v.hazard.id) == found.hazard_id for v in views)
):
    views = views + [
        v
        for v in _hazards(
            ctx.url, campus, None, False, ctx.campus.data_version, version, _ui.current_actor()
        )
        if int(v.hazard.id) == found.hazard_id
    ]
st.caption(t("ledger.count", lang, n=len(views)))
wf.show_table(_rows(views), lang, height=320)


def _export(suffix: str) -> bytes:
    """The shown rows as a workbook or CSV, as the signed-in account (audited)."""
    ok, data = wf.guarded(
        lang,
        lambda: ledger.export_ledger(
            wf.engine(ctx), campus, views, actor=_ui.current_actor(), fmt=suffix.lstrip(".")
        ),
    )
    return data if ok else b""


if _ui.current_actor().can(Permission.EXPORT):  # the service checks again
    d1, d2, _ = st.columns([1, 1, 3])
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    d1.download_button(
        t("ledger.download_xlsx", lang),
        data=lambda: _export(".xlsx"),
        file_name=f"{ctx.campus.code}-ledger-{stamp}.xlsx",
        key="ledger_xlsx",
        on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    d2.download_button(
        t("ledger.download_csv", lang),
        data=lambda: _export(".csv"),
        key="ledger_csv",
        file_name=f"{ctx.campus.code}-ledger-{stamp}.csv",
        mime="text/csv",
        on_click="ignore",
    )

# --------------------------------------------------------------------------- one hazard
st.markdown(f"### {t('ledger.detail', lang)}")
if views:
    by_id = {int(v.hazard.id): v for v in views}
    hazard_id = int(
        st.selectbox(
            t("ledger.pick", lang),
            options=list(by_id),
            key=wf.lang_key("ledger_pick", lang),
            format_func=lambda i: (
                f"#{i} · {label('hstate', by_id[i].hazard.state, lang)} · "
                + plain_text(by_id[i].hazard.description, max_chars=60)
            ),
            placeholder=t("ui.choose", lang),
        )
    )
    detail = ledger.show_hazard(wf.engine(ctx), campus, hazard_id, actor=_ui.current_actor())
    h = detail.hazard
    left, right = st.columns([2, 3], gap="medium")
    with left:
        facts = [
            ("state", label("hstate", h.state, lang)),
            ("severity", label("severity", h.severity, lang)),
            ("source", label("source", h.source, lang)),
            ("domain", wf.domain_name(h.domain, lang)),
            ("description", h.description),
            ("cell", h.cell_code),
            ("owner", h.owner),
            ("responsible", detail.responsible),
            ("level", label("hlevel", detail.level, lang)),
            ("assignee", h.assignee),
            ("reported_by", h.reported_by),
            ("reported_at", _when(h.reported_at)),
            ("deadline", _when(h.deadline)),
            ("overdue_hours", f"{detail.overdue_hours:.1f}"),
        ]
        wf.show_table(
            pd.DataFrame(
                {
                    t("field.item", lang): [label("field", k, lang) for k, _ in facts],
                    t("field.value", lang): [plain_text(v, max_chars=300) for _, v in facts],
                }
            ),
            lang,
        )
    with right:
        st.markdown(f"**{t('ledger.history', lang)}**")
        wf.show_table(
            pd.DataFrame(
                {
                    "action": [label("haction", e.action, lang) for e in h.history],
                    "from": [
                        label("hstate", e.from_state, lang) if e.from_state else ""
                        for e in h.history
                    ],
                    "to": [label("hstate", e.to_state, lang) for e in h.history],
                    "by": [e.by for e in h.history],
                    "at": [_when(e.at) for e in h.history],
                    "note": [e.note for e in h.history],
                }
            ),
            lang,
        )
        _photos(hazard_id, redacted=detail.redacted)
        st.markdown(f"**{t('ledger.actions', lang)}**")
        permitted = permitted_actions(_ui.current_actor(), h, detail.allowed)
        if not permitted:
            st.caption(t("ledger.no_actions", lang))
        else:
            st.caption(t("wf.acting_as", lang, name=_ui.current_actor().name))
            st.text_input(t("wf.note", lang), key=f"ledger_note:{hazard_id}")
            if "extend" in permitted:
                local_deadline = local_day(h.deadline)
                st.date_input(
                    t("ledger.new_deadline", lang),
                    key=f"ledger_deadline:{hazard_id}",
                    value=local_deadline + timedelta(days=7),
                )
            buttons = st.columns(len(permitted))
            for col, action in zip(buttons, permitted, strict=True):
                col.button(
                    label("haction", action, lang),
                    key=f"ledger_do:{action}",
                    on_click=_move,
                    args=(hazard_id, action),
                )

# --------------------------------------------------------------------------- complaints
st.markdown(f"### {t('ledger.complaints', lang)}")
complaints = ledger.list_complaints(wf.engine(ctx), campus, actor=_ui.current_actor())
if complaints:
    rows = [c.complaint for c in complaints]
    wf.show_table(
        pd.DataFrame(
            {
                "id": [int(c.id) for c in rows],
                "category": [label("category", c.category, lang) for c in rows],
                "text": [c.text for c in rows],
                "received_at": [_when(c.received_at) for c in rows],
                "response_deadline": [_when(c.response_deadline) for c in rows],
                "cell": [c.cell_code for c in rows],
                "owner": [c.owner for c in rows],
                "state": [label("hstate", v.state, lang) if v.state else "" for v in complaints],
                "duplicate_of": [c.duplicate_of or "" for c in rows],
                "hazard_id": [v.hazard_id for v in complaints],
                "joined": [
                    t("ledger.joined_hazard", lang, id=v.hazard_id) if v.joined else ""
                    for v in complaints
                ],
            }
        ).iloc[::-1],
        lang,
        height=260,
    )
else:
    st.caption(t("ledger.no_complaints", lang))

may_complain = _ui.current_actor().can(Permission.RECEIVE_COMPLAINTS)
may_report = _ui.current_actor().can(Permission.REPORT_HAZARDS)  # the services check again
if may_complain or may_report:
    _place_fields()
    _pick_map()
if may_complain:
    with st.expander(t("ledger.add_complaint", lang)):
        _location("complaint")
        st.selectbox(
            t("ledger.category", lang),
            options=list(DEFAULT_CATEGORIES),
            format_func=lambda c: label("category", c, lang),
            key=wf.lang_key("complaint_category", lang),
            placeholder=t("ui.choose", lang),
        )
        st.text_area(t("ledger.text", lang), key="complaint_text")
        st.text_input(t("ledger.contact", lang), key="complaint_contact")
        st.button(
            t("ledger.add", lang), on_click=_add_complaint, key="complaint_add", type="primary"
        )
if may_report:
    with st.expander(t("ledger.report_hazard", lang)):
        _location("report")
        r1, r2 = st.columns(2)
        r1.selectbox(
            t("ledger.domain", lang),
            options=list(DOMAIN_CODES),
            format_func=lambda d: wf.domain_name(d, lang),
            key="report_domain",
            placeholder=t("ui.choose", lang),
        )
        r2.selectbox(
            t("ledger.severity", lang),
            options=list(SEVERITIES),
            format_func=lambda v: label("severity", v, lang),
            key="report_severity",
            placeholder=t("ui.choose", lang),
        )
        st.text_area(t("ledger.description", lang), key="report_text")
        st.file_uploader(
            t("insp.photo", lang), type=PHOTO_TYPES, accept_multiple_files=True, key="report_photos"
        )
        st.button(
            t("ledger.report", lang), on_click=_report_hazard, key="report_add", type="primary"
        )
