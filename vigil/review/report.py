"""Render an environment plan for people (text, markdown) and machines (json)."""

from __future__ import annotations

import json
from typing import Any

from vigil.plan.model import AlarmPlan, EnvironmentPlan, ServicePlan, plain_data
from vigil.review import inventory
from vigil.review.recipients import channel_kind, notified
from vigil.review.routing_map import routing_map
from vigil.spec.durations import words

FORMATS = ("text", "markdown", "json")


def render(plan: EnvironmentPlan, output: str) -> str:
    """The plan of one environment as `text`, `markdown` or `json`."""
    if output == "json":
        return json.dumps(plan_data(plan), indent=2, sort_keys=True)
    if output == "markdown":
        return _markdown(plan)
    return _text(plan)


def render_all(plans: tuple[EnvironmentPlan, ...], output: str) -> str:
    """The plans of several environments (`text` or `markdown`), ending with one summary line per environment."""
    summaries = [summary_line(plan) for plan in plans]
    if output == "markdown":
        ending = ["", "#### Summary", "", *(f"- {line}" for line in summaries)]
    else:
        ending = ["", "Summary:", *(f"  {line}" for line in summaries)]
    return "\n\n".join(render(plan, output) for plan in plans) + "\n" + "\n".join(ending)


def plan_data(plan: EnvironmentPlan) -> dict[str, Any]:
    """A JSON-ready view of the plan: routes, channels (secrets by reference only), services with everything
    they deploy (dashboard bodies left out), and the dashboards across services."""
    return {
        "environment": plan.name,
        **({"target": plan.target} if plan.target is not None else {}),
        "account": plan.account,
        "region": plan.region,
        **({"alarm_account": plan.alarm_account} if plan.central else {}),
        "protected": plan.protected,
        "routes": {severity: list(names) for severity, names in plan.routes.items()},
        "channels": {name: {**channel.model_dump(mode="json", exclude_none=True), "kind": channel_kind(channel)}
                     for name, channel in plan.channels.items()},
        "stacks": stacks_data(plan),
        "services": [
            {
                "name": service.name,
                "owner": service.owner,
                "source": service.source,
                "alarms": [{**plain_data(alarm), "notifies": list(notified(plan, alarm))} for alarm in service.alarms],
                "xray_groups": [plain_data(group) for group in service.xray_groups],
                "sampling_rules": [plain_data(rule) for rule in service.sampling_rules],
                "canaries": [{**{k: v for k, v in plain_data(canary).items() if k not in ("script", "config")},
                              "schedule": canary.schedule, "checks": json.loads(canary.config)}
                             for canary in service.canaries],
                **inventory.service_data(plan, service),
            }
            for service in plan.services
        ],
        "dashboards": [inventory.dashboard_data(d) for d in plan.dashboards],
    }


def stacks_data(plan: EnvironmentPlan) -> list[dict[str, Any]]:
    """The service stacks of an environment: name, service, shard number, alarms, resources and estimated
    template bytes (the routing stack is fixed in size and not listed)."""
    return [{"stack": shard.stack_name, "service": service.name, "shard": shard.number,
             "alarms": len(shard.alarms), "resources": shard.resources, "template_bytes": shard.template_bytes}
            for service in plan.services for shard in service.shards]


def _stack_lines(plan: EnvironmentPlan) -> list[str]:
    rows = stacks_data(plan)
    width = max((len(row["stack"]) for row in rows), default=0)
    return [f"{row['stack']:<{width}}  {row['resources']:>3} resources  {_kb(row['template_bytes'])}"
            for row in rows]


def _kb(size: int) -> str:
    return f"~{size / 1000:.1f} kB"


MISSING_DATA_WORDS = {
    "missing": "missing (INSUFFICIENT_DATA when all points are missing)",
    "notBreaching": "treated as good",
    "breaching": "treated as breaching",
    "ignore": "ignored (the state is kept)",
}
"""TreatMissingData in words, as the CloudWatch user guide explains each value:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data"""


def alarm_inputs(alarm: AlarmPlan) -> str:
    """What a reviewer checks a metric or math alarm against: the metrics' namespace and dimensions and the
    missing-data treatment, e.g. `PurposePath/Coaching Service=Coaching; missing data: treated as breaching`.
    Metrics of a math alarm that share namespace and dimensions are listed once, by id."""
    queries = (alarm.metric,) if alarm.metric is not None else alarm.metrics
    groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = {}
    for query in queries:
        groups.setdefault((query.namespace, query.dimensions), []).append(query.id)
    shown = []
    for (namespace, dimensions), ids in groups.items():
        where = " ".join(f"{name}={value}" for name, value in dimensions) or "no dimensions"
        prefix = f"{', '.join(ids)}: " if alarm.metric is None and len(groups) > 1 else ""
        shown.append(f"{prefix}{namespace} {where}")
    missing = MISSING_DATA_WORDS.get(alarm.missing_data, alarm.missing_data)
    return f"{'; '.join(shown)}; missing data: {missing}"


