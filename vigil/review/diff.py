"""Compare the resolved plans of two versions of a spec repository: what a pull request changes.

Works without AWS credentials: both sides are plain plans (vigil/plan/model.py), compared per environment.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from vigil.plan.model import (
    AlarmPlan,
    CanaryPlan,
    DashboardPlan,
    EnvironmentPlan,
    LogGroupPlan,
    SamplingRulePlan,
    SloPlan,
    WorkspacePlan,
    XRayGroupPlan,
    plain_data,
)
from vigil.review import inventory, widget_matching
from vigil.review.recipients import channel_kind, names, notified, notifies
from vigil.review.routing_map import routing_map_diff
from vigil.spec.durations import words
from vigil.spec.types import SEVERITIES, format_number

ALARM_FIELDS = (
    "severity", "kind", "condition", "summary", "runbook", "metric", "expression", "metrics", "operator",
    "threshold", "band", "period", "evaluation_periods", "datapoints_to_alarm", "missing_data", "rule",
    "expressions", "label", "expression_period", "band_label", "evaluate_low_sample_count_percentile",
    "alarm_actions", "ok_actions", "insufficient_data_actions", "actions_enabled", "actions_suppressor",
    "suppressor_wait_period", "suppressor_extension_period", "preset", "region",
)
"""The alarm properties a diff reports; the description is derived from these and left out."""


@dataclass
class Change:
    """One changed thing: `kind` is added, removed or changed; `fields` holds (field, old, new) for changes;
    `reaches` lists what the change affects by service (a route change: the alarm names it reaches), shown
    folded."""

    kind: str
    subject: str
    detail: str = ""
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    reaches: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class EnvironmentDiff:
    """The changes to one environment; `routing_map` holds the markdown lines of the routing map with the
    changes marked (empty when who is notified for what did not change)."""

    environment: str
    changes: list[Change] = field(default_factory=list)
    routing_map: list[str] = field(default_factory=list)


def diff_plans(base: WorkspacePlan | None, head: WorkspacePlan) -> list[EnvironmentDiff]:
    """Changes from `base` to `head` per environment (an environment absent from one side is all added/removed)."""
    before = {e.label: e for e in base.environments} if base else {}
    after = {e.label: e for e in head.environments}
    out = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        out.append(EnvironmentDiff(name, _environment_changes(old, new), routing_map_diff(old, new)))
    return out


def _environment_changes(old: EnvironmentPlan | None, new: EnvironmentPlan | None) -> list[Change]:
    changes: list[Change] = []
    if old is None or new is None:
        present = old or new
        assert present is not None
        changes.append(Change("added" if old is None else "removed", f"environment {present.label}"))
    changes += route_changes(old, new)
    old_channels = old.channels if old else {}
    new_channels = new.channels if new else {}
    for name in sorted(set(old_channels) | set(new_channels)):
        a, b = old_channels.get(name), new_channels.get(name)
        if a is None and b is not None:
            changes.append(Change("added", f"channel {name}", channel_kind(b)))
        elif b is None and a is not None:
            changes.append(Change("removed", f"channel {name}", channel_kind(a)))
        elif a != b and a is not None and b is not None:
            changes.append(Change("changed", f"channel {name}", "", _field_changes(
                a.model_dump(mode="json", exclude_none=True), b.model_dump(mode="json", exclude_none=True))))
    old_alarms = _alarms(old)
    new_alarms = _alarms(new)
    for name in sorted(set(old_alarms) | set(new_alarms)):
        a, b = old_alarms.get(name), new_alarms.get(name)
        if a is None and b is not None:
            origin = f" [preset {b.preset}]" if b.preset else ""
            changes.append(Change("added", f"alarm {name}", f"{b.severity}: {b.condition} -> "
                                                            f"{names(notified(new, b))}{origin}"))
        elif b is None and a is not None:
            changes.append(Change("removed", f"alarm {name}", f"{a.severity}: {a.condition}"))
        elif a is not None and b is not None:
            fields = _field_changes(_alarm_fields(a), _alarm_fields(b))
            before_who, after_who = notified(old, a), notified(new, b)
            if before_who != after_who and not _only_rerouted(a, b):
                fields.append(("notifies", names(before_who), names(after_who)))
            if fields:
                changes.append(Change("changed", f"alarm {name}", "", fields))
    changes += _slo_changes(old, new)
    changes += _dashboard_changes(old, new)
    changes += _log_group_changes(old, new)
    changes += _canary_changes(old, new)
    changes += _xray_changes(old, new)
    return changes


def route_changes(old: EnvironmentPlan | None, new: EnvironmentPlan | None) -> list[Change]:
    """One entry per severity whose route changed: who it notifies now and before, and how many alarms of
    which services it reaches (the alarms of that severity that notify at all, in `new`), listed in `reaches`.
    Those alarms are not listed again as changed alarms: the route is the one change."""
    out = []
    for severity in SEVERITIES:
        before = old.routes.get(severity, ()) if old else ()
        after = new.routes.get(severity, ()) if new else ()
        if before == after:
            continue
        reached = [alarm for service in _services(new) for alarm in service.alarms
                   if alarm.severity == severity and notifies(alarm)]
        per_service: dict[str, list[str]] = {}
        for alarm in reached:
            per_service.setdefault(alarm.service, []).append(alarm.name)
        detail = f"now notifies {names(after)} (was {names(before)})"
        if reached:
            counts = ", ".join(f"{service} {len(alarms)}" for service, alarms in sorted(per_service.items()))
            detail += (f"; reaches {inventory.count_of(len(reached), 'alarm')} of "
                       f"{inventory.count_of(len(per_service), 'service')} ({counts})")
        out.append(Change("changed", f"route {severity}", detail, reaches=dict(sorted(per_service.items()))))
    return out


def _only_rerouted(a: AlarmPlan, b: AlarmPlan) -> bool:
    """Whether an alarm kept its severity and actions, so that a change in who it notifies is its route's."""
    return (a.severity, a.actions_enabled, a.alarm_actions) == (b.severity, b.actions_enabled, b.alarm_actions)


