"""Words from Qovery made one line: a name, an author or a commit's first line that holds a newline, a
control character or a bidirectional override could otherwise forge a line, or turn text around, in
what the bot posts."""

from __future__ import annotations

import unicodedata

__all__ = ["one_line"]

_JOINERS = {"\u200c", "\u200d"}  # kept: emoji and scripts join with them


def one_line(text: str) -> str:
    """`text` on one line: controls and line breaks become spaces, format characters go, runs of
    whitespace become one space."""
    kept = (
        ch if ch in _JOINERS or not unicodedata.category(ch).startswith("C") else ("" if ch > "\x7f" else " ")
        for ch in text
    )
    return " ".join("".join(kept).split())
