"""Layer files written by many sessions at once: publishing and pruning never fail."""

from __future__ import annotations

import threading
from pathlib import Path

import pydeck as pdk
import pytest

from app_pages._ui import publish


def _layer(i: int) -> pdk.Layer:
    return pdk.Layer("ScatterplotLayer", id="cells", data=[{"p": [i, i], "n": i}])


def test_sessions_publishing_and_pruning_at_once_never_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight sessions publish 40 versions of one layer each while pruning keeps 3: a file
    pruned by one session while another reuses or prunes it is not an error, and what is
    left is the newest files (each a whole file, no half-written part)."""
    monkeypatch.setattr(publish, "LAYER_DIR", tmp_path)
    monkeypatch.setattr(publish, "LAYER_FILES_KEPT", 3)
    failures: list[BaseException] = []

    def session(offset: int) -> None:
        try:
            for i in range(40):
                publish.publish(_layer((i + offset) % 25))  # shared names: reuse and prune
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    left = sorted(p.name for p in tmp_path.iterdir())
    assert 1 <= len(left) <= 3 + 8  # the newest kept; others may land after a prune
    assert all(name.endswith(".json") for name in left), left  # no .part left behind
