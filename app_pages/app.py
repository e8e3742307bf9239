"""campusgrid's Streamlit app: ``campusgrid serve``, or ``streamlit run app_pages/app.py``
(installed: ``streamlit run <site-packages>/app_pages/app.py``; in a checkout the root
``app.py`` runs :func:`main` too).

The sidebar (language, campus) is drawn here so it is the same on every page; each page
lives beside this file and reads through ``zoning.services``, drawing through ``maps``.
Pages are found from this file's folder, not the working directory, so the installed
package runs from anywhere. Streamlit serves ``static/`` next to the script it was started
with (``app_pages/_ui/publish.py`` writes there), and reads ``.streamlit/config.toml``
beside it as well as in the working directory. The folder is not called ``pages/``: that
name switches Streamlit to its legacy multipage mode, which fights ``st.navigation`` (see
app_pages/ruff.toml).
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st
from maps.i18n import t
from zoning.accounts import Actor, Permission

from app_pages import _ui
from app_pages._ui import collector
from app_pages._ui.timing import page_run
from app_pages._ui.warm import page_running, while_warming

#: This folder: the pages are its files.
HERE = Path(__file__).resolve().parent
#: url path, file (in this folder), title key, icon — the first page is the default.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("safety_map", "safety_map.py", "nav.safety_map", ":material/map:"),
    ("leadership", "leadership.py", "nav.leadership", ":material/monitoring:"),
    ("planner", "planner.py", "nav.planner", ":material/grid_on:"),
    ("inspections", "inspections.py", "nav.inspections", ":material/checklist:"),
    ("ledger", "ledger.py", "nav.ledger", ":material/receipt_long:"),
    ("cameras", "cameras.py", "nav.cameras", ":material/videocam:"),
    ("rollcall", "rollcall.py", "nav.rollcall", ":material/how_to_reg:"),
    ("whereabouts", "whereabouts.py", "nav.whereabouts", ":material/luggage:"),
    ("students", "students.py", "nav.students", ":material/groups:"),
)
#: Pages listed only for an account holding one of these permissions (the others: everyone).
NEEDS: dict[str, tuple[Permission, ...]] = {
    "rollcall": (Permission.VIEW_STUDENTS, Permission.CHECK_IN),
    "whereabouts": (Permission.VIEW_STUDENTS, Permission.CHECK_IN),
    "students": (Permission.VIEW_STUDENTS,),
}


def pages_for(actor: Actor) -> tuple[tuple[str, str, str, str], ...]:
    """Return the pages ``actor`` has a use for (the services still check every call)."""
    return tuple(
        p for p in PAGES if any(actor.can(n) for n in NEEDS.get(p[0], ())) or p[0] not in NEEDS
    )


def main() -> None:
    """Draw the frame (page config, navigation, sidebar) and run the chosen page."""
    # An emoji favicon is a data: URL; a Material one would be fetched from fonts.gstatic.com.
    st.set_page_config(page_title="campusgrid", page_icon="🗺️", layout="wide")
    actor = _ui.current_actor()  # nothing of the campus without a signed-in account
    lang = _ui.current_lang()
    listed = pages_for(actor)
    pages = [
        st.Page(HERE / file, title=t(title, lang), icon=icon, url_path=slug, default=(i == 0))
        for i, (slug, file, title, icon) in enumerate(listed)
    ]
    navigation = st.navigation(pages)
    slug = next((s for (s, *_), p in zip(listed, pages, strict=True) if p is navigation), "page")
    _ui.note_page(slug)  # a chart drawn first on entering its page bundles its layer files
    lang = _ui.sidebar()
    started = time.perf_counter()
    try:
        with _ui.friendly_errors(lang), page_run(slug), page_running(), while_warming(lang):
            navigation.run()  # under a progress line while the server warms its caches
    finally:  # a long run filled caches: keep the collector off them (see collector)
        collector.after_page_run(time.perf_counter() - started)


if __name__ == "__main__":  # the script Streamlit runs (each rerun executes it afresh)
    main()
