"""Light parsing of CloudWatch metric math and composite alarm rules, enough to check what they refer to."""

from __future__ import annotations

import re
from collections.abc import Mapping

EXPRESSION_ID = "expr"
"""The id of the returned expression of a metric-math alarm in its Metrics; spec metric ids may not take it."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_METRIC_ID = re.compile(r"(?<![A-Za-z0-9_.])[a-z][a-zA-Z0-9_]*")
_STATE_CALL = re.compile(r'\b(ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*("?)([^()"]*?)\2\s*\)')
_RULE_TOKEN = re.compile(r"\s*(\(|\)|AND\b|OR\b|NOT\b|TRUE\b|FALSE\b|@)")

def metric_ids(expression: str) -> list[str]:
    """The metric ids a math expression uses, in order of first use (functions are upper case, ids lower)."""
    seen: dict[str, None] = {}
    for match in _METRIC_ID.finditer(_STRING.sub('""', expression)):
        seen.setdefault(match.group(0), None)
    return list(seen)


def rule_references(rule: str) -> list[str]:
    """The alarm keys a composite rule refers to through ALARM(), OK() and INSUFFICIENT_DATA()."""
    return [match.group(3).strip() for match in _STATE_CALL.finditer(rule)]


def rule_syntax_error(rule: str) -> str | None:
    """Why `rule` is not a well-formed composite rule, or None when it is."""
    text = _STATE_CALL.sub("@", rule)
    depth, position, expect_operand = 0, 0, True
    while position < len(text):
        match = _RULE_TOKEN.match(text, position)
        if not match:
            rest = text[position:].strip()
            if not rest:
                break
            return f'unexpected "{rest.split()[0]}"; expected ALARM(key), OK(key), INSUFFICIENT_DATA(key), AND, OR, NOT'
        token = match.group(1)
        position = match.end()
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            if depth < 0:
                return "unbalanced parentheses"
        elif token in ("AND", "OR"):
            if expect_operand:
                return f"{token} needs an operand on its left"
            expect_operand = True
            continue
        elif token in ("@", "TRUE", "FALSE"):
            if not expect_operand:
                return "two conditions without AND or OR between them"
            expect_operand = False
            continue
        if token == "NOT":
            expect_operand = True
    if depth:
        return "unbalanced parentheses"
    if expect_operand:
        return "the rule ends without a condition"
    return None


def rename_in_rule(rule: str, renamed: Mapping[str, str]) -> str:
    """`rule` with the alarm keys in `renamed` replaced by their new keys, e.g. ALARM(orders-errors) ->
    ALARM(orders-fn-errors); other keys and the rest of the rule unchanged."""
    return _STATE_CALL.sub(lambda m: f"{m.group(1)}({renamed.get(m.group(3).strip(), m.group(3).strip())})", rule)


def render_rule(rule: str, names: dict[str, str]) -> str:
    """Replace each alarm key in `rule` by the quoted full alarm name, e.g. ALARM("prod-coaching-api-down")."""
    return _STATE_CALL.sub(lambda m: f'{m.group(1)}("{names[m.group(3).strip()]}")', rule)
