"""`python -m vigil drill --env E --severity S`: prove routing end to end with the environment's drill alarm.

The drill alarm (vigil/plan/drills.py) is set to ALARM, so everyone on the severity's route receives a real
notification; after `wait` seconds it is set back to OK, which resolves the page (critical and warning send OK).
Environments marked `protected` are refused unless the caller confirms.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vigil import naming
from vigil.live.aws import AwsError, AwsSession, Progress, no_progress
from vigil.plan.model import EnvironmentPlan
from vigil.spec.types import Severity

DEFAULT_WAIT = 60
"""Seconds between ALARM and OK: long enough for the notification to arrive and be seen."""


class ProtectedEnvironment(Exception):
    """The environment is protected and the drill was not confirmed."""


@dataclass
class DrillResult:
    """What a drill did: the alarm, who was notified, and the states it set, in order."""

    env: str
    severity: str
    alarm: str
    notified: tuple[str, ...]
    states: list[str] = field(default_factory=list)


def run_drill(session: AwsSession, plan: EnvironmentPlan, severity: Severity, *, wait: float = DEFAULT_WAIT,
              confirmed: bool = False, progress: Progress = no_progress,
              sleep: Callable[[float], None] = time.sleep) -> DrillResult:
    """Set the drill alarm of `severity` to ALARM, wait, set it to OK. Raises ProtectedEnvironment for a
    protected environment unless `confirmed`, and AwsError when the drill alarm is not deployed."""
    if plan.protected and not confirmed:
        raise ProtectedEnvironment(f"environment {plan.name} is protected: a drill pages the people on its "
                                   f"{severity} route ({', '.join(plan.routes.get(severity, ())) or 'nobody'}); "
                                   "add --yes to run it")
    name = naming.drill_alarm_name(plan.name, severity)
    cloudwatch = session.client("cloudwatch")
    found = cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm"]).get("MetricAlarms", [])
    if not found:
        raise AwsError(f"drill alarm {name} not found in account {plan.account}, {plan.region}: deploy the "
                       f"routing stack {naming.routing_stack_name(plan.scope)} first")
    result = DrillResult(plan.name, severity, name, plan.routes.get(severity, ()))
    reason = f"vigil drill: testing {severity} routing of {plan.name}; no action needed"
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason=reason)
    result.states.append("ALARM")
    progress(f"drill: {name} is ALARM; notifying {', '.join(result.notified) or 'nobody'}; OK in {wait:g} s")
    try:
        sleep(wait)
    finally:  # always resolve, even when interrupted, so that no page stays open
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason=f"{reason} (resolved)")
        result.states.append("OK")
        progress(f"drill: {name} is OK again")
    return result


def render(result: DrillResult, output: str) -> str:
    """The drill report as text, markdown or json."""
    data: dict[str, Any] = {"environment": result.env, "severity": result.severity, "alarm": result.alarm,
                            "notified": list(result.notified), "states": result.states}
    if output == "json":
        return json.dumps(data, indent=2, sort_keys=True)
    who = ", ".join(result.notified) or "nobody"
    states = " -> ".join(result.states)
    if output == "markdown":
        return (f"### vigil drill: `{result.env}` {result.severity}\n\nAlarm `{result.alarm}`: {states}. "
                f"Notified: {who}.")
    return f"Drill {result.env} {result.severity}: {result.alarm} {states}; notified {who}."
