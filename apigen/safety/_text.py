"""Terminal text: control and escape sequences shown, never executed."""

from __future__ import annotations

import re

__all__ = ["printable"]

# C0 controls except tab and newline, DEL, C1 controls (0x80-0x9f: CSI, OSC as one byte),
# and the Unicode bidi overrides that reorder what a reader sees.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, newlines: bool = True) -> str:
    """``text`` with control characters shown as ``\\xNN`` escapes.

    ESC (clear screen, colours, window titles, OSC 8 hyperlinks), BEL, backspace,
    carriage return and the C1 range can no longer act on the terminal; tabs stay,
    and so do newlines unless ``newlines`` is false (then ``\\n`` is shown as ``\\x0a``).
    """
    text = _UNSAFE.sub(_escape, text)
    if not newlines:
        text = text.replace("\n", "\\x0a")
    return text
