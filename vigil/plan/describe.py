"""Alarms in words: the condition line of `plan` and the description CloudWatch shows and notifications carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vigil.spec.durations import words
from vigil.spec.types import ANOMALY_DIRECTIONS, SYMBOLS, format_number

if TYPE_CHECKING:
    from vigil.plan.model import AlarmPlan

_BAND_SIDE_WORDS = {"above": "above", "below": "below", "both": "outside"}


def alarm_condition(alarm: AlarmPlan, composite_rule: str | None = None) -> str:
    """The breaching condition, e.g. `p95 APILatency > 2000 for 1 of 1 x 15 min`.

    Composite alarms are described by their rule as written in the spec (alarm keys, not full names).
    """
    if alarm.kind == "composite":
        return composite_rule or alarm.rule or ""
    subject = f"{alarm.metric.stat} {alarm.metric.metric}" if alarm.metric else str(alarm.label or alarm.expression)
    if alarm.kind == "anomaly":
        side = _BAND_SIDE_WORDS[ANOMALY_DIRECTIONS[alarm.operator or ""]]
        test = f"{side} the {format_number(alarm.band or 0)}-sigma anomaly band"
        condition = f"{subject} {test}"
    else:
        condition = f"{subject} {SYMBOLS[alarm.operator or '']} {format_number(alarm.threshold or 0)}"
    return f"{condition} for {alarm.datapoints_to_alarm} of {alarm.evaluation_periods} x {words(alarm.period)}"


def alarm_description(alarm: AlarmPlan, condition: str, env: str) -> str:
    """AlarmDescription: summary, severity, environment, owner and runbook on their own `Label: value` lines,
    which the Slack forwarder and people reading a page both parse."""
    lines = [
        f"Summary: {alarm.summary or condition}",
        f"Condition: {condition}" if alarm.summary else "",
        f"Severity: {alarm.severity}",
        f"Environment: {env}",
        f"Owner: {alarm.owner}",
        f"Runbook: {alarm.runbook}" if alarm.runbook else "",
        f"Source: {alarm.source}{MANAGED_SUFFIX}",
    ]
    return "\n".join(line for line in lines if line)



MANAGED_SUFFIX = " (managed by vigil)"
"""How the Source line of a description vigil wrote ends."""
_LABELS = ("Summary", "Condition", "Severity", "Environment", "Owner", "Runbook", "Source")


@dataclass(frozen=True)
class DescribedAlarm:
    """What `alarm_description` wrote, read back: the summary (None when the alarm had none and the Summary line
    repeats the condition), the severity, the owner and the runbook (None when none)."""

    summary: str | None
    severity: str | None
    owner: str | None
    runbook: str | None


def parse_description(text: str) -> DescribedAlarm | None:
    """The inverse of `alarm_description`: the parts of a description vigil wrote, None for any other text."""
    lines = text.split("\n")
    if not lines[-1].startswith("Source: ") or not lines[-1].endswith(MANAGED_SUFFIX):
        return None
    fields: dict[str, str] = {}
    label = None
    for line in lines:
        head, _, rest = line.partition(": ")
        if head in _LABELS and head not in fields:
            label = head
            fields[label] = rest
        elif label is None:
            return None
        else:  # a summary over several lines
            fields[label] += "\n" + line
    if "Summary" not in fields:
        return None
    return DescribedAlarm(summary=fields["Summary"] if "Condition" in fields else None,
                          severity=fields.get("Severity"), owner=fields.get("Owner"), runbook=fields.get("Runbook"))
