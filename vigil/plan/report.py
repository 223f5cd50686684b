"""Render an environment plan for people (text, markdown) and machines (json)."""

from __future__ import annotations

import json
from typing import Any

from vigil.plan import inventory
from vigil.plan.model import AlarmPlan, Channel, EnvironmentPlan, ServicePlan, plain_data
from vigil.spec.durations import words
from vigil.spec.environment import EmailChannel, PagerDutyChannel

FORMATS = ("text", "markdown", "json")


def channel_kind(channel: Channel) -> str:
    """A short word for a channel's delivery: pagerduty, slack-chatbot, slack-webhook or email."""
    if isinstance(channel, PagerDutyChannel):
        return "pagerduty"
    if isinstance(channel, EmailChannel):
        return "email"
    return "slack-webhook" if channel.webhook is not None else "slack-chatbot"


def notified(plan: EnvironmentPlan, alarm: AlarmPlan) -> tuple[str, ...]:
    """The channels an alarm reaches in `plan` (none when its actions are disabled, as for SLO child alarms)."""
    if not alarm.actions_enabled:
        return ()
    return plan.routes.get(alarm.severity, ())


def render(plan: EnvironmentPlan, output: str) -> str:
    """The plan of one environment as `text`, `markdown` or `json`."""
    if output == "json":
        return json.dumps(plan_data(plan), indent=2, sort_keys=True)
    if output == "markdown":
        return _markdown(plan)
    return _text(plan)


def plan_data(plan: EnvironmentPlan) -> dict[str, Any]:
    """A JSON-ready view of the plan: routes, channels (secrets by reference only), services with everything
    they deploy (dashboard bodies left out), and the dashboards across services."""
    return {
        "environment": plan.name,
        "account": plan.account,
        "region": plan.region,
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


def _routes_lines(plan: EnvironmentPlan) -> list[str]:
    lines = []
    for severity, names in plan.routes.items():
        targets = ", ".join(f"{name} ({channel_kind(plan.channels[name])})" for name in names) or "nobody"
        lines.append(f"{severity} -> {targets}")
    return lines


def _text(plan: EnvironmentPlan) -> str:
    count = sum(len(s.alarms) for s in plan.services)
    lines = [f"Environment {plan.name}: account {plan.account}, {plan.region}, {len(plan.services)} services, "
             f"{count} alarms", "Routes:"]
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
        lines += _tracing_and_canary_lines(service)
        lines += inventory.text_lines(plan, service)
    lines += inventory.environment_text_lines(plan)
    return "\n".join(lines)


def _tracing_and_canary_lines(service: ServicePlan) -> list[str]:
    """One line per canary, X-Ray group and sampling rule of a service."""
    lines = []
    for canary in service.canaries:
        steps = json.loads(canary.config)["steps"]
        target = steps[0]["url"] if len(steps) == 1 else f"{len(steps)} steps"
        lines.append(f"  canary   {canary.name}  every {words(canary.every)}: {target}")
    for group in service.xray_groups:
        insights = ", insights" if group.insights else ""
        lines.append(f"  x-ray    group {group.name}: {group.filter}{insights}")
    for rule in service.sampling_rules:
        lines.append(f"  x-ray    sampling {rule.name}: {rule.reservoir}/s then {rule.fixed_rate:.0%} of "
                     f"{rule.service} {rule.method} {rule.url_path} (priority {rule.priority})")
    return lines


def _markdown(plan: EnvironmentPlan) -> str:
    count = sum(len(s.alarms) for s in plan.services)
    lines = [f"### vigil plan: `{plan.name}`", "",
             f"Account `{plan.account}`, `{plan.region}`: {len(plan.services)} services, {count} alarms.", "",
             "| severity | notifies |", "| --- | --- |"]
    for severity, names in plan.routes.items():
        lines.append(f"| {severity} | {', '.join(names) or 'nobody'} |")
    lines += ["", "| stack | resources | template |", "| --- | --- | --- |"]
    lines += [f"| `{row['stack']}` | {row['resources']} | {_kb(row['template_bytes'])} |" for row in stacks_data(plan)]
    for service in plan.services:
        lines += ["", f"#### {service.name} (owner {service.owner})", "",
                  "| alarm | severity | condition | notifies |", "| --- | --- | --- | --- |"]
        for alarm in service.alarms:
            condition = alarm.condition.replace("|", "\\|")
            origin = f" (preset {alarm.preset})" if alarm.preset else ""
            lines.append(f"| `{alarm.key}`{origin} | {alarm.severity} | {condition} | "
                         f"{', '.join(notified(plan, alarm)) or 'nobody'} |")
        lines += inventory.markdown_lines(plan, service)
    lines += inventory.environment_markdown_lines(plan)
    return "\n".join(lines)
