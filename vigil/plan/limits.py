"""Every AWS limit the specs can reach, in one place; the plan checks them so that CloudFormation and the CDK
never refuse a plan.

Where each is checked: alarms (metrics, dimensions, name, description, composite rule, actions) while resolving
them in vigil/plan/resolve.py and vigil/plan/slo.py; stacks (resources, template bytes) in
vigil/plan/shards.py; dashboards in vigil/plan/dashboards.py; X-Ray names and sampling rules in
vigil/plan/tracing.py; canary names in vigil/plan/naming.py.
"""

from __future__ import annotations

from vigil.plan import naming
from vigil.plan.cost import ResourceCost
from vigil.plan.model import AlarmPlan

# CloudFormation
MAX_RESOURCES_PER_STACK = 500
"""Resources in one template (the CDK refuses to synthesize more)."""
MAX_TEMPLATE_BYTES = 1_000_000
"""Bytes of a template uploaded through S3 (the CDK uploads large templates as assets)."""
SHARD_BUDGET = ResourceCost(resources=250, template_bytes=500_000)
"""What vigil puts in one stack before opening the next: half of each CloudFormation limit, so that an
alarm's stack never has to change when existing alarms grow (longer descriptions, more metrics)."""

# CloudWatch alarms
MAX_ALARM_NAME = 255
"""Characters in an alarm name."""
MAX_ALARM_DESCRIPTION = 1024
"""Characters in an alarm description."""
MAX_ACTIONS_PER_STATE = 5
"""Actions per alarm state (AlarmActions, OKActions, InsufficientDataActions), each."""
MAX_METRICS_PER_ALARM = 10
"""Metrics in one alarm's Metrics array besides its expression."""
MAX_DIMENSIONS = 30
"""Dimensions of one metric."""
MAX_COMPOSITE_RULE = 10240
"""Characters in a composite alarm rule, with full alarm names."""
MAX_SUPPRESSOR_NAME = MAX_ALARM_NAME
"""A composite alarm's ActionsSuppressor: always an alarm vigil names and checks against MAX_ALARM_NAME."""

# CloudWatch dashboards
MAX_DASHBOARD_NAME = 255
"""Characters in a dashboard name."""
MAX_DASHBOARD_WIDGETS = 500
"""Widgets in one dashboard."""
MAX_DASHBOARD_METRICS = 2500
"""Metrics (metric and expression lines) in one dashboard, over all its widgets."""
MAX_GRAPH_METRICS = 500
"""Metrics in one graph widget."""
MAX_ALARMS_PER_WIDGET = 100
"""Alarms in one alarm status widget; generated dashboards use several widgets beyond that."""

# Synthetics and X-Ray
MAX_CANARY_NAME = naming.CANARY_NAME_MAX
"""Synthetics: canary name (vigil/plan/naming.py shortens longer names with a hash)."""
MAX_XRAY_NAME = 32
"""X-Ray: group and sampling rule names, 1 to 32 characters (CreateGroup, CreateSamplingRule)."""
MAX_SAMPLING_ATTRIBUTES = 5
"""X-Ray: attributes a sampling rule may match."""


def alarm_action_problems(alarm: AlarmPlan) -> list[str]:
    """A message for each alarm state with more actions than CloudWatch allows (actions follow the severity)."""
    problems = []
    for state, actions in (("ALARM", alarm.alarm_actions), ("OK", alarm.ok_actions)):
        if len(actions) > MAX_ACTIONS_PER_STATE:
            problems.append(f"{len(actions)} actions on {state}; CloudWatch allows {MAX_ACTIONS_PER_STATE} per "
                            "alarm state")
    return problems
