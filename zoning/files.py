"""Files written whole or not at all.

Several threads (a server's sessions, its warming and gzip threads) may write the same
content-named file at once; each writes a part file of its own and renames it over the
target, so a reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (its folder made if missing) whole or not at all: through a
    part file of this process and thread (``NAME.PID.THREAD.part``), renamed over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)
