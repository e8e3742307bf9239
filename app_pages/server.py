"""The campusgrid web server: the Streamlit app (``app_pages/app.py``) behind the sign-in
gate, with the sign-in page and the layer files (:mod:`zoning.api`); at start a background
thread warms the pages' caches (:mod:`app_pages._ui.warm`, ``CAMPUSGRID_WARM=0``: off) and
another runs the scheduler (:mod:`app_pages._ui.scheduler`, ``CAMPUSGRID_SCHEDULER=0``: off).

``campusgrid serve`` runs ``streamlit run <this file>``: Streamlit finds the ``st.App``
below and serves it (an ASGI app) instead of running this file as a page. The checkout's
root ``app.py`` builds the same app, so ``streamlit run app.py`` is guarded too.
``streamlit run app_pages/app.py`` serves the pages with no gate and no routes: every page
then asks for a sign-in it cannot get and shows nothing (see README, Deployment).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from zoning import api

from app_pages._ui.lifespan import lifespan

#: The page script every session runs.
PAGE_SCRIPT = Path(__file__).resolve().with_name("app.py")

app = st.App(PAGE_SCRIPT, routes=api.routes(), middleware=api.middleware(), lifespan=lifespan)
