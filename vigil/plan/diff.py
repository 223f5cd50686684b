"""Compare the resolved plans of two versions of a spec repository: what a pull request changes.

Works without AWS credentials: both sides are plain plans (vigil/plan/model.py), compared per environment.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from vigil.plan.model import AlarmPlan, EnvironmentPlan, WorkspacePlan
from vigil.plan.report import channel_kind

ALARM_FIELDS = (
    "severity", "kind", "condition", "summary", "runbook", "metric", "expression", "metrics", "operator",
    "threshold", "band", "period", "evaluation_periods", "datapoints_to_alarm", "missing_data", "rule",
    "alarm_actions", "ok_actions", "actions_enabled", "actions_suppressor",
)
"""The alarm properties a diff reports; the description is derived from these and left out."""


@dataclass
class Change:
    """One changed thing: `kind` is added, removed or changed; `fields` holds (field, old, new) for changes."""

    kind: str
    subject: str
    detail: str = ""
    fields: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class EnvironmentDiff:
    """The changes to one environment."""

    environment: str
    changes: list[Change] = field(default_factory=list)


def diff_plans(base: WorkspacePlan | None, head: WorkspacePlan) -> list[EnvironmentDiff]:
    """Changes from `base` to `head` per environment (an environment absent from one side is all added/removed)."""
    before = {e.name: e for e in base.environments} if base else {}
    after = {e.name: e for e in head.environments}
    out = []
    for name in sorted(set(before) | set(after)):
        out.append(EnvironmentDiff(name, _environment_changes(before.get(name), after.get(name))))
    return out


def _environment_changes(old: EnvironmentPlan | None, new: EnvironmentPlan | None) -> list[Change]:
    changes: list[Change] = []
    if old is None or new is None:
        present = old or new
        assert present is not None
        changes.append(Change("added" if old is None else "removed", f"environment {present.name}"))
    for severity in ("critical", "warning", "info"):
        before = old.routes.get(severity, ()) if old else ()
        after = new.routes.get(severity, ()) if new else ()
        if before != after:
            changes.append(Change("changed", f"route {severity}",
                                  f"now notifies {_names(after)} (was {_names(before)})"))
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
            changes.append(Change("added", f"alarm {name}", f"{b.severity}: {b.condition} -> "
                                                            f"{_names(_notified(new, b))}"))
        elif b is None and a is not None:
            changes.append(Change("removed", f"alarm {name}", f"{a.severity}: {a.condition}"))
        elif a is not None and b is not None:
            fields = _field_changes(_alarm_fields(a), _alarm_fields(b))
            before_who, after_who = _notified(old, a), _notified(new, b)
            if before_who != after_who:
                fields.append(("notifies", _names(before_who), _names(after_who)))
            if fields:
                changes.append(Change("changed", f"alarm {name}", "", fields))
    return changes


def _alarms(plan: EnvironmentPlan | None) -> dict[str, AlarmPlan]:
    if plan is None:
        return {}
    return {alarm.name: alarm for service in plan.services for alarm in service.alarms}


def _notified(plan: EnvironmentPlan | None, alarm: AlarmPlan) -> tuple[str, ...]:
    return plan.routes.get(alarm.severity, ()) if plan else ()


def _alarm_fields(alarm: AlarmPlan) -> dict[str, Any]:
    data = asdict(alarm)
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
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names) if names else "nobody"


_MARKS = {"added": "+", "removed": "-", "changed": "~"}


def render(diffs: list[EnvironmentDiff], output: str) -> str:
    """The diff as `text`, `markdown` (for a pull-request comment) or `json`."""
    if output == "json":
        return json.dumps([asdict(d) for d in diffs], indent=2, sort_keys=True)
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
        else:
            lines.append(f"{diff.environment}: {len(diff.changes) or 'no'} change(s)")
            for change in diff.changes:
                lines.append(f"  {_MARKS[change.kind]} {change.subject}" + (f": {change.detail}" if change.detail
                                                                           else ""))
                lines += [f"      {name}: {old} -> {new}" for name, old, new in change.fields]
    return "\n".join(lines)
