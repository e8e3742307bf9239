"""巡查 Inspections: a grid owner's to-do (overdue, due today), the checklist form of one due
inspection (pass / fail / not applicable and a note per item), the hazards a failed item
opens, and the completion table by zone, owner, domain or week.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from maps.i18n import label, t
from maps.payload import plain_text
from zoning.accounts import Actor, Scope
from zoning.services import ledger, safety

from app_pages import _ui
from app_pages import _workflow as wf

ctx = _ui.context()
lang = ctx.lang
campus = ctx.campus.name
OUTCOMES = ("pass", "fail", "na")
VERSION_KEY = "_insp_version"  # bumped by every submission: the to-do is cached on it
REPORT_BY = ("zone", "owner", "domain", "week")


@st.cache_data(show_spinner=False, max_entries=32, ttl=300)
def _todo(
    url: str, name: str, owner: str, data_version: int, version: int, who: Actor
) -> pd.DataFrame:
    """``owner``'s to-do as ``who`` may see it (cached per account)."""
    return safety.todo(_ui.engine_for(url), name, owner=owner, actor=who)


@st.cache_data(show_spinner=False, max_entries=16, ttl=300)
def _report(
    url: str, name: str, by: str, data_version: int, version: int, who: Actor
) -> pd.DataFrame:
    return safety.completion_report(_ui.engine_for(url), name, by=by, actor=who)


def _template_name(code: str) -> str:
    template = safety.checklist_templates().get(code)
    if template is None:
        return plain_text(code)
    return template.name_en if lang == "en" else template.name_zh


def _submit(owner: str, cell: str, template_code: str, period: str) -> None:
    template = safety.checklist_templates()[template_code]
    results = {
        item.code: str(st.session_state.get(wf.lang_key(f"insp_res:{item.code}", lang), "pass"))
        for item in template.items
    }
    notes = {
        item.code: str(st.session_state.get(f"insp_note:{item.code}", "")).strip()
        for item in template.items
    }
    notes = {code: note for code, note in notes.items() if note}
    ok, report = wf.guarded(
        lang,
        lambda: safety.submit_inspection(
            wf.engine(ctx),
            campus,
            cell=cell,
            template=template_code,
            results=results,
            notes=notes,
            period=period,
            actor=_ui.current_actor(),
        ),
    )
    if not ok:
        return
    st.session_state[VERSION_KEY] = st.session_state.get(VERSION_KEY, 0) + 1
    for item in template.items:
        st.session_state.pop(wf.lang_key(f"insp_res:{item.code}", lang), None)
        st.session_state.pop(f"insp_note:{item.code}", None)
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
        "insp.submitted",
        lang,
        id=report.inspection_id,
        period=report.period,
        late=t("insp.late" if report.late else "insp.on_time", lang),
        n=len(report.hazard_ids),
    )
    tables = {t("insp.hazards_created", lang): wf.table(pd.DataFrame(rows), lang)} if rows else {}
    wf.flash("success", text, tables=tables)


st.title(t("nav.inspections", lang))
st.subheader(_ui.md(campus))
wf.show_flash()

me = _ui.current_actor()
# an inspector sees their own list only (the service enforces it); others pick an owner
owners = [me.person] if me.scope is Scope.CELLS and me.person else wf.names(ctx, role="owner")
if not owners:
    st.info(t("insp.nothing", lang))
    st.stop()
owner = str(st.selectbox(t("insp.owner", lang), options=owners, key=f"insp_owner:{campus}"))
version = int(st.session_state.get(VERSION_KEY, 0))
todo = _todo(ctx.url, campus, owner, ctx.campus.data_version, version, me)
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
    st.info(t("insp.nothing", lang))
else:
    shown = pd.DataFrame(
        {
            "todo": [label("todo", k, lang) for k in todo["todo"]],
            "due_date": todo["due_date"].astype(str),
            "cell_code": todo["cell_code"],
            "zone": todo["zone"],
            "template": [_template_name(str(c)) for c in todo["template_code"]],
            "domain": [wf.domain_name(d, lang) for d in todo["domain"]],
            "frequency": [label("freq", f, lang) for f in todo["frequency"]],
            "period": todo["period"],
        }
    )
    wf.show_table(shown, lang, height=260)

    st.markdown(f"### {t('insp.submit_title', lang)}")
    due = todo.reset_index(drop=True)

    def _option(k: int) -> str:
        row = due.iloc[k]
        return t(
            "insp.due_option",
            lang,
            todo=label("todo", row["todo"], lang),
            cell=plain_text(row["cell_code"]),
            template=_template_name(str(row["template_code"])),
            period=plain_text(row["period"]),
        )

    k = int(
        st.selectbox(
            t("insp.pick_due", lang),
            options=range(len(due)),
            format_func=_option,
            key=wf.lang_key(f"insp_due:{campus}:{owner}", lang),
        )
    )
    row = due.iloc[min(k, len(due) - 1)]
    template = safety.checklist_templates().get(str(row["template_code"]))
    if template is not None:
        with st.form(f"insp_form:{row['cell_code']}:{row['template_code']}:{row['period']}"):
            for item in template.items:
                text = item.text_en if lang == "en" else item.text_zh
                st.markdown(
                    f"**{_ui.md(text)}**" + (f" {t('insp.major', lang)}" if item.major else "")
                )
                left, right = st.columns([2, 3])
                left.radio(
                    t("insp.result", lang),
                    options=OUTCOMES,
                    format_func=lambda o: t(f"outcome.{o}", lang),
                    horizontal=True,
                    key=wf.lang_key(f"insp_res:{item.code}", lang),
                    label_visibility="collapsed",
                )
                right.text_input(
                    t("wf.note", lang),
                    key=f"insp_note:{item.code}",
                    label_visibility="collapsed",
                    placeholder=t("wf.note", lang),
                )
            st.form_submit_button(
                t("insp.submit", lang),
                on_click=_submit,
                type="primary",
                args=(owner, str(row["cell_code"]), str(row["template_code"]), str(row["period"])),
            )

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
report = _report(ctx.url, campus, by, ctx.campus.data_version, version, me)
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
