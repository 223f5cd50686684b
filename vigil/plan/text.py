"""Escaping of values written into generated text: alarm descriptions (read by people and parsed by the Slack
forwarder as `Label: value` lines) and comments of generated Python (the canary script).

Spec models already keep single-line fields on one line; these functions make the output safe on its own, so
that no value can start a line of its own or hide characters from a reader, whatever reached the plan."""

from __future__ import annotations

import unicodedata

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Unicode categories written as escapes: control and format characters (bidirectional overrides among them),
surrogates, and line and paragraph separators."""


def one_line(text: str) -> str:
    """`text` with every control, format or line-separating character written as a Python-style escape
    (`\\n`, `\\x1b`, `\\u2028`), so the result is one printable line. Text without such characters (every valid
    spec value) is returned unchanged. Safe inside a `#` comment of generated Python too: no line break, no NUL
    byte, nothing hidden."""
    if text.isprintable():
        return text
    return "".join(_escape(char) if unicodedata.category(char) in _ESCAPED_CATEGORIES else char for char in text)


def _escape(char: str) -> str:
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
