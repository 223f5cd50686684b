"""Duration strings (`30s`, `5m`, `1h`, `30d`) and their conversion to seconds."""

from __future__ import annotations

import re
from collections.abc import Iterable

from vigil.spec.number_patterns import integers_pattern

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
DURATION_PATTERN = r"^\s*\d+\s*[smhd]\s*$"


def parse_duration(value: object) -> int:
    """Return the number of seconds a duration string such as `5m` denotes.

    Accepted units: s (seconds), m (minutes), h (hours), d (days). Bare numbers are refused so that `5` is
    never silently read as seconds when minutes were meant.
    """
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    raise ValueError(f'expected a duration like "30s", "5m", "1h" or "30d", got {_show(value)}')


def format_duration(seconds: int) -> str:
    """Render seconds in the largest unit that divides them exactly, e.g. 900 -> `15m`."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def words(seconds: int) -> str:
    """Render seconds for people: 900 -> `15 min`, 3600 -> `1 h`, 30 -> `30 s`."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def durations_pattern(seconds: Iterable[int]) -> str:
    """A regex matching exactly the duration strings (as parse_duration reads them) whose value is one of
    `seconds`, for JSON Schemas: `durations_pattern(range(60, 3601, 60))` matches `1m`, `120s` and `1h`."""
    allowed = set(seconds)
    units = []
    for unit, size in _UNIT_SECONDS.items():
        numbers = [value // size for value in allowed if value > 0 and value % size == 0]
        if numbers:
            units.append(f"(?:{integers_pattern(numbers)})\\s*{unit}")
    return rf"^\s*0*(?:{'|'.join(units)})\s*$"
