"""campusgrid's Streamlit app: ``streamlit run app.py`` (or ``campusgrid serve``).

The sidebar (language, campus) is drawn here so it is the same on every page; each page
lives in ``app_pages/`` and reads through ``zoning.services``, drawing through ``maps``.
The folder is not called ``pages/``: that name switches Streamlit to its legacy multipage
mode, which fights ``st.navigation`` (see app_pages/ruff.toml).
"""

from __future__ import annotations

import streamlit as st

from app_pages import _ui
from maps.i18n import t

#: url path, file, title key, icon — the first page is the default.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("safety_map", "app_pages/safety_map.py", "nav.safety_map", ":material/map:"),
    ("leadership", "app_pages/leadership.py", "nav.leadership", ":material/monitoring:"),
    ("planner", "app_pages/planner.py", "nav.planner", ":material/grid_on:"),
    ("inspections", "app_pages/inspections.py", "nav.inspections", ":material/checklist:"),
    ("ledger", "app_pages/ledger.py", "nav.ledger", ":material/receipt_long:"),
    ("cameras", "app_pages/cameras.py", "nav.cameras", ":material/videocam:"),
)

# An emoji favicon is a data: URL; a Material one would be fetched from fonts.gstatic.com.
st.set_page_config(page_title="campusgrid", page_icon="🗺️", layout="wide")

lang = _ui.current_lang()
navigation = st.navigation(
    [
        st.Page(path, title=t(title, lang), icon=icon, url_path=slug, default=(i == 0))
        for i, (slug, path, title, icon) in enumerate(PAGES)
    ]
)
lang = _ui.sidebar()
with _ui.friendly_errors(lang):
    navigation.run()
