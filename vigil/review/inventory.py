"""What a service deploys besides its alarms, in words: SLOs, log groups, dashboards, canaries and X-Ray. Used by
`python -m vigil plan` (vigil/review/report.py) in text, markdown and json, and by `python -m vigil diff`
(vigil/review/diff.py) for the one-line summaries of added and removed things."""

from __future__ import annotations

import json
from typing import Any

from vigil.plan.model import (
    CanaryPlan,
    DashboardPlan,
    EnvironmentPlan,
    LogGroupPlan,
    MetricFilterPlan,
    SamplingRulePlan,
    ServicePlan,
    SloPlan,
    XRayGroupPlan,
    plain_data,
)
from vigil.review.recipients import names, notified_by_name
from vigil.spec.durations import words
from vigil.spec.types import format_number


def retention(group: LogGroupPlan) -> str:
    """`retention 30 d`, `retention never expires`, or `retention unchanged` (an existing group left alone)."""
    if group.retention_days is None:
        return "retention unchanged"
    return "never expires" if group.retention_days == 0 else f"retention {group.retention_days} d"


def log_group_summary(group: LogGroupPlan) -> str:
    """E.g. `existing, retention 30 d, 1 filter, 1 query`; owned groups also name their KMS key."""
    parts = ["existing" if group.existing else "owned", retention(group)]
    if group.kms_key:
        parts.append(f"KMS key {group.kms_key}")
    parts.append(count_of(len(group.filters), "filter"))
    parts.append(count_of(len(group.queries), "query", "queries"))
    return ", ".join(parts)


def filter_summary(metric_filter: MetricFilterPlan) -> str:
    """E.g. `PurposePath/Coaching LogErrors (value 1) from { $.level = "error" }`."""
    return f"{filter_metric(metric_filter)} from {metric_filter.pattern}"


def filter_metric(metric_filter: MetricFilterPlan) -> str:
    """The metric a filter publishes: `PurposePath/Coaching LogErrors (value 1, unit Count, adapter=$.a)`."""
    extras = [f"value {metric_filter.value}"]
    if metric_filter.default_value is not None:
        extras.append(f"default {format_number(metric_filter.default_value)}")
    if metric_filter.unit:
        extras.append(f"unit {metric_filter.unit}")
    extras += [f"{name}={field}" for name, field in metric_filter.dimensions]
    return f"{metric_filter.namespace} {metric_filter.metric} ({', '.join(extras)})"


def dashboard_summary(dashboard: DashboardPlan) -> str:
    """E.g. `generated, 10 widgets, 19 metrics`, `generated part 2 of 3, ...`, `declared in dashboards/x.yaml, ...`."""
    if dashboard.kind == "declared":
        kind = f"declared in {dashboard.source}"
    else:
        kind = "generated" if dashboard.kind == "generated" else "SLO error budgets"
        if dashboard.parts > 1:
            kind += f" part {dashboard.part} of {dashboard.parts}"
    return f"{kind}, {count_of(dashboard.widgets, 'widget')}, {count_of(dashboard.metrics, 'metric')}"


def slo_summary(plan: EnvironmentPlan, slo: SloPlan) -> str:
    """E.g. `99.9% over 30 d (budget 0.1%, guard 100 events/h); page critical -> a, b; ticket warning -> c`."""
    return f"{slo_objective(slo)}; {slo_alert(plan, slo, 'page')}; {slo_alert(plan, slo, 'ticket')}"


def slo_objective(slo: SloPlan) -> str:
    """The objective, window, error budget and low-traffic guard of an SLO."""
    return (f"{format_number(slo.objective)}% over {words(slo.window)} "
            f"(budget {format_number(round(slo.budget * 100, 9))}%, "
            f"guard {slo.min_requests} events/h)")


def slo_alert(plan: EnvironmentPlan | None, slo: SloPlan, alert: str) -> str:
    """`page critical -> pagerduty-primary, slack-incidents`, or `page disabled`."""
    if (slo.page_alarm if alert == "page" else slo.ticket_alarm) is None:
        return f"{alert} disabled"
    severity = slo.page_severity if alert == "page" else slo.ticket_severity
    return f"{alert} {severity} -> {names(slo_notifies(plan, slo, alert))}"


def slo_notifies(plan: EnvironmentPlan | None, slo: SloPlan, alert: str) -> tuple[str, ...]:
    """The channels the SLO's page or ticket alarm reaches (none when that alert is disabled)."""
    return notified_by_name(plan, slo.service, slo.page_alarm if alert == "page" else slo.ticket_alarm)


def canary_notifies(plan: EnvironmentPlan | None, canary: CanaryPlan) -> tuple[str, ...]:
    """The channels a canary's failure alarm reaches."""
    return notified_by_name(plan, canary.service, canary.alarms[0] if canary.alarms else None)


def canary_target(canary: CanaryPlan) -> str:
    """The URL a one-step canary checks, or `N steps`."""
    steps = json.loads(canary.config)["steps"]
    return steps[0]["url"] if len(steps) == 1 else f"{len(steps)} steps"


def canary_summary(plan: EnvironmentPlan | None, canary: CanaryPlan) -> str:
    """E.g. `every 5 min: https://api.example.com/health; critical -> pagerduty-primary`."""
    return (f"every {words(canary.every)}: {canary_target(canary)}; {canary.severity} -> "
            f"{names(canary_notifies(plan, canary))}")


