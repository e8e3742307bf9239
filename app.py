"""``streamlit run app.py`` in a checkout: the app is ``app_pages/app.py`` (installed with the
package); this file only runs it, so Streamlit serves ``static/`` and reads
``.streamlit/config.toml`` from the repository root."""

from app_pages.app import main

main()
