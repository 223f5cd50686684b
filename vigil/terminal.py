"""Colour on terminals only: never in pipes, files or CI logs, never when NO_COLOR is set (https://no-color.org)."""

from __future__ import annotations

import os
from typing import Literal, TextIO

Style = Literal["red", "green", "yellow", "bold", "dim"]
_CODES: dict[Style, str] = {"red": "31", "green": "32", "yellow": "33", "bold": "1", "dim": "2"}


def is_terminal(stream: TextIO) -> bool:
    """Whether `stream` is a terminal that understands ANSI codes (TERM is not dumb)."""
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def colour_enabled(stream: TextIO) -> bool:
    """Whether `stream` gets ANSI colour: it is a terminal, NO_COLOR is unset or empty, and TERM is not dumb."""
    return not os.environ.get("NO_COLOR") and is_terminal(stream)


def paint(text: str, style: Style, stream: TextIO) -> str:
    """`text` in `style` when `stream` gets colour, else unchanged."""
    return f"\033[{_CODES[style]}m{text}\033[0m" if colour_enabled(stream) else text
