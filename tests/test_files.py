"""zoning.files: a file written by many threads at once is always one writer's whole file."""

from __future__ import annotations

import threading
from pathlib import Path

from zoning.files import write_whole


def test_threads_writing_one_file_leave_one_whole_file_and_no_part(tmp_path: Path) -> None:
    target = tmp_path / "made" / "here.json"  # the folder does not exist yet
    contents = [bytes([65 + n]) * 200_000 for n in range(8)]
    seen: list[bytes] = []

    def writer(data: bytes) -> None:
        for _ in range(20):
            write_whole(target, data)
            seen.append(target.read_bytes())  # never half of one, never a mix

    threads = [threading.Thread(target=writer, args=(c,)) for c in contents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(s in contents for s in seen)
    assert target.read_bytes() in contents
    assert [p.name for p in target.parent.iterdir()] == ["here.json"]
