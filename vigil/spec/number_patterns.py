"""Regular expressions for sets of whole numbers, so that a JSON Schema can say what a validator checks on a
number written inside a string (a duration such as `90s`, which the schema sees as text)."""

from __future__ import annotations

from collections.abc import Iterable


def integers_pattern(values: Iterable[int]) -> str:
    """A regex alternation (unanchored, without leading zeros) matching exactly the decimal forms of `values`,
    which must be positive: runs of consecutive numbers as digit ranges, lone numbers as a prefix tree."""
    numbers = sorted(set(values))
    runs: list[tuple[int, int]] = []
    for number in numbers:
        if runs and runs[-1][1] == number - 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    ranges = [part for low, high in runs if low < high for part in _range_parts(low, high)]
    singles = [str(low) for low, high in runs if low == high]
    return "|".join([*ranges, *([_tree(singles)] if singles else [])])


def _range_parts(low: int, high: int) -> list[str]:
    parts = []
    while low <= high:
        top = min(high, 10 ** len(str(low)) - 1)
        parts += _same_length(str(low), str(top))
        low = top + 1
    return parts


def _any_digits(count: int) -> str:
    return "" if count == 0 else "[0-9]" if count == 1 else f"[0-9]{{{count}}}"


def _digits(low: int, high: int) -> str:
    return str(low) if low == high else f"[{low}-{high}]"


def _same_length(low: str, high: str) -> list[str]:
    """Patterns for the numbers from `low` to `high`, two digit strings of the same length."""
    if low == high:
        return [low]
    shared = next(i for i, (a, b) in enumerate(zip(low, high, strict=True)) if a != b)
    prefix, low, high = low[:shared], low[shared:], high[shared:]
    rest = len(low) - 1
    first, last = int(low[0]), int(high[0])
    parts: list[str] = []
    if low[1:] != "0" * rest:
        parts += [prefix + low[0] + part for part in _same_length(low[1:], "9" * rest)]
        first += 1
    top = last if high[1:] == "9" * rest else last - 1
    if first <= top:
        parts.append(prefix + _digits(first, top) + _any_digits(rest))
    if high[1:] != "9" * rest:
        parts += [prefix + high[0] + part for part in _same_length("0" * rest, high[1:])]
    return parts


def _tree(words: list[str]) -> str:
    """An alternation of `words` sharing common prefixes."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [char + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return emit(root)
