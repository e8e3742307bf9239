"""The operations fingerprint is read once per page run (a leadership rerun asked for it 12–18
times, two queries each), and read again within the run after this process wrote: a
submission made by the run itself is seen by the rest of it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.demo_copies import DemoCopy

SCRIPT = """
import streamlit as st
import sqlalchemy as sa
from app_pages._ui import caches
from zoning.services import queries

calls = []
real = queries.ops_version

def counted(*args, **kwargs):
    calls.append(1)
    return real(*args, **kwargs)

queries.ops_version = counted
try:
    first = caches.ops_key(URL, "demo")
    again = caches.ops_key(URL, "demo")
    st.write(f"reads {len(calls)} same {again is first}")
    with caches.engine_for(URL).begin() as conn:  # a write by this process
        conn.execute(sa.text("UPDATE campus SET name = name WHERE name = 'demo'"))
    after = caches.ops_key(URL, "demo")
    st.write(f"reads {len(calls)} equal {after == first}")
finally:
    queries.ops_version = real
"""


def test_the_fingerprint_is_read_once_a_run_until_this_process_writes(
    demo_copy: DemoCopy,
) -> None:
    url = demo_copy(0)
    app = AppTest.from_string(SCRIPT.replace("URL", repr(url)), default_timeout=120)
    for _ in range(2):  # each run reads it again (a new run, a new fingerprint)
        app.run()
        assert not app.exception, app.exception
        assert [m.value for m in app.markdown] == ["reads 1 same True", "reads 2 equal True"]
