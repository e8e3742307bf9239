"""Layer files written by many sessions at once: publishing and pruning never fail."""

from __future__ import annotations

import gzip
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
    publish.gzipped_copies_written()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert all(name.endswith((".json", ".json.gz")) for name in left), left  # no .part
    assert 1 <= len([n for n in left if n.endswith(".json")]) <= 3 + 8  # the newest kept;
    # others may land after a prune. Each gzipped copy is its file's, whole (a copy of a
    # file pruned while it was compressed goes at the next prune)
    publish._prune_layer_files(tmp_path)
    for packed in tmp_path.glob("*.json.gz"):
        assert gzip.decompress(packed.read_bytes()) == packed.with_suffix("").read_bytes()


def test_each_layer_file_is_also_written_gzipped_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish, "LAYER_DIR", tmp_path)
    prepared = publish.publish(_layer(1))
    publish.gzipped_copies_written()
    (path,) = tmp_path.glob("*.json")
    assert path.name in prepared.json
    packed = publish.gzipped(path)
    assert gzip.decompress(packed.read_bytes()) == path.read_bytes()
    packed.unlink()  # a file written before the gzipped copies: it gets one when used again
    publish.publish(_layer(1))
    publish.gzipped_copies_written()
    assert gzip.decompress(packed.read_bytes()) == path.read_bytes()
