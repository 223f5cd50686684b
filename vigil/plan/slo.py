"""Resolve a service's SLOs into multiwindow, multi-burn-rate alarms (the method of the Google SRE workbook).

For each SLO, with budget = 1 - objective / 100 and the error ratio r(W) = bad events / all events over the
trailing window W:

- page   when guard AND ((r(5m) and r(1h) >= f1 x budget) OR (r(30m) and r(6h) >= f2 x budget))
- ticket when guard AND ((r(2h) and r(1d) >= f3 x budget) OR (r(6h) and r(3d) >= f4 x budget))

where the factors spend a fixed share of the window's budget over the long window: 2% in 1 h, 5% in 6 h, 10% in
1 d and 10% in 3 d, so a 30-day window gives 14.4, 6, 3 and 1 (a 28-day window 13.44, 5.6, 2.8, 0.933). `guard`
is the low-traffic guard: at least `min_requests` events in the last hour.

In CloudWatch each condition r(W) >= f x budget is one child metric alarm with Period = W and
EvaluationPeriods = 1 over the ratio expression, with actions disabled and missing data not breaching (no traffic
or a division by zero gives no datapoint). Alarms use CloudWatch's default sliding evaluation window, evaluated
every minute for periods of a minute or more, so each child checks the trailing W at every evaluation: the same
rolling windows as the Prometheus rules of Sloth and Pyrra, without M-of-N approximations. Every window fits
CloudWatch's evaluation-range rules as a single period (5m and 30m: period x 1 <= 1 day; 1h to 3d: <= 7 days).
The page and ticket are composite alarms over these children; the ticket names the page as its ActionsSuppressor.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from vigil import naming
from vigil.expressions import metric_ids, render_rule
from vigil.limits import MAX_ALARM_NAME
from vigil.plan.alarms import described, severity_actions
from vigil.plan.context import ServiceContext, enabled_in
from vigil.plan.model import AlarmPlan, BurnAlarm, MetricQuery, SloPlan
from vigil.spec.durations import format_duration, words
from vigil.spec.metrics import MetricSpec
from vigil.spec.slo import SOURCES, SloOverride, SloSpec
from vigil.spec.types import Severity, format_number

GUARD_PERIOD = 3600
"""The low-traffic guard counts events over this many seconds (1 hour)."""
PAGE_BURNS: tuple[tuple[int, int, float], ...] = ((300, 3600, 0.02), (1800, 21600, 0.05))
"""(short window, long window, share of the budget spent over the long window) of the page conditions."""
TICKET_BURNS: tuple[tuple[int, int, float], ...] = ((7200, 86400, 0.10), (21600, 259200, 0.10))
"""The same for the ticket conditions."""
SUPPRESSOR_WAIT_PERIOD = 120
"""Seconds the ticket waits for the page to fire before notifying (children are evaluated every minute)."""
SUPPRESSOR_EXTENSION_PERIOD = 3600
"""Seconds the ticket stays suppressed after the page returns to OK (the long ticket windows lag the page)."""
BURN_OPERATOR = "GreaterThanOrEqualToThreshold"


def burn_factor(share: float, long_window: int, slo_window: int) -> float:
    """The burn rate that spends `share` of the budget of `slo_window` in `long_window` (both in seconds):
    e.g. 2% of a 30-day budget in 1 hour is 0.02 x 720 = 14.4."""
    return round(share * slo_window / long_window, 6)


def resolve_slos(context: ServiceContext) -> tuple[list[AlarmPlan], list[SloPlan]]:
    """The child and composite alarms and the plans of every SLO of the service enabled in the context's
    environment."""
    alarms: list[AlarmPlan] = []
    plans: list[SloPlan] = []
    spec = context.spec
    alarm_keys = set(spec.alarms)
    for key in sorted(spec.slos):
        slo = spec.slos[key]
        context.check_override_names(slo.env, ("slos", key))
        override = slo.env.get(context.env_name) or SloOverride()
        if not enabled_in(slo.enabled, override):
            continue
        count = context.problem_count()
        built = _SloBuilder(context, key, slo, override, alarm_keys).build()
        if built is not None and context.problem_count() == count:
            alarms.extend(built[0])
            plans.append(built[1])
    return alarms, plans


class _SloBuilder:
    def __init__(self, context: ServiceContext, key: str, slo: SloSpec, override: SloOverride,
                 alarm_keys: set[str]) -> None:
        self.context = context
        self.key = key
        self.slo = slo
        self.path: tuple[str, ...] = ("slos", key)
        self.objective = override.objective or slo.objective
        self.min_requests = override.min_requests or slo.min_requests
        self.budget = round(1 - self.objective / 100, 12)
        self.alarm_keys = alarm_keys
        self.env = context.env_name
        self.scope = context.scope
        self.service = context.service
        self._problem = context.problem

    def build(self) -> tuple[list[AlarmPlan], SloPlan] | None:
        slo = self.slo
        expression, metrics, total = self._sources()
        page_severity: Severity = slo.page.severity or "critical"
        ticket_severity: Severity = slo.ticket.severity or "warning"
        guard = self._guard(total, metrics, page_severity)
        children: list[AlarmPlan] = [guard]
        page_rules = self._rules("page", PAGE_BURNS, expression, metrics, page_severity, children) \
            if slo.page.enabled else ()
        ticket_rules = self._rules("ticket", TICKET_BURNS, expression, metrics, ticket_severity, children) \
            if slo.ticket.enabled else ()
        composites: list[AlarmPlan] = []
        page = self._composite("page", page_rules, guard, page_severity, None) if page_rules else None
        if page is not None:
            composites.append(page)
        ticket = self._composite("ticket", ticket_rules, guard, ticket_severity, page) if ticket_rules else None
        if ticket is not None:
            composites.append(ticket)
        if not composites:
            self._problem(self.path, "both page and ticket are disabled; disable the SLO instead (enabled: false)")
            return None
        alarms = children + composites
        for alarm in alarms:
            if alarm.key in self.alarm_keys:
                self._problem(self.path, f'the SLO alarm key "{alarm.key}" is also an alarm of this service; '
                                         "rename one of them")
            if len(alarm.name) > MAX_ALARM_NAME:
                self._problem(self.path, f"alarm name {alarm.name} is {len(alarm.name)} characters; CloudWatch "
                                         f"allows {MAX_ALARM_NAME}: shorten the SLO key")
        plan = SloPlan(
            key=self.key, service=self.service, objective=self.objective, window=slo.window, budget=self.budget,
            ratio_expression=expression, metrics=metrics, total_expression=total, min_requests=self.min_requests,
            guard_alarm=guard.name, page_alarm=page.name if page else None,
            ticket_alarm=ticket.name if ticket else None, page_severity=page_severity,
            ticket_severity=ticket_severity, page_rules=page_rules, ticket_rules=ticket_rules,
        )
        return alarms, plan

    def _sources(self) -> tuple[str, tuple[MetricQuery, ...], str]:
        """(ratio expression, metric queries, total-events expression). The spec model has checked that exactly
        one source is given, with total where it needs one."""
        slo = self.slo
        forms = [name for name in SOURCES if getattr(slo, name) is not None]
        if forms[0] == "latency":
            latency = slo.latency
            assert latency is not None
            base = MetricSpec(metric=latency.metric, namespace=latency.namespace, dimensions=latency.dimensions)
            good = self._query("good", base.model_copy(update={"stat": f"PR(:{format_number(latency.below)})"}),
                               ("latency",))
            total = self._query("total", base.model_copy(update={"stat": "SampleCount"}), ("latency",))
            return "1 - good / 100", (good, total), "total"
        if forms[0] == "math":
            return self._math()
        assert slo.total is not None
        total = self._query("total", slo.total, ("total",))
        if forms[0] == "errors":
            assert slo.errors is not None
            return "FILL(errors, 0) / total", (self._query("errors", slo.errors, ("errors",)), total), "total"
        assert slo.good is not None
        return "(total - good) / total", (self._query("good", slo.good, ("good",)), total), "total"

    def _math(self) -> tuple[str, tuple[MetricQuery, ...], str]:
        math = self.slo.math
        assert math is not None
        queries = tuple(self._query(metric_id, metric, ("math", "metrics", metric_id))
                        for metric_id, metric in sorted(math.metrics.items()))
        total = math.total
        if math.errors is not None:
            return f"({math.errors}) / ({total})", queries, total
        return f"(({total}) - ({math.good})) / ({total})", queries, total

    def _query(self, metric_id: str, metric: MetricSpec, field: tuple[str, ...]) -> MetricQuery:
        return self.context.metric_query((*self.path, *field), metric_id, metric, GUARD_PERIOD)

    def _common(self, part: str, severity: Severity, summary: str) -> dict[str, Any]:
        key = naming.slo_alarm_key(self.key, part)
        return {
            "key": key, "name": naming.alarm_name(self.scope, self.service, key), "service": self.service,
            "severity": severity, "summary": summary, "owner": self.context.spec.owner,
            "runbook": self.slo.runbook or self.context.spec.runbook, "source": self.context.source,
            "condition": "", "description": "",
        }

    def _finish(self, plan: AlarmPlan, rule: str | None = None) -> AlarmPlan:
        return described(plan, self.env, rule)

    def _what(self) -> str:
        return f"SLO {self.key} ({format_number(self.objective)}% over {words(self.slo.window)})"

    def _guard(self, total: str, metrics: tuple[MetricQuery, ...], severity: Severity) -> AlarmPlan:
        summary = (f"Low-traffic guard of {self._what()}: at least {self.min_requests} events in the last hour "
                   "(burn-rate alerts need it)")
        single = next((m for m in metrics if m.id == total.strip()), None)
        source: dict[str, Any] = {"metric": replace(single, id="m1", period=GUARD_PERIOD)} if single else {
            "expression": total, "metrics": tuple(replace(m, period=GUARD_PERIOD) for m in metrics
                                                  if m.id in metric_ids(total))}
        plan = AlarmPlan(
            **self._common("traffic", severity, summary), kind="threshold", **source, operator=BURN_OPERATOR,
            threshold=float(self.min_requests), period=GUARD_PERIOD, missing_data="notBreaching",
            actions_enabled=False,
        )
        return self._finish(plan)

    def _rules(self, alert: str, burns: tuple[tuple[int, int, float], ...], expression: str,
               metrics: tuple[MetricQuery, ...], severity: Severity,
               children: list[AlarmPlan]) -> tuple[tuple[BurnAlarm, BurnAlarm], ...]:
        rules = []
        for short, long, share in burns:
            factor = burn_factor(share, long, self.slo.window)
            if factor * self.budget > 1:
                self._problem((*self.path, "objective"),
                              f"an objective of {format_number(self.objective)}% leaves a budget of "
                              f"{format_number(round(self.budget * 100, 9))}%: the {alert} burn rate "
                              f"{format_number(factor)}x "
                              "would need more than 100% errors; raise the objective or disable the "
                              f"{alert} ({alert}: {{enabled: false}})")
                return ()
            pair = []
            for window in (short, long):
                threshold = round(factor * self.budget, 12)
                summary = (f"Error ratio of {self._what()} over {words(window)} is at least {format_number(factor)}x "
                           f"the error budget ({alert} condition)")
                plan = AlarmPlan(
                    **self._common(f"burn-{format_duration(window)}-{alert}", severity, summary), kind="threshold",
                    expression=expression, metrics=tuple(replace(m, period=window) for m in metrics),
                    operator=BURN_OPERATOR, threshold=threshold, period=window, missing_data="notBreaching",
                    actions_enabled=False,
                )
                children.append(self._finish(plan))
                pair.append(BurnAlarm(window=window, factor=factor, threshold=threshold, alarm=plan.name))
            rules.append((pair[0], pair[1]))
        return tuple(rules)

    def _composite(self, alert: str, rules: tuple[tuple[BurnAlarm, BurnAlarm], ...], guard: AlarmPlan,
                   severity: Severity, suppressor: AlarmPlan | None) -> AlarmPlan:
        burn_keys = [naming.slo_alarm_key(self.key, f"burn-{format_duration(b.window)}-{alert}")
                     for pair in rules for b in pair]
        keys = {naming.alarm_name(self.scope, self.service, k): k for k in [guard.key, *burn_keys]}
        pairs = " OR ".join(f"(ALARM({keys[s.alarm]}) AND ALARM({keys[long.alarm]}))" for s, long in rules)
        rule = f"ALARM({guard.key}) AND ({pairs})"
        names = {key: name for name, key in keys.items()}
        speed = "fast" if alert == "page" else "slow"
        summary = (f"{self._what()} is burning its error budget {speed}"
                   + (f": {self.slo.summary}" if self.slo.summary else ""))
        plan = AlarmPlan(
            **self._common(alert, severity, summary), kind="composite", rule=render_rule(rule, names),
            children=tuple(names[k] for k in keys.values()), **severity_actions(self.env, severity),
            actions_suppressor=suppressor.name if suppressor else None,
            suppressor_wait_period=SUPPRESSOR_WAIT_PERIOD if suppressor else 0,
            suppressor_extension_period=SUPPRESSOR_EXTENSION_PERIOD if suppressor else 0,
        )
        return self._finish(plan, rule)