def summary_line(plan: EnvironmentPlan) -> str:
    """One line per environment, for the end of `plan`: e.g. `prod: 5 services, 97 alarms (61 notify, 36 silent),
    3 SLOs, 12 dashboards, 4 canaries, 5 stacks (~372.7 kB)`."""
    alarms = [alarm for service in plan.services for alarm in service.alarms]
    loud = sum(1 for alarm in alarms if notified(plan, alarm))
    dashboards = len(plan.dashboards) + sum(len(s.dashboards) for s in plan.services)
    stacks = stacks_data(plan)
    parts = [inventory.count_of(len(plan.services), "service"),
             f"{inventory.count_of(len(alarms), 'alarm')} ({loud} notify, {len(alarms) - loud} notify nobody)",
             inventory.count_of(sum(len(s.slos) for s in plan.services), "SLO"),
             inventory.count_of(dashboards, "dashboard"),
             inventory.count_of(sum(len(s.canaries) for s in plan.services), "canary", "canaries"),
             inventory.count_of(sum(len(s.log_groups) for s in plan.services), "log group"),
             f"{inventory.count_of(len(stacks), 'service stack')} "
             f"({_kb(sum(row['template_bytes'] for row in stacks))})"]
    return f"{plan.label}: " + ", ".join(parts)


def _routes_lines(plan: EnvironmentPlan) -> list[str]:
    lines = []
    for severity, names in plan.routes.items():
        targets = ", ".join(f"{name} ({channel_kind(plan.channels[name])})" for name in names) or "nobody"
        lines.append(f"{severity} -> {targets}")
    return lines


def _alarms_elsewhere(plan: EnvironmentPlan) -> str:
    return f" (alarms and routing in monitoring account {plan.alarm_account})" if plan.central else ""


def _text(plan: EnvironmentPlan) -> str:
    count = sum(len(s.alarms) for s in plan.services)
    lines = [f"Environment {plan.label}: account {plan.account}, {plan.region}, {len(plan.services)} services, "
             f"{count} alarms" + _alarms_elsewhere(plan), "Routes:"]
    lines += [f"  {line}" for line in _routes_lines(plan)]
    lines.append("Stacks:")
    lines += [f"  {line}" for line in _stack_lines(plan)]
    for service in plan.services:
        lines.append("")
        lines.append(f"Service {service.name} (owner {service.owner}, {service.source}): {len(service.alarms)} alarms")
        width = max((len(a.key) for a in service.alarms), default=0)
        for alarm in service.alarms:
            who = ", ".join(notified(plan, alarm)) or "nobody"
            origin = f"  [preset {alarm.preset}]" if alarm.preset else ""
            lines.append(f"  {alarm.severity:<8} {alarm.key:<{width}}  {alarm.condition}  -> {who}{origin}")
            if alarm.kind != "composite":
                lines.append(f"  {'':<8} {'':<{width}}  {alarm_inputs(alarm)}")
        lines += _tracing_and_canary_lines(service)
        lines += inventory.text_lines(plan, service)
    lines += inventory.environment_text_lines(plan)
    return "\n".join(lines)


def _tracing_and_canary_lines(service: ServicePlan) -> list[str]:
    """One line per canary, X-Ray group and sampling rule of a service."""
    lines = []
    for canary in service.canaries:
        lines.append(f"  canary   {canary.name}  every {words(canary.every)}: {inventory.canary_target(canary)}")
    for group in service.xray_groups:
        insights = ", insights" if group.insights else ""
        lines.append(f"  x-ray    group {group.name}: {group.filter}{insights}")
    for rule in service.sampling_rules:
        lines.append(f"  x-ray    sampling {rule.name}: {rule.reservoir}/s then {rule.fixed_rate:.0%} of "
                     f"{rule.service} {rule.method} {rule.url_path} (priority {rule.priority})")
    return lines


def _markdown(plan: EnvironmentPlan) -> str:
    count = sum(len(s.alarms) for s in plan.services)
    lines = [f"### vigil plan: `{plan.label}`", "",
             f"Account `{plan.account}`, `{plan.region}`: {len(plan.services)} services, {count} alarms"
             f"{_alarms_elsewhere(plan)}.", "",
             "| severity | notifies |", "| --- | --- |"]
    for severity, names in plan.routes.items():
        lines.append(f"| {severity} | {', '.join(names) or 'nobody'} |")
    lines += ["", *routing_map(plan)]
    lines += ["", "| stack | resources | template |", "| --- | --- | --- |"]
    lines += [f"| `{row['stack']}` | {row['resources']} | {_kb(row['template_bytes'])} |" for row in stacks_data(plan)]
    for service in plan.services:
        lines += ["", f"#### {service.name} (owner {service.owner})", "",
                  "| alarm | severity | condition | notifies | metrics and missing data |",
                  "| --- | --- | --- | --- | --- |"]
        for alarm in service.alarms:
            condition = alarm.condition.replace("|", "\\|")
            inputs = alarm_inputs(alarm).replace("|", "\\|") if alarm.kind != "composite" else ""
            origin = f" (preset {alarm.preset})" if alarm.preset else ""
            lines.append(f"| `{alarm.key}`{origin} | {alarm.severity} | {condition} | "
                         f"{', '.join(notified(plan, alarm)) or 'nobody'} | {inputs} |")
        lines += inventory.markdown_lines(plan, service)
    lines += inventory.environment_markdown_lines(plan)
    return "\n".join(lines)