def _compare(before: dict[str, Any], after: dict[str, Any], subject: Callable[[str], str],
             added: Callable[[Any], str], removed: Callable[[Any], str],
             changed: Callable[[Any, Any], tuple[str, list[tuple[str, str, str]]]]) -> list[Change]:
    """Added, removed and changed things by name, in name order; `changed` gives (detail, fields), both empty
    when nothing a person would care about changed."""
    out = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a is None:
            out.append(Change("added", subject(name), added(b)))
        elif b is None:
            out.append(Change("removed", subject(name), removed(a)))
        else:
            detail, fields = changed(a, b)
            if detail or fields:
                out.append(Change("changed", subject(name), detail, fields))
    return out


def _services(plan: EnvironmentPlan | None) -> Iterable[Any]:
    return plan.services if plan else ()


# SLOs ------------------------------------------------------------------------------------------------------------


def _slo_changes(old: EnvironmentPlan | None, new: EnvironmentPlan | None) -> list[Change]:
    """SLOs by service/key: objective, window, guard, error ratio and who the page and ticket notify. Their child
    and composite alarms are reported as alarms too."""
    def slos(plan: EnvironmentPlan | None) -> dict[str, SloPlan]:
        return {f"{slo.service}/{slo.key}": slo for service in _services(plan) for slo in service.slos}

    def fields(plan: EnvironmentPlan | None, slo: SloPlan) -> dict[str, Any]:
        return {"objective": f"{format_number(slo.objective)}%", "window": words(slo.window),
                "min_requests": slo.min_requests, "error ratio": slo.ratio_expression,
                "metrics": [plain_data(m) for m in slo.metrics],
                "page": inventory.slo_alert(plan, slo, "page").removeprefix("page "),
                "ticket": inventory.slo_alert(plan, slo, "ticket").removeprefix("ticket ")}

    def changed(a: SloPlan, b: SloPlan) -> tuple[str, list[tuple[str, str, str]]]:
        """Who an alert notifies is shown when the alert itself changed (severity, enabled); a change of its
        severity's route alone is the route's entry."""
        before, after = fields(old, a), fields(new, b)
        for alert in ("page", "ticket"):
            if before[alert].split(" -> ")[0] == after[alert].split(" -> ")[0]:
                before[alert] = after[alert]
        return "", _field_changes(before, after)

    return _compare(slos(old), slos(new), lambda name: f"slo {name}",
                    lambda b: inventory.slo_summary(new, b) if new else "",
                    lambda a: inventory.slo_objective(a), changed)


# Dashboards ------------------------------------------------------------------------------------------------------


