"""The map pages right after new data (run by hand): what the next rerun costs the server.

    .venv/bin/python bench/ui_after_submit.py [--db /tmp/cg_large.sqlite] [--submissions 1]

Copies the SQLite database (the large demo by default, built by ``bench/ui.py``) to a
temporary file, so the benchmark's own data stay as they are. Then, for the safety map and
the leadership page, each in its own ``AppTest`` (the whole page script, no browser): runs the
page twice (caches filled), submits ``--submissions`` inspections of past-due rows (all items
passed, so no hazard), reruns the page, reruns it once more with nothing new, then submits
one inspection with one failed item (a new hazard) and reruns. Prints the wall time of each
rerun (s). Run it against an older commit (``git worktree``) for the peer.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = ("app_pages/safety_map.py", "app_pages/leadership.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="/tmp/cg_large.sqlite", help="SQLite file (copied)")
    parser.add_argument("--submissions", type=int, default=1)
    args = parser.parse_args()
    if not Path(args.db).exists():
        raise SystemExit(f"{args.db} does not exist: run bench/ui.py once to build it.")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.sqlite"
        shutil.copyfile(args.db, copy)
        os.environ["CAMPUSGRID_DB"] = f"sqlite:///{copy}"
        from streamlit.testing.v1 import AppTest

        from tests.opsdata import open_due, submit_passed
        from tests.signed_in import signed_in
        from zoning import services
        from zoning.store.engine import open_engine

        engine = open_engine(os.environ["CAMPUSGRID_DB"])
        campus = services.list_campuses(engine)[0].name
        print(f"machine: {platform.machine()} {os.cpu_count()} cores, {platform.platform()}")
        for page in PAGES:
            # AppTest carries no cookie: signed in as an admin account the way single
            # sign-on does (``st.user`` naming it), made in the copy when missing.
            app = signed_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=900))
            app.switch_page(page)
            app.run()
            figures = {}
            for label in ("warm rerun", "after new submissions", "nothing new", "after a hazard"):
                if label == "after new submissions":
                    submit_passed(engine, campus, open_due(engine, args.submissions))
                elif label == "after a hazard":  # one inspection with one failed item
                    submit_passed(engine, campus, open_due(engine, 1), failed=1)
                started = time.perf_counter()
                app.run()
                figures[label] = time.perf_counter() - started
                if app.exception:
                    raise SystemExit(f"{page}: {app.exception[0].message}")
            shown = ", ".join(f"{k} {v:.2f} s" for k, v in figures.items())
            print(f"{Path(page).stem:<12} {shown}")


if __name__ == "__main__":
    main()
