"""Drill alarms: one per severity and environment, routed like any other alarm, that never fire on their own.

`python -m vigil drill` sets one to ALARM and back to OK, so the people on a severity's route receive a real
notification and its resolution: proof that routing works end to end.
"""

from __future__ import annotations

from vigil import naming
from vigil.plan.describe import alarm_condition, alarm_description
from vigil.plan.model import AlarmPlan, MetricQuery
from vigil.spec.types import SEVERITIES, Severity

DRILL_NAMESPACE = "vigil/Drill"
"""A namespace nothing publishes to: the drill alarms' metric never has data."""
DRILL_METRIC = "DrillSignal"
DRILL_SERVICE = "vigil"
DRILL_PERIOD = 300
"""Seconds; a standard-resolution period keeps the drill alarms at the standard alarm price."""


def drill_alarm(env: str, severity: Severity, source: str) -> AlarmPlan:
    """The drill alarm of `severity` in `env`: a metric that never has data, missing data not breaching (so it
    stays OK), ALARM (and for critical and warning also OK) notifications to the severity topic."""
    topic = naming.topic_name(env, severity)
    plan = AlarmPlan(
        key=f"drill-{severity}",
        name=naming.drill_alarm_name(env, severity),
        service=DRILL_SERVICE,
        severity=severity,
        kind="threshold",
        condition="",
        summary=f"Routing drill for {severity} notifications: `python -m vigil drill --env {env} --severity "
                f"{severity}` sets this alarm to ALARM, then back to OK. No action needed.",
        owner="vigil",
        runbook=None,
        description="",
        source=source,
        metric=MetricQuery(id="m1", namespace=DRILL_NAMESPACE, metric=DRILL_METRIC,
                           dimensions=(("Environment", env),), stat="Maximum", period=DRILL_PERIOD),
        operator="GreaterThanThreshold",
        threshold=0,
        period=DRILL_PERIOD,
        missing_data="notBreaching",
        alarm_actions=(topic,),
        ok_actions=(topic,) if severity != "info" else (),
    )
    condition = alarm_condition(plan)
    from dataclasses import replace

    return replace(plan, condition=condition, description=alarm_description(plan, condition, env))


def drill_alarms(env: str, source: str) -> tuple[AlarmPlan, ...]:
    """One drill alarm per severity, in severity order."""
    return tuple(drill_alarm(env, severity, source) for severity in SEVERITIES)
