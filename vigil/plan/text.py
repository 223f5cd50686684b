"""Escaping of values written into generated text: alarm descriptions (read by people and parsed by the Slack
forwarder as `Label: value` lines) and comments of generated Python (the canary script).

Spec models already keep single-line fields on one line; these functions make the output safe on its own, so
that no value can start a line of its own or hide characters from a reader, whatever reached the plan."""

from __future__ import annotations

import re

from vigil.spec.types import LINE_UNSAFE_CHARACTERS

_UNSAFE = re.compile(f"[{LINE_UNSAFE_CHARACTERS}\\ud800-\\udfff]")
"""What the spec models refuse in one-line fields, and lone surrogates (which no encoder can write)."""


def one_line(text: str) -> str:
    """`text` with every line-breaking, control (but tab) or bidirectional-control character written as a
    Python-style escape (`\\n`, `\\x1b`, `\\u2028`), so the result is one line showing what it holds. Text
    without them (every valid one-line spec field) is returned unchanged. Safe inside a `#` comment of generated
    Python too: no line break, no NUL byte, nothing reordered."""
    return _UNSAFE.sub(lambda match: _escape(match.group()), text)


def _escape(char: str) -> str:
    named = {"\n": "\\n", "\r": "\\r"}
    if char in named:
        return named[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