def xray_group_summary(group: XRayGroupPlan) -> str:
    """The group's filter expression and whether Insights (and its notifications) are on."""
    extras = [name for name, on in (("insights", group.insights), ("notifications", group.notifications)) if on]
    return group.filter + "".join(f", {extra}" for extra in extras)


def sampling_rule_summary(rule: SamplingRulePlan) -> str:
    """E.g. `1/s then 5% of wwhd-backend GET /health (priority 100)`."""
    return (f"{rule.reservoir}/s then {rule.fixed_rate:.0%} of {rule.service} {rule.method} {rule.url_path} "
            f"(priority {rule.priority})")


# Text ------------------------------------------------------------------------------------------------------------


def text_lines(plan: EnvironmentPlan, service: ServicePlan) -> list[str]:
    """The lines of `vigil plan` for a service's SLOs, log groups and dashboards (after its alarms, canaries and
    X-Ray lines), each led by a word for its kind."""
    lines = []
    for slo in service.slos:
        lines.append(f"  slo      {slo.key}: {slo_summary(plan, slo)}")
    for group in service.log_groups:
        lines.append(f"  logs     {group.name}: {log_group_summary(group)}")
        lines += [f"             filter {f.key}: {filter_summary(f)}" for f in group.filters]
        lines += [f"             query {q.name}" for q in group.queries]
    lines += [f"  dashboard {d.name}: {dashboard_summary(d)}" for d in service.dashboards]
    return lines


def environment_text_lines(plan: EnvironmentPlan) -> list[str]:
    """The dashboards across services (those naming no service), after the services."""
    if not plan.dashboards:
        return []
    return ["", f"Dashboards across services (stack vigil-{plan.scope}-dashboards):",
            *(f"  dashboard {d.name}: {dashboard_summary(d)}" for d in plan.dashboards)]


# Markdown --------------------------------------------------------------------------------------------------------


def markdown_lines(plan: EnvironmentPlan, service: ServicePlan) -> list[str]:
    """Tables of a service's SLOs, canaries, X-Ray groups and sampling rules, log groups and dashboards (only
    the tables that have rows)."""
    lines: list[str] = []
    if service.slos:
        lines += ["", "| SLO | objective | page | ticket |", "| --- | --- | --- | --- |"]
        lines += [f"| `{s.key}` | {slo_objective(s)} | {slo_alert(plan, s, 'page').removeprefix('page ')} | "
                  f"{slo_alert(plan, s, 'ticket').removeprefix('ticket ')} |" for s in service.slos]
    if service.canaries:
        lines += ["", "| canary | every | checks | notifies |", "| --- | --- | --- | --- |"]
        lines += [f"| `{c.name}` | {words(c.every)} | {_cell(canary_target(c))} | {c.severity}: "
                  f"{names(canary_notifies(plan, c))} |" for c in service.canaries]
    if service.xray_groups or service.sampling_rules:
        lines += ["", "| X-Ray | name | what |", "| --- | --- | --- |"]
        lines += [f"| group | `{g.name}` | {_cell(xray_group_summary(g))} |" for g in service.xray_groups]
        lines += [f"| sampling rule | `{r.name}` | {_cell(sampling_rule_summary(r))} |"
                  for r in service.sampling_rules]
    if service.log_groups:
        lines += ["", "| log group | kind | retention | metric filters | queries |", "| --- | --- | --- | --- | --- |"]
        for group in service.log_groups:
            filters = "<br>".join(f"`{f.key}`: {_cell(filter_summary(f))}" for f in group.filters) or "none"
            queries = "<br>".join(f"`{q.name}`" for q in group.queries) or "none"
            lines.append(f"| `{group.name}` | {'existing' if group.existing else 'owned'} | "
                         f"{retention(group).removeprefix('retention ')} | {filters} | {queries} |")
    if service.dashboards:
        lines += ["", "| dashboard | what |", "| --- | --- |"]
        lines += [f"| `{d.name}` | {dashboard_summary(d)} |" for d in service.dashboards]
    return lines


def environment_markdown_lines(plan: EnvironmentPlan) -> list[str]:
    """A table of the dashboards across services."""
    if not plan.dashboards:
        return []
    return ["", "#### Dashboards across services", "", "| dashboard | what |", "| --- | --- |",
            *(f"| `{d.name}` | {dashboard_summary(d)} |" for d in plan.dashboards)]


# JSON ------------------------------------------------------------------------------------------------------------


def service_data(plan: EnvironmentPlan, service: ServicePlan) -> dict[str, Any]:
    """The SLOs (with whom their page and ticket notify), log groups and dashboards of a service, JSON-ready."""
    return {
        "slos": [{**plain_data(slo), "notifies": {"page": list(slo_notifies(plan, slo, "page")),
                                              "ticket": list(slo_notifies(plan, slo, "ticket"))}}
                 for slo in service.slos],
        "log_groups": [plain_data(group) for group in service.log_groups],
        "dashboards": [dashboard_data(d) for d in service.dashboards],
    }


def dashboard_data(dashboard: DashboardPlan) -> dict[str, Any]:
    """A dashboard without its body (the template has it): name, kind, source, part, widget and metric counts."""
    return {k: v for k, v in plain_data(dashboard).items() if k != "body"}


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    """`1 widget`, `2 widgets`, `3 queries` (with `plural`)."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
