"""A pure-Python evaluator of generated alarm plans over synthetic per-minute metric data, used to prove that
the SLO burn-rate alarms page and ticket when they should.

It evaluates the plan's own definitions, not an idealised model: each metric alarm's metric queries (namespace,
metric, dimensions, statistic, period), its math expression, comparison, threshold, M of N and missing-data
treatment; each composite alarm's rule over the other alarms' states; actions_enabled and ActionsSuppressor
with its wait and extension periods. Like CloudWatch's default sliding evaluation window, every alarm is
evaluated once a minute over the trailing period(s) ending at that minute.
"""

from __future__ import annotations

import ast
import functools
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from vigil.plan.model import AlarmPlan, MetricQuery, SloPlan

MetricKey = tuple[str, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Minute:
    """One minute of one metric: `count` datapoints (SampleCount) summing to `total` (Sum), of which
    `at_or_below` are at or below the bound of a percentile-rank statistic PR(:bound)."""

    count: float
    total: float
    at_or_below: float = 0.0


def metric_key(query: MetricQuery) -> MetricKey:
    """What identifies a metric's data: namespace, name and dimensions (not the statistic or period)."""
    return (query.namespace, query.metric, query.dimensions)


_COMPARE = {
    "GreaterThanThreshold": operator.gt, "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt, "LessThanOrEqualToThreshold": operator.le,
}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_PR = re.compile(r"^PR\(:(\d+(?:\.\d+)?)\)$")
_TOKEN = re.compile(r'\s*(\(|\)|AND\b|OR\b|NOT\b|TRUE\b|FALSE\b|(ALARM|OK|INSUFFICIENT_DATA)\("([^"]*)"\))')


@dataclass
class Result:
    """Alarm states per minute (index t: the evaluation at the end of minute t - 1) and the notifications sent,
    as (minute, alarm name)."""

    states: dict[str, list[str]] = field(default_factory=dict)
    notifications: list[tuple[int, str]] = field(default_factory=list)

    def notified(self, name: str) -> list[int]:
        """The minutes at which `name` notified its actions."""
        return [minute for minute, alarm in self.notifications if alarm == name]


class Evaluator:
    """Evaluates `alarms` (metric and composite, in any order) every minute over `data`, per-minute series by
    metric key; minutes before the series and metrics without data count as no data."""

    def __init__(self, alarms: Iterable[AlarmPlan], data: dict[MetricKey, Sequence[Minute]]) -> None:
        self.alarms = {alarm.name: alarm for alarm in alarms}
        self.minutes = max((len(series) for series in data.values()), default=0)
        self.prefix: dict[MetricKey, tuple[list[float], list[float], list[float]]] = {}
        for key, series in data.items():
            sums: tuple[list[float], list[float], list[float]] = ([0.0], [0.0], [0.0])
            for minute in series:
                for column, value in zip(sums, (minute.count, minute.total, minute.at_or_below), strict=True):
                    column.append(column[-1] + value)
            self.prefix[key] = sums

    def aggregate(self, query: MetricQuery, end: int) -> float | None:
        """The statistic of `query` over its period ending at minute `end`; None when there is no datapoint."""
        sums = self.prefix.get(metric_key(query))
        if sums is None:
            return None
        start = max(0, end - query.period // 60)
        stop = min(end, len(sums[0]) - 1)
        if stop <= start:
            return None
        count, total, below = (column[stop] - column[start] for column in sums)
        if count <= 0:
            return None
        if query.stat == "Sum":
            return total
        if query.stat == "SampleCount":
            return count
        if query.stat == "Average":
            return total / count
        match = _PR.match(query.stat)
        if match:
            return 100.0 * below / count
        raise ValueError(f"the evaluator does not model the statistic {query.stat}")

    def datapoint(self, alarm: AlarmPlan, end: int) -> float | None:
        """The value of a metric or math alarm for the period ending at minute `end`."""
        if alarm.metric is not None:
            return self.aggregate(alarm.metric, end)
        values = {m.id: self.aggregate(m, end) for m in alarm.metrics}
        return _evaluate(_parsed(alarm.expression or ""), values)

    def metric_state(self, alarm: AlarmPlan, end: int, previous: str) -> str:
        """ALARM, OK or INSUFFICIENT_DATA after evaluating the last N periods ending at `end` (M of N)."""
        points = [self.datapoint(alarm, end - k * alarm.period // 60) for k in range(alarm.evaluation_periods)]
        compare = _COMPARE[alarm.operator or ""]
        present = [p for p in points if p is not None]
        missing = len(points) - len(present)
        breaching = sum(1 for p in present if compare(p, alarm.threshold))
        if alarm.missing_data == "breaching":
            breaching += missing
        elif not present:
            return {"notBreaching": "OK"}.get(alarm.missing_data, previous)
        return "ALARM" if breaching >= alarm.datapoints_to_alarm else "OK"

    def run(self, minutes: int | None = None) -> Result:
        """Evaluate every alarm at minutes 1..`minutes` (default: the length of the data)."""
        total = self.minutes if minutes is None else minutes
        result = Result({name: ["INSUFFICIENT_DATA"] for name in self.alarms})
        metric = [a for a in self.alarms.values() if a.kind != "composite"]
        composite = [a for a in self.alarms.values() if a.kind == "composite"]
        for t in range(1, total + 1):
            now: dict[str, str] = {}
            for alarm in metric:
                now[alarm.name] = self.metric_state(alarm, t, result.states[alarm.name][-1])
            for alarm in _composite_order(composite):
                now[alarm.name] = "ALARM" if _rule(alarm.rule or "", now) else "OK"
            for name, state in now.items():
                result.states[name].append(state)
        for alarm in self.alarms.values():
            if alarm.actions_enabled and alarm.alarm_actions:
                result.notifications += _notifications(alarm, result.states)
        result.notifications.sort()
        return result


@functools.cache
def _parsed(expression: str) -> ast.expr:
    """A math expression's syntax tree, parsed once (an alarm is evaluated every minute)."""
    return ast.parse(expression, mode="eval").body


def _notifications(alarm: AlarmPlan, states: dict[str, list[str]]) -> list[tuple[int, str]]:
    history = states[alarm.name]
    sent = []
    for t in range(1, len(history)):
        if history[t] != "ALARM" or history[t - 1] == "ALARM":
            continue
        if alarm.actions_suppressor is None:
            sent.append((t, alarm.name))
            continue
        suppressor = states[alarm.actions_suppressor]
        wait, extension = alarm.suppressor_wait_period // 60, alarm.suppressor_extension_period // 60
        recent = suppressor[max(0, t - extension):t + wait + 1]
        if "ALARM" not in recent:
            sent.append((t + wait, alarm.name))
    return sent


def _composite_order(alarms: list[AlarmPlan]) -> list[AlarmPlan]:
    names = {a.name for a in alarms}
    ordered: list[AlarmPlan] = []
    pending = list(alarms)
    while pending:
        ready = [a for a in pending if not (set(a.children) & names - {o.name for o in ordered})]
        if not ready:
            raise ValueError("composite alarms refer to each other in a cycle")
        ordered += ready
        pending = [a for a in pending if a not in ready]
    return ordered


def evaluate_expression(expression: str, values: dict[str, float | None]) -> float | None:
    """The value of a metric math expression (numbers, metric ids, + - * /, unary -, FILL) over `values` by id;
    None where a value is missing or a division is by zero, as CloudWatch gives no datapoint."""
    return _evaluate(_parsed(expression), values)


def _evaluate(node: ast.expr, values: dict[str, float | None]) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _evaluate(node.operand, values)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        if left is None or right is None or (isinstance(node.op, ast.Div) and right == 0):
            return None
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "FILL":
        value = _evaluate(node.args[0], values)
        return _evaluate(node.args[1], values) if value is None else value
    raise ValueError(f"the evaluator does not model {ast.unparse(node)}")


def _rule(rule: str, states: dict[str, str]) -> bool:
    tokens: list[tuple[str, str | None, str | None]] = []
    position = 0
    while position < len(rule.rstrip()):
        match = _TOKEN.match(rule, position)
        if not match:
            raise ValueError(f"cannot parse the rule at: {rule[position:]}")
        tokens.append((match.group(1) if match.group(2) is None else "STATE", match.group(2), match.group(3)))
        position = match.end()
    index = 0

    def expression() -> bool:
        nonlocal index
        value = term()
        while index < len(tokens) and tokens[index][0] == "OR":
            index += 1
            value = term() or value
        return value

    def term() -> bool:
        nonlocal index
        value = factor()
        while index < len(tokens) and tokens[index][0] == "AND":
            index += 1
            value = factor() and value
        return value

    def factor() -> bool:
        nonlocal index
        kind, state, name = tokens[index]
        index += 1
        if kind == "NOT":
            return not factor()
        if kind == "(":
            value = expression()
            index += 1  # ")"
            return value
        if kind in ("TRUE", "FALSE"):
            return kind == "TRUE"
        return states[name or ""] == state

    return expression()


def slo_data(slo: SloPlan, requests: Sequence[float], bad: Sequence[float],
             roles: dict[str, tuple[str, float]] | None = None) -> dict[MetricKey, list[Minute]]:
    """Per-minute data for an SLO's metrics from `requests` events and `bad` failed (or slow) events per minute.
    Counters publish one datapoint in each minute with traffic and nothing in minutes without.

    `roles` maps a metric id to (errors, good or total, share of those events it counts); by default a metric's
    id is its role and it counts all of them (the metric-pair forms)."""
    data: dict[MetricKey, list[Minute]] = {}
    for query in slo.metrics:
        role, share = (roles or {}).get(query.id, (query.id, 1.0))
        series = []
        for total, failed in zip(requests, bad, strict=True):
            if query.stat == "SampleCount" or _PR.match(query.stat):
                series.append(Minute(count=total, total=0.0, at_or_below=total - failed))
            else:
                value = {"errors": failed, "good": total - failed, "total": total}[role] * share
                series.append(Minute(count=1.0 if total > 0 else 0.0, total=value))
        data[metric_key(query)] = series
    return data


def slo_alarms(alarms: Iterable[AlarmPlan], slo: SloPlan) -> list[AlarmPlan]:
    """The alarms of one SLO among a service's alarms (its guard, burn children, page and ticket)."""
    names = {slo.guard_alarm, slo.page_alarm, slo.ticket_alarm}
    names |= {burn.alarm for pair in (*slo.page_rules, *slo.ticket_rules) for burn in pair}
    return [alarm for alarm in alarms if alarm.name in names]