def _dashboard_changes(old: EnvironmentPlan | None, new: EnvironmentPlan | None) -> list[Change]:
    """Dashboards by name: widget and metric counts, and which widgets (by title) were added, removed or
    changed; a widget that only moved is not a change."""
    def dashboards(plan: EnvironmentPlan | None) -> dict[str, DashboardPlan]:
        if plan is None:
            return {}
        return {d.name: d for d in (*plan.dashboards, *(d for s in plan.services for d in s.dashboards))}

    def changed(a: DashboardPlan, b: DashboardPlan) -> tuple[str, list[tuple[str, str, str]]]:
        fields = _field_changes({"kind": inventory.dashboard_summary(a).split(",")[0], "widgets": a.widgets,
                                 "metrics": a.metrics},
                                {"kind": inventory.dashboard_summary(b).split(",")[0], "widgets": b.widgets,
                                 "metrics": b.metrics})
        if a.body == b.body:
            return "", fields
        return widget_changes(a.body, b.body) or "layout changed", fields

    return _compare(dashboards(old), dashboards(new), lambda name: f"dashboard {name}",
                    inventory.dashboard_summary, inventory.dashboard_summary, changed)


def widget_changes(before: str, after: str) -> str:
    """Which widgets two dashboard bodies add, remove or change (vigil/review/widget_matching.py), by title (or
    first text line, or kind), e.g. `widgets added: Errors; removed: Latency; changed: Requests`; empty when the
    widgets only moved."""
    old, new = widget_matching.widgets(before), widget_matching.widgets(after)
    changes = widget_matching.compare(old, new)
    old_names, new_names = _widget_names(old), _widget_names(new)
    parts = (("added", [new_names[i] for i in changes.added]), ("removed", [old_names[i] for i in changes.removed]),
             ("changed", [new_names[i] for _, i in changes.changed]))
    shown = [f"{label}: {', '.join(names)}" for label, names in parts if names]
    return f"widgets {'; '.join(shown)}" if shown else ""


def _widget_names(widgets: list[dict[str, Any]]) -> list[str]:
    """Each widget's title, numbered from the second widget of the same title on: `Errors (2)`."""
    seen: Counter[str] = Counter()
    names = []
    for widget in widgets:
        title = widget_matching.title(widget)
        seen[title] += 1
        names.append(title if seen[title] == 1 else f"{title} ({seen[title]})")
    return names


# Log groups ------------------------------------------------------------------------------------------------------


def _log_group_changes(old: EnvironmentPlan | None, new: EnvironmentPlan | None) -> list[Change]:
    """Log groups by name: existing or owned, retention, KMS key, and metric filters and queries by key."""
    def groups(plan: EnvironmentPlan | None) -> dict[str, LogGroupPlan]:
        return {g.name: g for service in _services(plan) for g in service.log_groups}

    def fields(group: LogGroupPlan) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "existing" if group.existing else "owned",
                               "retention": inventory.retention(group).removeprefix("retention "),
                               "kms_key": group.kms_key}
        for metric_filter in group.filters:
            out[f"filter {metric_filter.key} pattern"] = metric_filter.pattern
            out[f"filter {metric_filter.key} metric"] = inventory.filter_metric(metric_filter)
        out |= {f"query {q.key}": q.query for q in group.queries}
        return out

    def removed(group: LogGroupPlan) -> str:
        if group.existing:
            return "existing group: vigil stops managing it; the group and its logs stay"
        return "owned group: retained with its logs (vigil never deletes logs); delete it by hand if unwanted"

    return _compare(groups(old), groups(new), lambda name: f"log group {name}", inventory.log_group_summary,
                    removed, lambda a, b: ("", _field_changes(fields(a), fields(b))))


# Canaries and X-Ray ----------------------------------------------------------------------------------------------


def _canary_changes(old: EnvironmentPlan | None, new: EnvironmentPlan | None) -> list[Change]:
    """Canaries by name: schedule, timeouts, retention, runtime, severity and checks; the script by hash."""
    def canaries(plan: EnvironmentPlan | None) -> dict[str, CanaryPlan]:
        return {c.name: c for service in _services(plan) for c in service.canaries}

    def fields(canary: CanaryPlan) -> dict[str, Any]:
        data = {k: v for k, v in plain_data(canary).items() if k not in ("name", "service", "source", "script",
                                                                     "config", "key")}
        data["checks"] = json.loads(canary.config)
        data["script"] = f"sha256 {hashlib.sha256(canary.script.encode()).hexdigest()[:12]}"
        for name in ("every", "timeout", "run_timeout"):
            data[name] = words(data[name])
        return data

    return _compare(canaries(old), canaries(new), lambda name: f"canary {name}",
                    lambda b: inventory.canary_summary(new, b), lambda a: inventory.canary_summary(old, a),
                    lambda a, b: ("", _field_changes(fields(a), fields(b))))


