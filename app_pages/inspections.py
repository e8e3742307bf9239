"""巡查 Inspections: a grid owner's to-do (overdue, due today), the checklist form of one due
inspection (pass / fail / not applicable and a note per item), the hazards a failed item
opens, and the completion table by zone, owner, domain or week.

The form is always the picked item's (its cell, domain and period above it); every item
needs an explicit answer (no default) and a failed one a note (photos optional); it is
plain widgets and a button, so Enter in a note never sends it. The to-do list is kept per
session and dropped after each submission. A second submission of an item (made elsewhere
meanwhile) is refused naming the first; the form then offers 更正/Amend with a reason.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from maps.i18n import label, t
from maps.payload import plain_text
from zoning.accounts import Actor, Scope
from zoning.errors import AlreadySubmitted
from zoning.safety.checklists import ChecklistItem
from zoning.services import ledger, queries, safety

from app_pages import _ui
from app_pages import _workflow as wf

ctx = _ui.context()
lang = ctx.lang
campus = ctx.campus.name
OUTCOMES = ("pass", "fail", "na")
PICKED = "_insp_picked"  # the item the picker moves to after a submission
DONE = "_insp_done"  # (due id, kind, text, tables): the outcome shown beside the button
TODO_KEY = "_insp_todo"  # the fingerprint this session's to-do lists were drawn with
REFUSED = "_insp_refused"  # due id whose submission was refused as already submitted
REPORT_BY = ("zone", "owner", "domain", "week")
PHOTO_TYPES = ["jpg", "jpeg", "png", "webp"]


@st.cache_data(show_spinner=False, max_entries=64, ttl=300)
def _shared_todo(
    url: str,
    name: str,
    owner: str,
    seen: queries.Visibility,
    inspections: tuple[object, ...],
    _who: Actor,
) -> pd.DataFrame:
    return safety.todo(_ui.engine_for(url), name, owner=owner, actor=_who)


def _todo(owner: str, who: Actor) -> pd.DataFrame:
    """``owner``'s to-do as ``who`` may see it, shared by the accounts that see the same
    (role, scope, zone, person): twenty officers on the large demo read it once, not twenty
    times. A session keeps the operations fingerprint it first drew with (its picker stays
    put while others work) until it submits; a new session, or this one after a submission,
    reads the current list (another browser's submission shows then)."""
    pinned: dict[tuple[str, str], tuple[object, ...]] = st.session_state.setdefault(TODO_KEY, {})
    key = (campus, owner)
    if key not in pinned:
        pinned[key] = _ui.ops_key(ctx.url, campus).inspections
    seen = queries.visibility(who)
    return _shared_todo(ctx.url, campus, owner, seen, pinned[key], who)


def _report(by: str, who: Actor) -> pd.DataFrame:
    """The completion report by ``by`` as ``who`` sees it: summed from the campus's cached
    grids and ledger rates cut to the account's scope (see ``_ui.reports``), brought up to
    date when inspections or hazards change anywhere."""
    plan = _ui.current_plan(ctx)
    if plan is None:  # the service says what to do
        return safety.completion_report(_ui.engine_for(ctx.url), campus, by=by, actor=who)
    version = ctx.campus.data_version
    return _ui.reports(ctx.url, campus, plan.id, version, (by,), actor=who)[by]


def _template_name(code: str) -> str:
    template = safety.checklist_templates().get(code)
    if template is None:
        return plain_text(code)
    return template.name_en if lang == "en" else template.name_zh


def _named(values: pd.Series, name: Callable[[Any], str]) -> pd.Series:
    """Return ``values`` each replaced by ``name(value)``, called once per distinct value."""
    return values.map({v: name(v) for v in values.unique()})


def due_key(row: pd.Series) -> str:
    """Return the identity of a due item: cell|template|period."""
    return f"{row['cell_code']}|{row['template_code']}|{row['period']}"


def _keys(due: str, item: str) -> dict[str, str]:
    """Return the widget keys of one checklist item of due item ``due``."""
    return {
        "result": wf.lang_key(f"insp_res:{due}:{item}", lang),
        "note": f"insp_note:{due}:{item}",
        "upload": f"insp_photo:{due}:{item}",
        "camera": f"insp_cam:{due}:{item}",
        "camera_on": f"insp_camon:{due}:{item}",
    }


def _answers(due: str, template_code: str) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Return (results, notes, items still unanswered) of the form of ``due``."""
    template = safety.checklist_templates()[template_code]
    results, notes, unanswered = {}, {}, []
    for item in template.items:
        keys = _keys(due, item.code)
        value = st.session_state.get(keys["result"])
        if value in OUTCOMES:
            results[item.code] = str(value)
        else:
            unanswered.append(item.code)
        note = str(st.session_state.get(keys["note"]) or "").strip()
        if note:
            notes[item.code] = note
    return results, notes, unanswered


def _photo_files(due: str, results: dict[str, str], folder: Path) -> dict[str, str]:
    """Write each failed item's photo (camera first, else upload) into ``folder``; return
    item → file path (the service checks and stores a cleaned copy)."""
    out = {}
    for code, outcome in results.items():
        if outcome != "fail":
            continue
        keys = _keys(due, code)
        photo = st.session_state.get(keys["camera"]) or st.session_state.get(keys["upload"])
        if photo is None:
            continue
        path = folder / f"{code}{Path(str(photo.name)).suffix or '.jpg'}"
        path.write_bytes(photo.getvalue())
        out[code] = str(path)
    return out


def _refuse(due: str, text: str) -> None:
    st.session_state[DONE] = (due, "error", text, {})


def _submit(
    owner: str,
    due: str,
    following: str | None,
    cell: str,
    template_code: str,
    period: str,
    *,
    amend: bool = False,
) -> None:
    """Send the form of ``due``; on success drop the to-do and pick ``following``."""
    results, notes, unanswered = _answers(due, template_code)
    if unanswered:
        _refuse(due, t("insp.unanswered", lang, n=len(unanswered)))
        return
    silent = [c for c, o in results.items() if o == "fail" and c not in notes]
    if silent:
        _refuse(due, t("insp.fail_needs_note", lang, n=len(silent)))
        return
    reason = str(st.session_state.get(f"insp_reason:{due}") or "").strip()
    if amend and not reason:
        _refuse(due, t("insp.amend_needs_reason", lang))
        return
    with tempfile.TemporaryDirectory(prefix="campusgrid-upload-") as folder:
        photos = _photo_files(due, results, Path(folder))
        twice: list[AlreadySubmitted] = []

        def send() -> safety.SubmitReport:
            try:
                return safety.submit_inspection(
                    wf.engine(ctx), campus, cell=cell, template=template_code, results=results,
                    notes=notes, photos=photos or None, period=period,
                    actor=_ui.current_actor(), amend=amend, reason=reason if amend else None,
                )  # fmt: skip
            except AlreadySubmitted as err:  # known by its kind, in either language
                twice.append(err)
                raise

        ok, report = wf.guarded(lang, send)
    if not ok:
        _kind, text, _ = st.session_state.pop(wf.FLASH)
        _refuse(due, text)
        if twice:
            st.session_state[REFUSED] = due
        return
    st.session_state.pop(REFUSED, None)
    st.session_state.pop(TODO_KEY, None)  # the current list on the next draw
    st.session_state[PICKED] = following
    template = safety.checklist_templates()[template_code]
    for item in template.items:
        for key in _keys(due, item.code).values():
            st.session_state.pop(key, None)
    st.session_state.pop(f"insp_reason:{due}", None)
    rows = []
    for hazard_id in report.hazard_ids:
        h = ledger.show_hazard(wf.engine(ctx), campus, hazard_id, actor=_ui.current_actor()).hazard
        rows.append(
            {
                "id": hazard_id,
                "severity": label("severity", h.severity, lang),
                "domain": wf.domain_name(h.domain, lang),
                "description": h.description,
                "cell": h.cell_code,
                "deadline": h.deadline.strftime("%Y-%m-%d %H:%M"),
                "state": label("hstate", h.state, lang),
            }
        )
    text = t(
        "insp.amended" if amend else "insp.submitted",
        lang,
        id=report.inspection_id,
        cell=cell,
        period=report.period,
        late=t("insp.late" if report.late else "insp.on_time", lang),
        n=len(report.hazard_ids),
    )
    tables = {t("insp.hazards_created", lang): wf.table(pd.DataFrame(rows), lang)} if rows else {}
    st.session_state[DONE] = (None, "success", text, tables)


def _show_done(due: str | None) -> None:
    """Show the outcome of the last send when it belongs here (``due``; None: a success)."""
    kept = st.session_state.get(DONE)
    if not kept or kept[0] != due:
        return
    st.session_state.pop(DONE)
    _, kind, text, tables = kept
    getattr(st, kind)(_ui.md(text) if kind != "error" else text)
    for title, frame in tables.items():
        st.markdown(f"**{_ui.md(title)}**")
        st.dataframe(frame, hide_index=True, width="stretch")


def _item(due: str, item: ChecklistItem) -> None:
    """Draw one checklist item: its answer (no default), its note, a failed item's photo."""
    keys = _keys(due, item.code)
    text = item.text_en if lang == "en" else item.text_zh
    st.markdown(f"**{_ui.md(text)}**" + (f" {t('insp.major', lang)}" if item.major else ""))
    left, right = st.columns([2, 3])
    answer = left.radio(
        t("insp.result", lang),
        options=OUTCOMES,
        index=None,
        format_func=lambda o: t(f"outcome.{o}", lang),
        horizontal=True,
        key=keys["result"],
        label_visibility="collapsed",
    )
    failed = answer == "fail"
    right.text_input(
        t("wf.note", lang),
        key=keys["note"],
        label_visibility="collapsed",
        placeholder=t("insp.fail_note" if failed else "wf.note", lang),
    )
    if not failed:
        return
    right.file_uploader(t("insp.photo", lang), type=PHOTO_TYPES, key=keys["upload"])
    if right.checkbox(t("insp.camera", lang), key=keys["camera_on"]):
        right.camera_input(t("insp.camera", lang), key=keys["camera"])


def _form(owner: str, due: pd.DataFrame, k: int) -> None:
    """Draw the checklist of due item ``k`` of ``due`` and its send button."""
    row = due.iloc[k]
    key = due_key(row)
    following = due_key(due.iloc[k + 1]) if k + 1 < len(due) else (
        due_key(due.iloc[k - 1]) if k > 0 else None
    )  # fmt: skip
    template = safety.checklist_templates().get(str(row["template_code"]))
    st.markdown(
        "#### "
        + _ui.md(
            t(
                "insp.form_for",
                lang,
                cell=plain_text(row["cell_code"]),
                domain=wf.domain_name(row["domain"], lang),
                template=_template_name(str(row["template_code"])),
                period=plain_text(row["period"]),
            )
        )
    )
    buildings = row.get("buildings")
    if isinstance(buildings, str) and buildings:
        st.caption(t("insp.form_buildings", lang, buildings=_ui.md(buildings)))
    if template is None:
        st.warning(t("insp.no_template", lang, template=plain_text(row["template_code"])))
        return
    for item in template.items:
        _item(key, item)
    _, _, unanswered = _answers(key, template.code)
    args = (owner, key, following, str(row["cell_code"]), template.code, str(row["period"]))
    button, message = st.columns([1, 3])
    button.button(
        t("insp.submit", lang),
        key="insp_submit",
        type="primary",
        disabled=bool(unanswered),
        help=t("insp.unanswered", lang, n=len(unanswered)) if unanswered else None,
        on_click=_submit,
        args=args,
    )
    with message:
        if unanswered:
            st.caption(t("insp.unanswered", lang, n=len(unanswered)))
        _show_done(key)
    if st.session_state.get(REFUSED) == key:
        st.text_input(t("insp.amend_reason", lang), key=f"insp_reason:{key}")
        st.button(
            t("insp.amend", lang),
            key="insp_amend",
            on_click=_submit,
            args=args,
            kwargs={"amend": True},
            disabled=bool(unanswered),
        )


st.title(t("nav.inspections", lang))
st.subheader(_ui.md(campus))
wf.show_flash()

me = _ui.current_actor()
# an inspector sees their own list only (the service enforces it); others pick an owner
owners = [me.person] if me.scope is Scope.CELLS and me.person else wf.names(ctx, role="owner")
if me.scope is Scope.ZONE:  # a zone leader picks among the owners of their zone's cells
    plan = _ui.current_plan(ctx)
    if plan is not None:
        version = ctx.campus.data_version
        cells = _ui.load_cells(ctx.url, campus, plan.id, version)
        mine = _ui.scope_cells(ctx.url, campus, plan.id, version, actor=me) or frozenset()
        held = set(cells.loc[cells["code"].astype(str).isin(mine), "owner"].dropna().astype(str))
        owners = [o for o in owners if o in held]
if not owners:
    st.info(t("insp.nothing", lang))
    st.stop()
owner = str(
    st.selectbox(
        t("insp.owner", lang),
        options=owners,
        key=f"insp_owner:{campus}",
        placeholder=t("ui.choose", lang),
    )
)
todo = _todo(owner, me)
kinds = todo["todo"].astype(str) if len(todo) else pd.Series(dtype=str)
st.markdown(f"### {t('insp.todo', lang)}")
st.caption(
    t(
        "insp.todo_counts",
        lang,
        overdue=int((kinds == "overdue").sum()),
        today=int(kinds.isin(["today", "due_today"]).sum()),
        open=int((kinds == "open").sum()),
    )
)
if not len(todo):
    _show_done(None)
    st.info(t("insp.nothing", lang))
else:
    shown = pd.DataFrame(
        {
            "todo": _named(todo["todo"], lambda k: label("todo", k, lang)),
            "due_date": todo["due_date"].astype(str),
            "cell_code": todo["cell_code"],
            "zone": todo["zone"],
            # each distinct value named once: an officer's list has 100,000s of rows
            "template": _named(todo["template_code"].astype(str), _template_name),
            "domain": _named(todo["domain"], lambda d: wf.domain_name(d, lang)),
            "frequency": _named(todo["frequency"], lambda f: label("freq", f, lang)),
            "period": todo["period"],
            # the buildings a per-building checklist covers in this cell (issue 16)
            "buildings": todo["buildings"].fillna("").astype(str),
        }
    )
    wf.show_table(shown, lang, height=260)

    st.markdown(f"### {t('insp.submit_title', lang)}")
    due = todo.reset_index(drop=True)
    ids = [due_key(r) for _, r in due.iterrows()]
    by_id = {d: k for k, d in enumerate(ids)}

    def _option(d: str) -> str:
        row = due.iloc[by_id[d]]
        return t(
            "insp.due_option",
            lang,
            todo=label("todo", row["todo"], lang),
            cell=plain_text(row["cell_code"]),
            template=_template_name(str(row["template_code"])),
            period=plain_text(row["period"]),
        )

    picker = wf.lang_key(f"insp_due:{campus}:{owner}", lang)
    moved = st.session_state.pop(PICKED, None)
    if moved in by_id:
        st.session_state[picker] = moved
    if st.session_state.get(picker) not in by_id:  # submitted, or another owner's list
        st.session_state[picker] = ids[0]
    picked = str(
        st.selectbox(
            t("insp.pick_due", lang),
            options=ids,
            format_func=_option,
            key=picker,
            placeholder=t("ui.choose", lang),
        )
    )
    _show_done(None)  # the last submission's outcome, where the next form starts
    _form(owner, due, by_id[picked])

st.markdown(f"### {t('insp.completion', lang)}")
by = str(
    st.radio(
        t("insp.by", lang),
        options=REPORT_BY,
        format_func=lambda b: t(f"by.{b}", lang),
        horizontal=True,
        key=wf.lang_key("insp_report_by", lang),
    )
)
report = _report(by, me)
columns = [
    by,
    "due",
    "on_time",
    "late",
    "missed",
    "pending",
    "completion_rate",
    "on_time_rate",
    "closure_rate",
    "closed_on_time_rate",
]
report = report[[c for c in columns if c in report.columns]].copy()
if by == "domain":
    report["domain"] = [wf.domain_name(d, lang) for d in report["domain"]]
for column in ("completion_rate", "on_time_rate", "closure_rate", "closed_on_time_rate"):
    if column in report.columns:
        report[column] = (report[column].astype(float) * 100).round(1)
wf.show_table(report, lang)
