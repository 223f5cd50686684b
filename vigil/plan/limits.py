"""AWS limits the specs can reach, checked in the plan so that CloudFormation and the CDK never refuse a plan.

Alarm-level limits (metrics per alarm, dimensions, name and description lengths, composite rules) are checked
while resolving alarms in vigil/plan/resolve.py; stack-level ones (resources, template bytes) in
vigil/plan/shards.py; X-Ray names and filters in vigil/plan/tracing.py, canary names in vigil/plan/naming.py.
This module names them all; the dashboard limits are for the dashboards' plan module.
"""

from __future__ import annotations

from vigil.plan import naming
from vigil.plan.cost import ResourceCost
from vigil.plan.model import AlarmPlan
from vigil.plan.tracing import XRAY_NAME_MAX

MAX_RESOURCES_PER_STACK = 500
"""CloudFormation: resources in one template (the CDK refuses to synthesize more)."""
MAX_TEMPLATE_BYTES = 1_000_000
"""CloudFormation: bytes of a template uploaded through S3 (the CDK uploads large templates as assets)."""
SHARD_BUDGET = ResourceCost(resources=250, template_bytes=500_000)
"""What vigil puts in one stack before opening the next: half of each CloudFormation limit, so that an
alarm's stack never has to change when existing alarms grow (longer descriptions, more metrics)."""

MAX_ACTIONS_PER_STATE = 5
"""CloudWatch: actions per alarm state (AlarmActions, OKActions, InsufficientDataActions), each."""
MAX_SUPPRESSOR_NAME = 255
"""CloudWatch: a composite alarm's ActionsSuppressor (an alarm name or ARN), in characters."""
MAX_DASHBOARD_WIDGETS = 500
"""CloudWatch: widgets in one dashboard."""
MAX_DASHBOARD_METRICS = 2500
"""CloudWatch: metrics in one dashboard, over all its widgets."""
MAX_GRAPH_METRICS = 500
"""CloudWatch: metrics in one graph widget."""
MAX_CANARY_NAME = naming.CANARY_NAME_MAX
"""Synthetics: canary name (vigil/plan/naming.py shortens longer names with a hash)."""
MAX_XRAY_NAME = XRAY_NAME_MAX
"""X-Ray: group and sampling rule names (checked in vigil/plan/tracing.py)."""


def alarm_action_problems(alarm: AlarmPlan) -> list[str]:
    """A message for each alarm state with more actions than CloudWatch allows (actions follow the severity)."""
    problems = []
    for state, actions in (("ALARM", alarm.alarm_actions), ("OK", alarm.ok_actions)):
        if len(actions) > MAX_ACTIONS_PER_STATE:
            problems.append(f"{len(actions)} actions on {state}; CloudWatch allows {MAX_ACTIONS_PER_STATE} per "
                            "alarm state")
    return problems