def _xray_changes(old: EnvironmentPlan | None, new: EnvironmentPlan | None) -> list[Change]:
    """X-Ray groups and sampling rules by name (where in the file they are defined is not a change)."""
    def groups(plan: EnvironmentPlan | None) -> dict[str, XRayGroupPlan]:
        return {g.name: g for service in _services(plan) for g in service.xray_groups}

    def rules(plan: EnvironmentPlan | None) -> dict[str, SamplingRulePlan]:
        return {r.name: r for service in _services(plan) for r in service.sampling_rules}

    def fields(item: XRayGroupPlan | SamplingRulePlan) -> dict[str, Any]:
        return {k: v for k, v in plain_data(item).items() if k not in ("key", "name", "source", "line")}

    return [*_compare(groups(old), groups(new), lambda name: f"x-ray group {name}", inventory.xray_group_summary,
                      inventory.xray_group_summary, lambda a, b: ("", _field_changes(fields(a), fields(b)))),
            *_compare(rules(old), rules(new), lambda name: f"x-ray sampling rule {name}",
                      inventory.sampling_rule_summary, inventory.sampling_rule_summary,
                      lambda a, b: ("", _field_changes(fields(a), fields(b))))]


def _alarms(plan: EnvironmentPlan | None) -> dict[str, AlarmPlan]:
    if plan is None:
        return {}
    return {alarm.name: alarm for service in plan.services for alarm in service.alarms}


def _alarm_fields(alarm: AlarmPlan) -> dict[str, Any]:
    data = plain_data(alarm)
    return {name: data[name] for name in ALARM_FIELDS}


def _field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str]]:
    out = []
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            out.append((name, _show(before.get(name)), _show(after.get(name))))
    return out


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


_MARKS = {"added": "+", "removed": "-", "changed": "~"}


def render(diffs: list[EnvironmentDiff], output: str) -> str:
    """The diff as `text`, `markdown` (for a pull-request comment) or `json`."""
    if output == "json":
        return json.dumps([{k: v for k, v in plain_data(d).items() if k != "routing_map"} for d in diffs], indent=2,
                          sort_keys=True)
    lines: list[str] = []
    if output == "markdown":
        lines.append("### vigil: what this change deploys")
    for diff in diffs:
        if output == "markdown":
            lines += ["", f"#### `{diff.environment}`", ""]
            if not diff.changes:
                lines.append("No changes.")
            for change in diff.changes:
                lines.append(f"- **{change.kind}** {change.subject}" + (f": {change.detail}" if change.detail else ""))
                lines += [f"  - `{name}`: `{old}` → `{new}`" for name, old, new in change.fields]
                lines += _folded_markdown(change.reaches)
            if diff.routing_map:
                lines += ["", "<details open><summary>Routing map</summary>", "", *diff.routing_map, "",
                          "</details>", ""]
        else:
            lines.append(f"{diff.environment}: {len(diff.changes) or 'no'} change(s)")
            for change in diff.changes:
                lines.append(f"  {_MARKS[change.kind]} {change.subject}" + (f": {change.detail}" if change.detail
                                                                           else ""))
                lines += [f"      {name}: {old} -> {new}" for name, old, new in change.fields]
                lines += [f"      {service}: {_listed(alarms, TEXT_LISTED, str)}"
                          for service, alarms in change.reaches.items()]
    return "\n".join(lines)


TEXT_LISTED = 10
"""Alarm names listed per service under a route change in text; the rest are counted."""
MARKDOWN_LISTED = 50
"""The same in markdown: a pull-request comment holds at most 65,536 characters. `--format json` lists all."""


def _listed(names: list[str], limit: int, show: Callable[[str], str]) -> str:
    """`a, b, c`, or the first `limit` and `and N more`."""
    shown = ", ".join(show(name) for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _folded_markdown(reaches: dict[str, list[str]]) -> list[str]:
    """The alarms a change reaches, per service, in a `<details>` block under the change's list item."""
    if not reaches:
        return []
    total = sum(len(alarms) for alarms in reaches.values())
    return ["", f"  <details><summary>{inventory.count_of(total, 'alarm')}</summary>", "",
            *(f"  - {html.escape(service)}: " + _listed(alarms, MARKDOWN_LISTED, lambda name: f"`{name}`")
              for service, alarms in reaches.items()),
            "", "  </details>", ""]
