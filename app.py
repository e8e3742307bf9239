"""``streamlit run app.py`` in a checkout: the guarded campusgrid server, the same as
``campusgrid serve`` runs (``app_pages/server.py``): the sign-in gate in front of every
route, the pages from ``app_pages/app.py``. Streamlit finds the ``st.App`` by reading this
file, so it is built here, not imported; it then imports this file as a module (the
``else`` branch). Run as a page script (``AppTest.from_file("app.py")`` in the tests and
benchmarks) it draws the pages itself."""

from pathlib import Path

import streamlit as st

from zoning import api

if __name__ == "__main__":  # a page run (tests, benchmarks): the pages
    from app_pages.app import main

    main()
else:  # imported by `streamlit run app.py`: the server, behind the sign-in gate
    from app_pages._ui.lifespan import lifespan

    app = st.App(
        Path(__file__).resolve().parent / "app_pages" / "app.py",
        routes=api.routes(),
        middleware=api.middleware(),
        lifespan=lifespan,  # the pages' caches filled in the background at start
    )
