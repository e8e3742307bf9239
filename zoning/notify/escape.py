"""Escaping user text (descriptions, names, places) for the robots' markdown."""

from __future__ import annotations

import re

__all__ = ["markdown_text"]

_SPECIAL = re.compile(r"([\\`*_\[\]()#|~])")
_SPACE = re.compile(r"\s+")


def markdown_text(text: str, *, limit: int = 500) -> str:
    """Return ``text`` safe inside a markdown line: one line, HTML brackets and ampersands as
    entities, markdown punctuation backslash-escaped, at most ``limit`` characters (… after).

    >>> markdown_text("**火** <font>\\n[x](http://e)")
    '\\\\*\\\\*火\\\\*\\\\* &lt;font&gt; \\\\[x\\\\]\\\\(http://e\\\\)'
    """
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", flat)
